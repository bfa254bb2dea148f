/**
 * Adj-RIB-Out (RFC 4271 §3.2, §9.2) for one peer and one family: what was last sent for each
 * NLRI, and what is still to be sent.
 *
 * Pending changes wait in buckets, one per interned attribute set plus one for withdrawals (BIRD's
 * `bgp_bucket`, OpenBGPD's `rde_adjout`), so the packer emits one Announcement per attribute set
 * with all its NLRI, i.e. as few UPDATEs as RFC 4271 §9.2 allows. Each entry is on at most one
 * bucket's list (an intrusive doubly linked list: moving an entry costs no allocation), which
 * gives the rate-limiting rules of §9.2.1.1 for free:
 *   - a route that changes twice before it is sent leaves once, with the last attributes;
 *   - a route that goes back to what was last sent leaves nothing;
 *   - a route announced then withdrawn before it was ever sent leaves nothing.
 */
import type { Family } from '../wire/family.js';
import type { PathAttributes } from '../wire/attributes/types.js';
import type { Nlri } from '../wire/nlri/types.js';
import type { Announcement, Withdrawal } from '../wire/messages.js';

class OutEntry {
  /** Attributes the peer has now (undefined: it was never sent or its withdrawal left). */
  sent: PathAttributes | undefined = undefined;
  /** What is queued: attributes to announce, null to withdraw, undefined for nothing. */
  pending: PathAttributes | null | undefined = undefined;
  bucket: Bucket | undefined = undefined;
  prev: OutEntry | undefined = undefined;
  next: OutEntry | undefined = undefined;
  constructor(readonly nlri: Nlri) {}
}

class Bucket {
  head: OutEntry | undefined = undefined;
  tail: OutEntry | undefined = undefined;
  size = 0;
  /** null: the withdrawal bucket. */
  constructor(readonly attrs: PathAttributes | null) {}
}

export class AdjRibOut {
  private readonly entries = new Map<string, OutEntry>();
  private readonly buckets = new Map<PathAttributes, Bucket>();
  private readonly withdrawals = new Bucket(null);
  /** NLRI waiting to be sent (announcements and withdrawals). */
  pending = 0;
  /** NLRI the peer currently has from us. */
  advertised = 0;

  constructor(readonly family: Family) {}

  /** Queue `attrs` for `nlri`. With `force` (ROUTE-REFRESH) it is queued even if already sent. */
  announce(nlri: Nlri, attrs: PathAttributes, force: boolean): void {
    let e = this.entries.get(nlri.key);
    if (e === undefined) {
      e = new OutEntry(nlri);
      this.entries.set(nlri.key, e);
    } else {
      if (e.pending === attrs) return;
      if (e.bucket !== undefined) this.unlink(e);
      if (e.sent === attrs && !force) {
        e.pending = undefined;
        return;
      }
    }
    e.pending = attrs;
    let b = this.buckets.get(attrs);
    if (b === undefined) {
      b = new Bucket(attrs);
      this.buckets.set(attrs, b);
    }
    this.link(b, e);
  }

  withdraw(nlri: Nlri): void {
    const e = this.entries.get(nlri.key);
    if (e === undefined || e.pending === null) return;
    if (e.bucket !== undefined) this.unlink(e);
    if (e.sent === undefined) {
      this.entries.delete(nlri.key);
      return;
    }
    e.pending = null;
    this.link(this.withdrawals, e);
  }

  /**
   * Moves up to `budget` pending NLRI into `announced` / `withdrawn` (withdrawals first, then one
   * Announcement per attribute set in the order the sets were first queued), marking them sent.
   * Returns how many were taken.
   */
  take(budget: number, announced: Announcement[], withdrawn: Withdrawal[]): number {
    let n = 0;
    const w = this.withdrawals;
    if (w.size > 0 && budget > 0) {
      const nlri: Nlri[] = [];
      n = this.drain(w, budget, nlri);
      withdrawn.push({ family: this.family, nlri });
    }
    for (const b of this.buckets.values()) {
      if (n >= budget) break;
      const nlri: Nlri[] = [];
      n += this.drain(b, budget - n, nlri);
      announced.push({ family: this.family, attributes: b.attrs!, nlri });
    }
    return n;
  }

  /** Pops up to `max` entries off a bucket into `out` and records them as sent. */
  private drain(b: Bucket, max: number, out: Nlri[]): number {
    const attrs = b.attrs;
    let e = b.head;
    let n = 0;
    while (e !== undefined && n < max) {
      const next = e.next;
      e.prev = e.next = e.bucket = undefined;
      e.pending = undefined;
      out.push(e.nlri);
      if (attrs === null) {
        this.entries.delete(e.nlri.key);
        this.advertised--;
      } else {
        if (e.sent === undefined) this.advertised++;
        e.sent = attrs;
      }
      e = next;
      n++;
    }
    b.head = e;
    if (e !== undefined) e.prev = undefined;
    else b.tail = undefined;
    b.size -= n;
    this.pending -= n;
    if (b.size === 0 && attrs !== null) this.buckets.delete(attrs);
    return n;
  }

  private link(b: Bucket, e: OutEntry): void {
    e.bucket = b;
    e.prev = b.tail;
    e.next = undefined;
    if (b.tail !== undefined) b.tail.next = e;
    else b.head = e;
    b.tail = e;
    b.size++;
    this.pending++;
  }

  private unlink(e: OutEntry): void {
    const b = e.bucket!;
    if (e.prev !== undefined) e.prev.next = e.next;
    else b.head = e.next;
    if (e.next !== undefined) e.next.prev = e.prev;
    else b.tail = e.prev;
    e.prev = e.next = e.bucket = undefined;
    b.size--;
    this.pending--;
    if (b.size === 0 && b.attrs !== null) this.buckets.delete(b.attrs);
  }

  /** What the peer has from us now (RFC 4271 §3.2 Adj-RIB-Out as last sent). */
  *sent(): IterableIterator<{ nlri: Nlri; attributes: PathAttributes }> {
    for (const e of this.entries.values()) if (e.sent !== undefined) yield { nlri: e.nlri, attributes: e.sent };
  }
}
