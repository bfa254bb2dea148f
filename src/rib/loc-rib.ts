/**
 * The table of one family (RFC 4271 §3.2): every destination some source sent a path for, keyed
 * by `nlri.key`. Adj-RIB-In and Loc-RIB share it (see path.ts): a destination whose paths were
 * all rejected or loop stays here without a best path and is not a Loc-RIB route. The Rib facade
 * decides when to run the decision and what to tell peers.
 *
 * Each destination gets a small integer id, reused after it leaves, that indexes the per-peer
 * Adj-RIB-Out columns (adj-rib-out.ts) and this table's own index.
 *
 * The index is an open-addressing hash table (linear probing, backward-shift deletion) of ids in
 * an Int32Array rather than a Map: a Map of a million entries costs ~70 MB and ~800 ns per insert
 * on this kind of host, where every fresh page of memory is expensive; this costs ~12 octets per
 * destination and is outside the garbage-collected heap.
 */
import type { Family } from '../wire/family.js';
import type { Nlri } from '../wire/nlri/types.js';
import { Dest } from './path.js';

const MIN_SLOTS = 1024;

export class LocRib {
  /** Destinations with a best path (the Loc-RIB proper). */
  size = 0;
  /** Destinations in the table, best path or not. */
  private count = 0;
  /** By id; undefined for a free id. */
  private readonly byId: (Dest | undefined)[] = [];
  /** By id: the key's hash. */
  private hashes: Int32Array = new Int32Array(MIN_SLOTS);
  /** By id: Adj-RIB-Outs holding the destination as sent. It stays in the table, its id
   *  reserved, until their withdrawals have left. */
  private heldBy: Int32Array = new Int32Array(MIN_SLOTS);
  /** id + 1, 0 for an empty slot; length a power of two, at most half full. */
  private slots = new Int32Array(MIN_SLOTS);
  private readonly freeIds: number[] = [];

  constructor(readonly family: Family) {}

  get(nlri: Nlri): Dest | undefined {
    const key = nlri.key;
    const h = hashKey(key);
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = slots[i]!;
      if (s === 0) return undefined;
      if (this.hashes[s - 1] === h) {
        const d = this.byId[s - 1]!;
        if (d.nlri.key === key) return d;
      }
    }
  }

  /** The destination for `nlri`, created empty when there is none. */
  obtain(nlri: Nlri): Dest {
    const key = nlri.key;
    const h = hashKey(key);
    let slots = this.slots;
    let mask = slots.length - 1;
    let i = h & mask;
    for (; ; i = (i + 1) & mask) {
      const s = slots[i]!;
      if (s === 0) break;
      if (this.hashes[s - 1] === h) {
        const d = this.byId[s - 1]!;
        if (d.nlri.key === key) return d;
      }
    }
    const d = new Dest(this.family, nlri);
    const id = this.freeIds.length > 0 ? this.freeIds.pop()! : this.byId.length;
    d.id = id;
    if (id === this.byId.length) this.byId.push(d);
    else this.byId[id] = d;
    if (id >= this.hashes.length) {
      this.hashes = grow(this.hashes);
      this.heldBy = grow(this.heldBy);
    }
    this.hashes[id] = h;
    if (++this.count * 2 > slots.length) {
      this.rehash(slots.length * 2);
      slots = this.slots;
      mask = slots.length - 1;
      for (i = h & mask; slots[i] !== 0; i = (i + 1) & mask);
    }
    slots[i] = id + 1;
    return d;
  }

  /** Forgets a destination no source has a path for and no peer still holds as sent. */
  dropIfEmpty(d: Dest): void {
    if (d.head !== undefined || d.id < 0 || this.heldBy[d.id] !== 0) return;
    const id = d.id;
    const slots = this.slots;
    const mask = slots.length - 1;
    let i = this.hashes[id]! & mask;
    while (slots[i] !== id + 1) i = (i + 1) & mask;
    // Backward-shift deletion: pull later entries of the run into the hole when their home slot
    // is not between the hole and where they sit, so lookups never need tombstones.
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const s = slots[j]!;
      if (s === 0) break;
      const home = this.hashes[s - 1]! & mask;
      if (((j - home) & mask) >= ((j - i) & mask)) {
        slots[i] = s;
        i = j;
      }
    }
    slots[i] = 0;
    this.count--;
    this.byId[id] = undefined;
    this.freeIds.push(id);
    d.id = -1;
  }

  /** An Adj-RIB-Out now has `d` as sent (+1) or has withdrawn it (-1). */
  hold(d: Dest, delta: number): void {
    this.heldBy[d.id]! += delta;
  }

  /** Every destination, in id order. Dropping the one being visited is allowed. */
  *dests(): IterableIterator<Dest> {
    const byId = this.byId;
    for (let id = 0; id < byId.length; id++) {
      const d = byId[id];
      if (d !== undefined) yield d;
    }
  }

  private rehash(n: number): void {
    const slots = new Int32Array(n);
    const mask = n - 1;
    const byId = this.byId;
    for (let id = 0; id < byId.length; id++) {
      if (byId[id] === undefined) continue;
      let i = this.hashes[id]! & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = id + 1;
    }
    this.slots = slots;
  }
}

function grow(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/** FNV-1a over the key's code units, then a final mix so that the low bits (the slot) depend on
 *  every unit: unicast keys differ mostly in their last octets. */
function hashKey(k: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < k.length; i++) h = Math.imul(h ^ k.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h;
}
