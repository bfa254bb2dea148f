/**
 * NOTIFICATION (RFC 4271 §4.5) and the Shutdown Communication of RFC 9003.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Error code    | Error subcode |   Data (variable)             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * RFC 9003 §2, Cease / Administrative Shutdown (2) or Administrative Reset (4):
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Length        | Shutdown Communication (UTF-8, up to 255 octets) ...
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import { CeaseSubcode, ErrorCode } from './errors.js';
import { writeHeader } from './header.js';
import { HEADER_LENGTH, MessageType, type NotificationMessage } from './messages.js';

export function encodeNotification(code: number, subcode: number, data?: Buffer): Buffer {
  const dataLength = data ? data.length : 0;
  const buf = Buffer.allocUnsafe(HEADER_LENGTH + 2 + dataLength);
  writeHeader(buf, MessageType.Notification, buf.length);
  buf[HEADER_LENGTH] = code;
  buf[HEADER_LENGTH + 1] = subcode;
  if (data) data.copy(buf, HEADER_LENGTH + 2);
  return buf;
}

/** Cease with a Shutdown Communication; a text longer than 255 octets of UTF-8 is cut at a
 *  character boundary (RFC 9003 §2 caps the length at 255). */
export function encodeShutdownNotification(subcode: number, communication: string): Buffer {
  let text = Buffer.from(communication, 'utf8');
  if (text.length > 255) {
    let end = 255;
    // Back up over UTF-8 continuation octets (10xxxxxx) so no character is split.
    while (end > 0 && (text[end]! & 0xc0) === 0x80) end--;
    text = text.subarray(0, end);
  }
  const data = Buffer.allocUnsafe(1 + text.length);
  data[0] = text.length;
  text.copy(data, 1);
  return encodeNotification(ErrorCode.Cease, subcode, data);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** `body` is the message after the header (≥ 2 octets, which MessageReader guarantees). */
export function decodeNotification(body: Buffer): NotificationMessage {
  const code = body.length > 0 ? body[0]! : 0;
  const subcode = body.length > 1 ? body[1]! : 0;
  const data = Buffer.from(body.subarray(Math.min(2, body.length)));
  if (code === ErrorCode.Cease && (subcode === CeaseSubcode.AdministrativeShutdown || subcode === CeaseSubcode.AdministrativeReset)) {
    const communication = shutdownCommunication(data);
    if (communication !== undefined) return { code, subcode, data, communication };
  }
  return { code, subcode, data };
}

/** RFC 9003 §2: a communication whose length overruns the data or that is not UTF-8 is not
 *  one; an empty one (length 0) is no communication either. */
function shutdownCommunication(data: Buffer): string | undefined {
  if (data.length < 1) return undefined;
  const length = data[0]!;
  if (length === 0 || 1 + length > data.length) return undefined;
  try {
    return utf8.decode(data.subarray(1, 1 + length));
  } catch {
    return undefined;
  }
}
