/**
 * EXTENDED_COMMUNITIES (RFC 4360), optional transitive: 8-octet values, each kept as one
 * unsigned 64-bit bigint. RFC 7606 §7.14: a length that is not a non-zero multiple of 8 is
 * treat-as-withdraw.
 *
 *   +------------+------------+----------------------------------------+
 *   | Type (1)   | Subtype (1)| Value (6)                              |
 *   +------------+------------+----------------------------------------+
 *
 * Text forms (config, looking glass): `rt:65000:100`, `rt:10.0.0.1:100`, `rt:4200000000:100`,
 * `soo:…` likewise (RFC 4360 §4, RFC 5668), `encap:vxlan` (RFC 9012 §4.1), else `0x` + 16 hex.
 */
import { parseIpv4Number } from '../ip.js';
import { AttrCode } from './types.js';
import { finishAttr, OPTIONAL_TRANSITIVE, VALUE_OFFSET, type AttrDecoder, type AttrEncoder } from './codec.js';

export const decodeExtCommunities: AttrDecoder = (buf, start, length, d) => {
  if (length === 0 || length % 8 !== 0) return `EXTENDED_COMMUNITIES length ${length}`;
  const list = new Array<bigint>(length >> 3);
  for (let i = 0, o = start; i < list.length; i++, o += 8) list[i] = buf.readBigUInt64BE(o);
  d.extCommunities = list;
  return undefined;
};

export const encodeExtCommunities: AttrEncoder = (a, _ctx, buf, o) => {
  if (!a.extCommunities || a.extCommunities.length === 0) return o;
  let v = o + VALUE_OFFSET;
  for (const c of a.extCommunities) {
    buf.writeBigUInt64BE(BigInt.asUintN(64, c), v);
    v += 8;
  }
  return finishAttr(buf, o, OPTIONAL_TRANSITIVE, AttrCode.ExtendedCommunities, v);
};

const SUBTYPE_NAMES = new Map<number, string>([
  [0x02, 'rt'],
  [0x03, 'soo'],
]);
/** IANA "BGP Tunnel Encapsulation Attribute Tunnel Types". */
const TUNNEL_TYPES = new Map<number, string>([
  [1, 'l2tpv3'],
  [2, 'gre'],
  [7, 'ip-in-ip'],
  [8, 'vxlan'],
  [9, 'nvgre'],
  [10, 'mpls'],
  [11, 'mpls-in-gre'],
  [12, 'vxlan-gpe'],
  [13, 'mpls-in-udp'],
]);
const TUNNEL_BY_NAME = new Map<string, number>([...TUNNEL_TYPES].map(([k, v]) => [v, k]));

export function formatExtCommunity(c: bigint): string {
  const v = BigInt.asUintN(64, c);
  const type = Number(v >> 56n) & 0xff;
  const subtype = Number(v >> 48n) & 0xff;
  const low32 = Number(v & 0xffffffffn);
  const name = SUBTYPE_NAMES.get(subtype);
  // Transitive (0x0_) and non-transitive (0x4_) variants print alike.
  switch (type & ~0x40) {
    case 0x00: // two-octet AS specific: ASN (2), local (4)
      if (name) return `${name}:${Number(v >> 32n) & 0xffff}:${low32}`;
      break;
    case 0x01: // IPv4 address specific: address (4), local (2)
      if (name) {
        const addr = Number((v >> 16n) & 0xffffffffn);
        return `${name}:${addr >>> 24}.${(addr >>> 16) & 0xff}.${(addr >>> 8) & 0xff}.${addr & 0xff}:${low32 & 0xffff}`;
      }
      break;
    case 0x02: // four-octet AS specific (RFC 5668): ASN (4), local (2)
      if (name) return `${name}:${Number((v >> 16n) & 0xffffffffn)}:${low32 & 0xffff}`;
      break;
    case 0x03: // opaque; subtype 0x0c is the encapsulation (RFC 9012 §4.1)
      if (subtype === 0x0c) {
        const tunnel = low32 & 0xffff;
        return `encap:${TUNNEL_TYPES.get(tunnel) ?? tunnel}`;
      }
      break;
  }
  return '0x' + v.toString(16).padStart(16, '0');
}

/** The inverse of formatExtCommunity; throws Error naming the input. */
export function parseExtCommunity(text: string): bigint {
  const t = text.trim().toLowerCase();
  const fail = () => new Error(`invalid extended community ${JSON.stringify(text)}`);
  if (/^0x[0-9a-f]{1,16}$/.test(t)) return BigInt(t);
  const encap = /^encap:(.+)$/.exec(t);
  if (encap) {
    const tunnel = TUNNEL_BY_NAME.get(encap[1]!) ?? (/^\d+$/.test(encap[1]!) ? Number(encap[1]) : undefined);
    if (tunnel === undefined || tunnel > 0xffff) throw fail();
    return (0x030cn << 48n) | BigInt(tunnel);
  }
  const m = /^(rt|soo):(.+):(\d+)$/.exec(t);
  if (!m) throw fail();
  const subtype = m[1] === 'rt' ? 0x02n : 0x03n;
  const admin = m[2]!;
  const local = BigInt(m[3]!);
  const v4 = parseIpv4Number(admin);
  if (v4 !== undefined) {
    if (local > 0xffffn) throw fail();
    return (0x01n << 56n) | (subtype << 48n) | (BigInt(v4) << 16n) | local;
  }
  if (!/^\d+$/.test(admin)) throw fail();
  const asn = BigInt(admin);
  if (asn > 0xffffffffn) throw fail();
  if (asn > 0xffffn) {
    if (local > 0xffffn) throw fail();
    return (0x02n << 56n) | (subtype << 48n) | (asn << 16n) | local;
  }
  if (local > 0xffffffffn) throw fail();
  return (subtype << 48n) | (asn << 32n) | local;
}
