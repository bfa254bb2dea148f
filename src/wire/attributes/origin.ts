/**
 * ORIGIN (RFC 4271 §5.1.1), well-known mandatory, one octet: 0 IGP, 1 EGP, 2 INCOMPLETE.
 * RFC 7606 §7.1: a length other than 1 or an undefined value is treat-as-withdraw.
 */
import { AttrCode } from './types.js';
import { finishAttr, VALUE_OFFSET, WELL_KNOWN, type AttrDecoder, type AttrEncoder } from './codec.js';

export const decodeOrigin: AttrDecoder = (buf, start, length, d) => {
  if (length !== 1) return `ORIGIN length ${length}`;
  const v = buf[start]!;
  if (v > 2) return `ORIGIN value ${v}`;
  d.origin = v;
  return undefined;
};

export const encodeOrigin: AttrEncoder = (a, _ctx, buf, o) => {
  buf[o + VALUE_OFFSET] = a.origin;
  return finishAttr(buf, o, WELL_KNOWN, AttrCode.Origin, o + VALUE_OFFSET + 1);
};

export function formatOrigin(origin: number): string {
  return origin === 0 ? 'i' : origin === 1 ? 'e' : '?';
}
