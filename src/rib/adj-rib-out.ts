/**
 * Adj-RIB-Out (RFC 4271 §3.2, §9.2) for one peer and one family: what was last sent for each
 * destination, and what is still to be sent.
 *
 * Both live in two Int32Array columns indexed by the destination's id in its table (loc-rib.ts),
 * holding small per-peer codes for attribute sets, not in a Map and an object per NLRI: a peer's
 * share of a 1M-route table is 8 octets per route, outside the collected heap.
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
  /** code: this bucket's attribute code, WITHDRAW for the withdrawal bucket. */
  constructor(
    readonly attrs: PathAttributes | null,
    readonly code: number,
  ) {}
}

/** Column values: NONE (nothing sent / nothing queued), WITHDRAW (queued), else an attribute code. */
const NONE = 0;
const WITHDRAW = 1;
const FIRST_CODE = 2;

export class AdjRibOut {
  /** By destination id: code of the attributes the peer has now, NONE if never sent or withdrawn. */
  private sentCol = new Int32Array(256);
  /** By destination id: what is queued — an attribute code, WITHDRAW, or NONE. */
  private queuedCol = new Int32Array(256);
  /** Attribute sets in use here as small codes, so the columns hold no pointers for the
   *  collector to trace; each code counts its uses (column slots and its bucket). */
  private readonly codes = new Map<PathAttributes, number>();
  private readonly byCode: (PathAttributes | undefined)[] = [undefined, undefined];
  private readonly uses: number[] = [0, 0];
  private readonly freeCodes: number[] = [];
  private readonly buckets = new Map<number, Bucket>();
  private withdrawals = new Bucket(null, WITHDRAW);
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
    this.reserve(id);
    const queued = this.queuedCol;
    const q = queued[id]!;
    let code = this.codes.get(attrs);
    if (q !== NONE && q === code) return;
    if (q !== NONE) {
      this.pending--; // its bucket entry goes stale
      queued[id] = NONE;
      this.unuse(q);
    }
    if (code !== undefined && this.sentCol[id] === code && !force) return;
    if (code === undefined) code = this.newCode(attrs);
    queued[id] = code;
    this.uses[code]!++;
    let b = this.buckets.get(code);
    if (b === undefined) {
      b = new Bucket(attrs, code);
      this.buckets.set(code, b);
      this.uses[code]!++;
    }
    b.dests.push(d);
    this.pending++;
  }

  withdrawDest(d: Dest): void {
    const id = d.id;
    if (id < 0 || id >= this.queuedCol.length) return; // never queued nor sent here
    const queued = this.queuedCol;
    const q = queued[id]!;
    if (q === WITHDRAW) return;
    if (q !== NONE) {
      this.pending--;
      queued[id] = NONE;
      this.unuse(q);
    }
    if (this.sentCol[id] === NONE) return;
    queued[id] = WITHDRAW;
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
      if (w.start === w.dests.length) this.withdrawals = new Bucket(null, WITHDRAW);
    }
    for (const b of this.buckets.values()) {
      if (n >= budget) break;
      const nlri: Nlri[] = [];
      n += this.drain(b, budget - n, nlri);
      if (nlri.length > 0) announced.push({ family: this.family, attributes: b.attrs!, nlri });
      if (b.start === b.dests.length) {
        this.buckets.delete(b.code);
        this.unuse(b.code);
      }
    }
    return n;
  }

  /** Pops up to `max` live entries off a bucket into `out` and records them as sent. */
  private drain(b: Bucket, max: number, out: Nlri[]): number {
    const code = b.code;
    const list = b.dests;
    const sent = this.sentCol;
    const queued = this.queuedCol;
    let i = b.start;
    let n = 0;
    for (; i < list.length && n < max; i++) {
      const d = list[i]!;
      const id = d.id;
      // Stale: the destination moved on (or left the table: id -1) after this entry was made.
      if (id < 0 || queued[id] !== code) continue;
      queued[id] = NONE;
      out.push(d.nlri);
      n++;
      const was = sent[id]!;
      if (code === WITHDRAW) {
        sent[id] = NONE;
        this.unuse(was);
        this.advertised--;
        this.table.hold(d, -1);
        this.table.dropIfEmpty(d);
      } else {
        // The queued use of `code` becomes the sent one.
        sent[id] = code;
        if (was === NONE) {
          this.advertised++;
          this.table.hold(d, 1);
        } else this.unuse(was);
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
      if (d.id >= sent.length || sent[d.id] === NONE) continue;
      sent[d.id] = NONE;
      this.table.hold(d, -1);
      this.table.dropIfEmpty(d);
    }
  }

  /** What the peer has from us now (RFC 4271 §3.2 Adj-RIB-Out as last sent). */
  *sent(): IterableIterator<{ nlri: Nlri; attributes: PathAttributes }> {
    const sent = this.sentCol;
    for (const d of this.table.dests()) {
      const c = d.id < sent.length ? sent[d.id]! : NONE;
      if (c !== NONE) yield { nlri: d.nlri, attributes: this.byCode[c]! };
    }
  }

  /** Grows both columns (doubling) to hold destination `id`. */
  private reserve(id: number): void {
    if (id < this.sentCol.length) return;
    let n = this.sentCol.length * 2;
    while (n <= id) n *= 2;
    const sent = new Int32Array(n);
    sent.set(this.sentCol);
    this.sentCol = sent;
    const queued = new Int32Array(n);
    queued.set(this.queuedCol);
    this.queuedCol = queued;
  }

  private newCode(attrs: PathAttributes): number {
    const code = this.freeCodes.length > 0 ? this.freeCodes.pop()! : this.byCode.length;
    this.byCode[code] = attrs;
    this.uses[code] = 0;
    this.codes.set(attrs, code);
    return code;
  }

  private unuse(code: number): void {
    if (code < FIRST_CODE || --this.uses[code]! > 0) return;
    this.codes.delete(this.byCode[code]!);
    this.byCode[code] = undefined;
    this.freeCodes.push(code);
  }
}
