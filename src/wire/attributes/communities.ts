/**
 * COMMUNITIES (RFC 1997), optional transitive: a list of 32-bit values, shown as ASN:value.
 * RFC 7606 §7.8: a length that is zero or not a multiple of 4 is treat-as-withdraw.
 */
import { AttrCode } from './types.js';
import { finishAttr, OPTIONAL_TRANSITIVE, VALUE_OFFSET, type AttrDecoder, type AttrEncoder } from './codec.js';

export const decodeCommunities: AttrDecoder = (buf, start, length, d) => {
  if (length === 0 || length % 4 !== 0) return `COMMUNITIES length ${length}`;
  const list = new Array<number>(length >> 2);
  for (let i = 0, o = start; i < list.length; i++, o += 4) list[i] = buf.readUInt32BE(o);
  d.communities = list;
  return undefined;
};

export const encodeCommunities: AttrEncoder = (a, _ctx, buf, o) => {
  if (!a.communities || a.communities.length === 0) return o;
  let v = o + VALUE_OFFSET;
  for (const c of a.communities) {
    buf.writeUInt32BE(c >>> 0, v);
    v += 4;
  }
  return finishAttr(buf, o, OPTIONAL_TRANSITIVE, AttrCode.Communities, v);
};

/** IANA "BGP Well-known Communities", spelled as gobgp accepts them. */
const WELL_KNOWN_COMMUNITIES: ReadonlyArray<readonly [number, string]> = [
  [0xffffff01, 'no-export'], // RFC 1997
  [0xffffff02, 'no-advertise'], // RFC 1997
  [0xffffff03, 'no-export-subconfed'], // RFC 1997
  [0xffffff04, 'no-peer'], // RFC 3765
  [0xffff0000, 'graceful-shutdown'], // RFC 8326 (gobgp: planned-shut)
  [0xffff0001, 'accept-own'], // RFC 7611
  [0xffff0002, 'route-filter-translated-v4'],
  [0xffff0003, 'route-filter-v4'],
  [0xffff0004, 'route-filter-translated-v6'],
  [0xffff0005, 'route-filter-v6'],
  [0xffff0006, 'llgr-stale'], // RFC 9494
  [0xffff0007, 'no-llgr'], // RFC 9494
  [0xffff029a, 'blackhole'], // RFC 7999
];
const nameOf = new Map<number, string>(WELL_KNOWN_COMMUNITIES);
const valueOf = new Map<string, number>([...WELL_KNOWN_COMMUNITIES.map(([v, n]) => [n, v] as const), ['planned-shut', 0xffff0000], ['internet', 0]]);

/** `65000:100`, or the well-known name (`no-export`). */
export function formatCommunity(c: number): string {
  return nameOf.get(c >>> 0) ?? `${c >>> 16}:${c & 0xffff}`;
}

/** `65000:100`, a well-known name, or a plain 32-bit number; throws Error naming the input. */
export function parseCommunity(text: string): number {
  const t = text.trim().toLowerCase();
  const named = valueOf.get(t);
  if (named !== undefined) return named;
  const m = /^(\d+):(\d+)$/.exec(t);
  if (m) {
    const hi = Number(m[1]);
    const lo = Number(m[2]);
    if (hi <= 0xffff && lo <= 0xffff) return ((hi << 16) | lo) >>> 0;
  } else if (/^\d+$/.test(t) && Number(t) <= 0xffffffff) {
    return Number(t);
  }
  throw new Error(`invalid community ${JSON.stringify(text)}`);
}
