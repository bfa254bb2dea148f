/**
 * LARGE_COMMUNITY (RFC 8092), optional transitive: 12-octet values, three 32-bit numbers
 * (global administrator, local data 1, local data 2), shown `1:2:3`.
 * RFC 8092 §6: a length that is zero or not a multiple of 12 is treat-as-withdraw.
 */
import { AttrCode, type LargeCommunity } from './types.js';
import { finishAttr, OPTIONAL_TRANSITIVE, VALUE_OFFSET, type AttrDecoder, type AttrEncoder } from './codec.js';

export const decodeLargeCommunities: AttrDecoder = (buf, start, length, d) => {
  if (length === 0 || length % 12 !== 0) return `LARGE_COMMUNITY length ${length}`;
  const list: LargeCommunity[] = [];
  for (let o = start; o < start + length; o += 12) list.push([buf.readUInt32BE(o), buf.readUInt32BE(o + 4), buf.readUInt32BE(o + 8)]);
  d.largeCommunities = list;
  return undefined;
};

export const encodeLargeCommunities: AttrEncoder = (a, _ctx, buf, o) => {
  if (!a.largeCommunities || a.largeCommunities.length === 0) return o;
  let v = o + VALUE_OFFSET;
  for (const c of a.largeCommunities) {
    buf.writeUInt32BE(c[0] >>> 0, v);
    buf.writeUInt32BE(c[1] >>> 0, v + 4);
    buf.writeUInt32BE(c[2] >>> 0, v + 8);
    v += 12;
  }
  return finishAttr(buf, o, OPTIONAL_TRANSITIVE, AttrCode.LargeCommunities, v);
};

export function formatLargeCommunity(c: LargeCommunity): string {
  return `${c[0]}:${c[1]}:${c[2]}`;
}

export function parseLargeCommunity(text: string): LargeCommunity {
  const m = /^\s*(\d+):(\d+):(\d+)\s*$/.exec(text);
  if (m) {
    const v = [Number(m[1]), Number(m[2]), Number(m[3])] as const;
    if (v.every((x) => x <= 0xffffffff)) return v;
  }
  throw new Error(`invalid large community ${JSON.stringify(text)}`);
}
