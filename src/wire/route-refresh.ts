/**
 * ROUTE-REFRESH (RFC 2918 §3, RFC 7313 §3).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |              AFI              |    Subtype    |     SAFI      |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * RFC 7313 turned RFC 2918's Reserved octet into the Message Subtype: 0 normal request,
 * 1 Beginning of Route Refresh (BoRR), 2 End of Route Refresh (EoRR).
 */
import { BgpError, ErrorCode } from './errors.js';
import { afiOf, family, safiOf, type Family } from './family.js';
import { encodeMessage, writeHeader } from './header.js';
import { HEADER_LENGTH, MessageType, type RouteRefreshMessage } from './messages.js';

/** RFC 7313 §5 "Invalid Message Length". */
const INVALID_MESSAGE_LENGTH = 1;

export function encodeRouteRefresh(f: Family, subtype = 0): Buffer {
  const buf = Buffer.allocUnsafe(HEADER_LENGTH + 4);
  writeHeader(buf, MessageType.RouteRefresh, buf.length);
  buf.writeUInt16BE(afiOf(f), HEADER_LENGTH);
  buf[HEADER_LENGTH + 2] = subtype;
  buf[HEADER_LENGTH + 3] = safiOf(f);
  return buf;
}

/**
 * `body` is the message after the header. A subtype other than 0–2 is returned as is: RFC 7313
 * §5 says to ignore such a message, which is the session's decision.
 */
export function decodeRouteRefresh(body: Buffer): RouteRefreshMessage {
  if (body.length !== 4) {
    // RFC 7313 §5: the Data field carries the complete ROUTE-REFRESH message.
    throw new BgpError(ErrorCode.RouteRefresh, INVALID_MESSAGE_LENGTH, `ROUTE-REFRESH body of ${body.length} octets`, encodeMessage(MessageType.RouteRefresh, body));
  }
  return { family: family(body.readUInt16BE(0), body[3]!), subtype: body[2]! };
}
