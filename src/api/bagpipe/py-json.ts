/**
 * JSON as bagpipe-bgp writes it: Python's json.dumps defaults, `{"a": 1, "b": [1, 2]}` (a space
 * after `:` and `,`) and non-ASCII escaped as \uXXXX (reference §3). Clients parse it either way;
 * writing the same bytes makes side-by-side comparisons with the real daemon trivial.
 */
import type { Json } from '../../vpn/types.js';

function str(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

export function pyJson(v: Json | undefined): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'string') return str(v);
  if (typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(pyJson).join(', ')}]`;
  const parts: string[] = [];
  for (const [k, x] of Object.entries(v)) if (x !== undefined) parts.push(`${str(k)}: ${pyJson(x)}`);
  return `{${parts.join(', ')}}`;
}
