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

const HEADER = 19;
/** RFC 4271 §4: the largest message without the extended message capability (RFC 8654). */
export const MAX_MESSAGE = 4096;
const MSG_OPEN = 1;
const MSG_UPDATE = 2;
const MSG_KEEPALIVE = 4;

/** Where the route index lives: v4 /32s from 100.64.0.0 (RFC 6598), v6 /128s in 2001:db8::/96. */
export const V4_BASE = 0x64400000;
export const V4_MAX_ROUTES = 1 << 22;
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
 * The path attributes the tester announces, without the MP_REACH_NLRI of IPv6:
 * ORIGIN IGP, AS_PATH [asn] (4-octet), NEXT_HOP (IPv4 only), COMMUNITIES.
 */
export function baseAttributes(asn: number, nextHopV4: string | undefined, communities: number[]): Buffer {
  const parts: number[] = [0x40, 1, 1, 0];
  parts.push(0x40, 2, 6, 2, 1, asn >>> 24, (asn >>> 16) & 255, (asn >>> 8) & 255, asn & 255);
  if (nextHopV4 !== undefined) parts.push(0x40, 3, 4, ...ipv4Bytes(nextHopV4));
  if (communities.length > 0) {
    parts.push(0xc0, 8, communities.length * 4);
    for (const c of communities) parts.push(c >>> 24, (c >>> 16) & 255, (c >>> 8) & 255, c & 255);
  }
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

/** Write the NLRI of route `i`: /32 from V4_BASE, or /128 in 2001:db8::/96. */
function writePrefix(b: Buffer, off: number, v6: boolean, i: number): number {
  if (!v6) {
    b[off] = 32;
    b.writeUInt32BE((V4_BASE + i) >>> 0, off + 1);
    return off + 5;
  }
  b[off] = 128;
  V6_PREFIX.copy(b, off + 1);
  b.writeUInt32BE(i >>> 0, off + 13);
  return off + 17;
}

export interface AnnounceGroup {
  /** The attributes shared by routes [first, first + count). */
  attrs: Buffer;
  first: number;
  count: number;
}

/**
 * Announce routes as UPDATEs of at most 4096 octets, as many NLRI per message as fit.
 * IPv4 NLRI go in the UPDATE's NLRI field; IPv6 in an MP_REACH_NLRI (extended length) after `attrs`.
 */
export function packAnnouncements(w: ChunkWriter, v6: boolean, nextHopV6: number[], groups: Iterable<AnnounceGroup>): number {
  let messages = 0;
  const plen = v6 ? 17 : 5;
  for (const g of groups) {
    const mpOverhead = v6 ? 4 + 5 + 16 : 0;
    const perMsg = Math.floor((MAX_MESSAGE - HEADER - 4 - g.attrs.length - mpOverhead) / plen);
    for (let done = 0; done < g.count; ) {
      const n = Math.min(perMsg, g.count - done);
      const attrLen = g.attrs.length + (v6 ? mpOverhead + n * plen : 0);
      const size = HEADER + 4 + attrLen + (v6 ? 0 : n * plen);
      const b = w.reserve(size);
      let o = w.off;
      header(b, o, size, MSG_UPDATE);
      o += HEADER;
      b.writeUInt16BE(0, o);
      b.writeUInt16BE(attrLen, o + 2);
      o += 4;
      o += g.attrs.copy(b, o);
      if (v6) {
        b[o] = 0x90; // optional, extended length
        b[o + 1] = 14;
        b.writeUInt16BE(5 + 16 + n * plen, o + 2);
        b.writeUInt16BE(AFI_IPV6, o + 4);
        b[o + 6] = SAFI_UNICAST;
        b[o + 7] = 16;
        for (let k = 0; k < 16; k++) b[o + 8 + k] = nextHopV6[k] ?? 0;
        b[o + 24] = 0;
        o += 25;
      }
      for (let k = 0; k < n; k++) o = writePrefix(b, o, v6, g.first + done + k);
      w.off = o;
      done += n;
      messages++;
    }
  }
  return messages;
}

/** Withdraw routes [0, count): IPv4 in the Withdrawn Routes field, IPv6 in MP_UNREACH_NLRI. */
export function packWithdrawals(w: ChunkWriter, v6: boolean, count: number): number {
  let messages = 0;
  const plen = v6 ? 17 : 5;
  const perMsg = Math.floor((MAX_MESSAGE - HEADER - 4 - (v6 ? 7 : 0)) / plen);
  for (let done = 0; done < count; ) {
    const n = Math.min(perMsg, count - done);
    const size = HEADER + 4 + (v6 ? 7 : 0) + n * plen;
    const b = w.reserve(size);
    let o = w.off;
    header(b, o, size, MSG_UPDATE);
    o += HEADER;
    if (!v6) {
      b.writeUInt16BE(n * plen, o);
      o += 2;
      for (let k = 0; k < n; k++) o = writePrefix(b, o, false, done + k);
      b.writeUInt16BE(0, o);
      o += 2;
    } else {
      b.writeUInt16BE(0, o);
      b.writeUInt16BE(7 + n * plen, o + 2);
      o += 4;
      b[o] = 0x90;
      b[o + 1] = 15;
      b.writeUInt16BE(3 + n * plen, o + 2);
      b.writeUInt16BE(AFI_IPV6, o + 4);
      b[o + 6] = SAFI_UNICAST;
      o += 7;
      for (let k = 0; k < n; k++) o = writePrefix(b, o, true, done + k);
    }
    w.off = o;
    done += n;
    messages++;
  }
  return messages;
}

/**
 * Counts the benchmark's routes in received UPDATEs: one byte per route index says whether the
 * route is currently announced, so re-announcements and duplicate withdrawals do not count twice.
 * Only prefixes of the scenario's length and range count; anything else is ignored.
 */
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

export class RouteCounter {
  readonly present: Uint8Array;
  /** Routes currently announced. */
  live = 0;
  /** Every NLRI seen, duplicates included. */
  announcedNlri = 0;
  withdrawnNlri = 0;
  updates = 0;
  private readonly fullLen: number;
  private readonly base: number;

  constructor(
    readonly routes: number,
    v6: boolean,
  ) {
    this.present = new Uint8Array(routes);
    this.fullLen = v6 ? 128 : 32;
    this.base = v6 ? 0 : V4_BASE;
  }

  /** The index of the /32 or /128 at `off` (its length octet), or -1. */
  private index(b: Buffer, off: number, bytes: number): number {
    if (b[off] !== this.fullLen) return -1;
    const i = (b.readUInt32BE(off + 1 + bytes - 4) - this.base) >>> 0;
    return i < this.routes ? i : -1;
  }

  private announce(b: Buffer, off: number, end: number): void {
    while (off < end) {
      const bytes = ((b[off] ?? 0) + 7) >> 3;
      const i = this.index(b, off, bytes);
      this.announcedNlri++;
      if (i >= 0 && this.present[i] === 0) {
        this.present[i] = 1;
        this.live++;
      }
      off += 1 + bytes;
    }
  }

  private withdraw(b: Buffer, off: number, end: number): void {
    while (off < end) {
      const bytes = ((b[off] ?? 0) + 7) >> 3;
      const i = this.index(b, off, bytes);
      this.withdrawnNlri++;
      if (i >= 0 && this.present[i] === 1) {
        this.present[i] = 0;
        this.live--;
      }
      off += 1 + bytes;
    }
  }

  private readonly onAttribute = (b: Buffer, type: number, v: number, end: number): void => {
    if (type === 14) this.announce(b, v + 4 + (b[v + 3] ?? 0) + 1, end);
    else if (type === 15) this.withdraw(b, v + 3, end);
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
