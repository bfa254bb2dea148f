/**
 * UPDATE encoding: announcements, withdrawals and End-of-RIB markers, as whole messages.
 *
 * `UpdateWriter` packs messages back to back into one Buffer, so that a batch of thousands of
 * UPDATEs costs one allocation (amortised: slabs of 256 KiB) and one socket write, not one
 * Buffer per message and a Buffer.concat. Each message takes as many NLRI as fit in 4096 octets
 * (65535 with RFC 8654), written in one pass: a unicast NLRI is its key's characters.
 *
 * The path attributes of an announcement are encoded once per `announce` call and copied into
 * each of its messages. They are not cached across calls: measured on the propagation bench,
 * a WeakMap of encoded bytes per interned attribute set cost more (a lookup, a Buffer and an
 * ephemeron per set, alive as long as the set) than encoding again, which takes ~0.4 µs for a
 * typical set and happens once per set per batch.
 *
 * Layout of an announcement:
 *   IPv4 unicast with an IPv4 next hop: attributes (NEXT_HOP included) + NLRI field.
 *   Every other family: MP_REACH_NLRI carrying the NLRI, then the other attributes. RFC 7606
 *   §5.1 asks for MP_REACH_NLRI / MP_UNREACH_NLRI to be the very first attribute, so that a
 *   receiver can always find the NLRI it must treat as withdrawn; the rest follow in ascending
 *   type code order.
 */
import { afiOf, IPV4_UNICAST, IPV6_UNICAST, safiOf, type Family } from './family.js';
import { HEADER_LENGTH, MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH, MessageType, type Announcement, type CodecContext, type Withdrawal } from './messages.js';
import { nlriCodec } from './nlri/registry.js';
import type { Nlri, NlriCodec } from './nlri/types.js';
import { packedLength, type PackedPrefixes } from './nlri/prefix.js';
import { AttrCode, type PathAttributes } from './attributes/types.js';
import { finishAttr, OPTIONAL, VALUE_OFFSET } from './attributes/codec.js';
import { writeAttributes } from './attributes/registry.js';

/** Room for any attribute set: a message cannot be larger than 65535 octets anyway. */
const scratch = Buffer.allocUnsafe(1 << 17);

/** Size of the Buffers an UpdateWriter writes into (a larger one when a batch needs it). */
const SLAB = 256 * 1024;

/** Withdrawn Routes Length and Total Path Attribute Length. */
const LENGTHS = 4;

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
 * (update messages add it with their share of NLRI). A new Buffer per call.
 */
export function encodeAttributes(a: PathAttributes, f: Family, ctx: CodecContext): Buffer {
  return Buffer.from(scratch.subarray(0, writeAttributes(a, ctx, usesNlriField(f, a), scratch, 0)));
}

/**
 * Copies the attributes encoded in `scratch` into a message. A typical set is 20-60 octets:
 * copied in JS, since Buffer#copy of part of a Buffer makes a Uint8Array view per call
 * (~260 ns measured, once per message).
 */
function copyAttributes(buf: Buffer, o: number, length: number): void {
  if (length > 128) {
    scratch.copy(buf, o, 0, length);
    return;
  }
  for (let i = 0; i < length; i++) buf[o + i] = scratch[i]!;
}

/** The 19-octet header of the message at `m`, ending at `end`. */
function finishMessage(buf: Buffer, m: number, end: number): void {
  for (let i = m; i < m + 16; i++) buf[i] = 0xff;
  buf.writeUInt16BE(end - m, m + 16);
  buf[m + 18] = MessageType.Update;
}

function tooLarge(codec: NlriCodec, nlri: Nlri): Error {
  return new Error(`NLRI of ${codec.encodedLength(nlri)} octets does not fit in a message`);
}

/**
 * Writes UPDATEs back to back; `take` hands them out as one Buffer. Not re-entrant, and a
 * Buffer from `take` is a view of the writer's current slab: the writer never writes there
 * again, so the view may be kept (a socket write queue holds it) while the writer goes on.
 */
export class UpdateWriter {
  private buf: Buffer = Buffer.allocUnsafe(0);
  /** Where the messages not yet taken start, and where the next one goes. */
  private start = 0;
  private o = 0;
  /** Messages written since the last `take`. */
  messages = 0;

  /** The messages written since the last call, or undefined when there are none. */
  take(): Buffer | undefined {
    if (this.o === this.start) return undefined;
    const out = this.buf.subarray(this.start, this.o);
    this.start = this.o;
    this.messages = 0;
    return out;
  }

  /** Drops the messages written since the last `take` (a batch that failed half-way). */
  discard(): void {
    this.o = this.start;
    this.messages = 0;
  }

  /** Makes room for `n` more octets at `o`; the messages not yet taken move along (rare). */
  private room(n: number): Buffer {
    if (this.o + n <= this.buf.length) return this.buf;
    const pending = this.o - this.start;
    const next = Buffer.allocUnsafe(Math.max(SLAB, 2 * (pending + n)));
    this.buf.copy(next, 0, this.start, this.o);
    this.buf = next;
    this.start = 0;
    this.o = pending;
    return next;
  }

  /**
   * Writes NLRI from `nlri[i]` on at `o` while they end by `limit`; returns the index of the
   * first one left out, `o` moved past the written ones. A unicast key is the NLRI's wire
   * encoding: copied one character at a time, which beats a native call for 2–17 octets.
   */
  private putNlri(codec: NlriCodec, unicast: boolean, nlri: readonly Nlri[], i: number, limit: number): number {
    const buf = this.buf;
    let o = this.o;
    const n = nlri.length;
    if (unicast) {
      for (; i < n; i++) {
        const key = nlri[i]!.key;
        const len = key.length;
        if (o + len > limit) break;
        for (let k = 0; k < len; k++) buf[o + k] = key.charCodeAt(k);
        o += len;
      }
    } else {
      for (; i < n; i++) {
        const x = nlri[i]!;
        if (o + codec.encodedLength(x) > limit) break;
        o = codec.encode(x, buf, o);
      }
    }
    this.o = o;
    return i;
  }

  /**
   * Writes packed NLRI (prefix.ts PackedPrefixes) from octet `p` on at `o` while they end by
   * `limit`: one copy of the run that fits. Returns the octet where it stopped.
   */
  private putPacked(packed: PackedPrefixes, p: number, limit: number): number {
    const octets = packed.buf;
    const end = packed.end;
    const room = limit - this.o;
    let q = p;
    while (q < end) {
      const len = packedLength(octets[q]!);
      if (q + len - p > room) break;
      q += len;
    }
    octets.copy(this.buf, this.o, p, q);
    this.o += q - p;
    return q;
  }

  /** putNlri or putPacked; `i` is an index into `nlri`, or an offset in `packed.buf`. */
  private put(codec: NlriCodec, unicast: boolean, packed: PackedPrefixes | undefined, nlri: readonly Nlri[], i: number, limit: number): number {
    return packed !== undefined ? this.putPacked(packed, i, limit) : this.putNlri(codec, unicast, nlri, i, limit);
  }

  /** Announces `ann.nlri` with `ann.attributes`, in as few messages as they fit in. */
  announce(ann: Announcement, ctx: CodecContext): void {
    const f = ann.family;
    const a = ann.attributes;
    const { packed, nlri, first, total } = runOf(ann);
    if (total === first) return;
    const codec = codecOf(f);
    const unicast = f === IPV4_UNICAST || f === IPV6_UNICAST;
    const max = maxLength(ctx);
    const nlriField = usesNlriField(f, a);
    const attrLength = writeAttributes(a, ctx, nlriField, scratch, 0);
    if (nlriField) {
      const fixed = HEADER_LENGTH + LENGTHS + attrLength;
      for (let i = first; i < total; ) {
        const buf = this.room(max);
        const m = this.o;
        buf.writeUInt16BE(0, m + HEADER_LENGTH);
        buf.writeUInt16BE(attrLength, m + HEADER_LENGTH + 2);
        copyAttributes(buf, m + HEADER_LENGTH + LENGTHS, attrLength);
        this.o = m + fixed;
        const next = this.put(codec, unicast, packed, nlri, i, m + max);
        if (next === i) throw tooLarge(codec, nlriAt(codec, packed, nlri, i));
        finishMessage(buf, m, this.o);
        this.messages++;
        i = next;
      }
      return;
    }
    // MP_REACH_NLRI value: AFI (2), SAFI (1), next hop length (1), next hop, reserved (1), NLRI.
    // Written with room for the 4-octet (extended) attribute header, which finishAttr shrinks
    // to 3 when the value fits in 255 octets; the budget assumes 4, as only saving room.
    const nhLength = codec.nextHopLength(a.nextHop, a.nextHopLinkLocal);
    for (let i = first; i < total; ) {
      const buf = this.room(max);
      const m = this.o;
      const mp = m + HEADER_LENGTH + LENGTHS;
      let o = mp + VALUE_OFFSET;
      buf.writeUInt16BE(afiOf(f), o);
      buf[o + 2] = safiOf(f);
      buf[o + 3] = nhLength;
      o = codec.encodeNextHop(a.nextHop, a.nextHopLinkLocal, buf, o + 4);
      buf[o] = 0;
      this.o = o + 1;
      const next = this.put(codec, unicast, packed, nlri, i, m + max - attrLength);
      if (next === i) throw tooLarge(codec, nlriAt(codec, packed, nlri, i));
      o = finishAttr(buf, mp, OPTIONAL, AttrCode.MpReachNlri, this.o);
      copyAttributes(buf, o, attrLength);
      o += attrLength;
      buf.writeUInt16BE(0, m + HEADER_LENGTH);
      buf.writeUInt16BE(o - mp, m + HEADER_LENGTH + 2);
      finishMessage(buf, m, o);
      this.o = o;
      this.messages++;
      i = next;
    }
  }

  /** Withdraws `w.nlri`: the Withdrawn Routes field for IPv4 unicast, MP_UNREACH_NLRI otherwise. */
  withdraw(w: Withdrawal, ctx: CodecContext): void {
    const f = w.family;
    const { packed, nlri, first, total } = runOf(w);
    if (total === first) return;
    const codec = codecOf(f);
    const unicast = f === IPV4_UNICAST || f === IPV6_UNICAST;
    const max = maxLength(ctx);
    for (let i = first; i < total; ) {
      const buf = this.room(max);
      const m = this.o;
      let next: number;
      if (f === IPV4_UNICAST) {
        this.o = m + HEADER_LENGTH + 2;
        next = this.put(codec, unicast, packed, nlri, i, m + max - 2);
        buf.writeUInt16BE(this.o - (m + HEADER_LENGTH + 2), m + HEADER_LENGTH);
        buf.writeUInt16BE(0, this.o);
        this.o += 2;
      } else {
        // MP_UNREACH_NLRI value: AFI (2), SAFI (1), withdrawn routes.
        next = this.mpUnreach(f, codec, unicast, packed, nlri, i, m, m + max);
      }
      if (next === i) throw tooLarge(codec, nlriAt(codec, packed, nlri, i));
      finishMessage(buf, m, this.o);
      this.messages++;
      i = next;
    }
  }

  /** RFC 4724 §2: an empty UPDATE for IPv4 unicast, an empty MP_UNREACH_NLRI for the others. */
  endOfRib(f: Family): void {
    const buf = this.room(HEADER_LENGTH + LENGTHS + 4 + 3);
    const m = this.o;
    if (f === IPV4_UNICAST) {
      buf.writeUInt32BE(0, m + HEADER_LENGTH);
      this.o = m + HEADER_LENGTH + LENGTHS;
    } else {
      this.mpUnreach(f, undefined, false, undefined, NO_NLRI, 0, m, m + MAX_MESSAGE_LENGTH);
    }
    finishMessage(buf, m, this.o);
    this.messages++;
  }

  /** The body of an UPDATE at `m` holding only MP_UNREACH_NLRI with NLRI from `nlri[i]` on
   *  (RFC 7606 §5.1: first); returns the index of the first NLRI left out. */
  private mpUnreach(f: Family, codec: NlriCodec | undefined, unicast: boolean, packed: PackedPrefixes | undefined, nlri: readonly Nlri[], i: number, m: number, limit: number): number {
    const buf = this.buf;
    const mp = m + HEADER_LENGTH + LENGTHS;
    const v = mp + VALUE_OFFSET;
    buf.writeUInt16BE(afiOf(f), v);
    buf[v + 2] = safiOf(f);
    this.o = v + 3;
    const next = codec === undefined ? i : this.put(codec, unicast, packed, nlri, i, limit);
    this.o = finishAttr(buf, mp, OPTIONAL, AttrCode.MpUnreachNlri, this.o);
    buf.writeUInt16BE(0, m + HEADER_LENGTH);
    buf.writeUInt16BE(this.o - mp, m + HEADER_LENGTH + 2);
    return next;
  }
}

const NO_NLRI: readonly Nlri[] = [];

/** Where a list's NLRI are: indexes `first`..`total` of `nlri`, or, packed, offsets in
 *  `packed.buf` — then the octets are read and `nlri` (objects made on demand) never is. */
function runOf(x: Announcement | Withdrawal): { packed: PackedPrefixes | undefined; nlri: readonly Nlri[]; first: number; total: number } {
  const packed = x.packed;
  if (packed === undefined) return { packed, nlri: x.nlri, first: 0, total: x.nlri.length };
  return { packed, nlri: NO_NLRI, first: packed.start, total: packed.end };
}

/** The NLRI at `i` (an index, or an octet of `packed`), for an error message. */
function nlriAt(codec: NlriCodec, packed: PackedPrefixes | undefined, nlri: readonly Nlri[], i: number): Nlri {
  if (packed === undefined) return nlri[i]!;
  return codec.decode(packed.buf, i, i + packedLength(packed.buf[i]!))[0]!;
}

/** For the callers that want one Buffer per message (tests, one-off sends). */
const single = new UpdateWriter();

/** What `write` put into `single`, one Buffer per message (views of one allocation). */
function messages(write: (w: UpdateWriter) => void): Buffer[] {
  try {
    write(single);
  } catch (err) {
    single.discard();
    throw err;
  }
  const all = single.take();
  const out: Buffer[] = [];
  if (all === undefined) return out;
  for (let o = 0; o < all.length; ) {
    const length = all.readUInt16BE(o + 16);
    out.push(all.subarray(o, o + length));
    o += length;
  }
  return out;
}

/** Announces `ann.nlri` with `ann.attributes`, in as few messages as they fit in. */
export function encodeUpdates(ann: Announcement, ctx: CodecContext): Buffer[] {
  return messages((w) => w.announce(ann, ctx));
}

/** Withdraws `w.nlri`: the Withdrawn Routes field for IPv4 unicast, MP_UNREACH_NLRI otherwise. */
export function encodeWithdrawals(wd: Withdrawal, ctx: CodecContext): Buffer[] {
  return messages((w) => w.withdraw(wd, ctx));
}

/** RFC 4724 §2: an empty UPDATE for IPv4 unicast, an empty MP_UNREACH_NLRI for the others. */
export function encodeEndOfRib(f: Family): Buffer {
  return messages((w) => w.endOfRib(f))[0]!;
}
