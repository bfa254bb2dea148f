/**
 * OPEN (RFC 4271 §4.2), with the Extended Optional Parameters Length of RFC 9072.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+
 *   |    Version    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |     My Autonomous System      |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |           Hold Time           |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                         BGP Identifier                        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Opt Parm Len  |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |             Optional Parameters (variable)                    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * RFC 9072 §2: when Opt Parm Len is 255 and the next octet (Non-Ext OP Type) is also 255, a
 * 2-octet Extended Opt. Parm. Length follows, and every parameter has a 2-octet length.
 */
import { BgpError, ErrorCode, OpenSubcode } from './errors.js';
import { decodeCapabilities, encodeCapability, encodedCapabilityLength, type Capability } from './capabilities.js';
import { writeHeader } from './header.js';
import { readIpv4, writeIpv4 } from './ip.js';
import { HEADER_LENGTH, MessageType, type OpenMessage } from './messages.js';

/** Optional Parameter type 2 (RFC 5492 §4); type 1 (authentication) is deprecated (RFC 5492). */
const PARAM_CAPABILITIES = 2;
const EXTENDED_MARKER = 255;

/** The whole message, header included. All capabilities travel in one Capabilities parameter,
 *  as GoBGP and BIRD send them; the RFC 9072 format is used only when they need it. */
export function encodeOpen(msg: OpenMessage): Buffer {
  let capsLength = 0;
  for (const c of msg.capabilities) capsLength += encodedCapabilityLength(c);
  const hasParam = msg.capabilities.length > 0;
  const extended = hasParam && 2 + capsLength > 255;
  const paramsLength = !hasParam ? 0 : extended ? 3 + capsLength : 2 + capsLength;
  const length = HEADER_LENGTH + 10 + (extended ? 3 : 0) + paramsLength;
  const buf = Buffer.allocUnsafe(length);
  writeHeader(buf, MessageType.Open, length);
  let o = HEADER_LENGTH;
  buf[o] = msg.version;
  buf.writeUInt16BE(msg.myAs & 0xffff, o + 1);
  buf.writeUInt16BE(msg.holdTime, o + 3);
  writeIpv4(msg.bgpId, buf, o + 5);
  o += 9;
  if (extended) {
    buf[o] = EXTENDED_MARKER;
    buf[o + 1] = EXTENDED_MARKER;
    buf.writeUInt16BE(paramsLength, o + 2);
    buf[o + 4] = PARAM_CAPABILITIES;
    buf.writeUInt16BE(capsLength, o + 5);
    o += 7;
  } else {
    buf[o++] = paramsLength;
    if (hasParam) {
      buf[o] = PARAM_CAPABILITIES;
      buf[o + 1] = capsLength;
      o += 2;
    }
  }
  for (const c of msg.capabilities) o = encodeCapability(c, buf, o);
  return buf;
}

/** `body` is the message after the header. Throws the BgpError RFC 4271 §6.2 prescribes. */
export function decodeOpen(body: Buffer): OpenMessage {
  if (body.length < 10) throw malformed(`OPEN body of ${body.length} octets`);
  const version = body[0]!;
  if (version !== 4) {
    // §6.2: the Data field is the largest version we support, as 2 octets.
    throw new BgpError(ErrorCode.OpenMessage, OpenSubcode.UnsupportedVersion, `version ${version}`, Buffer.from([0, 4]));
  }
  const myAs = body.readUInt16BE(1);
  const holdTime = body.readUInt16BE(3);
  if (holdTime === 1 || holdTime === 2) {
    throw new BgpError(ErrorCode.OpenMessage, OpenSubcode.UnacceptableHoldTime, `hold time ${holdTime}`);
  }
  if (body.readUInt32BE(5) === 0) throw new BgpError(ErrorCode.OpenMessage, OpenSubcode.BadBgpIdentifier, 'BGP Identifier 0.0.0.0');
  const bgpId = readIpv4(body, 5);

  let o = 10;
  let end: number;
  let extended = false;
  if (body[9] === EXTENDED_MARKER && body.length > 10 && body[10] === EXTENDED_MARKER) {
    if (body.length < 13) throw malformed('truncated extended optional parameters length');
    extended = true;
    end = 13 + body.readUInt16BE(11);
    o = 13;
  } else {
    end = 10 + body[9]!;
  }
  if (end !== body.length) throw malformed(`optional parameters length ${end - o} does not match the message`);

  const capabilities: Capability[] = [];
  while (o < end) {
    const head = extended ? 3 : 2;
    if (end - o < head) throw malformed('truncated optional parameter');
    const type = body[o]!;
    const length = extended ? body.readUInt16BE(o + 1) : body[o + 1]!;
    const start = o + head;
    if (start + length > end) throw malformed('optional parameter overruns the message');
    if (type !== PARAM_CAPABILITIES) {
      throw new BgpError(ErrorCode.OpenMessage, OpenSubcode.UnsupportedOptionalParameter, `optional parameter ${type}`);
    }
    decodeCapabilities(body, start, start + length, capabilities);
    o = start + length;
  }
  return { version, myAs, holdTime, bgpId, capabilities };
}

/** RFC 4271 §6.2 gives no subcode for a badly framed OPEN: Unspecific (0). */
function malformed(message: string): BgpError {
  return new BgpError(ErrorCode.OpenMessage, 0, message);
}
