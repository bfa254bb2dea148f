/**
 * The table of one family (RFC 4271 §3.2): every destination some source sent a path for, and
 * their paths (path.ts). Adj-RIB-In and Loc-RIB share it: a destination whose paths were all
 * rejected or loop stays here without a best path and is not a Loc-RIB route. The Rib facade
 * decides when to run the decision and what to tell peers.
 *
 * Struct of arrays, no object per destination: each destination is a small integer id (reused
 * after it leaves) indexing typed-array columns — key hash, how many Adj-RIB-Outs hold it as sent,
 * its first path row, its best path row — and the per-peer Adj-RIB-Out columns
 * (adj-rib-out.ts). For IPv4 and IPv6 unicast the key itself (the NLRI's wire encoding, length
 * octet and prefix octets: wire/nlri/prefix.ts) is kept as bytes in a fixed-stride column (5 or
 * 17 octets), compared in place during the probe, and an `Nlri` object is rebuilt from it only
 * when someone needs one (outbound batches, readers): the decoder's NLRI objects die young. With
 * the hash index that is ~30 octets per IPv4 destination, against ~130 for a Dest object, its
 * NLRI and key string. Other families (EVPN, VPN, RTC: small tables whose NLRI carry labels, ESI
 * or fields that are not in the key) keep an NLRI object per destination and per path.
 *
 * The index is an open-addressing hash table (linear probing, backward-shift deletion: id-index.ts)
 * of ids in an Int32Array rather than a Map: a Map of a million entries costs ~70 MB and ~800 ns per insert
 * on this kind of host.
 */
import { IPV4_UNICAST, IPV6_UNICAST, type Family } from '../wire/family.js';
import type { PathAttributes } from '../wire/attributes/types.js';
import type { Nlri } from '../wire/nlri/types.js';
import type { AttrSets } from './attr-set.js';
import { GROWTH, PathRows, widen } from './path.js';
import { buildIndex, removeFromIndex } from './id-index.js';
import type { RibPeer, Route } from './types.js';

const MIN_SLOTS = 1024;
/** Ids the unicast columns, their path rows and their index start with. A fresh typed array is
 *  calloc'd: its pages cost nothing until written. Ids are handed out in order, so the columns'
 *  untouched tail adds no RSS; the index is written where keys hash, so it costs up to 1 MiB once
 *  a table holds a few thousand routes. What the reserve saves is growing: each step copies every
 *  row into fresh pages (on a VM a fresh page is a ~10 µs trip to the kernel) and rebuilds the
 *  index; from 1,024 ids the steps to 262,144 took ~25 ms of a fresh daemon's first 100k routes
 *  (`node dist/bench/pipeline.js one --routes 100000`: 119 → 98 ms wall, IPv6 152 → 123).
 *  EVPN/VPN tables, possibly many, start small. */
const UNICAST_RESERVE = 1 << 18;
/** bestOf(): no best path. */
export const NO_BEST = -1;
/** best column: the best path was removed and the decision has not run since (its row may be
 *  reused already, so the old row number must not compare equal to anything). */
export const BEST_GONE = -2;
/** A multipath set one of whose rows was removed: compares unequal to every set. */
const MULTIPATH_GONE: readonly number[] = Object.freeze([-3]);
export const NO_ROWS: readonly number[] = Object.freeze([]);

/** By key length (6-17 octets: IPv6): the argument list keyOf fills. */
const CHAR_CODES: number[][] = Array.from({ length: 18 }, (_, n) => new Array<number>(n).fill(0));

/** Octets of a key: the length octet, then the prefix octets (RFC 4271 §4.3). */
function keyLength(bits: number): number {
  return 1 + ((bits + 7) >> 3);
}

export class LocRib {
  /** Destinations with a best path (the Loc-RIB proper). */
  size = 0;
  readonly paths: PathRows;
  /** By id: first path row + 2 (0: a free id, 1: no path). Offset so that a fresh column needs no
   *  fill: growing one touches no page beyond what is copied (see grow()). */
  private head: Int32Array;
  /** By id: best path row + 1 (0: NO_BEST, -1: BEST_GONE). */
  private best: Int32Array;
  /** Destinations in the table, best path or not. */
  private count = 0;
  /** Ids below this have been handed out. */
  private top = 0;
  /** By id: the key's hash. */
  private hashes: Int32Array;
  /** By id: Adj-RIB-Outs holding the destination as sent. It stays in the table, its id
   *  reserved, until their withdrawals have left. */
  private heldBy: Int32Array;
  /** id + 1, 0 for an empty slot; length a power of two, at most half full. */
  private slots: Int32Array;
  /** Free ids, newest first, chained through their `hashes` entry (a free id has no key): a
   *  withdrawn million-route table needs no 8 MB array of them on the heap. */
  private freeHead = -1;
  /** Unicast: octets per key, 0 for the families that keep objects. */
  private readonly stride: number;
  private keyBytes: Uint8Array;
  /** Other families, by id: what is advertised for the destination (the best path's NLRI once
   *  there is one: same key, EVPN/VPN labels may differ from the NLRI that created it). */
  private readonly nlris: (Nlri | undefined)[] | undefined;
  /** By id: the equal-cost set including best, when multipath is on and there are several.
   *  Aside: few destinations have one. */
  private readonly multipathSets = new Map<number, readonly number[]>();

  /** `peers`: source slot → peer (undefined: this speaker), shared with the Rib. */
  constructor(
    readonly family: Family,
    readonly sets: AttrSets,
    readonly peers: readonly (RibPeer | undefined)[],
  ) {
    this.stride = family === IPV4_UNICAST ? 5 : family === IPV6_UNICAST ? 17 : 0;
    const n = this.stride > 0 ? UNICAST_RESERVE : MIN_SLOTS;
    this.head = new Int32Array(n);
    this.best = new Int32Array(n);
    this.hashes = new Int32Array(n);
    this.heldBy = new Int32Array(n);
    this.slots = new Int32Array(n);
    this.keyBytes = new Uint8Array(n * this.stride);
    this.nlris = this.stride === 0 ? [] : undefined;
    this.paths = new PathRows(this.stride === 0, n);
  }

  /** The destination id for `nlri`, -1 if none. */
  find(nlri: Nlri): number {
    const key = nlri.key;
    const h = hashKey(key);
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = slots[i]!;
      if (s === 0) return -1;
      if (this.hashes[s - 1] === h && this.sameKey(s - 1, key)) return s - 1;
    }
  }

  /** The destination for `nlri`, created empty when there is none. */
  obtain(nlri: Nlri): number {
    const key = nlri.key;
    const h = hashKey(key);
    const slots = this.slots;
    const mask = slots.length - 1;
    let i = h & mask;
    for (; ; i = (i + 1) & mask) {
      const s = slots[i]!;
      if (s === 0) break;
      if (this.hashes[s - 1] === h && this.sameKey(s - 1, key)) return s - 1;
    }
    const stride = this.stride;
    if (stride > 0 && (key.length > stride || key.length !== keyLength(key.charCodeAt(0)))) {
      throw new Error(`rib: NLRI key of ${key.length} octets with prefix length ${key.charCodeAt(0)} is not a ${this.family === IPV4_UNICAST ? 'IPv4' : 'IPv6'} prefix`);
    }
    const id = this.insert(h, i);
    if (stride > 0) {
      const o = id * stride;
      const bytes = this.keyBytes;
      for (let k = 0; k < key.length; k++) bytes[o + k] = key.charCodeAt(k);
    } else this.nlris![id] = nlri;
    return id;
  }

  /** Unicast: the destination id of the packed prefix at `octets[o]` (prefix.ts PackedPrefixes,
   *  checked by the codec), -1 if none. */
  findAt(octets: Uint8Array, o: number): number {
    const found = this.probeAt(octets, o, hashPacked(octets, o));
    return found >= 0 ? found : -1;
  }

  /** Unicast: the destination for the packed prefix at `octets[o]`, created empty when there is
   *  none. */
  obtainAt(octets: Uint8Array, o: number): number {
    const h = hashPacked(octets, o);
    const found = this.probeAt(octets, o, h);
    if (found >= 0) return found;
    const id = this.insert(h, ~found);
    const n = keyLength(octets[o]!);
    const at = id * this.stride;
    const bytes = this.keyBytes;
    for (let k = 0; k < n; k++) bytes[at + k] = octets[o + k]!;
    return id;
  }

  /** Unicast: the id of the packed prefix at `octets[o]` (hash `h`) if in the table, else ~i for
   *  the empty slot `i` its probe ended on (where insert() puts it). */
  private probeAt(octets: Uint8Array, o: number, h: number): number {
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = slots[i]!;
      if (s === 0) return ~i;
      if (this.hashes[s - 1] === h && this.sameKeyAt(s - 1, octets, o)) return s - 1;
    }
  }

  /** Unicast: writes destination `id`'s prefix in wire form at `out[o]`; returns the offset after it. */
  copyKey(id: number, out: Uint8Array, o: number): number {
    const b = this.keyBytes;
    const at = id * this.stride;
    const n = keyLength(b[at]!);
    for (let k = 0; k < n; k++) out[o + k] = b[at + k]!;
    return o + n;
  }

  /** Octets of the longest key (unicast), 0 for the families that keep objects. */
  get keyStride(): number {
    return this.stride;
  }

  /** A new destination with hash `h`, whose slot the lookup that missed it ended on (`i`); the
   *  caller stores its key. */
  private insert(h: number, i: number): number {
    let id = this.freeHead;
    if (id >= 0) this.freeHead = this.hashes[id]!;
    else id = this.top++;
    if (id >= this.hashes.length) this.grow();
    this.hashes[id] = h;
    this.head[id] = 1;
    this.best[id] = 0;
    let slots = this.slots;
    if (++this.count * 2 > slots.length) {
      this.rehash(slots.length * 2);
      slots = this.slots;
      const mask = slots.length - 1;
      for (i = h & mask; slots[i] !== 0; i = (i + 1) & mask);
    }
    slots[i] = id + 1;
    return id;
  }

  /** What is advertised for destination `id`. Unicast: a fresh `{ key, length }`. */
  nlriOf(id: number): Nlri {
    if (this.stride === 0) return this.nlris![id]!;
    const key = this.keyOf(id);
    return { key, length: key.charCodeAt(0) } as Nlri;
  }

  /** Whether paths keep their own NLRI objects (every family but IPv4 and IPv6 unicast). */
  get keepsNlri(): boolean {
    return this.stride === 0;
  }

  /** The best path's NLRI becomes what is advertised (other families only). */
  setNlri(id: number, nlri: Nlri): void {
    if (this.nlris !== undefined) this.nlris[id] = nlri;
  }

  private keyOf(id: number): string {
    const b = this.keyBytes;
    const o = id * this.stride;
    const bits = b[o]!;
    switch (keyLength(bits)) {
      // IPv4 through String.fromCharCode, which the JIT inlines (as the decoder does).
      case 1:
        return String.fromCharCode(bits);
      case 2:
        return String.fromCharCode(bits, b[o + 1]!);
      case 3:
        return String.fromCharCode(bits, b[o + 1]!, b[o + 2]!);
      case 4:
        return String.fromCharCode(bits, b[o + 1]!, b[o + 2]!, b[o + 3]!);
      case 5:
        return String.fromCharCode(bits, b[o + 1]!, b[o + 2]!, b[o + 3]!, b[o + 4]!);
    }
    // IPv6: apply on a reused argument list, still without leaving JS (as the decoder does).
    const n = keyLength(bits);
    const codes = CHAR_CODES[n]!;
    codes[0] = bits;
    for (let k = 1; k < n; k++) codes[k] = b[o + k]!;
    return String.fromCharCode.apply(null, codes);
  }

  private sameKeyAt(id: number, octets: Uint8Array, o: number): boolean {
    const b = this.keyBytes;
    const at = id * this.stride;
    const n = keyLength(octets[o]!);
    for (let k = 0; k < n; k++) if (b[at + k] !== octets[o + k]) return false;
    return true;
  }

  private sameKey(id: number, key: string): boolean {
    const stride = this.stride;
    if (stride === 0) return this.nlris![id]!.key === key;
    const b = this.keyBytes;
    const o = id * stride;
    // Keys are canonical: equal length octets mean equal key lengths.
    if (b[o] !== key.charCodeAt(0) || key.length > stride) return false;
    for (let k = 1; k < key.length; k++) if (b[o + k] !== key.charCodeAt(k)) return false;
    return true;
  }

  // ===== paths =====

  /** Adds a path at the head of `id`'s list (newest first) and takes references on its
   *  attribute sets. */
  addPath(id: number, source: number, attr: number, recv: number, sequence: number, flags: number, nlri: Nlri | undefined): number {
    const p = this.paths;
    const r = p.alloc();
    p.source[r] = source;
    p.attr[r] = attr;
    p.recv[r] = recv;
    p.seq[r] = sequence;
    p.flags[r] = flags;
    if (p.nlri !== undefined) p.nlri[r] = nlri;
    p.next[r] = this.head[id]! - 2;
    this.head[id] = r + 2;
    this.sets.ref(attr);
    this.sets.ref(recv);
    return r;
  }

  /** The path `source` sent for `id`, -1 if none: lists are a few paths long. */
  pathFrom(id: number, source: number): number {
    const p = this.paths;
    for (let r = this.head[id]! - 2; r >= 0; r = p.next[r]!) if (p.source[r] === source) return r;
    return -1;
  }

  /** The newest path row of destination `id`, -1 for none; rows chain through `paths.next`. */
  firstPath(id: number): number {
    return this.head[id]! - 2;
  }

  /** The best path row, NO_BEST, or BEST_GONE. */
  bestOf(id: number): number {
    return this.best[id]! - 1;
  }

  setBest(id: number, row: number): void {
    this.best[id] = row + 1;
  }

  removePath(id: number, row: number): void {
    const p = this.paths;
    let r = this.head[id]! - 2;
    if (r === row) this.head[id] = p.next[row]! + 2;
    else {
      while (r >= 0 && p.next[r] !== row) r = p.next[r]!;
      if (r < 0) return;
      p.next[r] = p.next[row]!;
    }
    if (this.best[id] === row + 1) this.best[id] = BEST_GONE + 1;
    const set = this.multipathSets.size > 0 ? this.multipathSets.get(id) : undefined;
    if (set !== undefined && set.includes(row)) this.multipathSets.set(id, MULTIPATH_GONE);
    this.sets.unref(p.attr[row]!);
    this.sets.unref(p.recv[row]!);
    p.release(row);
  }

  /** The NLRI path `row` of destination `id` was announced with. */
  pathNlri(id: number, row: number): Nlri {
    const n = this.paths.nlri;
    return n !== undefined ? n[row]! : this.nlriOf(id);
  }

  attributesOf(row: number): PathAttributes {
    return this.sets.get(this.paths.attr[row]!);
  }

  peerOf(row: number): RibPeer | undefined {
    return this.peers[this.paths.source[row]!];
  }

  /** Path `row` of destination `id` as readers see it; `received`: the attributes before import
   *  policy; `nlri`: unicast only, an NLRI with the key the caller already has. */
  route(id: number, row: number, received = false, nlri?: Nlri): Route {
    const p = this.paths;
    return {
      family: this.family,
      nlri: nlri ?? this.pathNlri(id, row),
      attributes: this.sets.get(received ? p.recv[row]! : p.attr[row]!),
      peer: this.peers[p.source[row]!],
      sequence: p.seq[row]!,
    };
  }

  multipathOf(id: number): readonly number[] {
    return (this.multipathSets.size > 0 && this.multipathSets.get(id)) || NO_ROWS;
  }

  setMultipath(id: number, rows: readonly number[]): void {
    if (rows.length === 0) this.multipathSets.delete(id);
    else this.multipathSets.set(id, rows);
  }

  // ===== destinations =====

  /** Forgets a destination no source has a path for and no peer still holds as sent. */
  dropIfEmpty(id: number): void {
    if (this.head[id] !== 1 || this.heldBy[id] !== 0) return;
    removeFromIndex(this.slots, this.hashes, id);
    this.count--;
    this.head[id] = 0;
    this.best[id] = 0;
    if (this.nlris !== undefined) this.nlris[id] = undefined;
    if (this.multipathSets.size > 0) this.multipathSets.delete(id);
    this.hashes[id] = this.freeHead;
    this.freeHead = id;
  }

  /** An Adj-RIB-Out now has `id` as sent (+1) or has withdrawn it (-1). */
  hold(id: number, delta: number): void {
    this.heldBy[id]! += delta;
  }

  /** Ids below this may be live (loop bound for `isLive`). */
  get idLimit(): number {
    return this.top;
  }

  isLive(id: number): boolean {
    return this.head[id] !== 0;
  }

  /** Grows the columns fourfold: the untouched tail of a fresh array costs no page until it is
   *  written (calloc'd memory), so a larger step means fewer copies — and on a VM, where a fresh
   *  page is a ~10 µs trip to the kernel, the copies' pages are most of what growing costs. */
  private grow(): void {
    const n = this.hashes.length * GROWTH;
    this.hashes = widen(this.hashes, n);
    this.heldBy = widen(this.heldBy, n);
    this.head = widen(this.head, n);
    this.best = widen(this.best, n);
    if (this.stride > 0) {
      const bytes = new Uint8Array(n * this.stride);
      bytes.set(this.keyBytes);
      this.keyBytes = bytes;
    }
  }

  private rehash(n: number): void {
    this.slots = buildIndex(n, this.hashes, this.top, (id) => this.head[id] !== 0);
  }
}

/**
 * The key's hash: FNV-1a over the key, except that the low 4 bits are the low 4 significant bits
 * of the prefix itself, and those bits are left out of the rest. Unicast keys are the wire
 * encoding (length octet, then the prefix octets, host bits clear), so 16 consecutive prefixes of
 * one length — what a peer's table dump sends, in order — share a group hash and sit in 16
 * neighbouring slots: one cache line of the index instead of 16, and one page instead of 16 TLB
 * misses, which cost most of a lookup in a million-slot table on a VM (~280 ns with a fully mixed
 * hash, measured). Groups spread as FNV spreads keys, so probe lengths stay those of a random hash.
 */
/** hashKey of the packed prefix at `b[o]` (its key is those octets). */
function hashPacked(b: Uint8Array, o: number): number {
  const n = keyLength(b[o]!);
  const shift = (8 - (b[o]! & 7)) & 7;
  const tail = n >= 3 ? ((b[o + n - 2]! << 8) | b[o + n - 1]!) >>> shift : n === 2 ? b[o + 1]! >>> shift : 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < n - 2; i++) h = Math.imul(h ^ b[o + i]!, 0x01000193);
  return finishHash(h, tail);
}

function hashKey(k: string): number {
  const n = k.length;
  // The last 16 bits of the key, shifted so that the prefix's last significant bit is bit 0.
  const shift = (8 - (k.charCodeAt(0) & 7)) & 7;
  const tail = n >= 3 ? ((k.charCodeAt(n - 2) << 8) | k.charCodeAt(n - 1)) >>> shift : n === 2 ? k.charCodeAt(1) >>> shift : 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < n - 2; i++) h = Math.imul(h ^ k.charCodeAt(i), 0x01000193);
  return finishHash(h, tail);
}

function finishHash(h: number, tail: number): number {
  h = Math.imul(h ^ (tail >>> 4), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return (h & ~15) | (tail & 15);
}
