/**
 * The attach benchmark's monitor: a lean iBGP speaker over one raw TCP socket that LISTENS (the
 * real bagpipe-bgp only connects), the target's route reflector as far as the target can tell.
 *
 * - OPEN: AS 64512 (2-octet field, plus the 4-octet AS capability), hold time 180 (bagpipe-bgp
 *   drops sessions with a hold time of 30 s or less), multiprotocol l2vpn/evpn (25/70),
 *   ipv4/mpls-vpn (1/128) and ipv4/rtc (1/132).
 * - Once established: the default RT membership route (RFC 4684 §4, prefix length 0: "send me
 *   every VPN route") and End-of-RIB for the three families, KEEPALIVEs every 60 s.
 * - Every received EVPN route type 2 (MAC/IP advertisement, RFC 7432 §7.2) is reported with the
 *   time its bytes arrived (one performance.now() per socket read) through onMac(index, announced,
 *   t), where the index is the low 24 bits of a MAC in the benchmark's range (MAC_BASE).
 *   Anything else (type 3, VPN-IPv4, RTC) is only counted.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export const AFI_IPV4 = 1;
export const AFI_L2VPN = 25;
export const SAFI_EVPN = 70;
export const SAFI_MPLS_VPN = 128;
export const SAFI_RTC = 132;
export const FAMILIES: [number, number][] = [
  [AFI_L2VPN, SAFI_EVPN],
  [AFI_IPV4, SAFI_MPLS_VPN],
  [AFI_IPV4, SAFI_RTC],
];

/** The benchmark's MACs are 02:bb:00:00:00:00 + index (locally administered, unicast). */
export const MAC_BASE_HI = 0x02bb00;
export const MAX_MACS = 1 << 24;

export function macOf(index: number): string {
  const v = [0x02, 0xbb, 0x00, (index >>> 16) & 255, (index >>> 8) & 255, index & 255];
  return v.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

const HEADER = 19;

function header(b: Buffer, length: number, type: number): void {
  b.fill(0xff, 0, 16);
  b.writeUInt16BE(length, 16);
  b[18] = type;
}

function message(type: number, body: number[]): Buffer {
  const b = Buffer.alloc(HEADER + body.length);
  header(b, b.length, type);
  Buffer.from(body).copy(b, HEADER);
  return b;
}

export function keepalive(): Buffer {
  return message(4, []);
}

function ipv4(a: string): number[] {
  return a.split('.').map(Number);
}

export function open(asn: number, holdTime: number, routerId: string): Buffer {
  const caps: number[] = [];
  for (const [afi, safi] of FAMILIES) caps.push(1, 4, afi >> 8, afi & 255, 0, safi);
  caps.push(65, 4, asn >>> 24, (asn >>> 16) & 255, (asn >>> 8) & 255, asn & 255);
  const params = [2, caps.length, ...caps];
  return message(1, [4, asn >> 8, asn & 255, holdTime >> 8, holdTime & 255, ...ipv4(routerId), params.length, ...params]);
}

/** ORIGIN IGP, empty AS_PATH, LOCAL_PREF 100, MP_REACH_NLRI ipv4/rtc with the default route (length 0). */
export function defaultRtc(nextHop: string): Buffer {
  const mp = [0, AFI_IPV4, SAFI_RTC, 4, ...ipv4(nextHop), 0, 0];
  const attrs = [0x40, 1, 1, 0, 0x40, 2, 0, 0x40, 5, 4, 0, 0, 0, 100, 0x80, 14, mp.length, ...mp];
  return message(2, [0, 0, attrs.length >> 8, attrs.length & 255, ...attrs]);
}

/** RFC 4724 §2: End-of-RIB for a multiprotocol family is an empty MP_UNREACH_NLRI. */
export function endOfRib(afi: number, safi: number): Buffer {
  return message(2, [0, 0, 0, 6, 0x80, 15, 3, afi >> 8, afi & 255, safi]);
}

export interface MonitorOptions {
  asn: number;
  routerId: string;
  holdTime: number;
  /** An EVPN type-2 route of the benchmark's MAC `index`, announced or withdrawn, whose bytes arrived at `t`. */
  onMac: (index: number, announced: boolean, t: number) => void;
}

export class Monitor {
  readonly established: Promise<void>;
  /** Rejects when the session ends (NOTIFICATION, socket closed or error) before close(). */
  readonly failed: Promise<never>;
  /** Counters of everything received. */
  updates = 0;
  type2Announced = 0;
  type2Withdrawn = 0;
  otherEvpn = 0;
  otherNlri = 0;
  private server: Server | undefined;
  private socket: Socket | undefined;
  private pending: Buffer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private isEstablished = false;
  private closing = false;
  private resolveEstablished!: () => void;
  private rejectEstablished!: (e: Error) => void;
  private rejectFailed!: (e: Error) => void;
  private now = 0;

  constructor(readonly o: MonitorOptions) {
    this.established = new Promise<void>((res, rej) => {
      this.resolveEstablished = res;
      this.rejectEstablished = rej;
    });
    this.failed = new Promise<never>((_, rej) => (this.rejectFailed = rej));
    this.established.catch(() => undefined);
    this.failed.catch(() => undefined);
  }

  /** Listen on address:179; the first connection is the session (later ones are refused). */
  listen(address: string, port = 179): Promise<void> {
    return new Promise((res, rej) => {
      const server = createServer((s) => {
        if (this.socket !== undefined) {
          s.destroy();
          return;
        }
        this.attach(s);
      });
      this.server = server;
      server.once('error', rej);
      server.listen(port, address, () => res());
    });
  }

  close(): void {
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    this.server?.close();
    this.socket?.destroy();
  }

  private attach(s: Socket): void {
    this.socket = s;
    s.setNoDelay(true);
    s.on('data', (chunk: Buffer) => this.receive(chunk));
    s.on('error', (e) => this.fail(new Error(`monitor: ${e.message}`)));
    s.on('close', () => this.fail(new Error('monitor: connection closed by the target')));
    s.write(open(this.o.asn, this.o.holdTime, this.o.routerId));
  }

  private fail(e: Error): void {
    if (this.closing) return;
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    this.socket?.destroy();
    if (!this.isEstablished) this.rejectEstablished(e);
    this.rejectFailed(e);
  }

  private receive(chunk: Buffer): void {
    this.now = performance.now();
    let b = chunk;
    if (this.pending !== undefined) {
      b = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    let off = 0;
    while (off + HEADER <= b.length) {
      const len = b.readUInt16BE(off + 16);
      if (len < HEADER) return this.fail(new Error(`monitor: bad message length ${len}`));
      if (off + len > b.length) break;
      const type = b[off + 18];
      if (type === 2) this.update(b, off, off + len);
      else if (type === 1) this.onOpen(b, off);
      else if (type === 4 && !this.isEstablished) {
        this.isEstablished = true;
        const s = this.socket;
        if (s !== undefined) {
          s.write(defaultRtc(this.o.routerId));
          for (const [afi, safi] of FAMILIES) s.write(endOfRib(afi, safi));
        }
        this.resolveEstablished();
      } else if (type === 3) {
        const code = b[off + 19] ?? 0;
        const sub = b[off + 20] ?? 0;
        return this.fail(new Error(`monitor: NOTIFICATION ${code}/${sub} ${b.subarray(off + 21, off + len).toString('hex')}`));
      }
      off += len;
    }
    if (off < b.length) this.pending = Buffer.from(b.subarray(off));
  }

  private onOpen(b: Buffer, off: number): void {
    const hold = Math.min(b.readUInt16BE(off + 22), this.o.holdTime);
    this.socket?.write(keepalive());
    if (hold > 0) {
      this.timer = setInterval(() => this.socket?.write(keepalive()), Math.max(1, Math.floor(hold / 3)) * 1000);
      this.timer.unref();
    }
  }

  private update(b: Buffer, start: number, end: number): void {
    this.updates++;
    let o = start + HEADER;
    const wlen = b.readUInt16BE(o);
    if (wlen > 0) this.otherNlri++;
    o += 2 + wlen;
    const alen = b.readUInt16BE(o);
    o += 2;
    const aend = o + alen;
    while (o < aend) {
      const flags = b[o] ?? 0;
      const type = b[o + 1];
      const ext = (flags & 0x10) !== 0;
      const len = ext ? b.readUInt16BE(o + 2) : (b[o + 2] ?? 0);
      const v = o + (ext ? 4 : 3);
      if (type === 14 || type === 15) {
        const afi = b.readUInt16BE(v);
        const safi = b[v + 2];
        if (afi === AFI_L2VPN && safi === SAFI_EVPN) {
          const nlri = type === 14 ? v + 4 + (b[v + 3] ?? 0) + 1 : v + 3;
          this.evpn(b, nlri, v + len, type === 14);
        } else if (len > (type === 14 ? 5 : 3)) this.otherNlri++;
      }
      o = v + len;
    }
    if (aend < end) this.otherNlri++;
  }

  /** EVPN NLRI: route type (1), length (1), value; type 2: RD 8, ESI 10, tag 4, MAC length 1, MAC 6, … */
  private evpn(b: Buffer, off: number, end: number, announced: boolean): void {
    while (off + 2 <= end) {
      const rtype = b[off];
      const len = b[off + 1] ?? 0;
      const v = off + 2;
      if (rtype === 2 && len >= 29 && b[v + 22] === 48) {
        const hi = b.readUIntBE(v + 23, 3);
        const index = b.readUIntBE(v + 26, 3);
        if (hi === MAC_BASE_HI) {
          if (announced) this.type2Announced++;
          else this.type2Withdrawn++;
          this.o.onMac(index, announced, this.now);
        } else this.otherEvpn++;
      } else this.otherEvpn++;
      off = v + len;
    }
  }
}
