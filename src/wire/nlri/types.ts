/**
 * The NLRI layer is a table of codecs, one per address family (see nlri/registry.ts). The
 * unicast families are here from the start; the VPN families (EVPN, VPNv4/v6, RTC) plug into the
 * same table.
 *
 * Every NLRI has a `key`: a string unique within its family that says which route it is. The RIB
 * keys its maps with it. For unicast prefixes the key is the wire encoding itself (length octet
 * and prefix octets as a latin1 string), which costs one small string per prefix and nothing to
 * compute. Families whose NLRI carries fields that are not part of the route's identity (EVPN
 * labels and ESI, RFC 7432 §7) leave those out of the key.
 */
import type { Family } from '../family.js';
import type { PackedPrefixes } from './prefix.js';

export interface Nlri {
  readonly key: string;
}

/** An IPv4 or IPv6 prefix. */
export interface Prefix extends Nlri {
  /** Prefix length in bits. */
  readonly length: number;
}

export interface NlriCodec<T extends Nlri = Nlri> {
  readonly family: Family;
  /** Decodes every NLRI in buf[start, end). Throws BgpError(UPDATE, InvalidNetworkField or
   *  OptionalAttributeError per RFC 7606 §5.3) when the field cannot be parsed. */
  decode(buf: Buffer, start: number, end: number): T[];
  /** IPv4 / IPv6 unicast only: the same checks as decode, the NLRI left in wire form
   *  (prefix.ts PackedPrefixes). */
  pack?(buf: Buffer, start: number, end: number): PackedPrefixes;
  /** Octets `encode` will write for this NLRI. */
  encodedLength(nlri: T): number;
  /** Writes the NLRI at `offset`, returns the offset after it. */
  encode(nlri: T, buf: Buffer, offset: number): number;
  /** Human text, as gobgp prints it (`10.0.0.0/24`). */
  format(nlri: T): string;
  /** Parses the human text (CLI, config); throws Error with a message naming the input. */
  parse(text: string): T;
  /** Next hop in MP_REACH_NLRI for this family (RFC 4760 §3): how many octets and how to read
   *  and write them. VPN families prefix an all-zero RD (RFC 4364 §4.3.2). */
  decodeNextHop(buf: Buffer, start: number, length: number): { nextHop: string; linkLocal?: string };
  encodeNextHop(nextHop: string, linkLocal: string | undefined, buf: Buffer, offset: number): number;
  nextHopLength(nextHop: string, linkLocal: string | undefined): number;
}
