/**
 * The decision process (RFC 4271 §9.1), as one comparator over two candidate paths.
 *
 * RFC 4271 §9.1.2, Phase 2: Route Selection
 *   "The Phase 2 decision function is invoked on completion of Phase 1. [...] For each set of
 *    destinations for which a feasible route exists in the Adj-RIBs-In, the local speaker's BGP
 *    process identifies the route that has: a) the highest degree of preference of any route to
 *    the same set of destinations, or b) is the only route to that destination [...]"
 *   "If the NEXT_HOP attribute of a BGP route depicts an address that is not resolvable, or if it
 *    would become unresolvable if the route was installed in the routing table, the BGP route
 *    MUST be excluded from the Phase 2 decision function."
 *   "If the AS_PATH attribute of a BGP route contains an AS loop, the BGP route should be
 *    excluded from the Phase 2 decision function."
 *
 * RFC 4271 §9.1.2.2, Breaking Ties (Phase 2)
 *   "a) Remove from consideration all routes that are not tied for having the smallest number of
 *       AS numbers present in their AS_PATH attributes. [...] an AS_SET counts as 1 [...]
 *    b) Remove from consideration all routes that are not tied for having the lowest Origin
 *       number in their Origin attribute.
 *    c) Remove from consideration routes with less-preferred MULTI_EXIT_DISC attributes.
 *       MULTI_EXIT_DISC is only comparable between routes learned from the same neighboring AS
 *       [...] routes that do not have the MULTI_EXIT_DISC attribute are considered to have the
 *       lowest possible MULTI_EXIT_DISC value.
 *    d) If at least one of the candidate routes was received via EBGP, remove from
 *       consideration all routes that were received via IBGP.
 *    e) Remove from consideration any routes with less-preferred interior cost. [...]
 *    f) Remove from consideration all routes other than the route that was advertised by the
 *       BGP speaker with the lowest BGP Identifier value.
 *    g) Prefer the route received from the lowest peer address."
 *
 * RFC 4456 §9: "the ORIGINATOR_ID SHOULD be treated as the BGP Identifier of the BGP speaker that
 * has advertised the route", and "a route with a shorter CLUSTER_LIST length" is preferred just
 * before the peer address. RFC 5065 §5.3: confederation segments do not count in the length.
 *
 * MED is compared pairwise, as every implementation without "deterministic-med" does: with three
 * or more paths from two neighbour ASes the outcome can depend on the order the paths are seen
 * (RFC 3345). Loc-RIB scans newest first, so the result is still a function of arrival order.
 *
 * Paths are rows of typed-array columns (path.ts); the comparator reads them through a
 * `Candidate` (two reused cursors in `decide`, so a decision allocates nothing), and a
 * destination with one candidate (the common case) costs no comparison at all.
 */
import { asPathCount as asPathLength } from '../wire/attributes/as-path.js';
import { AsPathSegmentType, type PathAttributes } from '../wire/attributes/types.js';
import { compareAddresses, routerIdValue } from './address.js';
import { macMobilitySequence } from '../wire/attributes/ext-communities.js';
import type { RibPeer } from './types.js';
import { CANDIDATE, EBGP, ELIGIBLE } from './path.js';
import { NO_ROWS, type LocRib } from './loc-rib.js';

/** What the comparator reads of a path. */
export interface Candidate {
  readonly attributes: PathAttributes;
  /** undefined: this speaker's own path. */
  readonly peer: RibPeer | undefined;
  readonly sequence: number;
  /** path.ts flags: ELIGIBLE, EBGP (ACCEPTED is implied: only accepted paths are compared). */
  readonly flags: number;
}

/** A path row loaded for comparison. */
class Cursor implements Candidate {
  row = -1;
  attributes!: PathAttributes;
  peer: RibPeer | undefined = undefined;
  sequence = 0;
  flags = 0;

  load(loc: LocRib, row: number): this {
    const p = loc.paths;
    this.row = row;
    this.attributes = loc.sets.get(p.attr[row]!);
    this.peer = loc.peers[p.source[row]!];
    this.sequence = p.seq[row]!;
    this.flags = p.flags[row]!;
    return this;
  }
}

function ebgp(c: Candidate): boolean {
  return (c.flags & EBGP) !== 0;
}

/** RFC 4271 §5.1.5 / FRR, BIRD, GoBGP: LOCAL_PREF of a path that has none. */
export const DEFAULT_LOCAL_PREF = 100;

export interface MultipathOptions {
  readonly ebgp: boolean;
  readonly ibgp: boolean;
  readonly maxPaths: number;
}

/** <0: a is preferred; >0: b is preferred; 0: equal through step 7 (IGP cost). */
export function compareThroughIgp(a: Candidate, b: Candidate): number {
  // 0. Only eligible paths (next hop usable, no AS_PATH / ORIGINATOR_ID / CLUSTER_LIST loop)
  //    reach the Loc-RIB list; this guards the comparator's contract if one ever does.
  const ea = (a.flags & ELIGIBLE) !== 0;
  if (ea !== ((b.flags & ELIGIBLE) !== 0)) return ea ? -1 : 1;
  const x = a.attributes;
  const y = b.attributes;
  if (x === y && ebgp(a) === ebgp(b) && (a.peer === undefined) === (b.peer === undefined)) return 0;

  // 0b. EVPN MAC mobility (RFC 7432 §15.2): of two MAC/IP routes for the MAC, the higher
  //     sequence number wins, whatever else they say; a route without the community counts 0.
  //     Only EVPN routes carry it, so other families never get past the two undefined checks.
  if (x.extCommunities !== undefined || y.extCommunities !== undefined) {
    const sx = macMobilitySequence(x);
    const sy = macMobilitySequence(y);
    if ((sx !== undefined || sy !== undefined) && (sx ?? 0) !== (sy ?? 0)) return (sy ?? 0) - (sx ?? 0);
  }

  // 1. Highest LOCAL_PREF (§9.1.1: for eBGP paths the value import policy gave, else the default).
  const lx = x.localPref ?? DEFAULT_LOCAL_PREF;
  const ly = y.localPref ?? DEFAULT_LOCAL_PREF;
  if (lx !== ly) return ly - lx;

  // 2. Locally originated (config, API) over learned.
  const localA = a.peer === undefined;
  if (localA !== (b.peer === undefined)) return localA ? -1 : 1;

  // 3. Shortest AS_PATH (§9.1.2.2 a): AS_SET counts 1, confederation segments 0.
  const px = asPathLength(x.asPath);
  const py = asPathLength(y.asPath);
  if (px !== py) return px - py;

  // 4. Lowest ORIGIN (§9.1.2.2 b): IGP < EGP < INCOMPLETE.
  if (x.origin !== y.origin) return x.origin - y.origin;

  // 5. Lowest MED, only between paths from the same neighbour AS (§9.1.2.2 c); missing = 0.
  if (neighbourAs(x) === neighbourAs(y)) {
    const mx = x.med ?? 0;
    const my = y.med ?? 0;
    if (mx !== my) return mx - my;
  }

  // 6. eBGP over iBGP (§9.1.2.2 d).
  if (ebgp(a) !== ebgp(b)) return ebgp(a) ? -1 : 1;

  // 7. Lowest IGP cost to the next hop (§9.1.2.2 e): bgpipe resolves no next hops; all equal.
  return 0;
}

/** The full order: <0 when a is the better path. Total for paths from different sources. */
export function comparePaths(a: Candidate, b: Candidate): number {
  const c = compareThroughIgp(a, b);
  if (c !== 0) return c;

  // 8. Oldest of two eBGP paths (RFC 5004 §2), to avoid churn between equally good external
  //    paths. `sequence` is the receive order, so this stays deterministic for a given input.
  if (ebgp(a) && ebgp(b) && a.sequence !== b.sequence) return a.sequence - b.sequence;

  // 9. Lowest BGP Identifier (§9.1.2.2 f); ORIGINATOR_ID stands in for it (RFC 4456 §9).
  const ia = originOf(a);
  const ib = originOf(b);
  if (ia !== ib) return ia - ib;

  // 10. Shortest CLUSTER_LIST (RFC 4456 §9).
  const ca = a.attributes.clusterList?.length ?? 0;
  const cb = b.attributes.clusterList?.length ?? 0;
  if (ca !== cb) return ca - cb;

  // 11. Lowest peer address (§9.1.2.2 g). Local paths have none and sort first.
  if (a.peer === undefined || b.peer === undefined) return a.peer === undefined ? (b.peer === undefined ? 0 : -1) : 1;
  return compareAddresses(a.peer.address, b.peer.address);
}

function originOf(p: Candidate): number {
  const id = p.attributes.originatorId ?? p.peer?.routerId;
  return id === undefined ? 0 : routerIdValue(id);
}

/**
 * The AS a path was learned from (§9.1.2.2 c): the first AS of the leading AS_SEQUENCE, skipping
 * confederation segments. 0 stands for our own AS: a path originated inside it, or an aggregate
 * whose AS_PATH is empty or begins with an AS_SET.
 */
export function neighbourAs(a: PathAttributes): number {
  for (const s of a.asPath) {
    if (s.type === AsPathSegmentType.ConfedSequence || s.type === AsPathSegmentType.ConfedSet) continue;
    if (s.type === AsPathSegmentType.Sequence && s.asns.length > 0) return s.asns[0]!;
    return 0;
  }
  return 0;
}

/** Result bits of `decide`. */
export const BEST_CHANGED = 1;
export const MULTIPATH_CHANGED = 2;

const current = new Cursor();
const challenger = new Cursor();

/**
 * Runs the decision for destination `id` of `loc`: sets its best row and multipath set and says
 * what changed. A destination with one candidate (the common case) costs no comparison at all.
 */
export function decide(loc: LocRib, id: number, mp: MultipathOptions | undefined): number {
  const p = loc.paths;
  const before = loc.bestOf(id);
  let best = -1;
  let bc: Cursor | undefined;
  let other: Cursor = challenger;
  // Adj-RIB-In paths share the list (path.ts); only candidates take part.
  for (let r = loc.firstPath(id); r >= 0; r = p.next[r]!) {
    if ((p.flags[r]! & CANDIDATE) !== CANDIDATE) continue;
    if (best < 0) {
      best = r;
      continue;
    }
    if (bc === undefined) bc = current.load(loc, best);
    const c = other.load(loc, r);
    if (comparePaths(c, bc) < 0) {
      best = r;
      other = bc;
      bc = c;
    }
  }
  loc.setBest(id, best);
  let changed = best !== before ? BEST_CHANGED : 0;
  if (mp !== undefined) {
    const set = best < 0 || p.next[loc.firstPath(id)]! < 0 ? NO_ROWS : multipathSet(loc, id, best, mp);
    if (!sameRows(set, loc.multipathOf(id))) {
      loc.setMultipath(id, set);
      changed |= MULTIPATH_CHANGED;
    }
  }
  return changed;
}

/** Paths equal to best through step 7, from the same neighbour AS when eBGP (FRR's default
 *  without "as-path multipath-relax"), best first then by preference, at most maxPaths. */
function multipathSet(loc: LocRib, id: number, best: number, mp: MultipathOptions): readonly number[] {
  const b = new Cursor().load(loc, best);
  if (b.peer === undefined || !(ebgp(b) ? mp.ebgp : mp.ibgp) || mp.maxPaths < 2) return NO_ROWS;
  const nas = neighbourAs(b.attributes);
  const set: Cursor[] = [];
  const p = loc.paths;
  for (let r = loc.firstPath(id); r >= 0; r = p.next[r]!) {
    if (r === best || (p.flags[r]! & CANDIDATE) !== CANDIDATE) continue;
    const c = new Cursor().load(loc, r);
    if (compareThroughIgp(c, b) !== 0) continue;
    if (ebgp(b) && neighbourAs(c.attributes) !== nas) continue;
    set.push(c);
  }
  if (set.length === 0) return NO_ROWS;
  set.sort(comparePaths);
  set.unshift(b);
  if (set.length > mp.maxPaths) set.length = mp.maxPaths;
  return set.map((c) => c.row);
}

function sameRows(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
