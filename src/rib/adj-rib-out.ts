/**
 * Adj-RIB-Out (RFC 4271 §3.2, §9.2) for one peer and one family: what was last sent for each
 * destination, and what is still to be sent.
 *
 * Both live in two Int32Array columns indexed by the destination's id in its table (loc-rib.ts),
 * holding attribute-set ids (attr-set.ts, + FIRST_CODE) whose counts they hold: a peer's share of
 * a 1M-route table is 8 octets per route, outside the collected heap.
 *
 * Pending changes wait in buckets, one per attribute set plus one for withdrawals (BIRD's
 * `bgp_bucket`, OpenBGPD's `rde_adjout`), so the packer emits one Announcement per attribute set
 * with all its NLRI, i.e. as few UPDATEs as RFC 4271 §9.2 allows. A bucket is an append-only
 * list of destination ids — linked entries in two shared Int32Array columns with a free list, so
 * a bucket costs a small object and an entry 8 octets, however many sets there are — checked
 * when drained: an entry counts only if the destination's queued value is still the bucket's, so
 * moving a route between buckets costs no unlinking, and the rate-limiting rules of §9.2.1.1 hold:
 *   - a route that changes twice before it is sent leaves once, with the last attributes;
 *   - a route that goes back to what was last sent leaves nothing;
 *   - a route announced then withdrawn before it was ever sent leaves nothing.
 * A stale entry whose destination left the table and whose id was reused is harmless: the id's
 * queued value is consumed once, at whichever of its entries comes first.
 */
import type { Family } from '../wire/family.js';
import type { PathAttributes } from '../wire/attributes/types.js';
import type { Nlri } from '../wire/nlri/types.js';
import { PackedAnnouncement, PackedWithdrawal, type Announcement, type Withdrawal } from '../wire/messages.js';
import { PackedPrefixes } from '../wire/nlri/prefix.js';
import type { AttrSets } from './attr-set.js';
import { LocRib } from './loc-rib.js';
import { GROWTH, widen } from './path.js';

/** A list of queued destination ids (entries in the AdjRibOut's entry columns). */
interface Bucket {
  /** First entry, -1 when empty. */
  head: number;
  tail: number;
  /** This bucket's column value: WITHDRAW, or an attribute id + FIRST_CODE. */
  readonly code: number;
  /** The next bucket in queueing order. */
  next: Bucket | undefined;
}

/** Column values: NONE (nothing sent / nothing queued), WITHDRAW (queued), else an attribute
 *  set's id + FIRST_CODE. */
const NONE = 0;
const WITHDRAW = 1;
const FIRST_CODE = 2;

export class AdjRibOut {
  /** By destination id: code of the attributes the peer has now, NONE if never sent or withdrawn. */
  private sentCol = new Int32Array(256);
  /** By destination id: what is queued — an attribute code, WITHDRAW, or NONE. */
  private queuedCol = new Int32Array(256);
  /** Bucket entries: destination id and next entry (-1 at the end; free entries chain through). */
  private entDest = new Int32Array(256);
  private entNext = new Int32Array(256);
  private entFree = -1;
  private entTop = 0;
  /** By code, the set's bucket while it has one. An array, not a Map: with a set per 10 routes
   *  there are as many buckets as UPDATEs, and Map growth was ~0.2 µs a bucket. */
  private readonly bucketOf: (Bucket | undefined)[] = [];
  /** The buckets in the order their sets were first queued, linked through `next`. */
  private firstBucket: Bucket | undefined = undefined;
  private lastBucket: Bucket | undefined = undefined;
  private readonly withdrawals: Bucket = { head: -1, tail: -1, code: WITHDRAW, next: undefined };
  /** NLRI waiting to be sent (announcements and withdrawals). */
  pending = 0;
  /** NLRI the peer currently has from us. */
  advertised = 0;

  /** `table`: the destinations this Adj-RIB-Out's ids refer to; a standalone one keeps its own. */
  constructor(
    readonly family: Family,
    private readonly sets: AttrSets,
    private readonly table: LocRib = new LocRib(family, sets, []),
  ) {}

  /** Queue `attrs` (interned in `sets`) for `nlri`. With `force` (ROUTE-REFRESH) it is queued
   *  even if already sent. */
  announce(nlri: Nlri, attrs: PathAttributes, force: boolean): void {
    const attr = this.sets.idOf(attrs);
    if (attr < 0) throw new Error('adj-rib-out: attributes not interned in this table');
    this.announceDest(this.table.obtain(nlri), attr, force);
  }

  withdraw(nlri: Nlri): void {
    const id = this.table.find(nlri);
    if (id >= 0) this.withdrawDest(id);
  }

  /** Queue attribute set `attr` for destination `id`. */
  announceDest(id: number, attr: number, force: boolean): void {
    if (id >= this.sentCol.length) this.reserve(id);
    const queued = this.queuedCol;
    const q = queued[id]!;
    const code = attr + FIRST_CODE;
    if (q === code) return;
    if (q !== NONE) {
      this.pending--; // its bucket entry goes stale
      queued[id] = NONE;
      this.unuse(q);
    }
    if (this.sentCol[id] === code && !force) return;
    queued[id] = code;
    this.sets.ref(attr);
    const byCode = this.bucketOf;
    // Filled up to `code` first, so that the array stays a plain one (a far write would make it
    // a dictionary).
    while (byCode.length <= code) byCode.push(undefined);
    let b = byCode[code];
    if (b === undefined) {
      b = { head: -1, tail: -1, code, next: undefined };
      byCode[code] = b;
      if (this.lastBucket !== undefined) this.lastBucket.next = b;
      else this.firstBucket = b;
      this.lastBucket = b;
      this.sets.ref(attr);
    }
    this.append(b, id);
    this.pending++;
  }

  withdrawDest(id: number): void {
    if (id >= this.queuedCol.length) return; // never queued nor sent here
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
    this.append(this.withdrawals, id);
    this.pending++;
  }

  /**
   * Moves up to `budget` pending NLRI into `announced` / `withdrawn` (withdrawals first, then one
   * Announcement per attribute set in the order the sets were first queued), marking them sent.
   * Returns how many were taken.
   */
  take(budget: number, announced: Announcement[], withdrawn: Withdrawal[], packed = false): number {
    // Unicast, when asked: the NLRI as octets, every run a view of one buffer (prefix.ts
    // PackedPrefixes), sized for the budget or what is pending, whichever is less.
    const stride = packed ? this.table.keyStride : 0;
    const octets = stride > 0 ? Buffer.allocUnsafe(Math.min(budget, this.pending) * stride) : undefined;
    let at = 0;
    let n = 0;
    const w = this.withdrawals;
    if (w.head >= 0 && budget > 0) {
      if (octets !== undefined) {
        const got = this.drainPacked(w, budget, octets, at);
        if (got > 0) withdrawn.push(new PackedWithdrawal(this.family, new PackedPrefixes(this.family, octets, at, this.packedEnd, got)));
        at = this.packedEnd;
        n = got;
      } else {
        const nlri: Nlri[] = [];
        n = this.drain(w, budget, nlri);
        if (nlri.length > 0) withdrawn.push({ family: this.family, nlri });
      }
    }
    let prev: Bucket | undefined = undefined;
    for (let b = this.firstBucket; b !== undefined && n < budget; ) {
      const attributes = this.sets.get(b.code - FIRST_CODE);
      if (octets !== undefined) {
        const got = this.drainPacked(b, budget - n, octets, at);
        if (got > 0) announced.push(new PackedAnnouncement(this.family, attributes, new PackedPrefixes(this.family, octets, at, this.packedEnd, got)));
        at = this.packedEnd;
        n += got;
      } else {
        const nlri: Nlri[] = [];
        n += this.drain(b, budget - n, nlri);
        if (nlri.length > 0) announced.push({ family: this.family, attributes, nlri });
      }
      const next: Bucket | undefined = b.next;
      if (b.head < 0) {
        // Drained: out of the list and the index.
        if (prev !== undefined) prev.next = next;
        else this.firstBucket = next;
        if (this.lastBucket === b) this.lastBucket = prev;
        this.bucketOf[b.code] = undefined;
        this.unuse(b.code);
      } else prev = b;
      b = next;
    }
    return n;
  }

  /** Where drainPacked stopped writing. */
  private packedEnd = 0;

  /** drain, writing each destination's prefix in wire form into `octets` from `at` on
   *  (packedEnd says where it stopped). */
  private drainPacked(b: Bucket, max: number, octets: Buffer, at: number): number {
    this.packedEnd = at;
    return this.drain(b, max, undefined, octets);
  }

  /** Pops up to `max` live entries off a bucket into `out` (or, packed, into `octets` at
   *  packedEnd) and records them as sent. */
  private drain(b: Bucket, max: number, out: Nlri[] | undefined, octets?: Buffer): number {
    const code = b.code;
    const sent = this.sentCol;
    const queued = this.queuedCol;
    const entDest = this.entDest;
    const entNext = this.entNext;
    const table = this.table;
    let e = b.head;
    let n = 0;
    while (e >= 0 && n < max) {
      const id = entDest[e]!;
      const next = entNext[e]!;
      entNext[e] = this.entFree;
      this.entFree = e;
      e = next;
      // Stale: the destination moved on after this entry was made.
      if (queued[id] !== code) continue;
      queued[id] = NONE;
      if (out !== undefined) out.push(table.nlriOf(id));
      else this.packedEnd = table.copyKey(id, octets!, this.packedEnd);
      n++;
      const was = sent[id]!;
      if (code === WITHDRAW) {
        sent[id] = NONE;
        this.unuse(was);
        this.advertised--;
        table.hold(id, -1);
        table.dropIfEmpty(id);
      } else {
        // The queued use of `code` becomes the sent one.
        sent[id] = code;
        if (was === NONE) {
          this.advertised++;
          table.hold(id, 1);
        } else this.unuse(was);
      }
    }
    b.head = e;
    if (e < 0) b.tail = -1;
    this.pending -= n;
    return n;
  }

  /** The peer is gone: lets go of its hold on the table's destinations and of its attribute
   *  sets. */
  release(): void {
    const sent = this.sentCol;
    const queued = this.queuedCol;
    for (let id = 0; id < sent.length; id++) {
      const q = queued[id]!;
      if (q !== NONE) {
        queued[id] = NONE;
        this.unuse(q);
      }
      const s = sent[id]!;
      if (s === NONE) continue;
      sent[id] = NONE;
      this.unuse(s);
      this.table.hold(id, -1);
      this.table.dropIfEmpty(id);
    }
    for (let b = this.firstBucket; b !== undefined; b = b.next) {
      this.bucketOf[b.code] = undefined;
      this.unuse(b.code);
    }
    this.firstBucket = this.lastBucket = undefined;
    this.withdrawals.head = this.withdrawals.tail = -1;
    this.pending = 0;
    this.advertised = 0;
  }

  /** What the peer has from us now (RFC 4271 §3.2 Adj-RIB-Out as last sent). */
  *sent(): IterableIterator<{ nlri: Nlri; attributes: PathAttributes }> {
    const sent = this.sentCol;
    for (let id = 0; id < sent.length; id++) {
      const c = sent[id]!;
      if (c !== NONE) yield { nlri: this.table.nlriOf(id), attributes: this.sets.get(c - FIRST_CODE) };
    }
  }

  private append(b: Bucket, id: number): void {
    let e = this.entFree;
    if (e >= 0) this.entFree = this.entNext[e]!;
    else {
      if (this.entTop === this.entDest.length) {
        this.entDest = widen(this.entDest, this.entTop * GROWTH);
        this.entNext = widen(this.entNext, this.entTop * GROWTH);
      }
      e = this.entTop++;
    }
    this.entDest[e] = id;
    this.entNext[e] = -1;
    if (b.tail >= 0) this.entNext[b.tail] = e;
    else b.head = e;
    b.tail = e;
  }

  /** Grows both columns (path.ts GROWTH) to hold destination `id`. */
  private reserve(id: number): void {
    let n = this.sentCol.length * GROWTH;
    while (n <= id) n *= GROWTH;
    this.sentCol = widen(this.sentCol, n);
    this.queuedCol = widen(this.queuedCol, n);
  }

  private unuse(code: number): void {
    if (code >= FIRST_CODE) this.sets.unref(code - FIRST_CODE);
  }
}
