/**
 * NEXT_HOP (RFC 4271 §5.1.3), well-known, 4 octets: the IPv4 next hop of the NLRI field.
 * Other families carry their next hop in MP_REACH_NLRI (mp.ts); both end up in
 * PathAttributes.nextHop.
 *
 * RFC 7606 §7.3: a length other than 4 is treat-as-withdraw; so is a next hop that cannot be
 * one (RFC 4271 §6.3: 0.0.0.0, multicast and class E), which RFC 4271 says to ignore.
 */
import { AttrCode } from './types.js';
import { readIpv4, writeIpv4 } from '../ip.js';
import { finishAttr, VALUE_OFFSET, WELL_KNOWN, type AttrDecoder, type AttrEncoder } from './codec.js';

/** The last NEXT_HOP read and its text: a peer's UPDATEs mostly carry one next hop, whose
 *  text is then made once, and shared by the attribute sets that keep it. */
let lastValue = -1;
let lastText = '';

export const decodeNextHop: AttrDecoder = (buf, start, length, d) => {
  if (length !== 4) {
    d.nextHopError = `NEXT_HOP length ${length}`;
    return undefined;
  }
  const value = buf.readUInt32BE(start);
  if (value >= 0xe0000000 || value === 0) {
    d.nextHopError = `NEXT_HOP ${readIpv4(buf, start)}`;
    return undefined;
  }
  if (value !== lastValue) {
    lastValue = value;
    lastText = readIpv4(buf, start);
  }
  d.nextHop = lastText;
  return undefined;
};

export const encodeNextHop: AttrEncoder = (a, _ctx, buf, o) => {
  writeIpv4(a.nextHop, buf, o + VALUE_OFFSET);
  return finishAttr(buf, o, WELL_KNOWN, AttrCode.NextHop, o + VALUE_OFFSET + 4);
};
