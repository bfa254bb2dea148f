/**
 * Route distinguishers (RFC 4364 §4.2): 8 octets, a 2-octet type and a 6-octet value.
 *
 *   Type 0:  | 0x0000 | Administrator: 2-octet ASN (2)   | Assigned Number (4) |   65000:100
 *   Type 1:  | 0x0001 | Administrator: IPv4 address (4) | Assigned Number (2) |   192.0.2.1:5
 *   Type 2:  | 0x0002 | Administrator: 4-octet ASN (4)   | Assigned Number (2) |   4200000000:7
 *
 * bgpipe carries an RD as its text, which is canonical: a type 2 RD whose ASN would fit in 2
 * octets is written `0.100:7` (asdot+, RFC 5396), so that it is not read back as a type 0. The
 * asdot form of larger ASNs (`64086.59904:7`, which gobgp prints) is accepted on input. RD types
 * RFC 4364 does not define are kept as `0x` and 16 hex digits rather than refused, so that a
 * route reflector passes them on.
 */
import { parseIpv4Number, readIpv4 } from '../ip.js';

/** Canonical text of a route distinguisher (see above). */
export type RouteDistinguisher = string;

export const RD_LENGTH = 8;

/** Reads the 8 octets at `offset` as RD text. */
export function readRd(buf: Buffer, offset: number): RouteDistinguisher {
  const type = buf.readUInt16BE(offset);
  switch (type) {
    case 0:
      return `${buf.readUInt16BE(offset + 2)}:${buf.readUInt32BE(offset + 4)}`;
    case 1:
      return `${readIpv4(buf, offset + 2)}:${buf.readUInt16BE(offset + 6)}`;
    case 2: {
      const asn = buf.readUInt32BE(offset + 2);
      return `${asn > 0xffff ? asn : `0.${asn}`}:${buf.readUInt16BE(offset + 6)}`;
    }
    default:
      return '0x' + buf.toString('hex', offset, offset + 8);
  }
}

function uint(text: string, max: number): number | undefined {
  if (!/^\d{1,10}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= max ? n : undefined;
}

/** Writes RD text as 8 octets at `offset`; false (octets undefined) when it is not an RD. */
export function parseRdInto(text: string, buf: Buffer, offset: number): boolean {
  const t = text.trim();
  if (/^0x[0-9a-fA-F]{16}$/.test(t)) {
    buf.write(t.slice(2), offset, 8, 'hex');
    return true;
  }
  const colon = t.lastIndexOf(':');
  if (colon <= 0) return false;
  const admin = t.slice(0, colon);
  const assigned = t.slice(colon + 1);
  const v4 = parseIpv4Number(admin);
  if (v4 !== undefined) {
    const n = uint(assigned, 0xffff);
    if (n === undefined) return false;
    buf.writeUInt16BE(1, offset);
    buf.writeUInt32BE(v4, offset + 2);
    buf.writeUInt16BE(n, offset + 6);
    return true;
  }
  let asn: number | undefined;
  let four = false;
  const dot = /^(\d{1,5})\.(\d{1,5})$/.exec(admin);
  if (dot) {
    const hi = uint(dot[1]!, 0xffff);
    const lo = uint(dot[2]!, 0xffff);
    if (hi === undefined || lo === undefined) return false;
    asn = hi * 0x10000 + lo;
    four = true;
  } else {
    asn = uint(admin, 0xffffffff);
    if (asn === undefined) return false;
    four = asn > 0xffff;
  }
  if (four) {
    const n = uint(assigned, 0xffff);
    if (n === undefined) return false;
    buf.writeUInt16BE(2, offset);
    buf.writeUInt32BE(asn, offset + 2);
    buf.writeUInt16BE(n, offset + 6);
    return true;
  }
  const n = uint(assigned, 0xffffffff);
  if (n === undefined) return false;
  buf.writeUInt16BE(0, offset);
  buf.writeUInt16BE(asn, offset + 2);
  buf.writeUInt32BE(n, offset + 4);
  return true;
}

/** Octets of the RDs written lately, by text: a speaker's routes share a few RDs, and parsing
 *  the text (regular expressions, slices) was most of the cost of encoding an EVPN route. Emptied
 *  when full, so that a stream of distinct RDs cannot grow it. */
const written = new Map<string, Uint8Array>();
const WRITTEN_MAX = 4096;

/** Writes RD text at `offset`; throws Error naming the text when it is not an RD. */
export function writeRd(text: string, buf: Buffer, offset: number): number {
  let octets = written.get(text);
  if (octets === undefined) {
    if (!parseRdInto(text, buf, offset)) throw new Error(`invalid route distinguisher ${JSON.stringify(text)}`);
    if (written.size >= WRITTEN_MAX) written.clear();
    octets = new Uint8Array(RD_LENGTH);
    for (let i = 0; i < RD_LENGTH; i++) octets[i] = buf[offset + i]!;
    written.set(text, octets);
    return offset + RD_LENGTH;
  }
  // Eight octets one by one: Buffer#copy of a range makes a view per call.
  for (let i = 0; i < RD_LENGTH; i++) buf[offset + i] = octets[i]!;
  return offset + RD_LENGTH;
}

const scratch = Buffer.alloc(RD_LENGTH);

/** Parses RD text (any accepted form) into its canonical text; throws Error naming the input. */
export function parseRd(text: string): RouteDistinguisher {
  writeRd(text, scratch, 0);
  return readRd(scratch, 0);
}

/** An RD parsed once, for NLRI built straight from their fields: its canonical text, and its 8
 *  octets as the latin1 text NLRI keys hold them in. */
export interface ParsedRd {
  readonly text: RouteDistinguisher;
  readonly octets: string;
}

/** Parses RD text once (see ParsedRd); throws Error naming the input. */
export function parsedRd(text: string): ParsedRd {
  writeRd(text, scratch, 0);
  return { text: readRd(scratch, 0), octets: scratch.toString('latin1', 0, RD_LENGTH) };
}

/** The RD's type (0, 1, 2, or another value for the `0x` form). */
export function rdType(rd: RouteDistinguisher): number {
  writeRd(rd, scratch, 0);
  return scratch.readUInt16BE(0);
}
