/**
 * DOC: the Routing Information Base (RFC 4271 §3.2, §9).
 *
 * Decoded UPDATEs go in (`receive`), local routes go in (`originate`); each peer pulls packed
 * batches out (`takeOutbound`) when told it has work (`onOutbound`). In between:
 *
 *   Adj-RIB-In → loop checks (import-rules.ts) → import policy → Loc-RIB + decision
 *     (loc-rib.ts, path.ts, best-path.ts) → watchBestPaths handlers (the FIB, VPN instances)
 *     → export rules (export-rules.ts) → export policy → Adj-RIB-Out (adj-rib-out.ts)
 *
 * Adj-RIB-In and the Loc-RIB are one table per family (BIRD's layout, see path.ts): each
 * destination lists every source's path, rejected and looping ones included, so a route costs one
 * table entry; per-peer views (adjRibIn, removePeer, setPolicy) scan the table.
 *
 * Memory layout: struct of arrays. Destinations (loc-rib.ts), paths (path.ts), Adj-RIB-Out
 * columns and buckets (adj-rib-out.ts) are typed-array columns indexed by small integers, and
 * attribute sets are referred to by id (attr-set.ts, reference-counted by those columns). A route
 * in a 1M-route IPv4 table costs ~55 octets outside the collected heap (destination ~30 with its
 * index slots, path row 25) plus 8 per peer it is sent to, and no heap object; the RIB
 * micro benchmark (bench/rib-throughput.ts) grows RSS by ~80 MB for 1M routes, one peer in and one
 * out, where it grew by ~250 MB with an object per destination and per path. BIRD keeps a route
 * in ~95 octets. `Route`, `BestPathChange` and unicast `Nlri`
 * objects are made only at the edge — readers (destinations, adjRibIn, adjRibOut), the
 * best path change handlers of the change's family, import/export policies when set, outbound batches —
 * and are fresh each time: compare routes by content, attributes with === (still interned).
 *
 * Only best paths are advertised (no ADD-PATH). Everything is synchronous: a call returns with
 * all its consequences queued, and onOutbound is called at the end of the call, never in the
 * middle of one, so a handler may call takeOutbound straight away.
 *
 * Supported standards: RFC 4271 (decision process, update packing), RFC 4456 (route
 * reflection), RFC 5004 (oldest external path), RFC 4724 §2 (End-of-RIB on a new session),
 * RFC 4684 (route target constraint, rt-constraint.ts), RFC 4724 §4.2 (stale paths of a
 * restarting peer, stale.ts: retainStale, inheritStale, flushStale).
 */
import type { PathAttributes } from '../wire/attributes/types.js';
import type { Family } from '../wire/family.js';
import type { Announcement, UpdateMessage, Withdrawal } from '../wire/messages.js';
import type { Nlri } from '../wire/nlri/types.js';
import { packedLength } from '../wire/nlri/prefix.js';
import { AdjRibOut } from './adj-rib-out.js';
import { AttrSets } from './attr-set.js';
import { BEST_CHANGED, decide, type MultipathOptions } from './best-path.js';
import { ExportCache, isIbgp, type ExportContext } from './export-rules.js';
import { isEligible, type LoopContext } from './import-rules.js';
import { LocRib, NO_BEST } from './loc-rib.js';
import { ACCEPTED, CANDIDATE, EBGP, ELIGIBLE } from './path.js';
import { keyIsWholeNlri, sameNlri } from './nlri-identity.js';
import type { BestPathChange, OutboundBatch, RibPeer, Route } from './types.js';
import { DEFAULT_MEMBERSHIP, RTC_FAMILY, RtMembership, isConstrainedFamily } from './rt-constraint.js';
import type { RtcRoute } from '../wire/nlri/rtc.js';
import { StaleSets } from './stale.js';

/** Returns the attributes to use (the same object, a modified one, or undefined to reject). */
export type PolicyFn = (peer: RibPeer | undefined, family: Family, nlri: Nlri, attrs: PathAttributes) => PathAttributes | undefined;

export interface PeerPolicy {
  readonly import?: PolicyFn | undefined;
  readonly export?: PolicyFn | undefined;
}

export interface RibOptions {
  localAs: number;
  routerId: string;
  /** RFC 4456 §7; default routerId. */
  clusterId?: string;
  /** ECMP set kept for the FIB; maxPaths defaults to 8. */
  multipath?: { ebgp?: boolean; ibgp?: boolean; maxPaths?: number };
}

export interface RibCounters {
  /** Paths in Adj-RIB-In. */
  received: number;
  /** Of those, paths taking part in the decision (import policy accepted, no loop). */
  accepted: number;
  /** NLRI the peer has from us (Adj-RIB-Out as sent). */
  advertised: number;
}

/** Adj-RIB-In sizes of one source and family, kept as paths come and go. */
interface InCounts {
  received: number;
  accepted: number;
}

/** Where paths come from: a peer, or this speaker (id -1, no peer). */
class Source {
  readonly inCounts = new Map<Family, InCounts>();
  /** Index in the Rib's source columns, what path rows hold (path.ts); 0 is this speaker. */
  slot = 0;
  importPolicy: PolicyFn | undefined = undefined;
  /** RFC 4724 §4.2: the previous session of this neighbour, whose stale paths ours replace. */
  staleFrom: Source | undefined = undefined;
  constructor(
    readonly id: number,
    readonly peer: RibPeer | undefined,
    readonly ebgp: boolean,
  ) {}
}

class PeerState extends Source {
  readonly out = new Map<Family, AdjRibOut>();
  /** Families whose End-of-RIB is owed once their initial table has been taken (RFC 4724 §2). */
  readonly eorPending = new Set<Family>();
  readonly exportCache: ExportCache;
  exportPolicy: PolicyFn | undefined = undefined;
  /** RFC 4684: the peer's route target memberships, when it negotiated RTC. */
  readonly rtc: RtMembership | undefined;
  /** RFC 4684 §6: the peer's memberships are complete (its RTC End-of-RIB arrived, or the
   *  daemon gave up waiting); until then our VPN End-of-RIB is held back. */
  rtcComplete = false;
  /** onOutbound was called (or is about to be) and takeOutbound has not run since. */
  notified = false;
  constructor(
    override readonly peer: RibPeer,
    sets: AttrSets,
  ) {
    super(peer.id, peer, !isIbgp(peer));
    this.exportCache = new ExportCache(sets);
    this.rtc = peer.families.has(RTC_FAMILY) ? new RtMembership() : undefined;
  }
}

function countsOf(src: Source, family: Family): InCounts {
  let c = src.inCounts.get(family);
  if (c === undefined) src.inCounts.set(family, (c = { received: 0, accepted: 0 }));
  return c;
}

/** A peer's Adj-RIB-Out for one family, as the list walked on each best path change. */
interface Target {
  readonly st: PeerState;
  readonly out: AdjRibOut;
}

const LOCAL_ID = -1;
const NO_ROUTES: readonly Route[] = Object.freeze([]);

export class Rib {
  onOutbound: ((peerId: number) => void) | undefined = undefined;
  /** Called synchronously for every change of every family (tests, tools); the handler must not
   *  call back into the Rib. Parts of the daemon use watchBestPaths instead. */
  onBestPathChange: ((change: BestPathChange) => void) | undefined = undefined;
  /** watchBestPaths handlers by family. A change is made into objects only when its family has
   *  a handler (or onBestPathChange is set): the VPN instances listen to the VPN families only,
   *  and a million IPv4 changes would otherwise each build a Route, an array and a change object
   *  that nobody reads (~0.12 µs a route, more than decoding it). */
  private readonly watchers = new Map<Family, ((change: BestPathChange) => void)[]>();

  private readonly attrSets = new AttrSets();
  private readonly loopCtx: LoopContext;
  private readonly exportCtx: ExportContext;
  private readonly mp: MultipathOptions | undefined;
  private readonly peers = new Map<number, PeerState>();
  private readonly local = new Source(LOCAL_ID, undefined, false);
  /** By source slot: the source, and its peer (undefined: this speaker), which the tables read. */
  private readonly sources: (Source | undefined)[] = [this.local];
  private readonly peerBySlot: (RibPeer | undefined)[] = [undefined];
  private readonly freeSlots: number[] = [];
  private readonly locRibs = new Map<Family, LocRib>();
  private readonly targets = new Map<Family, Target[]>();
  private readonly stale = new StaleSets<Source>();
  private notifyQueue: PeerState[] = [];
  private sequence = 0;

  constructor(opts: RibOptions) {
    const clusterId = opts.clusterId ?? opts.routerId;
    this.loopCtx = { localAs: opts.localAs, routerId: opts.routerId, clusterId };
    this.exportCtx = { attrSets: this.attrSets, clusterId };
    const m = opts.multipath;
    this.mp = m !== undefined && (m.ebgp || m.ibgp) ? { ebgp: !!m.ebgp, ibgp: !!m.ibgp, maxPaths: m.maxPaths ?? 8 } : undefined;
  }

  // ===== sessions =====

  /** `staleFrom`: the neighbour's previous session, whose stale paths (retainStale) this one
   *  replaces path by path (RFC 4724 §4.2); they are not offered back to it. */
  addPeer(peer: RibPeer, policy?: PeerPolicy, staleFrom?: number): void {
    if (this.peers.has(peer.id)) throw new Error(`rib: peer ${peer.id} (${peer.address}) is already up`);
    const st = new PeerState(peer, this.attrSets);
    this.assignSlot(st);
    st.importPolicy = policy?.import;
    st.exportPolicy = policy?.export;
    this.peers.set(peer.id, st);
    if (staleFrom !== undefined) this.inheritStale(st, staleFrom);
    // RFC 4684 §6: RT memberships leave before the VPN routes they gate, so RTC goes first.
    const families = [...peer.families].sort((a, b) => (a === RTC_FAMILY ? -1 : b === RTC_FAMILY ? 1 : 0));
    if (st.rtc !== undefined && peer.routeReflectorClient) this.originateDefaultMembership();
    for (const family of families) {
      const out = new AdjRibOut(family, this.attrSets, this.locRib(family));
      st.out.set(family, out);
      st.eorPending.add(family);
      const t: Target = { st, out };
      const list = this.targets.get(family);
      if (list === undefined) this.targets.set(family, [t]);
      else list.push(t);
      const loc = this.locRibs.get(family);
      if (loc !== undefined) for (let id = 0; id < loc.idLimit; id++) if (loc.isLive(id)) this.offer(t, family, loc, id, false);
    }
    // Even an empty table owes an End-of-RIB per family.
    if (!st.notified) this.schedule(st);
    this.flush();
  }

  removePeer(peerId: number): void {
    const st = this.peers.get(peerId);
    if (st === undefined) return;
    this.detach(st);
    for (const family of st.inCounts.keys()) this.dropPaths(st, family);
    this.flushStaleOf(st);
    for (const other of this.peers.values()) other.exportCache.forgetSource(peerId);
    this.releaseSlot(st);
    this.flush();
  }

  /**
   * RFC 4724 §4.2: the session of a graceful-restart peer ended without a NOTIFICATION. Its
   * paths of `families` are kept as stale (still used and advertised, like any other) until
   * flushStale; the rest go as with removePeer. An older generation of stale paths goes now.
   */
  retainStale(peerId: number, families: Iterable<Family>): void {
    const st = this.peers.get(peerId);
    if (st === undefined) return;
    const keep = new Set([...families].filter((f) => st.inCounts.has(f)));
    this.detach(st);
    for (const family of st.inCounts.keys()) if (!keep.has(family)) this.dropPaths(st, family);
    this.flushStaleOf(st);
    if (keep.size > 0) this.stale.add(st.peer, st, keep);
    else {
      for (const other of this.peers.values()) other.exportCache.forgetSource(peerId);
      this.releaseSlot(st);
    }
    this.flush();
  }

  /** Removes the stale paths of `oldPeerId` still held for `family` (End-of-RIB from the new
   *  session), or for every family (a timer ran out). Returns the families still held. */
  flushStale(oldPeerId: number, family?: Family): ReadonlySet<Family> {
    const set = this.stale.get(oldPeerId);
    if (set === undefined) return new Set();
    for (const f of family === undefined ? [...set.families] : [family]) {
      if (!set.families.delete(f)) continue;
      this.dropPaths(set.source, f);
    }
    if (set.families.size === 0) {
      this.stale.delete(oldPeerId);
      const heir = set.successor === undefined ? undefined : this.peers.get(set.successor);
      if (heir !== undefined && heir.staleFrom === set.source) heir.staleFrom = undefined;
      for (const other of this.peers.values()) other.exportCache.forgetSource(oldPeerId);
      this.releaseSlot(set.source);
    }
    this.flush();
    return set.families;
  }

  /** Families for which stale paths of session `oldPeerId` are held. */
  staleFamilies(oldPeerId: number): ReadonlySet<Family> {
    return this.stale.get(oldPeerId)?.families ?? new Set();
  }

  /** Whether `route` is a stale path (RFC 4724 §4.2), for the read side. */
  isStale(route: Route): boolean {
    return this.stale.size > 0 && this.stale.has(route.peer);
  }

  /** Stops sending to a peer whose session ended. */
  private detach(st: PeerState): void {
    this.peers.delete(st.id);
    st.exportCache.release();
    for (const [family, out] of st.out) {
      out.release();
      const list = this.targets.get(family);
      if (list !== undefined) this.targets.set(family, list.filter((t) => t.st !== st));
    }
  }

  /** Removes every path of `src` in `family` and re-runs the decision where that mattered. */
  private dropPaths(src: Source, family: Family): void {
    const loc = this.locRibs.get(family);
    if (loc === undefined) return;
    // Dropping the destination being visited (settle → dropIfEmpty) is safe: ids stay put.
    for (let id = 0; id < loc.idLimit; id++) {
      if (!loc.isLive(id)) continue;
      const row = loc.pathFrom(id, src.slot);
      if (row < 0) continue;
      loc.removePath(id, row);
      this.settle(family, loc, id);
    }
    src.inCounts.delete(family);
  }

  /** The neighbour of stale session `oldPeerId` is back as `st`: each path it sends (or
   *  withdraws) replaces its stale one at once; the others wait for flushStale. */
  private inheritStale(st: PeerState, oldPeerId: number): void {
    const set = this.stale.get(oldPeerId);
    if (set === undefined) return;
    set.successor = st.id;
    st.staleFrom = set.source;
  }

  /** A session that goes takes the stale paths of its predecessor with it. */
  private flushStaleOf(st: PeerState): void {
    if (st.staleFrom !== undefined) this.flushStale(st.staleFrom.id);
  }

  // ===== routes in =====

  receive(peerId: number, update: UpdateMessage): void {
    const st = this.peerState(peerId);
    for (const w of update.withdrawn) {
      const counts = countsOf(st, w.family);
      const loc = this.locRib(w.family);
      const packed = w.packed;
      if (packed !== undefined) {
        // Straight from the message's octets: no prefix objects (prefix.ts PackedPrefixes).
        const octets = packed.buf;
        for (let o = packed.start; o < packed.end; o += packedLength(octets[o]!)) {
          const id = loc.findAt(octets, o);
          if (id >= 0) this.forgetId(st, counts, w.family, loc, id, undefined);
        }
      } else for (const nlri of w.nlri) this.forget(st, counts, w.family, loc, nlri);
    }
    const sets = this.attrSets;
    for (const a of update.announced) {
      const family = a.family;
      let recv = sets.internId(a.attributes);
      let attrs = sets.get(recv);
      // RFC 4271 §5.1.5: LOCAL_PREF from an external peer is ignored (import policy may set one).
      if (st.ebgp && attrs.localPref !== undefined) {
        attrs = sets.setLocalPref(attrs, undefined);
        recv = sets.internId(attrs);
      }
      const eligible = isEligible(this.loopCtx, attrs, st.ebgp, st.peer.localAs);
      const policy = st.importPolicy;
      const counts = countsOf(st, family);
      const loc = this.locRib(family);
      const packed = a.packed;
      if (packed !== undefined && policy === undefined) {
        const octets = packed.buf;
        for (let o = packed.start; o < packed.end; o += packedLength(octets[o]!)) {
          this.learn(st, counts, family, loc, loc.obtainAt(octets, o), undefined, recv, recv, eligible, ++this.sequence);
        }
        continue;
      }
      for (const nlri of a.nlri) {
        const accepted = policy === undefined ? recv : this.internOrReject(policy(st.peer, family, nlri, attrs));
        this.learn(st, counts, family, loc, loc.obtain(nlri), nlri, recv, accepted, eligible, ++this.sequence);
      }
    }
    if (st.rtc !== undefined && touches(update, RTC_FAMILY)) this.refreshMembership(st, st.rtc);
    if (update.endOfRib === RTC_FAMILY && st.rtc !== undefined && !st.rtcComplete) {
      st.rtcComplete = true;
      if (!st.notified && [...st.eorPending].some((f) => isConstrainedFamily(f))) this.schedule(st);
    }
    this.flush();
  }

  /** A local route (config, API). Next hop 0.0.0.0 / :: means "our address towards each peer". */
  originate(family: Family, nlri: Nlri, attrs: PathAttributes): void {
    const a = this.attrSets.internId(attrs);
    const loc = this.locRib(family);
    this.learn(this.local, countsOf(this.local, family), family, loc, loc.obtain(nlri), nlri, a, a, true, ++this.sequence);
    this.flush();
  }

  withdrawOriginated(family: Family, nlri: Nlri): void {
    this.forget(this.local, countsOf(this.local, family), family, this.locRib(family), nlri);
    this.flush();
  }

  /** Soft reconfiguration: replaces both policies (an absent one means none), re-runs import
   *  over Adj-RIB-In and re-evaluates what the peer should have. */
  setPolicy(peerId: number, policy: PeerPolicy): void {
    const st = this.peerState(peerId);
    st.importPolicy = policy.import;
    st.exportPolicy = policy.export;
    const imp = policy.import;
    for (const [family, counts] of st.inCounts) {
      const loc = this.locRib(family);
      const rows = loc.paths;
      // Paths are replaced, never removed, so no destination leaves the table under the loop.
      for (let id = 0; id < loc.idLimit; id++) {
        if (!loc.isLive(id)) continue;
        const row = loc.pathFrom(id, st.slot);
        if (row < 0) continue;
        const recv = rows.recv[row]!;
        const nlri = loc.pathNlri(id, row);
        const eligible = (rows.flags[row]! & ELIGIBLE) !== 0;
        const accepted = imp === undefined ? recv : this.internOrReject(imp(st.peer, family, nlri, this.attrSets.get(recv)));
        this.learn(st, counts, family, loc, id, nlri, recv, accepted, eligible, rows.seq[row]!);
      }
    }
    for (const [family, out] of st.out) this.offerAll({ st, out }, family, false);
    this.flush();
  }

  /**
   * RFC 4684 §6: the peer has sent all its RT memberships (its End-of-RIB for RTC, or the
   * daemon's timer ran out). Our End-of-RIB for the VPN families, held back until now so that
   * the peer does not take a table filtered by incomplete memberships for the whole table, can go.
   */
  rtcMembershipsComplete(peerId: number): void {
    const st = this.peers.get(peerId);
    if (st === undefined || st.rtc === undefined || st.rtcComplete) return;
    st.rtcComplete = true;
    if (!st.notified && [...st.eorPending].some((f) => isConstrainedFamily(f))) this.schedule(st);
    this.flush();
  }

  /** ROUTE-REFRESH (RFC 2918): everything we would send, again, even what the peer has. */
  refreshPeer(peerId: number, family: Family): void {
    const st = this.peerState(peerId);
    const out = st.out.get(family);
    if (out === undefined) return;
    this.offerAll({ st, out }, family, true);
    this.flush();
  }

  // ===== routes out =====

  /** What peer `peerId` should be sent next, at most `maxRoutes` NLRI. `packed`: unicast NLRI as
   *  octets (Announcement.packed), for a writer that copies them (the daemon's send loop). */
  takeOutbound(peerId: number, maxRoutes = Infinity, packed = false): OutboundBatch | undefined {
    const st = this.peers.get(peerId);
    if (st === undefined) return undefined;
    st.notified = false;
    const announced: Announcement[] = [];
    const withdrawn: Withdrawal[] = [];
    const endOfRib: Family[] = [];
    let budget = Math.max(1, maxRoutes);
    for (const [family, out] of st.out) {
      if (out.pending > 0 && budget > 0) budget -= out.take(budget, announced, withdrawn, packed);
      if (out.pending === 0 && !this.holdsEndOfRib(st, family) && st.eorPending.delete(family)) endOfRib.push(family);
    }
    // Sets whose last route was just sent as withdrawn go now (the batch keeps its objects).
    this.attrSets.collect();
    if (announced.length === 0 && withdrawn.length === 0 && endOfRib.length === 0) return undefined;
    return { announced, withdrawn, endOfRib };
  }

  /** Calls `handler` synchronously for each best path change of `families` (the handler must
   *  not call back into the Rib). Returns the function that stops it. */
  watchBestPaths(families: Iterable<Family>, handler: (change: BestPathChange) => void): () => void {
    const fams = [...families];
    for (const f of fams) {
      const list = this.watchers.get(f);
      if (list === undefined) this.watchers.set(f, [handler]);
      else list.push(handler);
    }
    return () => {
      for (const f of fams) {
        const list = this.watchers.get(f)?.filter((h) => h !== handler) ?? [];
        if (list.length > 0) this.watchers.set(f, list);
        else this.watchers.delete(f);
      }
    };
  }

  // ===== read side (API, CLI, looking glass) =====

  /** Fresh Route objects each call; within one destination, `best` and `multipath` are the very
   *  objects of `paths`. */
  *destinations(family: Family): Iterable<{ nlri: Nlri; paths: readonly Route[]; best: Route | undefined; multipath: readonly Route[] }> {
    const loc = this.locRibs.get(family);
    if (loc === undefined) return;
    const rows = loc.paths;
    for (let id = 0; id < loc.idLimit; id++) {
      if (!loc.isLive(id)) continue;
      const bestRow = loc.bestOf(id);
      if (bestRow < 0) continue; // only rejected or looping paths: Adj-RIB-In only
      const byRow = new Map<number, Route>();
      for (let r = loc.firstPath(id); r >= 0; r = rows.next[r]!) if ((rows.flags[r]! & CANDIDATE) === CANDIDATE) byRow.set(r, loc.route(id, r));
      const best = byRow.get(bestRow)!;
      const mp = loc.multipathOf(id);
      yield { nlri: loc.nlriOf(id), paths: [...byRow.values()], best, multipath: mp.length > 0 ? mp.map((r) => byRow.get(r)!) : [best] };
    }
  }

  /** As received from the peer, before import policy; looping and rejected paths included. */
  *adjRibIn(peerId: number, family: Family): Iterable<Route> {
    const st = this.peers.get(peerId);
    const loc = this.locRibs.get(family);
    if (st === undefined || loc === undefined || !st.inCounts.has(family)) return;
    for (let id = 0; id < loc.idLimit; id++) {
      if (!loc.isLive(id)) continue;
      const row = loc.pathFrom(id, st.slot);
      if (row >= 0) yield loc.route(id, row, true);
    }
  }

  adjRibOut(peerId: number, family: Family): Iterable<{ nlri: Nlri; attributes: PathAttributes }> {
    return this.peers.get(peerId)?.out.get(family)?.sent() ?? [];
  }

  counters(peerId: number): Map<Family, RibCounters> {
    const m = new Map<Family, RibCounters>();
    const st = this.peers.get(peerId);
    if (st === undefined) return m;
    const get = (f: Family): RibCounters => {
      let c = m.get(f);
      if (c === undefined) m.set(f, (c = { received: 0, accepted: 0, advertised: 0 }));
      return c;
    };
    for (const f of st.out.keys()) get(f);
    for (const [f, t] of st.inCounts) {
      const c = get(f);
      c.received = t.received;
      c.accepted = t.accepted;
    }
    for (const [f, out] of st.out) get(f).advertised = out.advertised;
    return m;
  }

  /** Destinations in the Loc-RIB. */
  routeCount(family: Family): number {
    return this.locRibs.get(family)?.size ?? 0;
  }

  /** Distinct attribute sets alive (for metrics). */
  get attributeSetCount(): number {
    return this.attrSets.size;
  }

  // ===== internals =====

  private peerState(peerId: number): PeerState {
    const st = this.peers.get(peerId);
    if (st === undefined) throw new Error(`rib: unknown peer ${peerId}`);
    return st;
  }

  private locRib(family: Family): LocRib {
    let loc = this.locRibs.get(family);
    if (loc === undefined) {
      loc = new LocRib(family, this.attrSets, this.peerBySlot);
      this.locRibs.set(family, loc);
    }
    return loc;
  }

  /** A source's slot is what its path rows hold; it is reused once the source has no path left. */
  private assignSlot(src: Source): void {
    const slot = this.freeSlots.length > 0 ? this.freeSlots.pop()! : this.sources.length;
    src.slot = slot;
    this.sources[slot] = src;
    this.peerBySlot[slot] = src.peer;
  }

  /** `src` is gone and has no path left in any table. */
  private releaseSlot(src: Source): void {
    if (src.slot === 0 || this.sources[src.slot] !== src) return;
    this.sources[src.slot] = undefined;
    this.peerBySlot[src.slot] = undefined;
    this.freeSlots.push(src.slot);
  }

  /** The id of the attributes a policy returned, -1 for a rejection. */
  private internOrReject(a: PathAttributes | undefined): number {
    return a === undefined ? -1 : this.attrSets.internId(a);
  }

  /** Records what `src` now says for destination `id` (attribute ids; `accepted` -1: import
   *  policy rejected it) and runs the decision if that changed. `nlri` may be undefined for
   *  unicast only (the key is the whole NLRI there). */
  private learn(
    src: Source,
    counts: InCounts,
    family: Family,
    loc: LocRib,
    id: number,
    nlri: Nlri | undefined,
    received: number,
    accepted: number,
    eligible: boolean,
    sequence: number,
  ): void {
    const rows = loc.paths;
    const old = loc.pathFrom(id, src.slot);
    const isAccepted = accepted >= 0;
    // RFC 4724 §4.2: what the restarted peer sends again is no longer stale.
    const staleGone = src.staleFrom !== undefined && this.dropStalePath(src.staleFrom, family, loc, id);
    const flags = (isAccepted ? ACCEPTED : 0) | (eligible ? ELIGIBLE : 0) | (src.ebgp ? EBGP : 0);
    if (
      old >= 0 &&
      rows.recv[old] === received &&
      rows.flags[old] === flags &&
      (!isAccepted || rows.attr[old] === accepted) &&
      (keyIsWholeNlri(family) || sameNlri(family, loc.pathNlri(id, old), nlri!))
    ) {
      return; // a duplicate (refresh, or a policy change that changed nothing here)
    }
    let was = false;
    if (old >= 0) {
      was = (rows.flags[old]! & CANDIDATE) === CANDIDATE;
      loc.removePath(id, old);
      if (was) counts.accepted--;
    } else counts.received++;
    loc.addPath(id, src.slot, isAccepted ? accepted : received, received, sequence, flags, nlri);
    const is = (flags & CANDIDATE) === CANDIDATE;
    if (is) counts.accepted++;
    // A path that is and was only in Adj-RIB-In cannot change the decision.
    if (was || is || staleGone) this.settle(family, loc, id, nlri);
  }

  /** Removes the stale path `stale` holds for `id`; true if it took part in the decision. */
  private dropStalePath(stale: Source, family: Family, loc: LocRib, id: number): boolean {
    const row = loc.pathFrom(id, stale.slot);
    if (row < 0) return false;
    const candidate = (loc.paths.flags[row]! & CANDIDATE) === CANDIDATE;
    loc.removePath(id, row);
    const counts = countsOf(stale, family);
    counts.received--;
    if (!candidate) return false;
    counts.accepted--;
    return true;
  }

  private forget(src: Source, counts: InCounts, family: Family, loc: LocRib, nlri: Nlri): void {
    const id = loc.find(nlri);
    if (id >= 0) this.forgetId(src, counts, family, loc, id, nlri);
  }

  /** `nlri`: the destination's NLRI when the caller has it (unicast: undefined will do). */
  private forgetId(src: Source, counts: InCounts, family: Family, loc: LocRib, id: number, nlri: Nlri | undefined): void {
    if (src.staleFrom !== undefined) {
      // RFC 4724 §4.2: a withdrawal from the restarted peer ends the stale path as well.
      if (this.dropStalePath(src.staleFrom, family, loc, id)) this.settle(family, loc, id, nlri);
      else loc.dropIfEmpty(id);
      if (!loc.isLive(id)) return;
    }
    const old = loc.pathFrom(id, src.slot);
    if (old < 0) return;
    const candidate = (loc.paths.flags[old]! & CANDIDATE) === CANDIDATE;
    loc.removePath(id, old);
    counts.received--;
    if (candidate) {
      counts.accepted--;
      this.settle(family, loc, id, nlri);
    } else loc.dropIfEmpty(id);
  }

  /** Runs the decision for a destination whose paths changed and passes the outcome on. `known`:
   *  an NLRI with the destination's key, if the caller has one (saves making one for unicast). */
  private settle(family: Family, loc: LocRib, id: number, known?: Nlri): void {
    const had = loc.bestOf(id) !== NO_BEST;
    const changed = decide(loc, id, this.mp);
    const best = loc.bestOf(id);
    // EVPN/VPN: the best path may carry other labels than what was advertised (nlri-identity.ts).
    let nlriChanged = false;
    if (best >= 0 && !keyIsWholeNlri(family)) {
      const bestNlri = loc.pathNlri(id, best);
      const current = loc.nlriOf(id);
      if (bestNlri !== current) {
        nlriChanged = !sameNlri(family, bestNlri, current);
        loc.setNlri(id, bestNlri);
      }
    }
    if (had !== (best >= 0)) loc.size += had ? -1 : 1;
    if (changed !== 0) {
      const cb = this.onBestPathChange;
      const watchers = this.watchers.get(family);
      if (cb !== undefined || watchers !== undefined) {
        const c = this.change(family, loc, id, best, known);
        if (cb !== undefined) cb(c);
        if (watchers !== undefined) for (const w of watchers) w(c);
      }
      const list = this.targets.get(family);
      if ((changed & BEST_CHANGED) !== 0 && list !== undefined) for (const t of list) this.offer(t, family, loc, id, nlriChanged);
    }
    // Last: the offers above clear what peers had queued under this destination's id.
    loc.dropIfEmpty(id);
  }

  /** The BestPathChange handed to onBestPathChange: fresh objects, made only when it is set. */
  private change(family: Family, loc: LocRib, id: number, best: number, known: Nlri | undefined): BestPathChange {
    // Unicast: any NLRI with the key is the NLRI (keys are the whole encoding).
    const unicast = loc.keepsNlri ? undefined : (known ?? loc.nlriOf(id));
    if (best < 0) return { family, nlri: unicast ?? loc.nlriOf(id), best: undefined, multipath: NO_ROUTES };
    const route = loc.route(id, best, false, unicast);
    // Without multipath no destination has a set: skip the side table's lookup per change.
    const mp = this.mp === undefined ? NO_ROWS_SET : loc.multipathOf(id);
    const multipath = mp.length > 0 ? mp.map((r) => (r === best ? route : loc.route(id, r, false, unicast))) : [route];
    return { family, nlri: route.nlri, best: route, multipath };
  }

  private offerAll(t: Target, family: Family, force: boolean): void {
    const loc = this.locRibs.get(family);
    if (loc === undefined) return;
    for (let id = 0; id < loc.idLimit; id++) if (loc.isLive(id)) this.offer(t, family, loc, id, force);
  }

  /** Puts what peer `t` should have for destination `id` into its Adj-RIB-Out (RFC 4271 §9.2). */
  private offer(t: Target, family: Family, loc: LocRib, id: number, force: boolean): void {
    const st = t.st;
    const best = loc.bestOf(id);
    let attr = -1;
    if (best >= 0) {
      const slot = loc.paths.source[best]!;
      // Not back to where it came from, nor to a restarted peer its own stale paths.
      if (slot !== st.slot && (st.staleFrom === undefined || slot !== st.staleFrom.slot)) {
        const source = this.peerBySlot[slot];
        attr = st.exportCache.lookup(this.exportCtx, family, loc.paths.attr[best]!, source === undefined ? LOCAL_ID : source.id, source, st.peer);
        const policy = st.exportPolicy;
        if (attr >= 0 && policy !== undefined) attr = this.internOrReject(policy(st.peer, family, loc.nlriOf(id), this.attrSets.get(attr)));
      }
    }
    if (attr >= 0 && !this.constraintAllows(st, family, loc, id, attr)) attr = -1;
    if (attr >= 0) t.out.announceDest(id, attr, force);
    else t.out.withdrawDest(id);
    if (!st.notified && t.out.pending > 0) this.schedule(st);
  }

  // ===== route target constraint (RFC 4684, rt-constraint.ts) =====

  private holdsEndOfRib(st: PeerState, family: Family): boolean {
    return st.rtc !== undefined && !st.rtcComplete && isConstrainedFamily(family);
  }

  private constraintAllows(st: PeerState, family: Family, loc: LocRib, id: number, attr: number): boolean {
    if (family === RTC_FAMILY) {
      // §3.2: our default membership is for route reflector clients only.
      const best = loc.bestOf(id);
      return loc.nlriOf(id).key !== DEFAULT_MEMBERSHIP.key || (best >= 0 && loc.peerOf(best) !== undefined) || st.peer.routeReflectorClient;
    }
    return st.rtc === undefined || !isConstrainedFamily(family) || st.rtc.wants(this.attrSets.get(attr));
  }

  /** Rebuilds a peer's memberships from its accepted RTC paths; re-offers the VPN tables when they changed. */
  private refreshMembership(st: PeerState, rtc: RtMembership): void {
    const routes: RtcRoute[] = [];
    const loc = this.locRibs.get(RTC_FAMILY);
    if (loc !== undefined) {
      for (let id = 0; id < loc.idLimit; id++) {
        if (!loc.isLive(id)) continue;
        const row = loc.pathFrom(id, st.slot);
        if (row >= 0 && (loc.paths.flags[row]! & CANDIDATE) === CANDIDATE) routes.push(loc.nlriOf(id) as RtcRoute);
      }
    }
    if (!rtc.replace(routes)) return;
    for (const [family, out] of st.out) if (isConstrainedFamily(family)) this.offerAll({ st, out }, family, false);
  }

  /** §3.2: a route reflector asks its RTC-capable clients for every VPN route. */
  private originateDefaultMembership(): void {
    const loc = this.locRib(RTC_FAMILY);
    const id = loc.obtain(DEFAULT_MEMBERSHIP);
    if (loc.pathFrom(id, this.local.slot) >= 0) return;
    const attrs = this.attrSets.internId({ origin: 0, asPath: [], nextHop: '0.0.0.0' });
    this.learn(this.local, countsOf(this.local, RTC_FAMILY), RTC_FAMILY, loc, id, DEFAULT_MEMBERSHIP, attrs, attrs, true, ++this.sequence);
  }

  private schedule(st: PeerState): void {
    st.notified = true;
    this.notifyQueue.push(st);
  }

  /** Tells peers about new work once the public call that made it is done, and frees the
   *  attribute sets nothing uses any more (attr-set.ts: never in the middle of a call). */
  private flush(): void {
    this.attrSets.collect();
    if (this.notifyQueue.length === 0) return;
    const q = this.notifyQueue;
    this.notifyQueue = [];
    const cb = this.onOutbound;
    for (const st of q) if (cb !== undefined && this.peers.get(st.id) === st) cb(st.id);
  }
}

const NO_ROWS_SET: readonly number[] = Object.freeze([]);

function touches(update: UpdateMessage, family: Family): boolean {
  return update.announced.some((a) => a.family === family) || update.withdrawn.some((w) => w.family === family);
}
