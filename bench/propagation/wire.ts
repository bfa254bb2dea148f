/**
 * Just enough BGP for the benchmark's tester and monitor, written for speed, not generality:
 * OPEN (4-octet AS + one multiprotocol family), KEEPALIVE, End-of-RIB, pre-packed UPDATEs, and
 * an NLRI counter that walks lengths without building objects.
 *
 * This is deliberately independent of src/wire: the benchmark must measure the daemons, not a
 * codec that is being changed under it, and the counting walk needs none of the decoder's
 * validation (RFC 7606 handling, attribute objects).
 */

export const AFI_IPV4 = 1;
export const AFI_IPV6 = 2;
export const SAFI_UNICAST = 1;
export const AFI_L2VPN = 25;
export const SAFI_EVPN = 70;

const HEADER = 19;
/** RFC 4271 §4: the largest message without the extended message capability (RFC 8654). */
export const MAX_MESSAGE = 4096;
const MSG_OPEN = 1;
const MSG_UPDATE = 2;
const MSG_KEEPALIVE = 4;

/** Where the route index lives: v4 /32s from 100.64.0.0 (RFC 6598), v6 /128s in 2001:db8::/96. */
export const V4_BASE = 0x64400000;
export const V4_MAX_ROUTES = 1 << 22;
/** The benchmark's MACs are 02:bb:00:00:00:00 + index (locally administered, unicast). */
export const MAC_BASE_HI = 0x02bb00;
export const MAX_MACS = 1 << 24;
const V6_PREFIX = Buffer.from([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0]);

function header(buf: Buffer, off: number, length: number, type: number): void {
  buf.fill(0xff, off, off + 16);
  buf.writeUInt16BE(length, off + 16);
  buf[off + 18] = type;
}

export function keepalive(): Buffer {
  const b = Buffer.alloc(HEADER);
  header(b, 0, HEADER, MSG_KEEPALIVE);
  return b;
}

/** OPEN with capabilities: multiprotocol (RFC 4760) for each family, 4-octet AS (RFC 6793). */
export function open(asn: number, holdTime: number, routerId: string, families: readonly (readonly [number, number])[]): Buffer {
  const caps = Buffer.from([
    ...families.flatMap(([afi, safi]) => [1, 4, afi >> 8, afi & 255, 0, safi]),
    ...[65, 4, asn >>> 24, (asn >>> 16) & 255, (asn >>> 8) & 255, asn & 255],
  ]);
  const params = Buffer.concat([Buffer.from([2, caps.length]), caps]);
  const b = Buffer.alloc(HEADER + 10 + params.length);
  header(b, 0, b.length, MSG_OPEN);
  b[19] = 4;
  b.writeUInt16BE(asn > 65535 ? 23456 : asn, 20);
  b.writeUInt16BE(holdTime, 22);
  routerId.split('.').forEach((o, i) => (b[24 + i] = Number(o)));
  b[28] = params.length;
  params.copy(b, 29);
  return b;
}

/** RFC 4724 §2: End-of-RIB is an empty UPDATE (IPv4) or an empty MP_UNREACH_NLRI. */
export function endOfRib(afi: number, safi: number): Buffer {
  if (afi === AFI_IPV4 && safi === SAFI_UNICAST) {
    const b = Buffer.alloc(HEADER + 4);
    header(b, 0, b.length, MSG_UPDATE);
    return b;
  }
  const b = Buffer.alloc(HEADER + 4 + 6);
  header(b, 0, b.length, MSG_UPDATE);
  b.writeUInt16BE(6, 21);
  b.set([0x80, 15, 3, afi >> 8, afi & 255, safi], 23);
  return b;
}

export function ipv4Bytes(a: string): number[] {
  return a.split('.').map(Number);
}

export function ipv6Bytes(a: string): number[] {
  const [head = '', tail = ''] = a.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  const groups = a.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 255];
  });
}

/**
 * The path attributes the tester announces, without the MP_REACH_NLRI:
 * ORIGIN IGP, AS_PATH [asn] (4-octet), NEXT_HOP (IPv4 only), COMMUNITIES,
 * EXTENDED_COMMUNITIES (RFC 4360: 8 octets each).
 */
export function baseAttributes(asn: number, nextHopV4: string | undefined, communities: number[], extCommunities: readonly number[][] = []): Buffer {
  const parts: number[] = [0x40, 1, 1, 0];
  parts.push(0x40, 2, 6, 2, 1, asn >>> 24, (asn >>> 16) & 255, (asn >>> 8) & 255, asn & 255);
  if (nextHopV4 !== undefined) parts.push(0x40, 3, 4, ...ipv4Bytes(nextHopV4));
  if (communities.length > 0) {
    parts.push(0xc0, 8, communities.length * 4);
    for (const c of communities) parts.push(c >>> 24, (c >>> 16) & 255, (c >>> 8) & 255, c & 255);
  }
  if (extCommunities.length > 0) parts.push(0xc0, 16, extCommunities.length * 8, ...extCommunities.flat());
  return Buffer.from(parts);
}

/** Fills large Buffers with back-to-back messages; a message never straddles two chunks. */
export class ChunkWriter {
  readonly chunks: Buffer[] = [];
  private buf: Buffer;
  off = 0;

  constructor(private readonly chunkSize = 4 << 20) {
    this.buf = Buffer.allocUnsafe(chunkSize);
  }

  /** Room for one message of `size` octets; returns the buffer to write at `this.off`. */
  reserve(size: number): Buffer {
    if (this.off + size > this.buf.length) {
      this.chunks.push(this.buf.subarray(0, this.off));
      this.buf = Buffer.allocUnsafe(Math.max(this.chunkSize, size));
      this.off = 0;
    }
    return this.buf;
  }

  finish(): Buffer[] {
    if (this.off > 0) this.chunks.push(this.buf.subarray(0, this.off));
    this.off = 0;
    this.buf = Buffer.alloc(0);
    return this.chunks;
  }
}

/**
 * How one scenario's routes are written and found again: route `i` as NLRI of `size` octets,
 * carried in MP_REACH/MP_UNREACH_NLRI of `mp` (RFC 4760), or, without `mp`, in the UPDATE's own
 * NLRI and Withdrawn Routes fields (IPv4 unicast).
 */
export interface NlriFormat {
  size: number;
  mp?: { afi: number; safi: number; nextHop: readonly number[] };
  /** Write route `i` at b[off]; returns the offset after it. */
  write(b: Buffer, off: number, i: number): number;
  /** The offset after the NLRI at b[off] (any route, not only the benchmark's). */
  skip(b: Buffer, off: number): number;
  /** The route index of the NLRI at b[off], or -1 when it is not one of the benchmark's. */
  index(b: Buffer, off: number): number;
}

const skipPrefix = (b: Buffer, off: number): number => off + 1 + (((b[off] ?? 0) + 7) >> 3);

/** IPv4 /32s from V4_BASE. */
export const V4_FORMAT: NlriFormat = {
  size: 5,
  write(b, off, i) {
    b[off] = 32;
    b.writeUInt32BE((V4_BASE + i) >>> 0, off + 1);
    return off + 5;
  },
  skip: skipPrefix,
  index: (b, off) => (b[off] === 32 ? (b.readUInt32BE(off + 1) - V4_BASE) >>> 0 : -1),
};

/** IPv6 /128s in 2001:db8::/96, with the tester's next hop. */
export function v6Format(nextHop: readonly number[]): NlriFormat {
  return {
    size: 17,
    mp: { afi: AFI_IPV6, safi: SAFI_UNICAST, nextHop },
    write(b, off, i) {
      b[off] = 128;
      V6_PREFIX.copy(b, off + 1);
      b.writeUInt32BE(i >>> 0, off + 13);
      return off + 17;
    },
    skip: skipPrefix,
    index: (b, off) => (b[off] === 128 ? b.readUInt32BE(off + 13) : -1),
  };
}

/** RFC 7432 §7.2 type 2 NLRI with a 48-bit MAC and an IPv4 address: type, length, 37 octets. */
const EVPN_MAC_IP_SIZE = 2 + 8 + 10 + 4 + 1 + 6 + 1 + 4 + 3;

/**
 * The index of the EVPN NLRI at b[off] (its route type octet) when it is a type 2 (MAC/IP
 * advertisement, RFC 7432 §7.2: RD 8, ESI 10, ethernet tag 4, MAC length 1, MAC 6, …) whose
 * 48-bit MAC is in the benchmark's range (MAC_BASE_HI + 24-bit index), else -1.
 */
export function evpnMacIndex(b: Buffer, off: number): number {
  if (b[off] !== 2 || (b[off + 1] ?? 0) < 29 || b[off + 24] !== 48) return -1;
  if (b.readUIntBE(off + 25, 3) !== MAC_BASE_HI) return -1;
  return b.readUIntBE(off + 28, 3);
}

/**
 * EVPN MAC/IP advertisements, route `i`: RD `rd` (8 octets), zero ESI, ethernet tag 0, MAC
 * MAC_BASE_HI + i, IPv4 V4_BASE + i, one label `vni` (with VXLAN the 24-bit VNI itself, RFC 8365
 * §5.1.3); next hop `nextHop` (IPv4).
 */
export function evpnFormat(rd: readonly number[], nextHop: readonly number[], vni: number): NlriFormat {
  const head = Buffer.from([2, EVPN_MAC_IP_SIZE - 2, ...rd, ...Array<number>(10 + 4).fill(0), 48, MAC_BASE_HI >> 16, (MAC_BASE_HI >> 8) & 255, MAC_BASE_HI & 255]);
  return {
    size: EVPN_MAC_IP_SIZE,
    mp: { afi: AFI_L2VPN, safi: SAFI_EVPN, nextHop },
    write(b, off, i) {
      head.copy(b, off);
      b.writeUIntBE(i & 0xffffff, off + 28, 3);
      b[off + 31] = 32;
      b.writeUInt32BE((V4_BASE + i) >>> 0, off + 32);
      b.writeUIntBE(vni, off + 36, 3);
      return off + EVPN_MAC_IP_SIZE;
    },
    skip: (b, off) => off + 2 + (b[off + 1] ?? 0),
    index: evpnMacIndex,
  };
}

export interface AnnounceGroup {
  /** The attributes shared by routes [first, first + count). */
  attrs: Buffer;
  first: number;
  count: number;
}

/**
 * Announce routes as UPDATEs of at most 4096 octets, as many NLRI per message as fit: in the
 * UPDATE's NLRI field (IPv4), or in an MP_REACH_NLRI (extended length) after `attrs`.
 */
export function packAnnouncements(w: ChunkWriter, f: NlriFormat, groups: Iterable<AnnounceGroup>): number {
  let messages = 0;
  const mp = f.mp;
  // flags, type, length (2), AFI, SAFI, next hop length, next hop, reserved
  const mpOverhead = mp ? 4 + 4 + mp.nextHop.length + 1 : 0;
  for (const g of groups) {
    const perMsg = Math.floor((MAX_MESSAGE - HEADER - 4 - g.attrs.length - mpOverhead) / f.size);
    for (let done = 0; done < g.count; ) {
      const n = Math.min(perMsg, g.count - done);
      const attrLen = g.attrs.length + (mp ? mpOverhead + n * f.size : 0);
      const size = HEADER + 4 + attrLen + (mp ? 0 : n * f.size);
      const b = w.reserve(size);
      let o = w.off;
      header(b, o, size, MSG_UPDATE);
      o += HEADER;
      b.writeUInt16BE(0, o);
      b.writeUInt16BE(attrLen, o + 2);
      o += 4;
      o += g.attrs.copy(b, o);
      if (mp) {
        b[o] = 0x90; // optional, extended length
        b[o + 1] = 14;
        b.writeUInt16BE(mpOverhead - 4 + n * f.size, o + 2);
        b.writeUInt16BE(mp.afi, o + 4);
        b[o + 6] = mp.safi;
        b[o + 7] = mp.nextHop.length;
        o += 8;
        for (const x of mp.nextHop) b[o++] = x;
        b[o++] = 0;
      }
      for (let k = 0; k < n; k++) o = f.write(b, o, g.first + done + k);
      w.off = o;
      done += n;
      messages++;
    }
  }
  return messages;
}

/** Withdraw routes [0, count): IPv4 in the Withdrawn Routes field, others in MP_UNREACH_NLRI. */
export function packWithdrawals(w: ChunkWriter, f: NlriFormat, count: number): number {
  let messages = 0;
  const mp = f.mp;
  const perMsg = Math.floor((MAX_MESSAGE - HEADER - 4 - (mp ? 7 : 0)) / f.size);
  for (let done = 0; done < count; ) {
    const n = Math.min(perMsg, count - done);
    const size = HEADER + 4 + (mp ? 7 : 0) + n * f.size;
    const b = w.reserve(size);
    let o = w.off;
    header(b, o, size, MSG_UPDATE);
    o += HEADER;
    if (!mp) {
      b.writeUInt16BE(n * f.size, o);
      o += 2;
      for (let k = 0; k < n; k++) o = f.write(b, o, done + k);
      b.writeUInt16BE(0, o);
      o += 2;
    } else {
      b.writeUInt16BE(0, o);
      b.writeUInt16BE(7 + n * f.size, o + 2);
      o += 4;
      b[o] = 0x90;
      b[o + 1] = 15;
      b.writeUInt16BE(3 + n * f.size, o + 2);
      b.writeUInt16BE(mp.afi, o + 4);
      b[o + 6] = mp.safi;
      o += 7;
      for (let k = 0; k < n; k++) o = f.write(b, o, done + k);
    }
    w.off = o;
    done += n;
    messages++;
  }
  return messages;
}

/**
 * Calls `each` with every path attribute (RFC 4271 §4.3: flags, type, length of 1 or 2 octets
 * by the Extended Length bit) in b[off, end): its type code and its value at b[v, vEnd).
 */
export function forEachAttribute(b: Buffer, off: number, end: number, each: (b: Buffer, type: number, v: number, vEnd: number) => void): void {
  while (off < end) {
    const ext = ((b[off] ?? 0) & 0x10) !== 0;
    const len = ext ? b.readUInt16BE(off + 2) : (b[off + 2] ?? 0);
    const v = off + (ext ? 4 : 3);
    each(b, b[off + 1] ?? 0, v, v + len);
    off = v + len;
  }
}

/**
 * Counts the benchmark's routes in received UPDATEs: one byte per route index says whether the
 * route is currently announced, so re-announcements and duplicate withdrawals do not count twice.
 * Only the NLRI its format knows as the benchmark's count (NlriFormat.index); anything else is ignored.
 */
export class RouteCounter {
  readonly present: Uint8Array;
  /** Routes currently announced. */
  live = 0;
  /** Every NLRI seen, duplicates included. */
  announcedNlri = 0;
  withdrawnNlri = 0;
  updates = 0;
  /** The next hop of the first MP_REACH_NLRI received (hex), to tell how the target set it. */
  firstMpNextHop: string | undefined;
  /** The EXTENDED_COMMUNITIES value of the first UPDATE that had one (hex). */
  firstExtCommunities: string | undefined;

  constructor(
    readonly routes: number,
    private readonly f: NlriFormat,
  ) {
    this.present = new Uint8Array(routes);
  }

  private announce(b: Buffer, off: number, end: number): void {
    while (off < end) {
      const i = this.f.index(b, off);
      this.announcedNlri++;
      if (i >= 0 && i < this.routes && this.present[i] === 0) {
        this.present[i] = 1;
        this.live++;
      }
      off = this.f.skip(b, off);
    }
  }

  private withdraw(b: Buffer, off: number, end: number): void {
    while (off < end) {
      const i = this.f.index(b, off);
      this.withdrawnNlri++;
      if (i >= 0 && i < this.routes && this.present[i] === 1) {
        this.present[i] = 0;
        this.live--;
      }
      off = this.f.skip(b, off);
    }
  }

  private readonly onAttribute = (b: Buffer, type: number, v: number, end: number): void => {
    if (type === 14) {
      const nhLen = b[v + 3] ?? 0;
      this.firstMpNextHop ??= b.toString('hex', v + 4, v + 4 + nhLen);
      this.announce(b, v + 4 + nhLen + 1, end);
    } else if (type === 15) this.withdraw(b, v + 3, end);
    else if (type === 16) this.firstExtCommunities ??= b.toString('hex', v, end);
  };

  /** One UPDATE message, header included, at b[start, end). */
  update(b: Buffer, start: number, end: number): void {
    this.updates++;
    let o = start + HEADER;
    const wlen = b.readUInt16BE(o);
    this.withdraw(b, o + 2, o + 2 + wlen);
    o += 2 + wlen;
    const alen = b.readUInt16BE(o);
    o += 2;
    const aend = o + alen;
    forEachAttribute(b, o, aend, this.onAttribute);
    this.announce(b, aend, end);
  }
}
