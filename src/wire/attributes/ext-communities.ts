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
 * `soo:…` likewise (RFC 4360 §4, RFC 5668; asdot `rt:64086.59904:7` is accepted on input),
 * `encap:vxlan` (RFC 9012 §4.1), and the EVPN ones (RFC 7432 §7.5–7.8, RFC 9135 §8.1):
 * `mac-mobility:5`, `mac-mobility:5:sticky`, `esi-label:300`, `esi-label:300:single-active`,
 * `es-import:aa:bb:cc:dd:ee:ff`, `rmac:aa:bb:cc:dd:ee:ff`, `default-gateway`, and
 * `consistent-hash-sort-order:N` (draft-fm-bess-service-chaining, which bagpipe-bgp puts on its
 * routes); else `0x` + 16 hex.
 * Typed constructors and readers for the RIB and the VPN layer follow at the end of the file.
 */
import { parseIpv4Number } from '../ip.js';
import { normalizeMac } from '../mac.js';
import { AttrCode, type PathAttributes } from './types.js';
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
      if (subtype === 0x0d && type === 0x03) return 'default-gateway';
      // Consistent Hash Sort Order: order (4), reserved (2); a non-zero reserved part prints as hex.
      if (subtype === 0x14 && type === 0x03 && (v & 0xffffn) === 0n) return `consistent-hash-sort-order:${Number((v >> 16n) & 0xffffffffn)}`;
      break;
    case 0x06: // EVPN (RFC 7432 §7.5–7.7, RFC 9135 §8.1)
      if (type !== 0x06) break;
      if (subtype === 0x00) return `mac-mobility:${low32}${(v >> 40n) & 1n ? ':sticky' : ''}`;
      if (subtype === 0x01) return `esi-label:${low32 & 0xffffff}${(v >> 40n) & 1n ? ':single-active' : ''}`;
      if (subtype === 0x02) return `es-import:${macText(v)}`;
      if (subtype === 0x03) return `rmac:${macText(v)}`;
      break;
  }
  return '0x' + v.toString(16).padStart(16, '0');
}

/** The low 6 octets as a MAC. */
function macText(v: bigint): string {
  return (v & 0xffffffffffffn).toString(16).padStart(12, '0').replace(/(..)(?!$)/g, '$1:');
}

function macValue(mac: string, fail: () => Error): bigint {
  const m = normalizeMac(mac);
  if (m === undefined) throw fail();
  return BigInt('0x' + m.replace(/:/g, ''));
}

/** The inverse of formatExtCommunity; throws Error naming the input. */
export function parseExtCommunity(text: string): bigint {
  const t = text.trim().toLowerCase();
  const fail = () => new Error(`invalid extended community ${JSON.stringify(text)}`);
  if (/^0x[0-9a-f]{1,16}$/.test(t)) return BigInt(t);
  if (t === 'default-gateway') return DEFAULT_GATEWAY;
  const sortOrder = /^consistent-hash-sort-order:(\d{1,10})$/.exec(t);
  if (sortOrder) {
    if (Number(sortOrder[1]) > 0xffffffff) throw fail();
    return (0x0314n << 48n) | (BigInt(sortOrder[1]!) << 16n);
  }
  const mobility = /^mac-mobility:(\d{1,10})(:sticky)?$/.exec(t);
  if (mobility) {
    if (Number(mobility[1]) > 0xffffffff) throw fail();
    return macMobility(Number(mobility[1]), mobility[2] !== undefined);
  }
  const esiL = /^esi-label:(\d{1,8})(:single-active|:all-active)?$/.exec(t);
  if (esiL) {
    if (Number(esiL[1]) > 0xffffff) throw fail();
    return esiLabel(Number(esiL[1]), esiL[2] === ':single-active');
  }
  const mac = /^(rmac|es-import):(.+)$/.exec(t);
  if (mac) return ((mac[1] === 'rmac' ? 0x0603n : 0x0602n) << 48n) | macValue(mac[2]!, fail);
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
  const asdot = /^(\d{1,5})\.(\d{1,5})$/.exec(admin);
  if (asdot) {
    // RFC 5396 asdot: always a 4-octet AS specific community.
    const hi = BigInt(asdot[1]!);
    const lo = BigInt(asdot[2]!);
    if (hi > 0xffffn || lo > 0xffffn || local > 0xffffn) throw fail();
    return (0x02n << 56n) | (subtype << 48n) | (((hi << 16n) | lo) << 16n) | local;
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

// ===== typed constructors and readers (route targets, encapsulation, EVPN) =====

const typeOf = (c: bigint) => Number(BigInt.asUintN(64, c) >> 56n) & 0xff;
const subtypeOf = (c: bigint) => Number(BigInt.asUintN(64, c) >> 48n) & 0xff;

/** A route target from `65000:100`, `192.0.2.1:5`, `4200000000:7` (with or without `rt:`). */
export function routeTarget(text: string): bigint {
  const t = text.trim();
  const c = parseExtCommunity(/^rt:/i.test(t) ? t : 'rt:' + t);
  return c;
}

/** RFC 4360 §4 / RFC 5668 §3 transitive route target: type 0x00, 0x01 or 0x02, subtype 0x02. */
export function isRouteTarget(c: bigint): boolean {
  return typeOf(c) <= 0x02 && subtypeOf(c) === 0x02;
}

/** The route targets of a route, in the order it carries them. */
export function routeTargets(a: PathAttributes): bigint[] {
  return (a.extCommunities ?? []).filter(isRouteTarget);
}

/** RFC 9012 §4.1 Encapsulation extended community (opaque 0x03, subtype 0x0c). */
export function encapsulation(tunnelType: number): bigint {
  if (!Number.isInteger(tunnelType) || tunnelType < 0 || tunnelType > 0xffff) throw new Error(`invalid tunnel type ${tunnelType}`);
  return (0x030cn << 48n) | BigInt(tunnelType);
}
export const TunnelType = { Vxlan: 8, Nvgre: 9, Mpls: 10, MplsInGre: 11, VxlanGpe: 12, MplsInUdp: 13 } as const;
export function isEncapsulation(c: bigint): boolean {
  return typeOf(c) === 0x03 && subtypeOf(c) === 0x0c;
}
/** The tunnel types a route's encapsulation communities name (none: MPLS, RFC 9012 §4.1). */
export function encapsulationsOf(a: PathAttributes): number[] {
  return (a.extCommunities ?? []).filter(isEncapsulation).map((c) => Number(c & 0xffffn));
}

/** RFC 7432 §7.7 MAC Mobility: type 0x06 subtype 0x00, flags (0x01 sticky), reserved, sequence. */
export function macMobility(sequence: number, sticky = false): bigint {
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > 0xffffffff) throw new Error(`invalid MAC mobility sequence ${sequence}`);
  return (0x0600n << 48n) | ((sticky ? 1n : 0n) << 40n) | BigInt(sequence);
}
export function isMacMobility(c: bigint): boolean {
  return typeOf(c) === 0x06 && subtypeOf(c) === 0x00;
}
/** The MAC Mobility community of a route; with several (which RFC 7432 §7.7 forbids) the one of
 *  the highest sequence number. */
export function macMobilityOf(a: PathAttributes): { sequence: number; sticky: boolean } | undefined {
  let best: { sequence: number; sticky: boolean } | undefined;
  for (const c of a.extCommunities ?? []) {
    if (!isMacMobility(c)) continue;
    const sequence = Number(c & 0xffffffffn);
    if (!best || sequence > best.sequence) best = { sequence, sticky: ((c >> 40n) & 1n) === 1n };
  }
  return best;
}
/** RFC 7432 §15.1: undefined when the route has no MAC Mobility community (sequence 0 then). */
export function macMobilitySequence(a: PathAttributes): number | undefined {
  return macMobilityOf(a)?.sequence;
}
/** RFC 7432 §15.2: a static (sticky) MAC. */
export function isStickyMac(a: PathAttributes): boolean {
  return macMobilityOf(a)?.sticky === true;
}

/** RFC 7432 §7.5 ESI Label: type 0x06 subtype 0x01, flags (0x01 single-active), reserved (2),
 *  the raw 3-octet label field. */
export function esiLabel(labelField: number, singleActive = false): bigint {
  if (!Number.isInteger(labelField) || labelField < 0 || labelField > 0xffffff) throw new Error(`invalid ESI label ${labelField}`);
  return (0x0601n << 48n) | ((singleActive ? 1n : 0n) << 40n) | BigInt(labelField);
}
export function esiLabelOf(a: PathAttributes): { label: number; singleActive: boolean } | undefined {
  const c = (a.extCommunities ?? []).find((x) => typeOf(x) === 0x06 && subtypeOf(x) === 0x01);
  return c === undefined ? undefined : { label: Number(c & 0xffffffn), singleActive: ((c >> 40n) & 1n) === 1n };
}

/** RFC 7432 §7.6 ES-Import Route Target: type 0x06 subtype 0x02, a MAC. */
export function esImportRouteTarget(mac: string): bigint {
  return (0x0602n << 48n) | macValue(mac, () => new Error(`invalid MAC address ${JSON.stringify(mac)}`));
}

/** RFC 9135 §8.1 Router's MAC: type 0x06 subtype 0x03, a MAC. */
export function routerMac(mac: string): bigint {
  return (0x0603n << 48n) | macValue(mac, () => new Error(`invalid MAC address ${JSON.stringify(mac)}`));
}
export function routerMacOf(a: PathAttributes): string | undefined {
  const c = (a.extCommunities ?? []).find((x) => typeOf(x) === 0x06 && subtypeOf(x) === 0x03);
  return c === undefined ? undefined : macText(c);
}

/** RFC 7432 §7.8 Default Gateway: opaque type 0x03, subtype 0x0d, value zero. */
export const DEFAULT_GATEWAY: bigint = 0x030dn << 48n;
export function isDefaultGateway(c: bigint): boolean {
  return typeOf(c) === 0x03 && subtypeOf(c) === 0x0d;
}
export function hasDefaultGateway(a: PathAttributes): boolean {
  return (a.extCommunities ?? []).some(isDefaultGateway);
}
