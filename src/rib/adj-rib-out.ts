/**
 * Adj-RIB-Out (RFC 4271 §3.2, §9.2) for one peer and one family: what was last sent for each
 * destination, and what is still to be sent.
 *
 * Both live in two columns indexed by the destination's id in its table (loc-rib.ts), not in a
 * Map and an object per NLRI: a peer's share of a 1M-route table is two array slots per route.
 *
 * Pending changes wait in buckets, one per interned attribute set plus one for withdrawals (BIRD's
 * `bgp_bucket`, OpenBGPD's `rde_adjout`), so the packer emits one Announcement per attribute set
 * with all its NLRI, i.e. as few UPDATEs as RFC 4271 §9.2 allows. A bucket is an append-only list
 * of destinations checked when drained: an entry counts only if the destination's queued value is
 * still the bucket's, so moving a route between buckets costs no unlinking, and the
 * rate-limiting rules of §9.2.1.1 hold:
 *   - a route that changes twice before it is sent leaves once, with the last attributes;
 *   - a route that goes back to what was last sent leaves nothing;
 *   - a route announced then withdrawn before it was ever sent leaves nothing.
 */
import type { Family } from '../wire/family.js';
import type { PathAttributes } from '../wire/attributes/types.js';
import type { Nlri } from '../wire/nlri/types.js';
import type { Announcement, Withdrawal } from '../wire/messages.js';
import { LocRib } from './loc-rib.js';
import type { Dest } from './path.js';

class Bucket {
  readonly dests: Dest[] = [];
  /** Entries before this index were drained. */
  start = 0;
  /** null: the withdrawal bucket. */
  constructor(readonly attrs: PathAttributes | null) {}
}

export class AdjRibOut {
  /** By destination id: attributes the peer has now (undefined: never sent, or withdrawn). */
  private readonly sentCol: (PathAttributes | undefined)[] = [];
  /** By destination id: what is queued — attributes, null to withdraw, undefined for nothing. */
  private readonly queuedCol: (PathAttributes | null | undefined)[] = [];
  private readonly buckets = new Map<PathAttributes, Bucket>();
  private withdrawals = new Bucket(null);
  /** NLRI waiting to be sent (announcements and withdrawals). */
  pending = 0;
  /** NLRI the peer currently has from us. */
  advertised = 0;

  /** `table`: the destinations this Adj-RIB-Out's ids refer to; a standalone one keeps its own. */
  constructor(
    readonly family: Family,
    private readonly table: LocRib = new LocRib(family),
  ) {}

  /** Queue `attrs` for `nlri`. With `force` (ROUTE-REFRESH) it is queued even if already sent. */
  announce(nlri: Nlri, attrs: PathAttributes, force: boolean): void {
    this.announceDest(this.table.obtain(nlri), attrs, force);
  }

  withdraw(nlri: Nlri): void {
    const d = this.table.get(nlri);
    if (d !== undefined) this.withdrawDest(d);
  }

  announceDest(d: Dest, attrs: PathAttributes, force: boolean): void {
    const id = d.id;
    const q = this.queuedCol[id];
    if (q === attrs) return;
    if (q !== undefined) this.pending--; // its bucket entry goes stale
    if (this.sentCol[id] === attrs && !force) {
      if (q !== undefined) this.queuedCol[id] = undefined;
      return;
    }
    setAt(this.queuedCol, id, attrs);
    let b = this.buckets.get(attrs);
    if (b === undefined) {
      b = new Bucket(attrs);
      this.buckets.set(attrs, b);
    }
    b.dests.push(d);
    this.pending++;
  }

  withdrawDest(d: Dest): void {
    const id = d.id;
    const q = this.queuedCol[id];
    if (q === null) return;
    if (q !== undefined) {
      this.pending--;
      this.queuedCol[id] = undefined;
    }
    if (this.sentCol[id] === undefined) return;
    this.queuedCol[id] = null;
    this.withdrawals.dests.push(d);
    this.pending++;
  }

  /**
   * Moves up to `budget` pending NLRI into `announced` / `withdrawn` (withdrawals first, then one
   * Announcement per attribute set in the order the sets were first queued), marking them sent.
   * Returns how many were taken.
   */
  take(budget: number, announced: Announcement[], withdrawn: Withdrawal[]): number {
    let n = 0;
    const w = this.withdrawals;
    if (w.dests.length > w.start && budget > 0) {
      const nlri: Nlri[] = [];
      n = this.drain(w, budget, nlri);
      if (nlri.length > 0) withdrawn.push({ family: this.family, nlri });
      if (w.start === w.dests.length) this.withdrawals = new Bucket(null);
    }
    for (const b of this.buckets.values()) {
      if (n >= budget) break;
      const nlri: Nlri[] = [];
      n += this.drain(b, budget - n, nlri);
      if (nlri.length > 0) announced.push({ family: this.family, attributes: b.attrs!, nlri });
      if (b.start === b.dests.length) this.buckets.delete(b.attrs!);
    }
    return n;
  }

  /** Pops up to `max` live entries off a bucket into `out` and records them as sent. */
  private drain(b: Bucket, max: number, out: Nlri[]): number {
    const attrs = b.attrs;
    const list = b.dests;
    const sent = this.sentCol;
    const queued = this.queuedCol;
    let i = b.start;
    let n = 0;
    for (; i < list.length && n < max; i++) {
      const d = list[i]!;
      const id = d.id;
      // Stale: the destination moved on (or left the table: id -1) after this entry was made.
      if (id < 0 || queued[id] !== attrs) continue;
      queued[id] = undefined;
      out.push(d.nlri);
      n++;
      if (attrs === null) {
        sent[id] = undefined;
        this.advertised--;
        d.held--;
        this.table.dropIfEmpty(d);
      } else {
        if (sent[id] === undefined) {
          this.advertised++;
          d.held++;
        }
        setAt(sent, id, attrs);
      }
    }
    b.start = i;
    this.pending -= n;
    return n;
  }

  /** The peer is gone: lets go of its hold on the table's destinations. */
  release(): void {
    const sent = this.sentCol;
    for (const d of this.table.dests()) {
      if (sent[d.id] === undefined) continue;
      sent[d.id] = undefined;
      d.held--;
      this.table.dropIfEmpty(d);
    }
  }

  /** What the peer has from us now (RFC 4271 §3.2 Adj-RIB-Out as last sent). */
  *sent(): IterableIterator<{ nlri: Nlri; attributes: PathAttributes }> {
    const sent = this.sentCol;
    for (const d of this.table.dests()) {
      const a = sent[d.id];
      if (a !== undefined) yield { nlri: d.nlri, attributes: a };
    }
  }
}

/** Writes a column slot, growing the array densely (a write far past the end would turn it into
 *  a dictionary). */
function setAt<T>(col: (T | undefined)[], i: number, v: T): void {
  while (col.length < i) col.push(undefined);
  col[i] = v;
}
