/**
 * MP_REACH_NLRI and MP_UNREACH_NLRI (RFC 4760 §3, §4), optional non-transitive. Decoded here;
 * written by update-encode.ts, which fills them with as many NLRI as a message holds.
 *
 *   MP_REACH_NLRI                             MP_UNREACH_NLRI
 *   +-----------------------------------+     +-----------------------------------+
 *   | AFI (2)                           |     | AFI (2)                           |
 *   | SAFI (1)                          |     | SAFI (1)                          |
 *   | Length of Next Hop (1)            |     | Withdrawn Routes (variable)       |
 *   | Next Hop (variable)               |     +-----------------------------------+
 *   | Reserved (1)                      |
 *   | NLRI (variable)                   |
 *   +-----------------------------------+
 *
 * RFC 7606 §7.11 keeps a session reset for these: without their NLRI, no treat-as-withdraw is
 * possible. RFC 4760 §7 names the subcode: Optional Attribute Error. A family with no codec
 * (not negotiated, RFC 4760 §6) is left out and noted in `discarded`.
 */
import { BgpError, ErrorCode, UpdateSubcode } from '../errors.js';
import { family, familyName, type Family } from '../family.js';
import { nlriCodec } from '../nlri/registry.js';
import type { NlriCodec } from '../nlri/types.js';
import { AttrCode } from './types.js';
import type { AttrDecoder, NlriField } from './codec.js';

function optionalAttributeError(message: string): BgpError {
  return new BgpError(ErrorCode.UpdateMessage, UpdateSubcode.OptionalAttributeError, message);
}

/** NLRI of `codec` in buf[start, end), packed when asked and the codec can; a parse error is an
 *  Optional Attribute Error here. */
function decodeNlri(codec: NlriCodec, buf: Buffer, start: number, end: number, name: string, pack: boolean | undefined): NlriField {
  try {
    return pack && codec.pack !== undefined ? codec.pack(buf, start, end) : codec.decode(buf, start, end);
  } catch (err) {
    if (err instanceof BgpError) throw optionalAttributeError(`${name}: ${err.message}`);
    throw err;
  }
}

export const decodeMpReach: AttrDecoder = (buf, start, length, d, ctx) => {
  if (length < 5) throw optionalAttributeError(`MP_REACH_NLRI length ${length}`);
  const f: Family = family(buf.readUInt16BE(start), buf[start + 2]!);
  const nhLength = buf[start + 3]!;
  if (5 + nhLength > length) throw optionalAttributeError(`MP_REACH_NLRI next hop length ${nhLength} overruns the attribute`);
  const codec = nlriCodec(f);
  if (!codec) {
    d.discard(AttrCode.MpReachNlri, `family ${familyName(f)} not supported`);
    return undefined;
  }
  const { nextHop, linkLocal } = codec.decodeNextHop(buf, start + 4, nhLength);
  // The octet after the next hop is Reserved (RFC 4760 §3; it once counted SNPAs): ignored.
  const nlriStart = start + 5 + nhLength;
  const nlri = decodeNlri(codec, buf, nlriStart, start + length, 'MP_REACH_NLRI', ctx.packUnicast);
  d.mpReach = { family: f, nextHop, linkLocal, nlri };
  return undefined;
};

export const decodeMpUnreach: AttrDecoder = (buf, start, length, d, ctx) => {
  if (length < 3) throw optionalAttributeError(`MP_UNREACH_NLRI length ${length}`);
  const f: Family = family(buf.readUInt16BE(start), buf[start + 2]!);
  const codec = nlriCodec(f);
  if (!codec) {
    // Still an End-of-RIB marker when empty (RFC 4724 §2), whatever the family.
    if (length === 3) d.mpUnreach = { family: f, nlri: [] };
    else d.discard(AttrCode.MpUnreachNlri, `family ${familyName(f)} not supported`);
    return undefined;
  }
  d.mpUnreach = { family: f, nlri: decodeNlri(codec, buf, start + 3, start + length, 'MP_UNREACH_NLRI', ctx.packUnicast) };
  return undefined;
};
