/**
 * Attribute interning: every distinct set of path attributes exists once, frozen, and the routes
 * that carry it share the object, so "same attributes" is `===` all through the RIB. This is
 * BIRD's `rta_lookup()` / OpenBGPD's `path_lookup()` idea: a 1M-route table with a few hundred
 * attribute sets holds a few hundred attribute objects, and update packing (RFC 4271 §9.2:
 * routes sharing attributes leave in one UPDATE) falls out of grouping by set.
 *
 * Each set has a small integer id (reused once freed), which is what the RIB's typed-array
 * columns hold: path rows (path.ts), Adj-RIB-Out columns and buckets (adj-rib-out.ts), export
 * caches (export-rules.ts). Those holders count their references here (`ref`/`unref`); a set
 * whose count is 0 at the end of a RIB call (`collect`) is freed: its table entry goes and
 * listeners (export caches) drop what they derived from it. No WeakRef, no FinalizationRegistry,
 * no sweep: those cost a cell per set and weak processing in every GC, ~13 µs a set with one set
 * per 10 routes.
 *
 * Lookup is by a numeric hash of the attributes and a field-by-field comparison, once per *new*
 * object (the codec makes one object per UPDATE, not per prefix): building a string key cost
 * ~1 KB of short-lived strings per set, which dominated when attribute sets are many.
 *
 * Sets share their AS_PATH and next hop when equal (counted like the sets): the sets of one peer
 * mostly differ in a community or a MED, and the derivations for one target all carry the same
 * prepended AS_PATH. A set received from the codec then costs ~75 octets of heap, not ~270.
 */
import { AsPathSegmentType, type AsPathSegment, type PathAttributes, type PmsiTunnel } from '../wire/attributes/types.js';
import { buildIndex, removeFromIndex } from './id-index.js';
import { widen } from './path.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
/** Fields to replace; a field given as `undefined` is removed. */
export type AttrPatch = Partial<Mutable<PathAttributes>>;

/** RFC 4271 §4.3: at most 255 ASes in one AS_PATH segment. */
const MAX_SEGMENT_ASNS = 255;

function asPathKey(path: readonly AsPathSegment[]): string {
  let k = '';
  for (const s of path) k += s.type + ':' + s.asns.join(',') + ';';
  return k;
}

/** A string that identifies the attribute set: equal keys ⇔ equal attributes. Absent and empty
 *  optional lists are kept apart ('-' vs ''), because the encoder writes an empty attribute for
 *  the latter. */
export function attrKey(a: PathAttributes): string {
  let k = a.origin + '|' + a.nextHop + '|' + (a.nextHopLinkLocal ?? '-') + '|' + asPathKey(a.asPath);
  k += '|' + (a.med ?? '-') + '|' + (a.localPref ?? '-') + '|' + (a.atomicAggregate ? '1' : '-');
  k += '|' + (a.aggregator === undefined ? '-' : a.aggregator.asn + '@' + a.aggregator.address);
  k += '|' + (a.communities === undefined ? '-' : a.communities.join(','));
  k += '|' + (a.extCommunities === undefined ? '-' : a.extCommunities.map((c) => c.toString(16)).join(','));
  k += '|' + (a.largeCommunities === undefined ? '-' : a.largeCommunities.map((c) => c.join(':')).join(','));
  k += '|' + (a.originatorId ?? '-');
  k += '|' + (a.clusterList === undefined ? '-' : a.clusterList.join(','));
  k += '|' + (a.pmsiTunnel === undefined ? '-' : pmsiText(a.pmsiTunnel));
  k += '|';
  if (a.unknown === undefined) k += '-';
  else for (const u of a.unknown) k += u.flags + ':' + u.code + ':' + u.value.toString('hex') + ';';
  return k;
}

function asPathHash(path: readonly AsPathSegment[]): number {
  let h = 0x85ebca6b;
  for (const seg of path) {
    h = mix(h, seg.type + 0x100);
    for (const asn of seg.asns) h = mix(h, asn);
  }
  return h;
}

function sameAsPath(a: readonly AsPathSegment[], b: readonly AsPathSegment[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.type !== y.type || !sameList(x.asns, y.asns)) return false;
  }
  return true;
}

/** A hash of everything attrKey covers: equal attributes ⇒ equal hashes. */
export function attrHash(a: PathAttributes): number {
  return attrHashWithPath(a, asPathHash(a.asPath));
}

/** attrHash, given asPathHash(a.asPath) (interning needs both). */
function attrHashWithPath(a: PathAttributes, pathHash: number): number {
  let h = mix(0x9e3779b9, a.origin);
  h = mixString(h, a.nextHop);
  if (a.nextHopLinkLocal !== undefined) h = mixString(h, a.nextHopLinkLocal);
  h = mix(h, pathHash);
  h = mix(h, a.med === undefined ? -1 : a.med);
  h = mix(h, a.localPref === undefined ? -1 : a.localPref);
  if (a.communities !== undefined) {
    h = mix(h, 0x200 + a.communities.length);
    for (const c of a.communities) h = mix(h, c);
  }
  if (a.largeCommunities !== undefined) {
    h = mix(h, 0x300 + a.largeCommunities.length);
    for (const c of a.largeCommunities) h = mix(mix(mix(h, c[0]), c[1]), c[2]);
  }
  if (a.extCommunities !== undefined) h = mix(h, 0x400 + a.extCommunities.length);
  if (a.clusterList !== undefined) h = mix(h, 0x500 + a.clusterList.length);
  if (a.originatorId !== undefined) h = mixString(h, a.originatorId);
  if (a.unknown !== undefined) h = mix(h, 0x600 + a.unknown.length);
  if (a.pmsiTunnel !== undefined) h = mix(h, 0x700 + a.pmsiTunnel.label);
  return h;
}

/** RFC 6514 §5 PMSI tunnel as text: the tunnel id is a Buffer for types other than ingress replication. */
function pmsiText(p: PmsiTunnel): string {
  const id = typeof p.tunnelId === 'string' ? p.tunnelId : p.tunnelId.toString('hex');
  return `${p.flags}:${p.tunnelType}:${p.label}:${id}`;
}

function mix(h: number, v: number): number {
  h = Math.imul(h ^ (v | 0), 0x01000193);
  return h ^ (h >>> 15);
}

function mixString(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h ^ (h >>> 15);
}

/** Field by field, with the distinctions attrKey makes (absent ≠ empty list; atomicAggregate
 *  false ≡ absent). */
export function sameAttributes(a: PathAttributes, b: PathAttributes): boolean {
  if (
    a.origin !== b.origin ||
    a.nextHop !== b.nextHop ||
    a.nextHopLinkLocal !== b.nextHopLinkLocal ||
    a.med !== b.med ||
    a.localPref !== b.localPref ||
    !a.atomicAggregate !== !b.atomicAggregate ||
    a.originatorId !== b.originatorId
  ) {
    return false;
  }
  if (!sameAsPath(a.asPath, b.asPath)) return false;
  if (!sameOptList(a.communities, b.communities) || !sameOptList(a.extCommunities, b.extCommunities)) return false;
  if (!sameOptList(a.clusterList, b.clusterList)) return false;
  if ((a.aggregator === undefined) !== (b.aggregator === undefined)) return false;
  if (a.aggregator !== undefined && (a.aggregator.asn !== b.aggregator!.asn || a.aggregator.address !== b.aggregator!.address)) {
    return false;
  }
  const la = a.largeCommunities;
  const lb = b.largeCommunities;
  if ((la === undefined) !== (lb === undefined)) return false;
  if (la !== undefined) {
    if (la.length !== lb!.length) return false;
    for (let i = 0; i < la.length; i++) if (!sameList(la[i]!, lb![i]!)) return false;
  }
  if ((a.pmsiTunnel === undefined) !== (b.pmsiTunnel === undefined)) return false;
  if (a.pmsiTunnel !== undefined && pmsiText(a.pmsiTunnel) !== pmsiText(b.pmsiTunnel!)) return false;
  const ua = a.unknown;
  const ub = b.unknown;
  if ((ua === undefined) !== (ub === undefined)) return false;
  if (ua !== undefined) {
    if (ua.length !== ub!.length) return false;
    for (let i = 0; i < ua.length; i++) {
      const x = ua[i]!;
      const y = ub![i]!;
      if (x.flags !== y.flags || x.code !== y.code || !x.value.equals(y.value)) return false;
    }
  }
  return true;
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameOptList<T>(a: readonly T[] | undefined, b: readonly T[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return sameList(a, b);
}

/**
 * Freezes the set and its objects, not its arrays (AS_PATH, its segments' ASNs, communities,
 * cluster list): V8 11 (Node 20) gives a frozen array a slow elements kind, where every indexed
 * read leaves the fast path and `for...of` allocates an iterator result per element (3× slower
 * hashing of communities, measured; ~140 MiB of iterator garbage per million routes with a set
 * per 10 routes). The arrays are `readonly` in the types, which is what keeps bgpipe's own code
 * from writing to them.
 */
function freezeAttributes(a: PathAttributes): void {
  if (a.aggregator) Object.freeze(a.aggregator);
  if (a.pmsiTunnel) Object.freeze(a.pmsiTunnel);
  Object.freeze(a);
}

/** One cache per derivation: source object → (parameter → derived object). Rare paths only
 *  (LOCAL_PREF from an external peer, tests); export uses rib/export-rules.ts's id columns. */
type DerivationCache<P> = WeakMap<PathAttributes, Map<P, PathAttributes>>;

/** A part several sets hold one copy of, counted by the sets holding it. */
interface Shared<K, T> {
  readonly key: K;
  readonly value: T;
  sets: number;
}

/** Shared parts by key; a numeric key (a hash) may hold several parts. */
class SharedParts<K, T> {
  private readonly byKey = new Map<K, Shared<K, T> | Shared<K, T>[]>();

  constructor(private readonly same: (a: T, b: T) => boolean) {}

  /** The shared copy of `value` (which becomes it when new); the caller holds it until release. */
  hold(key: K, value: T): Shared<K, T> {
    const e = this.byKey.get(key);
    if (e !== undefined) {
      if (!Array.isArray(e)) {
        if (this.same(e.value, value)) return (e.sets++, e);
      } else {
        for (const x of e) if (this.same(x.value, value)) return (x.sets++, x);
      }
    }
    const n: Shared<K, T> = { key, value, sets: 1 };
    if (e === undefined) this.byKey.set(key, n);
    else if (!Array.isArray(e)) this.byKey.set(key, [e, n]);
    else e.push(n);
    return n;
  }

  release(part: Shared<K, T>): void {
    if (--part.sets > 0) return;
    const e = this.byKey.get(part.key);
    if (e === part) this.byKey.delete(part.key);
    else if (Array.isArray(e)) {
      e.splice(e.indexOf(part), 1);
      if (e.length === 1) this.byKey.set(part.key, e[0]!);
    }
  }
}

export class AttrSets {
  /** The index of ids by attrHash (id-index.ts). */
  private slots = new Int32Array(256);
  /** By id: the interned object, undefined for a free id. */
  private readonly byId: (PathAttributes | undefined)[] = [];
  /** By id: its attrHash. */
  private hashes = new Int32Array(128);
  /** By id: references held by path rows, Adj-RIB-Out columns and buckets, export caches. */
  private refs = new Int32Array(128);
  private readonly freeIds: number[] = [];
  /** Ids whose count was 0 at some point since the last collect(). */
  private pending: number[] = [];
  private live = 0;
  private readonly freeListeners = new Set<(id: number) => void>();
  /** Shared parts (AS_PATH by its text, next hop), counted by the sets that hold them; by id,
   *  the entries a set holds. */
  private readonly asPaths = new SharedParts<number, readonly AsPathSegment[]>(sameAsPath);
  private readonly hops = new SharedParts<string, string>((a, b) => a === b);
  private readonly pathOf: (Shared<number, readonly AsPathSegment[]> | undefined)[] = [];
  private readonly hopOf: (Shared<string, string> | undefined)[] = [];
  /** The last object looked up and its id: a policy returns the object it was given for every
   *  NLRI of an UPDATE, and this saves hashing it each time. */
  private lastObject: PathAttributes | undefined = undefined;
  private lastId = -1;

  private readonly prepended: DerivationCache<number> = new WeakMap();
  private readonly nextHops: DerivationCache<string> = new WeakMap();
  private readonly reflected: DerivationCache<string> = new WeakMap();
  private readonly localPrefs: DerivationCache<number> = new WeakMap();

  /** The shared object equal to `a` (which becomes it, frozen, when it is the first of its kind). */
  intern(a: PathAttributes): PathAttributes {
    return this.byId[this.internId(a)]!;
  }

  /** The id of the shared object equal to `a`, interning it when new. A new set starts with no
   *  reference: unless something refs it before the next collect(), it goes again. */
  internId(a: PathAttributes): number {
    if (a === this.lastObject && this.byId[this.lastId] === a) return this.lastId;
    const pathHash = asPathHash(a.asPath);
    const h = attrHashWithPath(a, pathHash);
    let slots = this.slots;
    let mask = slots.length - 1;
    let i = h & mask;
    for (; ; i = (i + 1) & mask) {
      const s = slots[i]!;
      if (s === 0) break;
      if (this.hashes[s - 1] !== h) continue;
      const x = this.byId[s - 1]!;
      if (x === a || sameAttributes(x, a)) {
        this.lastObject = x;
        this.lastId = s - 1;
        return s - 1;
      }
    }
    // Someone else's frozen object (another table's, a caller's, or one of ours whose set was
    // freed) is copied: ours are the objects in byId, and an interned object is never shared
    // with another table.
    const own = (Object.isFrozen(a) ? { ...a } : a) as Mutable<PathAttributes>;
    const id = this.freeIds.length > 0 ? this.freeIds.pop()! : this.byId.length;
    // Equal parts, one copy: the AS_PATH and next hop of one peer's sets are mostly the same, and
    // an export derivation's prepended AS_PATH is the same for all of them (~200 octets a set).
    const path = this.asPaths.hold(pathHash, own.asPath);
    own.asPath = path.value;
    this.pathOf[id] = path;
    const hop = this.hops.hold(own.nextHop, own.nextHop);
    own.nextHop = hop.value;
    this.hopOf[id] = hop;
    freezeAttributes(own);
    this.byId[id] = own;
    if (id >= this.refs.length) {
      this.refs = widen(this.refs, this.refs.length * 2);
      this.hashes = widen(this.hashes, this.refs.length);
    }
    this.hashes[id] = h;
    this.refs[id] = 0;
    if (++this.live * 2 > slots.length) {
      this.slots = slots = buildIndex(slots.length * 2, this.hashes, this.byId.length, (x) => x !== id && this.byId[x] !== undefined);
      mask = slots.length - 1;
      for (i = h & mask; slots[i] !== 0; i = (i + 1) & mask);
    }
    slots[i] = id + 1;
    this.pending.push(id);
    return id;
  }

  /** The id of an object this table interned, -1 for any other object (an equal one included). */
  idOf(a: PathAttributes): number {
    if (a === this.lastObject && this.byId[this.lastId] === a) return this.lastId;
    const h = attrHash(a);
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = slots[i]!;
      if (s === 0) return -1;
      if (this.hashes[s - 1] === h && this.byId[s - 1] === a) return s - 1;
    }
  }

  get(id: number): PathAttributes {
    return this.byId[id]!;
  }

  isInterned(a: PathAttributes): boolean {
    return this.idOf(a) >= 0;
  }

  ref(id: number): void {
    this.refs[id]!++;
  }

  unref(id: number): void {
    if (--this.refs[id]! === 0) this.pending.push(id);
  }

  /** Frees the sets nothing references any more. The RIB calls it at the end of each public
   *  call, never in the middle of one, so an object a caller holds during a call stays interned
   *  for that call even if its count touches 0 on the way. */
  collect(): void {
    while (this.pending.length > 0) {
      const ids = this.pending;
      this.pending = [];
      for (const id of ids) if (this.byId[id] !== undefined && this.refs[id] === 0) this.free(id);
    }
  }

  /** Called with each freed id (export caches drop what they derived from it). */
  onFree(listener: (id: number) => void): void {
    this.freeListeners.add(listener);
  }

  offFree(listener: (id: number) => void): void {
    this.freeListeners.delete(listener);
  }

  /** Distinct attribute sets interned and not freed. */
  get size(): number {
    return this.live;
  }

  private free(id: number): void {
    removeFromIndex(this.slots, this.hashes, id);
    this.byId[id] = undefined;
    this.asPaths.release(this.pathOf[id]!);
    this.hops.release(this.hopOf[id]!);
    this.pathOf[id] = undefined;
    this.hopOf[id] = undefined;
    this.freeIds.push(id);
    this.live--;
    for (const l of this.freeListeners) l(id);
  }

  /** `base` with `patch` applied, interned. Not cached: callers cache (see the helpers below and
   *  rib/export-rules.ts). */
  derive(base: PathAttributes, patch: AttrPatch): PathAttributes {
    return this.intern(patched(base, patch));
  }

  /**
   * What goes to an external peer (RFC 4271 §5.1) for `base` without confederation segments or
   * unknown attributes: `asn` prepended, next hop `nextHop`, no LOCAL_PREF, ORIGINATOR_ID or
   * CLUSTER_LIST, MED only when `keepMed` — export-rules.ts says why — interned. Equal to
   * derive() with the patch export-rules.ts would make, built field by field in the codec's
   * order.
   */
  toExternal(base: PathAttributes, asn: number, nextHop: string, keepMed: boolean): PathAttributes {
    let path = this.prependedPath;
    if (base.asPath !== this.prependBase || asn !== this.prependAsn) {
      path = this.prependedPath = prependAsPath(base.asPath, asn);
      this.prependBase = base.asPath;
      this.prependAsn = asn;
    }
    const a: Mutable<PathAttributes> = { origin: base.origin, asPath: path, nextHop };
    if (keepMed) a.med = base.med;
    if (base.atomicAggregate) a.atomicAggregate = true;
    if (base.aggregator !== undefined) a.aggregator = base.aggregator;
    if (base.communities !== undefined) a.communities = base.communities;
    if (base.extCommunities !== undefined) a.extCommunities = base.extCommunities;
    if (base.largeCommunities !== undefined) a.largeCommunities = base.largeCommunities;
    if (base.pmsiTunnel !== undefined) a.pmsiTunnel = base.pmsiTunnel;
    return this.intern(a);
  }

  /** toExternal's last prepend: interned sets share their AS_PATH, so one peer's routes mostly
   *  prepend to the same array. */
  private prependBase: readonly AsPathSegment[] | undefined = undefined;
  private prependAsn = -1;
  private prependedPath: AsPathSegment[] = [];

  /** AS_PATH with `asn` prepended (RFC 4271 §5.1.2, sending to an external peer). */
  prependAs(base: PathAttributes, asn: number): PathAttributes {
    return this.cached(this.prepended, base, asn, () => this.derive(base, { asPath: prependAsPath(base.asPath, asn) }));
  }

  setNextHop(base: PathAttributes, nextHop: string): PathAttributes {
    return this.cached(this.nextHops, base, nextHop, () => this.derive(base, { nextHop, nextHopLinkLocal: undefined }));
  }

  /** RFC 4456 §8: set ORIGINATOR_ID when absent (to the source peer's router id) and prepend our
   *  CLUSTER_ID to CLUSTER_LIST. The cache is per source router id; the cluster id is fixed for
   *  the life of the table. */
  reflect(base: PathAttributes, sourceRouterId: string, clusterId: string): PathAttributes {
    return this.cached(this.reflected, base, sourceRouterId, () =>
      this.derive(base, {
        originatorId: base.originatorId ?? sourceRouterId,
        clusterList: [clusterId, ...(base.clusterList ?? [])],
      }),
    );
  }

  setLocalPref(base: PathAttributes, localPref: number | undefined): PathAttributes {
    if (base.localPref === localPref) return this.intern(base);
    return this.cached(this.localPrefs, base, localPref ?? -1, () => this.derive(base, { localPref }));
  }

  /** A cached derivation is used only while it is still interned (its set may have been freed). */
  private cached<P>(cache: DerivationCache<P>, base: PathAttributes, param: P, make: () => PathAttributes): PathAttributes {
    let byParam = cache.get(base);
    if (byParam === undefined) {
      byParam = new Map();
      cache.set(base, byParam);
    }
    let derived = byParam.get(param);
    if (derived === undefined || !this.isInterned(derived)) {
      derived = make();
      byParam.set(param, derived);
    }
    return derived;
  }
}

/**
 * `base` with `patch` applied, a new object. Built field by field in the order the codec builds
 * them (update-decode.ts build()), absent fields left out: every set then has one of a few
 * shapes, so the property reads of hashing, comparing and encoding stay monomorphic. (Neither
 * spread-then-delete, which turns the object into a dictionary, nor copying with for-in, which
 * costs a keyed lookup per field and gives shapes in patch order: ~1.6 µs a derivation.)
 */
function patched(base: PathAttributes, patch: AttrPatch): PathAttributes {
  const a: Mutable<PathAttributes> = {
    origin: 'origin' in patch ? patch.origin! : base.origin,
    asPath: 'asPath' in patch ? patch.asPath! : base.asPath,
    nextHop: 'nextHop' in patch ? patch.nextHop! : base.nextHop,
  };
  const linkLocal = 'nextHopLinkLocal' in patch ? patch.nextHopLinkLocal : base.nextHopLinkLocal;
  if (linkLocal !== undefined) a.nextHopLinkLocal = linkLocal;
  const med = 'med' in patch ? patch.med : base.med;
  if (med !== undefined) a.med = med;
  const localPref = 'localPref' in patch ? patch.localPref : base.localPref;
  if (localPref !== undefined) a.localPref = localPref;
  const atomicAggregate = 'atomicAggregate' in patch ? patch.atomicAggregate : base.atomicAggregate;
  if (atomicAggregate) a.atomicAggregate = true;
  const aggregator = 'aggregator' in patch ? patch.aggregator : base.aggregator;
  if (aggregator !== undefined) a.aggregator = aggregator;
  const communities = 'communities' in patch ? patch.communities : base.communities;
  if (communities !== undefined) a.communities = communities;
  const extCommunities = 'extCommunities' in patch ? patch.extCommunities : base.extCommunities;
  if (extCommunities !== undefined) a.extCommunities = extCommunities;
  const largeCommunities = 'largeCommunities' in patch ? patch.largeCommunities : base.largeCommunities;
  if (largeCommunities !== undefined) a.largeCommunities = largeCommunities;
  const originatorId = 'originatorId' in patch ? patch.originatorId : base.originatorId;
  if (originatorId !== undefined) a.originatorId = originatorId;
  const clusterList = 'clusterList' in patch ? patch.clusterList : base.clusterList;
  if (clusterList !== undefined) a.clusterList = clusterList;
  const pmsiTunnel = 'pmsiTunnel' in patch ? patch.pmsiTunnel : base.pmsiTunnel;
  if (pmsiTunnel !== undefined) a.pmsiTunnel = pmsiTunnel;
  const unknown = 'unknown' in patch ? patch.unknown : base.unknown;
  if (unknown !== undefined) a.unknown = unknown;
  return a;
}

/** Prepends into a leading AS_SEQUENCE when it has room, else opens a new one (RFC 4271 §5.1.2). */
export function prependAsPath(path: readonly AsPathSegment[], asn: number): AsPathSegment[] {
  const first = path[0];
  if (first !== undefined && first.type === AsPathSegmentType.Sequence && first.asns.length < MAX_SEGMENT_ASNS) {
    return [{ type: AsPathSegmentType.Sequence, asns: [asn, ...first.asns] }, ...path.slice(1)];
  }
  return [{ type: AsPathSegmentType.Sequence, asns: [asn] }, ...path];
}
