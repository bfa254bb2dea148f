/**
 * Next hops in MP_REACH_NLRI (RFC 4760 §3) for the VPN families.
 *
 * EVPN (RFC 7432 §7) and RTC (RFC 4684 §4) carry a plain address: 4 octets (IPv4), 16 (IPv6) or
 * 32 (IPv6 and link-local, RFC 2545 §3). VPN-IPv4 and VPN-IPv6 carry an RD of zero before each
 * address (RFC 4364 §4.3.2, RFC 4659 §3.2.1.1, RFC 8950 §3): 12, 24 or 48 octets. An IPv4 next
 * hop for an IPv6 route is written as ::ffff:a.b.c.d (RFC 4659 §3.2.1.1 "IPv4-mapped"). A
 * length that fits none of these is the error RFC 7606 §7.11 answers with a session reset.
 */
import { BgpError, ErrorCode, UpdateSubcode } from '../errors.js';
import { isIpv4, readIpv4, readIpv6, writeIpv4, writeIpv6 } from '../ip.js';

export interface NextHopCodec {
  decodeNextHop(buf: Buffer, start: number, length: number): { nextHop: string; linkLocal?: string };
  encodeNextHop(nextHop: string, linkLocal: string | undefined, buf: Buffer, offset: number): number;
  nextHopLength(nextHop: string, linkLocal: string | undefined): number;
}

function badLength(length: number, what: string): BgpError {
  return new BgpError(ErrorCode.UpdateMessage, UpdateSubcode.OptionalAttributeError, `next hop of ${length} octets for ${what}`);
}

function writeV6(nextHop: string, buf: Buffer, o: number): number {
  if (!isIpv4(nextHop)) return writeIpv6(nextHop, buf, o);
  buf.fill(0, o, o + 10);
  buf.writeUInt16BE(0xffff, o + 10);
  return writeIpv4(nextHop, buf, o + 12);
}

/**
 * `rd` octets of zero before each address (0 or 8); `v4` when an IPv4 next hop may be written
 * as 4 octets (IPv4 routes, EVPN, RTC), else it is mapped into IPv6.
 */
export function nextHopCodec(rd: 0 | 8, v4: boolean, what: string): NextHopCodec {
  return {
    decodeNextHop(buf, start, length) {
      if (v4 && length === rd + 4) return { nextHop: readIpv4(buf, start + rd) };
      if (length === rd + 16) return { nextHop: readIpv6(buf, start + rd) };
      if (length === 2 * (rd + 16)) return { nextHop: readIpv6(buf, start + rd), linkLocal: readIpv6(buf, start + 2 * rd + 16) };
      throw badLength(length, what);
    },
    nextHopLength(nextHop, linkLocal) {
      if (v4 && isIpv4(nextHop)) return rd + 4;
      return linkLocal ? 2 * (rd + 16) : rd + 16;
    },
    encodeNextHop(nextHop, linkLocal, buf, o) {
      buf.fill(0, o, o + rd);
      if (v4 && isIpv4(nextHop)) return writeIpv4(nextHop, buf, o + rd);
      o = writeV6(nextHop, buf, o + rd);
      if (!linkLocal) return o;
      buf.fill(0, o, o + rd);
      return writeIpv6(linkLocal, buf, o + rd);
    },
  };
}
