/**
 * Python's repr() of JSON values. bagpipe-bgp's error messages quote the request's values the
 * way Python prints them (`{'linuxif': 'tap-e1'}`, `('52:54:00:00:0f:0f', None)`, `{'52:…'}` for
 * a set), and its clients may match on that text, so bgpipe writes them the same way.
 */

import type { Json } from './types.js';

function str(s: string): string {
  // Python prefers single quotes unless the string holds one and no double quote.
  if (s.includes("'") && !s.includes('"')) return `"${s.replace(/\\/g, '\\\\')}"`;
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

export function pyRepr(v: Json | undefined): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return str(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${str(k)}: ${pyRepr(x)}`)
    .join(', ')}}`;
}

/** A Python tuple of strings or None: `('52:54:00:00:0f:0f', None)`. */
export function pyTuple(items: readonly (string | undefined)[]): string {
  return `(${items.map((i) => pyRepr(i ?? null)).join(', ')})`;
}

/** A Python set of strings: `{'a', 'b'}`. */
export function pySet(items: Iterable<string>): string {
  const list = [...items];
  return list.length === 0 ? 'set()' : `{${list.map((i) => str(i)).join(', ')}}`;
}
