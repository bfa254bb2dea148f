/**
 * The RIB's own route record. A `Path` is what one source (a peer, or this speaker) says about one
 * NLRI; it is immutable once made, except for its links into the Loc-RIB, so a `Route` handed out
 * in a BestPathChange never changes under its reader. A new announcement makes a new Path.
 */
import type { Family } from '../wire/family.js';
import type { PathAttributes } from '../wire/attributes/types.js';
import type { Nlri } from '../wire/nlri/types.js';
import type { RibPeer, Route } from './types.js';

export class Path implements Route {
  /** Next path of the same destination (Loc-RIB list, newest first). */
  next: Path | undefined = undefined;
  /** The destination whose list holds this path; undefined when it takes no part in the decision. */
  dest: Dest | undefined = undefined;

  constructor(
    readonly family: Family,
    readonly nlri: Nlri,
    /** After import policy (equal to `received` when there is none or it changed nothing). */
    readonly attributes: PathAttributes,
    readonly peer: RibPeer | undefined,
    readonly sequence: number,
    /** As the peer sent it (Adj-RIB-In, RFC 4271 §3.2 "unprocessed routing information"). */
    readonly received: PathAttributes,
    /** Import policy accepted it. */
    readonly accepted: boolean,
    /** No loop (RFC 4271 §9.1.2, RFC 4456 §8); rejected paths stay in Adj-RIB-In only. */
    readonly eligible: boolean,
    /** Learned from an external peer (decision step 6, export rules). */
    readonly ebgp: boolean,
  ) {}
}

/** One NLRI in the Loc-RIB: its candidate paths, the best one, and the multipath set. */
export class Dest {
  head: Path | undefined = undefined;
  count = 0;
  best: Path | undefined = undefined;
  /** Equal-cost set including best, when multipath is on and there are several; else empty and
   *  readers use [best]. */
  multipath: readonly Path[] = NO_PATHS;

  constructor(readonly nlri: Nlri) {}

  insert(p: Path): void {
    p.next = this.head;
    p.dest = this;
    this.head = p;
    this.count++;
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
    p.dest = undefined;
    this.count--;
  }

  paths(): Path[] {
    const out: Path[] = [];
    for (let p = this.head; p !== undefined; p = p.next) out.push(p);
    return out;
  }
}

export const NO_PATHS: readonly Path[] = Object.freeze([]);
