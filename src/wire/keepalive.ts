/**
 * KEEPALIVE (RFC 4271 §4.4): a header and nothing else.
 */
import { writeHeader } from './header.js';
import { HEADER_LENGTH, MessageType } from './messages.js';

const KEEPALIVE = Buffer.alloc(HEADER_LENGTH);
writeHeader(KEEPALIVE, MessageType.Keepalive, HEADER_LENGTH);

/** The one KEEPALIVE message; shared, so callers must not write into it. */
export function encodeKeepalive(): Buffer {
  return KEEPALIVE;
}
