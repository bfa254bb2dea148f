/**
 * UPDATE encoding: announcements, withdrawals and End-of-RIB markers, as whole messages.
 *
 * The attributes of one PathAttributes object are encoded once per (object, 2- or 4-octet AS,
 * NEXT_HOP or not) and cached on the object — the RIB interns attribute sets, so every peer
 * and every batch that sends them reuses the bytes. Each message is then one allocation: the
 * attributes copied in and as many NLRI as fit in 4096 octets (65535 with RFC 8654).
 *
 * Layout of an announcement:
 *   IPv4 unicast with an IPv4 next hop: attributes (NEXT_HOP included) + NLRI field.
 *   Every other family: MP_REACH_NLRI carrying the NLRI, then the other attributes. RFC 7606
 *   §5.1 asks for MP_REACH_NLRI / MP_UNREACH_NLRI to be the very first attribute, so that a
 *   receiver can always find the NLRI it must treat as withdrawn; the rest follow in ascending
 *   type code order.
 */
import { afiOf, IPV4_UNICAST, safiOf, type Family } from './family.js';
import { writeHeader } from './header.js';
import { HEADER_LENGTH, MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH, MessageType, type Announcement, type CodecContext, type Withdrawal } from './messages.js';
import { nlriCodec } from './nlri/registry.js';
import type { Nlri, NlriCodec } from './nlri/types.js';
import { AttrCode, AttrFlag, type PathAttributes } from './attributes/types.js';
import { writeAttributes } from './attributes/registry.js';

/** Room for any attribute set: a message cannot be larger than 65535 octets anyway. */
const scratch = Buffer.allocUnsafe(1 << 17);
const cache = new WeakMap<PathAttributes, (Buffer | undefined)[]>();

function maxLength(ctx: CodecContext): number {
  return ctx.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
}

/** IPv4 unicast routes whose next hop is IPv4 use NEXT_HOP and the NLRI field (RFC 4760 §5);
 *  an IPv6 next hop needs MP_REACH_NLRI (RFC 8950). */
function usesNlriField(f: Family, a: PathAttributes): boolean {
  return f === IPV4_UNICAST && a.nextHop.indexOf(':') < 0;
}

function codecOf(f: Family): NlriCodec {
  const codec = nlriCodec(f);
  if (!codec) throw new Error(`no NLRI codec for family ${f}`);
  return codec;
}

/**
 * The path attributes of `a` as they leave for a peer with `ctx`, MP_REACH_NLRI excepted
 * (update messages add it with their share of NLRI). Cached per attribute object: callers must
 * not write into the returned buffer.
 */
export function encodeAttributes(a: PathAttributes, f: Family, ctx: CodecContext): Buffer {
  const withNextHop = usesNlriField(f, a);
  const variant = (ctx.as4 ? 1 : 0) | (withNextHop ? 2 : 0);
  let entry = cache.get(a);
  const hit = entry?.[variant];
  if (hit) return hit;
  const end = writeAttributes(a, ctx, withNextHop, scratch, 0);
  const bytes = Buffer.from(scratch.subarray(0, end));
  if (!entry) cache.set(a, (entry = []));
  entry[variant] = bytes;
  return bytes;
}

/** How many NLRI from `from` fit in `budget` octets; throws when not even one does. */
function fit(codec: NlriCodec, nlri: readonly Nlri[], from: number, budget: number): { count: number; size: number } {
  let size = 0;
  let i = from;
  for (; i < nlri.length; i++) {
    const n = codec.encodedLength(nlri[i]!);
    if (size + n > budget) break;
    size += n;
  }
  if (i === from) throw new Error(`NLRI of ${codec.encodedLength(nlri[from]!)} octets does not fit in a message`);
  return { count: i - from, size };
}

function writeNlri(codec: NlriCodec, nlri: readonly Nlri[], from: number, count: number, buf: Buffer, o: number): number {
  for (let i = from; i < from + count; i++) o = codec.encode(nlri[i]!, buf, o);
  return o;
}

/** Writes an MP attribute header for a value of `length` octets; returns the value offset. */
function writeMpHeader(buf: Buffer, o: number, code: number, length: number): number {
  if (length > 255) {
    buf[o] = AttrFlag.Optional | AttrFlag.ExtendedLength;
    buf[o + 1] = code;
    buf.writeUInt16BE(length, o + 2);
    return o + 4;
  }
  buf[o] = AttrFlag.Optional;
  buf[o + 1] = code;
  buf[o + 2] = length;
  return o + 3;
}

/**
 * Writes into `buf` (the whole message) an UPDATE with no Withdrawn Routes whose path attributes
 * open with MP_REACH_NLRI or MP_UNREACH_NLRI of `mpLength` octets (RFC 7606 §5.1: first), the
 * rest of `buf` being for the attribute's value and any attributes after it: the header, both
 * lengths, the attribute header, AFI and SAFI. Returns where the value goes on after the SAFI.
 */
function writeMpUpdate(buf: Buffer, code: number, f: Family, mpLength: number): number {
  writeHeader(buf, MessageType.Update, buf.length);
  buf.writeUInt16BE(0, HEADER_LENGTH);
  buf.writeUInt16BE(buf.length - HEADER_LENGTH - 4, HEADER_LENGTH + 2);
  const o = writeMpHeader(buf, HEADER_LENGTH + 4, code, mpLength);
  buf.writeUInt16BE(afiOf(f), o);
  buf[o + 2] = safiOf(f);
  return o + 3;
}

/** Announces `ann.nlri` with `ann.attributes`, in as few messages as they fit in. */
export function encodeUpdates(ann: Announcement, ctx: CodecContext): Buffer[] {
  const { family: f, attributes: a, nlri } = ann;
  if (nlri.length === 0) return [];
  const codec = codecOf(f);
  const attrs = encodeAttributes(a, f, ctx);
  const max = maxLength(ctx);
  const out: Buffer[] = [];
  if (usesNlriField(f, a)) {
    const fixed = HEADER_LENGTH + 4 + attrs.length;
    for (let i = 0; i < nlri.length; ) {
      const { count, size } = fit(codec, nlri, i, max - fixed);
      const buf = Buffer.allocUnsafe(fixed + size);
      writeHeader(buf, MessageType.Update, buf.length);
      buf.writeUInt16BE(0, HEADER_LENGTH);
      buf.writeUInt16BE(attrs.length, HEADER_LENGTH + 2);
      attrs.copy(buf, HEADER_LENGTH + 4);
      writeNlri(codec, nlri, i, count, buf, fixed);
      out.push(buf);
      i += count;
    }
    return out;
  }
  // MP_REACH_NLRI value: AFI (2), SAFI (1), next hop length (1), next hop, reserved (1), NLRI.
  const nhLength = codec.nextHopLength(a.nextHop, a.nextHopLinkLocal);
  const mpFixed = 5 + nhLength;
  // Budget assumes the 4-octet (extended) attribute header; the 3-octet one only saves room.
  const budget = max - (HEADER_LENGTH + 4 + attrs.length + 4 + mpFixed);
  for (let i = 0; i < nlri.length; ) {
    const { count, size } = fit(codec, nlri, i, budget);
    const mpLength = mpFixed + size;
    const buf = Buffer.allocUnsafe(HEADER_LENGTH + 4 + (mpLength > 255 ? 4 : 3) + mpLength + attrs.length);
    let o = writeMpUpdate(buf, AttrCode.MpReachNlri, f, mpLength);
    buf[o] = nhLength;
    o = codec.encodeNextHop(a.nextHop, a.nextHopLinkLocal, buf, o + 1);
    buf[o++] = 0;
    o = writeNlri(codec, nlri, i, count, buf, o);
    attrs.copy(buf, o);
    out.push(buf);
    i += count;
  }
  return out;
}

/** Withdraws `w.nlri`: the Withdrawn Routes field for IPv4 unicast, MP_UNREACH_NLRI otherwise. */
export function encodeWithdrawals(w: Withdrawal, ctx: CodecContext): Buffer[] {
  const { family: f, nlri } = w;
  if (nlri.length === 0) return [];
  const codec = codecOf(f);
  const max = maxLength(ctx);
  const out: Buffer[] = [];
  if (f === IPV4_UNICAST) {
    for (let i = 0; i < nlri.length; ) {
      const { count, size } = fit(codec, nlri, i, max - HEADER_LENGTH - 4);
      const buf = Buffer.allocUnsafe(HEADER_LENGTH + 4 + size);
      writeHeader(buf, MessageType.Update, buf.length);
      buf.writeUInt16BE(size, HEADER_LENGTH);
      const o = writeNlri(codec, nlri, i, count, buf, HEADER_LENGTH + 2);
      buf.writeUInt16BE(0, o);
      out.push(buf);
      i += count;
    }
    return out;
  }
  // MP_UNREACH_NLRI value: AFI (2), SAFI (1), withdrawn routes.
  for (let i = 0; i < nlri.length; ) {
    const { count, size } = fit(codec, nlri, i, max - HEADER_LENGTH - 4 - 4 - 3);
    const mpLength = 3 + size;
    const buf = Buffer.allocUnsafe(HEADER_LENGTH + 4 + (mpLength > 255 ? 4 : 3) + mpLength);
    writeNlri(codec, nlri, i, count, buf, writeMpUpdate(buf, AttrCode.MpUnreachNlri, f, mpLength));
    out.push(buf);
    i += count;
  }
  return out;
}

/** RFC 4724 §2: an empty UPDATE for IPv4 unicast, an empty MP_UNREACH_NLRI for the others. */
export function encodeEndOfRib(f: Family): Buffer {
  if (f === IPV4_UNICAST) {
    const buf = Buffer.alloc(HEADER_LENGTH + 4);
    writeHeader(buf, MessageType.Update, buf.length);
    return buf;
  }
  // RFC 4724 §2: MP_UNREACH_NLRI with AFI and SAFI only (3 octets).
  const buf = Buffer.alloc(HEADER_LENGTH + 4 + 3 + 3);
  writeMpUpdate(buf, AttrCode.MpUnreachNlri, f, 3);
  return buf;
}
