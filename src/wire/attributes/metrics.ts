/**
 * MULTI_EXIT_DISC (RFC 4271 §5.1.4, optional non-transitive) and LOCAL_PREF (§5.1.5,
 * well-known), both one 32-bit unsigned value.
 *
 * RFC 7606 §7.4, §7.5: a length other than 4 is treat-as-withdraw; LOCAL_PREF from an external
 * peer is attribute discard (it is meaningless across an AS boundary).
 */
import { AttrCode } from './types.js';
import { finishAttr, OPTIONAL, VALUE_OFFSET, WELL_KNOWN, type AttrDecoder, type AttrEncoder } from './codec.js';

export const decodeMed: AttrDecoder = (buf, start, length, d) => {
  if (length !== 4) return `MULTI_EXIT_DISC length ${length}`;
  d.med = buf.readUInt32BE(start);
  return undefined;
};

export const encodeMed: AttrEncoder = (a, _ctx, buf, o) => {
  if (a.med === undefined) return o;
  buf.writeUInt32BE(a.med >>> 0, o + VALUE_OFFSET);
  return finishAttr(buf, o, OPTIONAL, AttrCode.MultiExitDisc, o + VALUE_OFFSET + 4);
};

export const decodeLocalPref: AttrDecoder = (buf, start, length, d) => {
  if (length !== 4) return `LOCAL_PREF length ${length}`;
  d.localPref = buf.readUInt32BE(start);
  return undefined;
};

export const encodeLocalPref: AttrEncoder = (a, _ctx, buf, o) => {
  if (a.localPref === undefined) return o;
  buf.writeUInt32BE(a.localPref >>> 0, o + VALUE_OFFSET);
  return finishAttr(buf, o, WELL_KNOWN, AttrCode.LocalPref, o + VALUE_OFFSET + 4);
};
