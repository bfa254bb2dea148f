/**
 * VPN-IPv4 and VPN-IPv6 NLRI (RFC 4364 §4.3.4, RFC 4659 §3.2, RFC 8277 §2): AFI 1 / 2, SAFI 128.
 *
 *   +---------------------------+
 *   |   Length (1 octet)        |   bits of everything below
 *   +---------------------------+
 *   |   Label stack (3 each)    |   RFC 8277 §2.2, up to the bottom-of-stack bit
 *   +---------------------------+
 *   |   Route Distinguisher (8) |
 *   +---------------------------+
 *   |   Prefix (variable)       |   ceil(prefix bits / 8) octets
 *   +---------------------------+
 *
 * The key is the RD's 8 octets followed by the unicast key of the prefix (length octet, prefix
 * octets, host bits cleared): labels are not part of the route's identity, and the same prefix
 * in two RDs is two routes (RFC 4364 §4.1). `unicastPrefix` is then just the key's tail.
 *
 * Labels are 20-bit MPLS label values; an empty stack is written as the withdrawal value
 * 0x800000 (RFC 8277 §2.4), which is what a key-only NLRI (`parse`) needs for a withdrawal.
 * Text is gobgp's: `65000:1:10.1.0.0/24`.
 */
import { BgpError, ErrorCode, UpdateSubcode } from '../errors.js';
import { IPV4_VPN, IPV6_VPN, type Family } from '../family.js';
import { ipv4UnicastCodec, ipv6UnicastCodec, prefixFromKey } from './prefix.js';
import { labelStackLength, MAX_MPLS_LABEL, readLabelStack, writeLabelStack } from './labels.js';
import { nextHopCodec } from './next-hops.js';
import { parseRd, RD_LENGTH, readRd, writeRd, type RouteDistinguisher } from './rd.js';
import type { NlriCodec, Prefix } from './types.js';

export interface VpnPrefix extends Prefix {
  readonly rd: RouteDistinguisher;
  /** MPLS label values, outermost first. */
  readonly labels: readonly number[];
}

function invalid(message: string): BgpError {
  return new BgpError(ErrorCode.UpdateMessage, UpdateSubcode.InvalidNetworkField, message);
}

const scratch = Buffer.alloc(RD_LENGTH);
const prefixScratch = Buffer.alloc(17);

/** The unicast prefix inside a VPN route (RFC 4364 §4.3.2: importing into a VRF drops the RD). */
export function unicastPrefix(nlri: VpnPrefix): Prefix {
  return prefixFromKey(nlri.key.slice(RD_LENGTH));
}

class VpnCodec implements NlriCodec<VpnPrefix> {
  private readonly unicast: NlriCodec<Prefix>;
  private readonly maxBits: number;
  readonly decodeNextHop;
  readonly encodeNextHop;
  readonly nextHopLength;

  constructor(
    readonly family: Family,
    v6: boolean,
  ) {
    this.unicast = v6 ? ipv6UnicastCodec : ipv4UnicastCodec;
    this.maxBits = v6 ? 128 : 32;
    const nh = nextHopCodec(8, !v6, v6 ? 'VPN-IPv6' : 'VPN-IPv4');
    this.decodeNextHop = nh.decodeNextHop;
    this.encodeNextHop = nh.encodeNextHop;
    this.nextHopLength = nh.nextHopLength;
  }

  decode(buf: Buffer, start: number, end: number): VpnPrefix[] {
    const out: VpnPrefix[] = [];
    let o = start;
    while (o < end) {
      const bits = buf[o]!;
      const routeEnd = o + 1 + ((bits + 7) >> 3);
      if (routeEnd > end) throw invalid(`VPN route of ${bits} bits overruns the field`);
      const { labels, end: rdAt } = readLabelStack(buf, o + 1, routeEnd);
      const prefixBits = bits - 8 * (rdAt - o - 1) - 8 * RD_LENGTH;
      if (prefixBits < 0 || prefixBits > this.maxBits) throw invalid(`VPN route of ${bits} bits leaves a prefix of ${prefixBits} bits`);
      const p = rdAt + RD_LENGTH;
      // What follows the RD is a unicast prefix without its length octet: decode it as one.
      prefixScratch[0] = prefixBits;
      buf.copy(prefixScratch, 1, p, routeEnd);
      const prefix = this.unicast.decode(prefixScratch, 0, 1 + routeEnd - p)[0]!;
      out.push({ key: buf.toString('latin1', rdAt, p) + prefix.key, length: prefixBits, rd: readRd(buf, rdAt), labels });
      o = routeEnd;
    }
    return out;
  }

  encodedLength(nlri: VpnPrefix): number {
    return 1 + labelStackLength(nlri.labels) + nlri.key.length - 1;
  }

  encode(nlri: VpnPrefix, buf: Buffer, offset: number): number {
    const key = nlri.key;
    const bits = 8 * labelStackLength(nlri.labels) + 8 * RD_LENGTH + nlri.length;
    if (bits > 255) throw new Error(`VPN route of ${bits} bits: too many labels (${nlri.labels.length})`);
    buf[offset] = bits;
    let o = writeLabelStack(nlri.labels, buf, offset + 1);
    for (let i = 0; i < key.length; i++) if (i !== RD_LENGTH) buf[o++] = key.charCodeAt(i);
    return o;
  }

  format(nlri: VpnPrefix): string {
    return `${nlri.rd}:${this.unicast.format(unicastPrefix(nlri))}`;
  }

  /** `65000:1:10.1.0.0/24`, `192.0.2.1:5:10.3.0.0/25`, `4200000000:7:2001:db8::/48`; no labels. */
  parse(text: string): VpnPrefix {
    const t = text.trim();
    let split: number;
    if (t.startsWith('0x')) split = 18;
    else {
      const first = t.indexOf(':');
      split = first < 0 ? -1 : t.indexOf(':', first + 1);
    }
    if (split < 0 || t[split] !== ':') throw new Error(`invalid VPN prefix ${JSON.stringify(text)}: expected <rd>:<prefix>`);
    try {
      return vpnPrefixOf(t.slice(0, split), this.unicast.parse(t.slice(split + 1)), []);
    } catch (err) {
      throw new Error(`invalid VPN prefix ${JSON.stringify(text)}: ${(err as Error).message}`);
    }
  }
}

function vpnPrefixOf(rd: string, prefix: Prefix, labels: readonly number[]): VpnPrefix {
  for (const l of labels) if (!Number.isInteger(l) || l < 0 || l > MAX_MPLS_LABEL) throw new Error(`invalid MPLS label ${l}`);
  writeRd(rd, scratch, 0);
  return { key: scratch.toString('latin1') + prefix.key, length: prefix.length, rd: parseRd(rd), labels: [...labels] };
}

export const ipv4VpnCodec: NlriCodec<VpnPrefix> = new VpnCodec(IPV4_VPN, false);
export const ipv6VpnCodec: NlriCodec<VpnPrefix> = new VpnCodec(IPV6_VPN, true);

/** A VPN route from its RD, a unicast prefix (text or Prefix of the family) and labels. */
export function vpnPrefix(f: Family, rd: string, prefix: string | Prefix, labels: readonly number[]): VpnPrefix {
  if (f !== IPV4_VPN && f !== IPV6_VPN) throw new Error(`not a VPN family: ${f}`);
  const unicast = f === IPV4_VPN ? ipv4UnicastCodec : ipv6UnicastCodec;
  return vpnPrefixOf(rd, typeof prefix === 'string' ? unicast.parse(prefix) : prefix, labels);
}
