/**
 * The message header and the framing of a TCP byte stream into messages (RFC 4271 §4.1, §6.1).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                                                               |
 *   +                           Marker (16 octets of 0xff)          +
 *   |                                                               |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |          Length               |      Type     |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import { BgpError, ErrorCode, HeaderSubcode } from './errors.js';
import { HEADER_LENGTH, MAX_MESSAGE_LENGTH, MessageType } from './messages.js';

/** Smallest legal length per message type (RFC 4271 §4.2–§4.5, RFC 2918 §3). Keepalive is
 *  also the largest: it has no body. ROUTE-REFRESH is checked for exactly 23 by its decoder,
 *  which RFC 7313 §5 makes answer with its own error code. */
const MIN_LENGTH: readonly number[] = [0, 29, 23, 21, 19, 23];

/** Writes the 19-octet header at the start of `buf` (whose length is the message length). */
export function writeHeader(buf: Buffer, type: number, length: number): void {
  buf.fill(0xff, 0, 16);
  buf.writeUInt16BE(length, 16);
  buf[18] = type;
}

/** One whole message: header + body. */
export function encodeMessage(type: number, body: Buffer): Buffer {
  const length = HEADER_LENGTH + body.length;
  const buf = Buffer.allocUnsafe(length);
  writeHeader(buf, type, length);
  body.copy(buf, HEADER_LENGTH);
  return buf;
}

/**
 * Cuts a TCP stream into messages. Bodies handed out are views into the received data and are
 * never overwritten afterwards, so callers may keep them (the codec copies what it keeps anyway).
 */
export class MessageReader {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** Chunks received after `buf`, joined only once a whole message is there: a 64 KiB
   *  extended message arriving in 1.5 KiB segments is then copied once, not 40 times. */
  private more: Buffer[] = [];
  private moreLength = 0;

  constructor(private maxLength: number = MAX_MESSAGE_LENGTH) {}

  /** RFC 8654: raised to 65535 once both sides advertised Extended Message. */
  setMaxLength(n: number): void {
    this.maxLength = n;
  }

  push(chunk: Buffer): void {
    if (this.pos >= this.buf.length && this.more.length === 0) {
      this.buf = chunk;
      this.pos = 0;
    } else {
      this.more.push(chunk);
      this.moreLength += chunk.length;
    }
  }

  /** Makes `n` octets readable at `pos`; false when they have not all arrived yet. */
  private ensure(n: number): boolean {
    const available = this.buf.length - this.pos;
    if (available >= n) return true;
    if (available + this.moreLength < n) return false;
    this.buf = Buffer.concat([this.buf.subarray(this.pos), ...this.more]);
    this.pos = 0;
    this.more = [];
    this.moreLength = 0;
    return true;
  }

  /** The next whole message, or undefined until more data arrives. Throws BgpError(1, …). */
  next(): { type: number; body: Buffer } | undefined {
    if (!this.ensure(HEADER_LENGTH)) return undefined;
    const buf = this.buf;
    const start = this.pos;
    // §6.1: the marker must be all ones, else Connection Not Synchronized.
    for (let i = start; i < start + 16; i++) {
      if (buf[i] !== 0xff) {
        throw new BgpError(ErrorCode.MessageHeader, HeaderSubcode.ConnectionNotSynchronized, 'marker is not all ones');
      }
    }
    const length = buf.readUInt16BE(start + 16);
    const type = buf[start + 18]!;
    if (type < MessageType.Open || type > MessageType.RouteRefresh) {
      if (length < HEADER_LENGTH || length > this.maxLength) throw badLength(length, type);
      throw new BgpError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageType, `message type ${type}`, Buffer.from([type]));
    }
    if (length < MIN_LENGTH[type]! || length > this.maxLength || (type === MessageType.Keepalive && length !== HEADER_LENGTH)) {
      throw badLength(length, type);
    }
    if (!this.ensure(length)) return undefined;
    const body = this.buf.subarray(this.pos + HEADER_LENGTH, this.pos + length);
    this.pos += length;
    return { type, body };
  }
}

/** §6.1: the Data field carries the erroneous Length field. */
function badLength(length: number, type: number): BgpError {
  const data = Buffer.alloc(2);
  data.writeUInt16BE(length);
  return new BgpError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength, `length ${length} for message type ${type}`, data);
}
