/**
 * The RIB's path records, as rows of typed-array columns (struct of arrays). A path is what one
 * source (a peer, or this speaker) says about one destination.
 *
 * As in BIRD's `net` / `rte`, a destination's list holds every path any source sent for it, the
 * ones import policy rejected or found looping included: that list *is* Adj-RIB-In and the
 * Loc-RIB candidates at once (RFC 4271 §3.2), so a route costs one destination and one row, not
 * one per RIB.
 *
 * A row is 25 octets outside the collected heap: next row of the destination's list (newest
 * first; the destination is always known to whoever holds a row), source slot, accepted and received attribute-set ids (attr-set.ts, whose
 * counts the rows hold), receive sequence, flags. A `Path` object per route (80 octets, plus its
 * NLRI) was copied twice by the young-generation collector before it settled: ~0.5 s per million
 * routes. `Route` objects are made only for readers (rib.ts).
 *
 * Rows are reused through a free list; a row index alone therefore does not name a path for
 * ever, which is why the Loc-RIB marks a removed best path (loc-rib.ts BEST_GONE).
 */
import type { Nlri } from '../wire/nlri/types.js';

/** flags bits. */
export const ACCEPTED = 1;
/** No loop (RFC 4271 §9.1.2, RFC 4456 §8); rejected paths stay in Adj-RIB-In only. */
export const ELIGIBLE = 2;
/** Learned from an external peer (decision step 6, export rules). */
export const EBGP = 4;
/** Both: the path takes part in the decision (Loc-RIB), not only kept in Adj-RIB-In. */
export const CANDIDATE = ACCEPTED | ELIGIBLE;

const MIN_ROWS = 1024;

export class PathRows {
  /** Next row of the same destination, -1 at the end; for a free row, the next free one. */
  next: Int32Array;
  /** Source slot (rib.ts): 0 is this speaker. */
  source: Int32Array;
  /** After import policy (equal to `recv` when there is none or it changed nothing; `recv` when
   *  policy rejected the path, which ACCEPTED then says). */
  attr: Int32Array;
  /** As the peer sent it (Adj-RIB-In, RFC 4271 §3.2 "unprocessed routing information"). */
  recv: Int32Array;
  /** Receive order (RFC 5004: the oldest external path wins a tie). A double: a long-lived
   *  daemon may count past 2^31. */
  seq: Float64Array;
  flags: Uint8Array;
  /** EVPN / VPN / RTC only: the NLRI the path was announced with, whose labels or ESI may differ
   *  from another source's for the same key (nlri-identity.ts). Unicast rows keep none. */
  readonly nlri: (Nlri | undefined)[] | undefined;

  private freeHead = -1;
  private used = 0;

  /** `rows`: the columns' initial length (loc-rib.ts UNICAST_RESERVE). */
  constructor(keepNlri: boolean, rows = MIN_ROWS) {
    this.next = new Int32Array(rows);
    this.source = new Int32Array(rows);
    this.attr = new Int32Array(rows);
    this.recv = new Int32Array(rows);
    this.seq = new Float64Array(rows);
    this.flags = new Uint8Array(rows);
    this.nlri = keepNlri ? [] : undefined;
  }

  alloc(): number {
    const r = this.freeHead;
    if (r >= 0) {
      this.freeHead = this.next[r]!;
      return r;
    }
    if (this.used === this.next.length) this.grow();
    return this.used++;
  }

  release(row: number): void {
    this.flags[row] = 0;
    if (this.nlri !== undefined) this.nlri[row] = undefined;
    this.next[row] = this.freeHead;
    this.freeHead = row;
  }

  private grow(): void {
    const n = this.next.length * GROWTH;
    this.next = widen(this.next, n);
    this.source = widen(this.source, n);
    this.attr = widen(this.attr, n);
    this.recv = widen(this.recv, n);
    const seq = new Float64Array(n);
    seq.set(this.seq);
    this.seq = seq;
    const flags = new Uint8Array(n);
    flags.set(this.flags);
    this.flags = flags;
  }
}

/** Columns grow fourfold (see loc-rib.ts grow()). */
export const GROWTH = 4;

export function widen(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}
