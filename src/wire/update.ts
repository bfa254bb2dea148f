/**
 * UPDATE (RFC 4271 §4.3, RFC 4760, RFC 7606): decoding in update-decode.ts, encoding in
 * update-encode.ts. This module is the one the session and the daemon import.
 */
export { decodeUpdate } from './update-decode.js';
export { encodeAttributes, encodeEndOfRib, encodeUpdates, encodeWithdrawals, UpdateWriter } from './update-encode.js';
