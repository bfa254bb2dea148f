/**
 * bagpipe-bgp's `GET /ping` answers `int(uuid4())`: one 128-bit integer, fixed for the life of
 * the process. The networking-bagpipe agent re-sends all its attachments when the value
 * changes (a restart). It is larger than 2^53, so it is built and written as exact digits.
 */
import { randomUUID } from 'node:crypto';

export function newPingValue(): string {
  return BigInt('0x' + randomUUID().replace(/-/g, '')).toString(10);
}
