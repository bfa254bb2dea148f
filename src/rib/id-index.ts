/**
 * The open-addressing index the RIB's tables share (loc-rib.ts for destinations, attr-set.ts for
 * attribute sets): an Int32Array of slots holding id + 1 (0: empty), linear probing from
 * `hash & mask`, at most half full, each id's hash kept by the table in an Int32Array column.
 * Instead of a Map: no entry objects for the collector, no rehash of a Map's backing store in
 * the old generation (a Map of 200k attribute sets cost ~0.5 µs an insert here, mostly in GC).
 * Lookups stay in the tables, inlined, since each compares keys its own way.
 */

/** Removes `id` (known to be in the index) by backward-shift deletion: later entries of the run
 *  move into the hole when their home slot is not between the hole and where they sit, so
 *  lookups never need tombstones. */
export function removeFromIndex(slots: Int32Array, hashes: Int32Array, id: number): void {
  const mask = slots.length - 1;
  let i = hashes[id]! & mask;
  while (slots[i] !== id + 1) i = (i + 1) & mask;
  for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
    const s = slots[j]!;
    if (s === 0) break;
    const home = hashes[s - 1]! & mask;
    if (((j - home) & mask) >= ((j - i) & mask)) {
      slots[i] = s;
      i = j;
    }
  }
  slots[i] = 0;
}

/** A new index of `n` slots (a power of two) holding every id below `top` that `live` accepts. */
export function buildIndex(n: number, hashes: Int32Array, top: number, live: (id: number) => boolean): Int32Array<ArrayBuffer> {
  const slots = new Int32Array(n);
  const mask = n - 1;
  for (let id = 0; id < top; id++) {
    if (!live(id)) continue;
    let i = hashes[id]! & mask;
    while (slots[i] !== 0) i = (i + 1) & mask;
    slots[i] = id + 1;
  }
  return slots;
}
