/**
 * Prefix sets (GoBGP `[[defined-sets.prefix-sets]]`), compiled for lookups that cost one map
 * probe per distinct entry length, not one comparison per entry: a set of ten thousand /24s
 * with `24..32` ranges costs one probe for a /28.
 *
 * Entries are grouped by the length of their ip-prefix; for a route R/r we truncate R to each
 * entry length L <= r and look the truncated bits up. Keys are the prefix octets as a latin1
 * string, which is exactly how the unicast NLRI key is laid out (a length octet, then the
 * significant octets), so no parsing happens per route.
 *
 * The codec's prefix helpers (src/wire/nlri/prefix.ts) were not there when this was written;
 * the key layout is read directly, as documented in src/wire/nlri/types.ts.
 */
import { IPV4_UNICAST, IPV6_UNICAST, type Family } from '../wire/family.js';
import type { Nlri } from '../wire/nlri/types.js';
import { parsePrefixText } from '../config/address.js';
import type { PrefixListEntry } from '../config/types.js';

interface LengthGroup {
  readonly length: number;
  /** Truncated prefix octets → allowed [min, max] route lengths. */
  readonly ranges: Map<string, Array<readonly [number, number]>>;
}

export interface PrefixMatcher {
  /** True when the route's prefix is inside one entry and its length is in that entry's range.
   *  Non-unicast families never match (their NLRI is not a plain prefix). */
  matches(family: Family, nlri: Nlri): boolean;
}

/** The first `length` bits of `octets` (a latin1 string), host bits cleared. */
function truncate(octets: string, length: number): string {
  const n = (length + 7) >> 3;
  const rem = length & 7;
  if (rem === 0) return octets.slice(0, n);
  const mask = (0xff00 >> rem) & 0xff;
  return octets.slice(0, n - 1) + String.fromCharCode(octets.charCodeAt(n - 1) & mask);
}

function groupsOf(entries: readonly PrefixListEntry[], version: 4 | 6): LengthGroup[] {
  const byLength = new Map<number, LengthGroup>();
  for (const e of entries) {
    const p = parsePrefixText(e.ipPrefix);
    if (!p || p.version !== version) continue;
    let g = byLength.get(p.length);
    if (!g) byLength.set(p.length, (g = { length: p.length, ranges: new Map() }));
    const key = truncate(p.bytes.toString('latin1'), p.length);
    const list = g.ranges.get(key);
    if (list) list.push([e.masklengthMin, e.masklengthMax]);
    else g.ranges.set(key, [[e.masklengthMin, e.masklengthMax]]);
  }
  return [...byLength.values()].sort((a, b) => a.length - b.length);
}

function lookup(groups: readonly LengthGroup[], key: string): boolean {
  const length = key.charCodeAt(0);
  const octets = key.slice(1);
  for (const g of groups) {
    if (g.length > length) break;
    const ranges = g.ranges.get(truncate(octets, g.length));
    if (ranges) for (const [min, max] of ranges) if (length >= min && length <= max) return true;
  }
  return false;
}

export function compilePrefixSet(entries: readonly PrefixListEntry[]): PrefixMatcher {
  const v4 = groupsOf(entries, 4);
  const v6 = groupsOf(entries, 6);
  return {
    matches(family, nlri) {
      if (family === IPV4_UNICAST) return lookup(v4, nlri.key);
      if (family === IPV6_UNICAST) return lookup(v6, nlri.key);
      return false;
    },
  };
}
