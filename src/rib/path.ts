/**
 * The RIB's own route record. A `Path` is what one source (a peer, or this speaker) says about one
 * NLRI; it is immutable once made, except for its link in its destination's list, so a `Route`
 * handed out in a BestPathChange never changes under its reader. A new announcement makes a new
 * Path.
 *
 * As in BIRD's `net` / `rte`, a destination's list holds every path any source sent for it, the
 * ones import policy rejected or found looping included: that list *is* Adj-RIB-In and the
 * Loc-RIB candidates at once, so a route costs one table entry and one object, not one per RIB.
 */
import type { Family } from '../wire/family.js';
import type { PathAttributes } from '../wire/attributes/types.js';
import type { Nlri } from '../wire/nlri/types.js';
import type { RibPeer, Route } from './types.js';

/** Path.flags bits. */
export const ACCEPTED = 1;
export const ELIGIBLE = 2;
export const EBGP = 4;

export class Path implements Route {
  /** Next path of the same destination (newest first). */
  next: Path | undefined = undefined;

  constructor(
    /** Where it belongs: gives its NLRI and family without a field for each. */
    readonly dest: Dest,
    /** After import policy (equal to `received` when there is none or it changed nothing). */
    readonly attributes: PathAttributes,
    readonly peer: RibPeer | undefined,
    readonly sequence: number,
    /** As the peer sent it (Adj-RIB-In, RFC 4271 §3.2 "unprocessed routing information"). */
    readonly received: PathAttributes,
    /** ACCEPTED | ELIGIBLE | EBGP: one small integer instead of three fields. */
    readonly flags: number,
  ) {}

  get family(): Family {
    return this.dest.family;
  }

  get nlri(): Nlri {
    return this.dest.nlri;
  }

  /** Import policy accepted it. */
  get accepted(): boolean {
    return (this.flags & ACCEPTED) !== 0;
  }

  /** No loop (RFC 4271 §9.1.2, RFC 4456 §8); rejected paths stay in Adj-RIB-In only. */
  get eligible(): boolean {
    return (this.flags & ELIGIBLE) !== 0;
  }

  /** Learned from an external peer (decision step 6, export rules). */
  get ebgp(): boolean {
    return (this.flags & EBGP) !== 0;
  }
}

/**
 * A path whose NLRI is not the destination's own object: an EVPN or VPN route re-announced, or
 * sent by another source, with fields outside the key (labels, ESI) that may differ
 * (nlri-identity.ts). Unicast paths never need it, so they do not pay for the field.
 */
export class PathWithNlri extends Path {
  constructor(
    dest: Dest,
    attributes: PathAttributes,
    peer: RibPeer | undefined,
    sequence: number,
    received: PathAttributes,
    flags: number,
    private readonly ownNlri: Nlri,
  ) {
    super(dest, attributes, peer, sequence, received, flags);
  }

  override get nlri(): Nlri {
    return this.ownNlri;
  }
}

/** A path that takes part in the decision (Loc-RIB), not only kept in Adj-RIB-In. */
export function isCandidate(p: Path): boolean {
  return (p.flags & (ACCEPTED | ELIGIBLE)) === (ACCEPTED | ELIGIBLE);
}

/** One NLRI: every source's path, the best one, and the multipath set. */
export class Dest {
  /** Index of this destination in its table's columns (the Adj-RIB-Out state, how many peers
   *  hold it as sent: loc-rib.ts); -1 once it left its table. */
  id = -1;
  head: Path | undefined = undefined;
  best: Path | undefined = undefined;

  constructor(
    readonly family: Family,
    /** What is advertised for this destination: the best path's NLRI once there is one (same
     *  key; EVPN/VPN labels may differ from the NLRI that created the destination). */
    public nlri: Nlri,
  ) {}

  insert(p: Path): void {
    p.next = this.head;
    this.head = p;
  }

  /** The path `peer` (undefined: this speaker) sent, if any: lists are a few paths long. */
  from(peer: RibPeer | undefined): Path | undefined {
    for (let p = this.head; p !== undefined; p = p.next) if (p.peer === peer) return p;
    return undefined;
  }

  remove(p: Path): void {
    if (this.head === p) this.head = p.next;
    else {
      let q = this.head;
      while (q !== undefined && q.next !== p) q = q.next;
      if (q === undefined) return;
      q.next = p.next;
    }
    p.next = undefined;
  }

  /** Equal-cost set including best, when multipath is on and there are several; else empty and
   *  readers use [best]. Kept aside: few destinations have one, and a field would cost every
   *  destination 8 octets. */
  get multipath(): readonly Path[] {
    return multipathSets.get(this) ?? NO_PATHS;
  }

  set multipath(set: readonly Path[]) {
    if (set.length === 0) multipathSets.delete(this);
    else multipathSets.set(this, set);
  }

  /** The Loc-RIB candidates (what the looking glass shows as paths). */
  paths(): Path[] {
    const out: Path[] = [];
    for (let p = this.head; p !== undefined; p = p.next) if (isCandidate(p)) out.push(p);
    return out;
  }
}

export const NO_PATHS: readonly Path[] = Object.freeze([]);

const multipathSets = new WeakMap<Dest, readonly Path[]>();
