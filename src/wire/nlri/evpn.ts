/**
 * L2VPN EVPN NLRI (AFI 25, SAFI 70): RFC 7432 §7 route types 1–4 and RFC 9136 type 5.
 *
 *   +-----------------------------------+
 *   |    Route Type (1 octet)           |
 *   +-----------------------------------+
 *   |     Length (1 octet)              |
 *   +-----------------------------------+
 *   | Route Type specific (variable)    |
 *   +-----------------------------------+
 *
 *   1 Ethernet A-D:           RD (8) ESI (10) Ethernet Tag (4) MPLS Label (3)
 *   2 MAC/IP Advertisement:   RD (8) ESI (10) Ethernet Tag (4) MAC Length (1) = 48 MAC (6)
 *                             IP Length (1) = 0|32|128, IP (0|4|16) MPLS Label1 (3) [Label2 (3)]
 *   3 Inclusive Multicast:    RD (8) Ethernet Tag (4) IP Length (1) Originating Router's IP
 *   4 Ethernet Segment:       RD (8) ESI (10) IP Length (1) Originating Router's IP
 *   5 IP Prefix (RFC 9136):   RD (8) ESI (10) Ethernet Tag (4) IP Prefix Length (1)
 *                             IP Prefix (4|16) GW IP Address (4|16) MPLS Label (3)  — 34 or 58
 *
 * The key holds only what identifies the route (RFC 7432 §7.1–7.4, RFC 9136 §3.2): the type
 * octet, then RD + ESI + tag (1); RD + tag + MAC + IP (2: not the ESI, not the labels); RD + tag
 * + IP (3); RD + ESI + IP (4); RD + tag + prefix length + prefix (5), each as its wire octets.
 * Route types bgpipe does not know are kept whole (type and value, keyed by both), so that a
 * route reflector passes them on.
 *
 * Label fields are kept raw (see labels.ts): with VXLAN they hold the VNI, gobgp writes them so,
 * and the encapsulation extended community that says which is not part of the NLRI.
 *
 * Text is gobgp's (`[type:macadv][rd:65000:1][etag:0][mac:aa:bb:cc:dd:ee:ff][ip:10.0.0.1]`);
 * `parse` also takes `[esi:…]`, `[labels:100,200]` and `[gw:…]` where gobgp's text leaves them out.
 */
import { BgpError, ErrorCode, UpdateSubcode } from '../errors.js';
import { L2VPN_EVPN } from '../family.js';
import { isIpv4, parseIpv4Number, parseIpv6Into, readIpv4, readIpv6 } from '../ip.js';
import { parseMacInto, readMac } from '../mac.js';
import { formatEsi, parseEsi, readEsi, writeEsi, ZERO_ESI, type Esi } from './esi.js';
import { readLabelField, writeLabelField } from './labels.js';
import { nextHopCodec } from './next-hops.js';
import { parsedRd, readRd, writeRd, type RouteDistinguisher } from './rd.js';
import type { Nlri, NlriCodec } from './types.js';

export const EvpnRouteType = { EthernetAd: 1, MacIp: 2, InclusiveMulticast: 3, EthernetSegment: 4, IpPrefix: 5 } as const;

export interface EvpnEthernetAd extends Nlri {
  readonly kind: 'ethernet-ad';
  readonly routeType: 1;
  readonly rd: RouteDistinguisher;
  readonly esi: Esi;
  readonly ethernetTag: number;
  /** One raw label field. */
  readonly labels: readonly number[];
}
export interface EvpnMacIp extends Nlri {
  readonly kind: 'mac-ip';
  readonly routeType: 2;
  readonly rd: RouteDistinguisher;
  readonly esi: Esi;
  readonly ethernetTag: number;
  readonly mac: string;
  /** Absent when the IP Address Length is 0. */
  readonly ip?: string;
  /** Label1 and, when present, Label2 (RFC 9135 §5.1): raw fields. */
  readonly labels: readonly number[];
}
export interface EvpnInclusiveMulticast extends Nlri {
  readonly kind: 'inclusive-multicast';
  readonly routeType: 3;
  readonly rd: RouteDistinguisher;
  readonly ethernetTag: number;
  /** Originating router's IP address. */
  readonly ip: string;
}
export interface EvpnEthernetSegment extends Nlri {
  readonly kind: 'ethernet-segment';
  readonly routeType: 4;
  readonly rd: RouteDistinguisher;
  readonly esi: Esi;
  readonly ip: string;
}
export interface EvpnIpPrefix extends Nlri {
  readonly kind: 'ip-prefix';
  readonly routeType: 5;
  readonly rd: RouteDistinguisher;
  readonly esi: Esi;
  readonly ethernetTag: number;
  /** `10.20.0.0/24`, host bits cleared. */
  readonly prefix: string;
  /** GW IP Address, `0.0.0.0` / `::` when none. */
  readonly gateway: string;
  readonly labels: readonly number[];
}
/** A route type bgpipe does not interpret. */
export interface EvpnOther extends Nlri {
  readonly kind: 'other';
  readonly routeType: number;
  readonly value: Buffer;
}
export type EvpnRoute = EvpnEthernetAd | EvpnMacIp | EvpnInclusiveMulticast | EvpnEthernetSegment | EvpnIpPrefix | EvpnOther;

type Input<T> = Omit<T, 'key' | 'kind'>;
/** What `evpnRoute` builds from: ESI (zero) and labels ([0]) may be left out. */
export type EvpnRouteInput =
  | (Omit<Input<EvpnEthernetAd>, 'esi' | 'labels'> & { esi?: string; labels?: readonly number[] })
  | (Omit<Input<EvpnMacIp>, 'esi' | 'labels'> & { esi?: string; labels?: readonly number[] })
  | Input<EvpnInclusiveMulticast>
  | (Omit<Input<EvpnEthernetSegment>, 'esi'> & { esi?: string })
  | (Omit<Input<EvpnIpPrefix>, 'esi' | 'labels' | 'gateway'> & { esi?: string; labels?: readonly number[]; gateway?: string })
  | Input<EvpnOther>;

function invalid(message: string): BgpError {
  return new BgpError(ErrorCode.UpdateMessage, UpdateSubcode.InvalidNetworkField, `EVPN: ${message}`);
}

const latin1 = (buf: Buffer, start: number, end: number) => buf.toString('latin1', start, end);

/** IP address of `bits` (32 or 128) at `o`. */
function readIp(buf: Buffer, o: number, bits: number): string {
  return bits === 32 ? readIpv4(buf, o) : readIpv6(buf, o);
}

function ipBits(bits: number, what: string): number {
  if (bits !== 32 && bits !== 128) throw invalid(`${what} length ${bits}`);
  return bits >> 3;
}

function labelsAt(buf: Buffer, o: number, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(readLabelField(buf, o + 3 * i));
  return out;
}

/** Decodes the route of `type` whose value is buf[v, v + len). */
function decodeRoute(type: number, buf: Buffer, v: number, len: number): EvpnRoute {
  const T = String.fromCharCode(type);
  switch (type) {
    case 1:
      if (len !== 25) throw invalid(`Ethernet A-D route of ${len} octets`);
      return { kind: 'ethernet-ad', routeType: 1, key: T + latin1(buf, v, v + 22), rd: readRd(buf, v), esi: readEsi(buf, v + 8), ethernetTag: buf.readUInt32BE(v + 18), labels: labelsAt(buf, v + 22, 1) };
    case 2: {
      if (len < 33) throw invalid(`MAC/IP route of ${len} octets`);
      if (buf[v + 22] !== 48) throw invalid(`MAC address length ${buf[v + 22]}`);
      const bits = buf[v + 29]!;
      const n = bits === 0 ? 0 : ipBits(bits, 'MAC/IP route IP address');
      const labelOctets = len - 30 - n;
      if (labelOctets !== 3 && labelOctets !== 6) throw invalid(`MAC/IP route of ${len} octets with a ${bits}-bit IP address`);
      const r: { -readonly [K in keyof EvpnMacIp]: EvpnMacIp[K] } = {
        kind: 'mac-ip',
        routeType: 2,
        key: T + latin1(buf, v, v + 8) + latin1(buf, v + 18, v + 30 + n),
        rd: readRd(buf, v),
        esi: readEsi(buf, v + 8),
        ethernetTag: buf.readUInt32BE(v + 18),
        mac: readMac(buf, v + 23),
        labels: labelsAt(buf, v + 30 + n, labelOctets / 3),
      };
      if (n) r.ip = readIp(buf, v + 30, bits);
      return r;
    }
    case 3: {
      if (len < 13 || len !== 13 + ipBits(buf[v + 12]!, 'originating router IP')) throw invalid(`Inclusive Multicast route of ${len} octets`);
      return { kind: 'inclusive-multicast', routeType: 3, key: T + latin1(buf, v, v + len), rd: readRd(buf, v), ethernetTag: buf.readUInt32BE(v + 8), ip: readIp(buf, v + 13, buf[v + 12]!) };
    }
    case 4: {
      if (len < 19 || len !== 19 + ipBits(buf[v + 18]!, 'originating router IP')) throw invalid(`Ethernet Segment route of ${len} octets`);
      return { kind: 'ethernet-segment', routeType: 4, key: T + latin1(buf, v, v + len), rd: readRd(buf, v), esi: readEsi(buf, v + 8), ip: readIp(buf, v + 19, buf[v + 18]!) };
    }
    case 5: {
      // RFC 9136 §3.1: the route length says the family, 34 (IPv4) or 58 (IPv6).
      if (len !== 34 && len !== 58) throw invalid(`IP Prefix route of ${len} octets`);
      const size = len === 34 ? 4 : 16;
      const plen = buf[v + 22]!;
      if (plen > size * 8) throw invalid(`IP prefix length ${plen}`);
      const p = Buffer.from(buf.subarray(v + 23, v + 23 + size));
      for (let i = 0; i < size; i++) {
        const keep = Math.min(8, Math.max(0, plen - 8 * i));
        p[i] = p[i]! & (0xff << (8 - keep));
      }
      const addr = size === 4 ? readIpv4(p, 0) : readIpv6(p, 0);
      return {
        kind: 'ip-prefix',
        routeType: 5,
        key: T + latin1(buf, v, v + 8) + latin1(buf, v + 18, v + 23) + latin1(p, 0, size),
        rd: readRd(buf, v),
        esi: readEsi(buf, v + 8),
        ethernetTag: buf.readUInt32BE(v + 18),
        prefix: `${addr}/${plen}`,
        gateway: readIp(buf, v + 23 + size, size * 8),
        labels: labelsAt(buf, v + 23 + 2 * size, 1),
      };
    }
    default:
      return { kind: 'other', routeType: type, key: T + latin1(buf, v, v + len), value: Buffer.from(buf.subarray(v, v + len)) };
  }
}

function ipOctets(ip: string): number {
  return isIpv4(ip) ? 4 : 16;
}

function writeIp(ip: string, buf: Buffer, o: number): number {
  const v4 = parseIpv4Number(ip);
  if (v4 !== undefined) {
    buf.writeUInt32BE(v4, o);
    return o + 4;
  }
  if (!parseIpv6Into(ip, buf, o)) throw new Error(`invalid IP address ${JSON.stringify(ip)}`);
  return o + 16;
}

function writeTag(n: number | undefined, buf: Buffer, at: number): void {
  if (n === undefined || !Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`invalid Ethernet Tag ${n}`);
  buf.writeUInt32BE(n, at);
}

function writeLabels(labels: readonly number[], count: number, buf: Buffer, o: number): number {
  for (let i = 0; i < count; i++) o = writeLabelField(labels[i] ?? 0, buf, o);
  return o;
}

function prefixParts(prefix: string): { addr: string; plen: number; size: number } {
  const slash = prefix.indexOf('/');
  const addr = slash < 0 ? prefix : prefix.slice(0, slash);
  const size = ipOctets(addr);
  const plen = slash < 0 ? size * 8 : Number(prefix.slice(slash + 1));
  if (!Number.isInteger(plen) || plen < 0 || plen > size * 8) throw new Error(`invalid IP prefix ${JSON.stringify(prefix)}`);
  return { addr, plen, size };
}

/** Every field any known route type has, for the writer. */
interface AnyFields {
  routeType: number;
  rd: string;
  esi?: string;
  ethernetTag?: number;
  mac?: string;
  ip?: string;
  prefix?: string;
  gateway?: string;
  labels?: readonly number[];
}

/** Octets of the route-type-specific value. */
function valueLength(r: EvpnRouteInput): number {
  switch (r.routeType) {
    case 1:
      return 25;
    case 2: {
      const m = r as Input<EvpnMacIp>;
      return 30 + (m.ip === undefined ? 0 : ipOctets(m.ip)) + ((m.labels?.length ?? 1) > 1 ? 6 : 3);
    }
    case 3:
      return 13 + ipOctets((r as Input<EvpnInclusiveMulticast>).ip);
    case 4:
      return 19 + ipOctets((r as Input<EvpnEthernetSegment>).ip);
    case 5:
      return prefixParts((r as Input<EvpnIpPrefix>).prefix).size === 4 ? 34 : 58;
    default:
      return (r as Input<EvpnOther>).value.length;
  }
}

/** Writes type, length and value at `o`; throws Error when a field is not valid. */
function writeRoute(r: EvpnRouteInput, buf: Buffer, o: number): number {
  const len = valueLength(r);
  if (len > 255) throw new Error(`EVPN route of ${len} octets`);
  buf[o] = r.routeType;
  buf[o + 1] = len;
  const v = o + 2;
  if (r.routeType < 1 || r.routeType > 5) {
    (r as Input<EvpnOther>).value.copy(buf, v);
    return v + len;
  }
  const f = r as AnyFields;
  writeRd(f.rd, buf, v);
  const tag = (n: number | undefined, at: number) => writeTag(n, buf, at);
  switch (r.routeType) {
    case 1:
      writeEsi(f.esi ?? ZERO_ESI, buf, v + 8);
      tag(f.ethernetTag, v + 18);
      return writeLabels(f.labels ?? [], 1, buf, v + 22);
    case 2: {
      writeEsi(f.esi ?? ZERO_ESI, buf, v + 8);
      tag(f.ethernetTag, v + 18);
      buf[v + 22] = 48;
      if (!parseMacInto(f.mac ?? '', buf, v + 23)) throw new Error(`invalid MAC address ${JSON.stringify(f.mac)}`);
      const ipEnd = f.ip === undefined ? v + 30 : writeIp(f.ip, buf, v + 30);
      buf[v + 29] = (ipEnd - v - 30) * 8;
      return writeLabels(f.labels ?? [], (f.labels?.length ?? 1) > 1 ? 2 : 1, buf, ipEnd);
    }
    case 3:
      tag(f.ethernetTag, v + 8);
      buf[v + 12] = ipOctets(f.ip!) * 8;
      return writeIp(f.ip!, buf, v + 13);
    case 4:
      writeEsi(f.esi ?? ZERO_ESI, buf, v + 8);
      buf[v + 18] = ipOctets(f.ip!) * 8;
      return writeIp(f.ip!, buf, v + 19);
    default: {
      const { addr, plen, size } = prefixParts(f.prefix!);
      writeEsi(f.esi ?? ZERO_ESI, buf, v + 8);
      tag(f.ethernetTag, v + 18);
      buf[v + 22] = plen;
      writeIp(addr, buf, v + 23);
      const gw = f.gateway ?? (size === 4 ? '0.0.0.0' : '::');
      if (ipOctets(gw) !== size) throw new Error(`gateway ${gw} is not of the prefix's family`);
      writeIp(gw, buf, v + 23 + size);
      return writeLabels(f.labels ?? [], 1, buf, v + 23 + 2 * size);
    }
  }
}

const scratch = Buffer.alloc(2 + 255);

/** Builds an EVPN route (key included) from its fields; throws Error naming a bad field. */
export function evpnRoute(input: EvpnRouteInput): EvpnRoute {
  const end = writeRoute(input, scratch, 0);
  return decodeRoute(scratch[0]!, scratch, 2, end - 2);
}

/** A label field as the codec reads back what writeLabelField wrote: its low 24 bits. */
const labelField = (label: number | undefined) => (label ?? 0) & 0xffffff;

/** Key octets after the RD (tag, lengths, MAC, IP) of the route being made. */
const fieldScratch = Buffer.alloc(4 + 1 + 6 + 1 + 16);

/**
 * MAC/IP (type 2) and Inclusive Multicast (type 3) routes of one RD with the zero ESI, built
 * straight from their fields: what a VPN instance originates at each attach. The RD is parsed
 * once; key, MAC and IP come from the octets the codec would write, without evpnRoute's
 * encode → decode of the whole route (the same routes: tested against it). Throws Error
 * naming a bad field, as evpnRoute does.
 */
export class EvpnRouteMaker {
  readonly rd: RouteDistinguisher;
  /** The RD's 8 octets as key text. */
  private readonly rdOctets: string;

  constructor(rd: string) {
    const parsed = parsedRd(rd);
    this.rd = parsed.text;
    this.rdOctets = parsed.octets;
  }

  /** RFC 7432 §7.2; `labels`: Label1 and, when there are two or more, Label2. */
  macIp(ethernetTag: number, mac: string, ip: string | undefined, labels: readonly number[]): EvpnMacIp {
    // The key: type, RD, then tag (4) MAC length (1) MAC (6) IP length (1) IP (0|4|16).
    const b = fieldScratch;
    writeTag(ethernetTag, b, 0);
    b[4] = 48;
    if (!parseMacInto(mac, b, 5)) throw new Error(`invalid MAC address ${JSON.stringify(mac)}`);
    const end = ip === undefined ? 12 : writeIp(ip, b, 12);
    const bits = (end - 12) * 8;
    b[11] = bits;
    const r: { -readonly [K in keyof EvpnMacIp]: EvpnMacIp[K] } = {
      kind: 'mac-ip',
      routeType: 2,
      key: '\x02' + this.rdOctets + b.toString('latin1', 0, end),
      rd: this.rd,
      esi: ZERO_ESI,
      ethernetTag,
      mac: readMac(b, 5),
      labels: labels.length > 1 ? [labelField(labels[0]), labelField(labels[1])] : [labelField(labels[0])],
    };
    if (bits) r.ip = readIp(b, 12, bits);
    return r;
  }

  /** RFC 7432 §7.3: `ip` is the originating router's. */
  inclusiveMulticast(ethernetTag: number, ip: string): EvpnInclusiveMulticast {
    // The key: type, RD, then tag (4) IP length (1) IP (4|16).
    const b = fieldScratch;
    writeTag(ethernetTag, b, 0);
    const end = writeIp(ip, b, 5);
    b[4] = (end - 5) * 8;
    return { kind: 'inclusive-multicast', routeType: 3, key: '\x03' + this.rdOctets + b.toString('latin1', 0, end), rd: this.rd, ethernetTag, ip: readIp(b, 5, b[4]) };
  }
}

const TYPE_NAMES: Record<number, string> = { 1: 'A-D', 2: 'macadv', 3: 'multicast', 4: 'esi', 5: 'Prefix' };
const TYPE_BY_NAME = new Map<string, number>(Object.entries(TYPE_NAMES).map(([k, v]) => [v.toLowerCase(), Number(k)]));

export function formatEvpn(r: EvpnRoute): string {
  switch (r.kind) {
    case 'ethernet-ad':
      return `[type:A-D][rd:${r.rd}][esi:${formatEsi(r.esi)}][etag:${r.ethernetTag}]`;
    case 'mac-ip':
      return `[type:macadv][rd:${r.rd}][etag:${r.ethernetTag}][mac:${r.mac}][ip:${r.ip ?? '<nil>'}]`;
    case 'inclusive-multicast':
      return `[type:multicast][rd:${r.rd}][etag:${r.ethernetTag}][ip:${r.ip}]`;
    case 'ethernet-segment':
      return `[type:esi][rd:${r.rd}][esi:${formatEsi(r.esi)}][ip:${r.ip}]`;
    case 'ip-prefix':
      return `[type:Prefix][rd:${r.rd}][etag:${r.ethernetTag}][prefix:${r.prefix}]`;
    case 'other':
      return `[type:${r.routeType}][value:${r.value.toString('hex')}]`;
  }
}

/** The inverse of formatEvpn, plus `[esi:…]`, `[labels:…]`, `[gw:…]`; throws Error naming the text. */
export function parseEvpn(text: string): EvpnRoute {
  const fail = (why: string) => new Error(`invalid EVPN route ${JSON.stringify(text)}: ${why}`);
  const fields = new Map<string, string>();
  const t = text.trim();
  const re = /\[([A-Za-z-]+):([^\]]*)\]/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(t))) {
    fields.set(m[1]!.toLowerCase(), m[2]!.trim());
    end = re.lastIndex;
  }
  if (end !== t.length) throw fail('expected [name:value] fields');
  const typeText = fields.get('type');
  if (typeText === undefined) throw fail('no [type:…]');
  const routeType = /^\d+$/.test(typeText) ? Number(typeText) : TYPE_BY_NAME.get(typeText.toLowerCase());
  if (routeType === undefined || routeType > 255) throw fail(`route type ${typeText}`);
  const need = (name: string) => {
    const v = fields.get(name);
    if (v === undefined) throw fail(`no [${name}:…]`);
    return v;
  };
  const num = (name: string) => {
    const v = need(name);
    if (!/^\d+$/.test(v)) throw fail(`${name} ${v}`);
    return Number(v);
  };
  const opt = <T>(name: string, f: (v: string) => T) => (fields.has(name) ? f(fields.get(name)!) : undefined);
  const labels = opt('labels', (v) => v.split(',').map((x) => Number(x.trim())));
  const esi = opt('esi', parseEsi);
  try {
    switch (routeType) {
      case 1:
        return evpnRoute({ routeType, rd: need('rd'), esi: esi ?? need('esi'), ethernetTag: num('etag'), labels });
      case 2: {
        const ip = need('ip');
        return evpnRoute({ routeType, rd: need('rd'), esi, ethernetTag: num('etag'), mac: need('mac'), ...(ip === '<nil>' || ip === '' ? {} : { ip }), labels });
      }
      case 3:
        return evpnRoute({ routeType, rd: need('rd'), ethernetTag: num('etag'), ip: need('ip') });
      case 4:
        return evpnRoute({ routeType, rd: need('rd'), esi: esi ?? need('esi'), ip: need('ip') });
      case 5:
        return evpnRoute({ routeType, rd: need('rd'), esi, ethernetTag: num('etag'), prefix: need('prefix'), gateway: fields.get('gw'), labels });
      default:
        return evpnRoute({ routeType, value: Buffer.from(need('value'), 'hex') });
    }
  } catch (err) {
    const message = (err as Error).message;
    throw message.startsWith('invalid EVPN route') ? err : fail(message);
  }
}

const evpnNextHop = nextHopCodec(0, true, 'L2VPN EVPN');

export const evpnCodec: NlriCodec<EvpnRoute> = {
  family: L2VPN_EVPN,
  decode(buf, start, end) {
    const out: EvpnRoute[] = [];
    let o = start;
    while (o < end) {
      if (o + 2 > end) throw invalid('route header overruns the field');
      const len = buf[o + 1]!;
      if (o + 2 + len > end) throw invalid(`route of ${len} octets overruns the field`);
      out.push(decodeRoute(buf[o]!, buf, o + 2, len));
      o += 2 + len;
    }
    return out;
  },
  encodedLength: (r) => 2 + valueLength(r),
  encode: (r, buf, offset) => writeRoute(r, buf, offset),
  format: formatEvpn,
  parse: parseEvpn,
  ...evpnNextHop,
};
