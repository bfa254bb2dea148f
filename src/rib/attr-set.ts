/**
 * Attribute interning: every distinct set of path attributes exists once, frozen, and the routes
 * that carry it share the object, so "same attributes" is `===` all through the RIB (decision,
 * Adj-RIB-Out buckets, export caches). This is BIRD's `rta_lookup()` / OpenBGPD's
 * `path_lookup()` idea: a 1M-route table with a few hundred attribute sets holds a few hundred
 * attribute objects, and update packing (RFC 4271 §9.2: routes sharing attributes leave in one
 * UPDATE) falls out of grouping by object identity.
 *
 * The canonical key is built once per *new* object (the codec makes one object per UPDATE, not
 * per prefix) and remembered in a WeakMap. The table holds its objects weakly, so an attribute
 * set no route uses any more is collected without reference counting on the per-route path.
 *
 * Derivations (prepend an AS, set the next hop, reflect, set LOCAL_PREF) return interned objects
 * and are cached per source object, so a million routes sharing one set derive it once.
 */
import { AsPathSegmentType, type AsPathSegment, type PathAttributes } from '../wire/attributes/types.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
/** Fields to replace; a field given as `undefined` is removed. */
export type AttrPatch = Partial<Mutable<PathAttributes>>;

/** RFC 4271 §4.3: at most 255 ASes in one AS_PATH segment. */
const MAX_SEGMENT_ASNS = 255;

/** A string that identifies the attribute set: equal keys ⇔ equal attributes. Absent and empty
 *  optional lists are kept apart ('-' vs ''), because the encoder writes an empty attribute for
 *  the latter. */
export function attrKey(a: PathAttributes): string {
  let k = a.origin + '|' + a.nextHop + '|' + (a.nextHopLinkLocal ?? '-') + '|';
  for (const s of a.asPath) k += s.type + ':' + s.asns.join(',') + ';';
  k += '|' + (a.med ?? '-') + '|' + (a.localPref ?? '-') + '|' + (a.atomicAggregate ? '1' : '-');
  k += '|' + (a.aggregator === undefined ? '-' : a.aggregator.asn + '@' + a.aggregator.address);
  k += '|' + (a.communities === undefined ? '-' : a.communities.join(','));
  k += '|' + (a.extCommunities === undefined ? '-' : a.extCommunities.map((c) => c.toString(16)).join(','));
  k += '|' + (a.largeCommunities === undefined ? '-' : a.largeCommunities.map((c) => c.join(':')).join(','));
  k += '|' + (a.originatorId ?? '-');
  k += '|' + (a.clusterList === undefined ? '-' : a.clusterList.join(','));
  k += '|';
  if (a.unknown === undefined) k += '-';
  else for (const u of a.unknown) k += u.flags + ':' + u.code + ':' + u.value.toString('hex') + ';';
  return k;
}

function freezeAttributes(a: PathAttributes): void {
  // Buffers (unknown attribute values) cannot be frozen; everything else can.
  for (const s of a.asPath) {
    Object.freeze(s.asns);
    Object.freeze(s);
  }
  Object.freeze(a.asPath);
  if (a.communities) Object.freeze(a.communities);
  if (a.extCommunities) Object.freeze(a.extCommunities);
  if (a.largeCommunities) {
    for (const c of a.largeCommunities) Object.freeze(c);
    Object.freeze(a.largeCommunities);
  }
  if (a.clusterList) Object.freeze(a.clusterList);
  if (a.unknown) Object.freeze(a.unknown);
  if (a.aggregator) Object.freeze(a.aggregator);
  Object.freeze(a);
}

/** One cache per derivation: source object → (parameter → derived object). */
type DerivationCache<P> = WeakMap<PathAttributes, Map<P, PathAttributes>>;

export class AttrSets {
  /** Canonical objects of this table → their key (also answers "is this interned?"). */
  private readonly keys = new WeakMap<PathAttributes, string>();
  private readonly table = new Map<string, WeakRef<PathAttributes>>();
  private readonly reaper = new FinalizationRegistry<string>((key) => {
    const ref = this.table.get(key);
    if (ref !== undefined && ref.deref() === undefined) this.table.delete(key);
  });

  private readonly prepended: DerivationCache<number> = new WeakMap();
  private readonly nextHops: DerivationCache<string> = new WeakMap();
  private readonly reflected: DerivationCache<string> = new WeakMap();
  private readonly localPrefs: DerivationCache<number> = new WeakMap();

  /** The shared object equal to `a` (which becomes it, frozen, when it is the first of its kind). */
  intern(a: PathAttributes): PathAttributes {
    if (this.keys.has(a)) return a;
    const key = attrKey(a);
    const found = this.table.get(key)?.deref();
    if (found !== undefined) return found;
    freezeAttributes(a);
    this.table.set(key, new WeakRef(a));
    this.reaper.register(a, key);
    this.keys.set(a, key);
    return a;
  }

  isInterned(a: PathAttributes): boolean {
    return this.keys.has(a);
  }

  /** Distinct attribute sets alive (an upper bound until the collector has run). */
  get size(): number {
    return this.table.size;
  }

  /** `base` with `patch` applied, interned. Not cached: callers cache (see the helpers below and
   *  rib/export-rules.ts). */
  derive(base: PathAttributes, patch: AttrPatch): PathAttributes {
    // Built field by field rather than spread-then-delete: `delete` turns an object into a
    // dictionary, several times larger and slower to read, and export derives one per set.
    const o: Record<string, unknown> = {};
    const b = base as unknown as Record<string, unknown>;
    const p = patch as Record<string, unknown>;
    for (const k in b) if (!(k in p) && b[k] !== undefined) o[k] = b[k];
    for (const k in p) if (p[k] !== undefined) o[k] = p[k];
    return this.intern(o as unknown as PathAttributes);
  }

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

  private cached<P>(cache: DerivationCache<P>, base: PathAttributes, param: P, make: () => PathAttributes): PathAttributes {
    let byParam = cache.get(base);
    if (byParam === undefined) {
      byParam = new Map();
      cache.set(base, byParam);
    }
    let derived = byParam.get(param);
    if (derived === undefined) {
      derived = make();
      byParam.set(param, derived);
    }
    return derived;
  }
}

/** Prepends into a leading AS_SEQUENCE when it has room, else opens a new one (RFC 4271 §5.1.2). */
export function prependAsPath(path: readonly AsPathSegment[], asn: number): AsPathSegment[] {
  const first = path[0];
  if (first !== undefined && first.type === AsPathSegmentType.Sequence && first.asns.length < MAX_SEGMENT_ASNS) {
    return [{ type: AsPathSegmentType.Sequence, asns: [asn, ...first.asns] }, ...path.slice(1)];
  }
  return [{ type: AsPathSegmentType.Sequence, asns: [asn] }, ...path];
}
