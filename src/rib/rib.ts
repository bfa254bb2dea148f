/**
 * DOC: the Routing Information Base (RFC 4271 §3.2, §9).
 *
 * Decoded UPDATEs go in (`receive`), local routes go in (`originate`); each peer pulls packed
 * batches out (`takeOutbound`) when told it has work (`onOutbound`). In between:
 *
 *   Adj-RIB-In → loop checks (import-rules.ts) → import policy → Loc-RIB + decision
 *     (loc-rib.ts, path.ts, best-path.ts) → onBestPathChange (the FIB)
 *     → export rules (export-rules.ts) → export policy → Adj-RIB-Out (adj-rib-out.ts)
 *
 * Adj-RIB-In and the Loc-RIB are one table per family (BIRD's layout, see path.ts): each
 * destination lists every source's path, rejected and looping ones included, so a route costs one
 * table entry; per-peer views (adjRibIn, removePeer, setPolicy) scan the table.
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
import { AdjRibOut } from './adj-rib-out.js';
import { AttrSets } from './attr-set.js';
import { BEST_CHANGED, decide, type MultipathOptions } from './best-path.js';
import { ExportCache, isIbgp, type ExportContext } from './export-rules.js';
import { isEligible, type LoopContext } from './import-rules.js';
import { LocRib } from './loc-rib.js';
import { ACCEPTED, EBGP, ELIGIBLE, isCandidate, Path, PathWithNlri, type Dest } from './path.js';
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
  readonly exportCache = new ExportCache();
  exportPolicy: PolicyFn | undefined = undefined;
  /** RFC 4684: the peer's route target memberships, when it negotiated RTC. */
  readonly rtc: RtMembership | undefined;
  /** RFC 4684 §6: the peer's memberships are complete (its RTC End-of-RIB arrived, or the
   *  daemon gave up waiting); until then our VPN End-of-RIB is held back. */
  rtcComplete = false;
  /** onOutbound was called (or is about to be) and takeOutbound has not run since. */
  notified = false;
  constructor(override readonly peer: RibPeer) {
    super(peer.id, peer, !isIbgp(peer));
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
  /** Called synchronously for every change; the handler must not call back into the Rib. */
  onBestPathChange: ((change: BestPathChange) => void) | undefined = undefined;

  private readonly attrSets = new AttrSets();
  private readonly loopCtx: LoopContext;
  private readonly exportCtx: ExportContext;
  private readonly mp: MultipathOptions | undefined;
  private readonly peers = new Map<number, PeerState>();
  private readonly local = new Source(LOCAL_ID, undefined, false);
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
    const st = new PeerState(peer);
    st.importPolicy = policy?.import;
    st.exportPolicy = policy?.export;
    this.peers.set(peer.id, st);
    if (staleFrom !== undefined) this.inheritStale(st, staleFrom);
    // RFC 4684 §6: RT memberships leave before the VPN routes they gate, so RTC goes first.
    const families = [...peer.families].sort((a, b) => (a === RTC_FAMILY ? -1 : b === RTC_FAMILY ? 1 : 0));
    if (st.rtc !== undefined && peer.routeReflectorClient) this.originateDefaultMembership();
    for (const family of families) {
      const out = new AdjRibOut(family, this.locRib(family));
      st.out.set(family, out);
      st.eorPending.add(family);
      const t: Target = { st, out };
      const list = this.targets.get(family);
      if (list === undefined) this.targets.set(family, [t]);
      else list.push(t);
      const loc = this.locRibs.get(family);
      if (loc !== undefined) for (const d of loc.dests()) this.offer(t, family, d, false);
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
    else for (const other of this.peers.values()) other.exportCache.forgetSource(peerId);
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
    // Deleting the entry being visited (settle → dropIfEmpty) is safe in Map iteration.
    for (const d of loc.dests()) {
      const p = d.from(src.peer);
      if (p === undefined) continue;
      d.remove(p);
      this.settle(family, loc, d);
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
      for (const nlri of w.nlri) this.forget(st, counts, w.family, loc, nlri);
    }
    for (const a of update.announced) {
      const family = a.family;
      let attrs = this.attrSets.intern(a.attributes);
      // RFC 4271 §5.1.5: LOCAL_PREF from an external peer is ignored (import policy may set one).
      if (st.ebgp && attrs.localPref !== undefined) attrs = this.attrSets.setLocalPref(attrs, undefined);
      const eligible = isEligible(this.loopCtx, attrs, st.ebgp, st.peer.localAs);
      const policy = st.importPolicy;
      const counts = countsOf(st, family);
      const loc = this.locRib(family);
      for (const nlri of a.nlri) {
        const accepted = policy === undefined ? attrs : this.internOrReject(policy(st.peer, family, nlri, attrs));
        this.learn(st, counts, family, loc, loc.obtain(nlri), nlri, attrs, accepted, eligible, ++this.sequence);
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
    const a = this.attrSets.intern(attrs);
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
      // Paths are replaced, never removed, so no destination leaves the Map under the iteration.
      for (const d of loc.dests()) {
        const p = d.from(st.peer);
        if (p === undefined) continue;
        const accepted = imp === undefined ? p.received : this.internOrReject(imp(st.peer, family, p.nlri, p.received));
        this.learn(st, counts, family, loc, d, p.nlri, p.received, accepted, p.eligible, p.sequence);
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

  takeOutbound(peerId: number, maxRoutes = Infinity): OutboundBatch | undefined {
    const st = this.peers.get(peerId);
    if (st === undefined) return undefined;
    st.notified = false;
    const announced: Announcement[] = [];
    const withdrawn: Withdrawal[] = [];
    const endOfRib: Family[] = [];
    let budget = Math.max(1, maxRoutes);
    for (const [family, out] of st.out) {
      if (out.pending > 0 && budget > 0) budget -= out.take(budget, announced, withdrawn);
      if (out.pending === 0 && !this.holdsEndOfRib(st, family) && st.eorPending.delete(family)) endOfRib.push(family);
    }
    if (announced.length === 0 && withdrawn.length === 0 && endOfRib.length === 0) return undefined;
    return { announced, withdrawn, endOfRib };
  }

  // ===== read side (API, CLI, looking glass) =====

  *destinations(family: Family): Iterable<{ nlri: Nlri; paths: readonly Route[]; best: Route | undefined; multipath: readonly Route[] }> {
    const loc = this.locRibs.get(family);
    if (loc === undefined) return;
    for (const d of loc.dests()) {
      if (d.best === undefined) continue; // only rejected or looping paths: Adj-RIB-In only
      yield { nlri: d.nlri, paths: d.paths(), best: d.best, multipath: multipathOf(d) };
    }
  }

  /** As received from the peer, before import policy; looping and rejected paths included. */
  *adjRibIn(peerId: number, family: Family): Iterable<Route> {
    const st = this.peers.get(peerId);
    const loc = this.locRibs.get(family);
    if (st === undefined || loc === undefined || !st.inCounts.has(family)) return;
    for (const d of loc.dests()) {
      const p = d.from(st.peer);
      if (p === undefined) continue;
      yield p.received === p.attributes ? p : { family, nlri: p.nlri, attributes: p.received, peer: p.peer, sequence: p.sequence };
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
      loc = new LocRib(family);
      this.locRibs.set(family, loc);
    }
    return loc;
  }

  private internOrReject(a: PathAttributes | undefined): PathAttributes | undefined {
    return a === undefined ? undefined : this.attrSets.intern(a);
  }

  /** Records what `src` now says for destination `d` and runs the decision if that changed. */
  private learn(
    src: Source,
    counts: InCounts,
    family: Family,
    loc: LocRib,
    d: Dest,
    nlri: Nlri,
    received: PathAttributes,
    accepted: PathAttributes | undefined,
    eligible: boolean,
    sequence: number,
  ): void {
    const old = d.from(src.peer);
    const isAccepted = accepted !== undefined;
    // RFC 4724 §4.2: what the restarted peer sends again is no longer stale.
    const staleGone = src.staleFrom !== undefined && this.dropStalePath(src.staleFrom, family, d);
    if (
      old !== undefined &&
      old.received === received &&
      old.eligible === eligible &&
      old.accepted === isAccepted &&
      (!isAccepted || old.attributes === accepted) &&
      sameNlri(family, old.nlri, nlri)
    ) {
      return; // a duplicate (refresh, or a policy change that changed nothing here)
    }
    const flags = (isAccepted ? ACCEPTED : 0) | (eligible ? ELIGIBLE : 0) | (src.ebgp ? EBGP : 0);
    const p =
      nlri === d.nlri || keyIsWholeNlri(family)
        ? new Path(d, accepted ?? received, src.peer, sequence, received, flags)
        : new PathWithNlri(d, accepted ?? received, src.peer, sequence, received, flags, nlri);
    let was = false;
    if (old !== undefined) {
      was = isCandidate(old);
      d.remove(old);
      if (was) counts.accepted--;
    } else counts.received++;
    d.insert(p);
    const is = isCandidate(p);
    if (is) counts.accepted++;
    // A path that is and was only in Adj-RIB-In cannot change the decision.
    if (was || is || staleGone) this.settle(family, loc, d);
  }

  /** Removes the stale path `stale` holds for `d`; true if it took part in the decision. */
  private dropStalePath(stale: Source, family: Family, d: Dest): boolean {
    const p = d.from(stale.peer);
    if (p === undefined) return false;
    d.remove(p);
    const counts = countsOf(stale, family);
    counts.received--;
    if (!isCandidate(p)) return false;
    counts.accepted--;
    return true;
  }

  private forget(src: Source, counts: InCounts, family: Family, loc: LocRib, nlri: Nlri): void {
    const d = loc.get(nlri);
    if (d !== undefined && src.staleFrom !== undefined) {
      // RFC 4724 §4.2: a withdrawal from the restarted peer ends the stale path as well.
      if (this.dropStalePath(src.staleFrom, family, d)) this.settle(family, loc, d);
      else loc.dropIfEmpty(d);
    }
    const old = d?.from(src.peer);
    if (d === undefined || old === undefined) return;
    d.remove(old);
    counts.received--;
    if (isCandidate(old)) {
      counts.accepted--;
      this.settle(family, loc, d);
    } else loc.dropIfEmpty(d);
  }

  /** Runs the decision for a destination whose paths changed and passes the outcome on. */
  private settle(family: Family, loc: LocRib, d: Dest): void {
    const had = d.best !== undefined;
    const changed = decide(d, this.mp);
    // EVPN/VPN: the best path may carry other labels than what was advertised (nlri-identity.ts).
    let nlriChanged = false;
    const bestNlri = d.best?.nlri;
    if (bestNlri !== undefined && bestNlri !== d.nlri) {
      nlriChanged = !sameNlri(family, bestNlri, d.nlri);
      d.nlri = bestNlri;
    }
    if (had !== (d.best !== undefined)) loc.size += had ? -1 : 1;
    if (changed !== 0) {
      const cb = this.onBestPathChange;
      // Without multipath no destination has a set: skip the side table's lookup per change.
      if (cb !== undefined) cb({ family, nlri: d.nlri, best: d.best, multipath: this.mp === undefined ? bestOnly(d) : multipathOf(d) });
      const list = this.targets.get(family);
      if ((changed & BEST_CHANGED) !== 0 && list !== undefined) for (const t of list) this.offer(t, family, d, nlriChanged);
    }
    // Last: the offers above clear what peers had queued under this destination's id.
    loc.dropIfEmpty(d);
  }

  private offerAll(t: Target, family: Family, force: boolean): void {
    const loc = this.locRibs.get(family);
    if (loc !== undefined) for (const d of loc.dests()) this.offer(t, family, d, force);
  }

  /** Puts what peer `t` should have for `d` into its Adj-RIB-Out (RFC 4271 §9.2). */
  private offer(t: Target, family: Family, d: Dest, force: boolean): void {
    const st = t.st;
    const best = d.best;
    let attrs: PathAttributes | null = null;
    // Not back to where it came from, nor to a restarted peer its own stale paths.
    if (best !== undefined && best.peer !== st.peer && (st.staleFrom === undefined || best.peer !== st.staleFrom.peer)) {
      const source = best.peer;
      attrs = st.exportCache.lookup(this.exportCtx, family, best.attributes, source === undefined ? LOCAL_ID : source.id, source, st.peer);
      const policy = st.exportPolicy;
      if (attrs !== null && policy !== undefined) attrs = this.internOrReject(policy(st.peer, family, d.nlri, attrs)) ?? null;
    }
    if (attrs !== null && !this.constraintAllows(st, family, d, attrs)) attrs = null;
    if (attrs !== null) t.out.announceDest(d, attrs, force);
    else t.out.withdrawDest(d);
    if (!st.notified && t.out.pending > 0) this.schedule(st);
  }

  // ===== route target constraint (RFC 4684, rt-constraint.ts) =====

  private holdsEndOfRib(st: PeerState, family: Family): boolean {
    return st.rtc !== undefined && !st.rtcComplete && isConstrainedFamily(family);
  }

  private constraintAllows(st: PeerState, family: Family, d: Dest, attrs: PathAttributes): boolean {
    if (family === RTC_FAMILY) {
      // §3.2: our default membership is for route reflector clients only.
      return d.nlri.key !== DEFAULT_MEMBERSHIP.key || d.best?.peer !== undefined || st.peer.routeReflectorClient;
    }
    return st.rtc === undefined || !isConstrainedFamily(family) || st.rtc.wants(attrs);
  }

  /** Rebuilds a peer's memberships from its accepted RTC paths; re-offers the VPN tables when they changed. */
  private refreshMembership(st: PeerState, rtc: RtMembership): void {
    const routes: RtcRoute[] = [];
    const loc = this.locRibs.get(RTC_FAMILY);
    if (loc !== undefined) {
      for (const d of loc.dests()) {
        const p = d.from(st.peer);
        if (p !== undefined && isCandidate(p)) routes.push(d.nlri as RtcRoute);
      }
    }
    if (!rtc.replace(routes)) return;
    for (const [family, out] of st.out) if (isConstrainedFamily(family)) this.offerAll({ st, out }, family, false);
  }

  /** §3.2: a route reflector asks its RTC-capable clients for every VPN route. */
  private originateDefaultMembership(): void {
    const loc = this.locRib(RTC_FAMILY);
    const d = loc.obtain(DEFAULT_MEMBERSHIP);
    if (d.from(undefined) !== undefined) return;
    const attrs = this.attrSets.intern({ origin: 0, asPath: [], nextHop: '0.0.0.0' });
    this.learn(this.local, countsOf(this.local, RTC_FAMILY), RTC_FAMILY, loc, d, DEFAULT_MEMBERSHIP, attrs, attrs, true, ++this.sequence);
  }

  private schedule(st: PeerState): void {
    st.notified = true;
    this.notifyQueue.push(st);
  }

  /** Tells peers about new work once the public call that made it is done. */
  private flush(): void {
    if (this.notifyQueue.length === 0) return;
    const q = this.notifyQueue;
    this.notifyQueue = [];
    const cb = this.onOutbound;
    for (const st of q) if (cb !== undefined && this.peers.get(st.id) === st) cb(st.id);
  }
}

function touches(update: UpdateMessage, family: Family): boolean {
  return update.announced.some((a) => a.family === family) || update.withdrawn.some((w) => w.family === family);
}

function multipathOf(d: Dest): readonly Route[] {
  if (d.multipath.length > 0) return d.multipath;
  return bestOnly(d);
}

function bestOnly(d: Dest): readonly Route[] {
  return d.best === undefined ? NO_ROUTES : [d.best];
}
