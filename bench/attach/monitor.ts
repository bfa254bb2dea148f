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
import type { Server } from 'node:net';
import { performance } from 'node:perf_hooks';
import { listenOnce, Speaker } from '../propagation/speaker.js';
import { AFI_IPV4, AFI_L2VPN, MAC_BASE_HI, SAFI_EVPN, endOfRib, evpnMacIndex, forEachAttribute, ipv4Bytes } from '../propagation/wire.js';

export { AFI_L2VPN, MAX_MACS, SAFI_EVPN } from '../propagation/wire.js';
export const SAFI_MPLS_VPN = 128;
export const SAFI_RTC = 132;
export const FAMILIES: [number, number][] = [
  [AFI_L2VPN, SAFI_EVPN],
  [AFI_IPV4, SAFI_MPLS_VPN],
  [AFI_IPV4, SAFI_RTC],
];

/** The benchmark's MAC of `index`: MAC_BASE_HI (02:bb:00) + 24-bit index. */
export function macOf(index: number): string {
  const v = [MAC_BASE_HI >> 16, (MAC_BASE_HI >> 8) & 255, MAC_BASE_HI & 255, (index >>> 16) & 255, (index >>> 8) & 255, index & 255];
  return v.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

const HEADER = 19;

/** ORIGIN IGP, empty AS_PATH, LOCAL_PREF 100, MP_REACH_NLRI ipv4/rtc with the default route (length 0). */
export function defaultRtc(nextHop: string): Buffer {
  const mp = [0, AFI_IPV4, SAFI_RTC, 4, ...ipv4Bytes(nextHop), 0, 0];
  const attrs = [0x40, 1, 1, 0, 0x40, 2, 0, 0x40, 5, 4, 0, 0, 0, 100, 0x80, 14, mp.length, ...mp];
  const body = [0, 0, attrs.length >> 8, attrs.length & 255, ...attrs];
  const b = Buffer.alloc(HEADER + body.length, 0xff);
  b.writeUInt16BE(b.length, 16);
  b[18] = 2;
  Buffer.from(body).copy(b, HEADER);
  return b;
}

export interface MonitorOptions {
  asn: number;
  routerId: string;
  holdTime: number;
  /** An EVPN type-2 route of the benchmark's MAC `index`, announced or withdrawn, whose bytes arrived at `t`. */
  onMac: (index: number, announced: boolean, t: number) => void;
}

/** The propagation benchmark's Speaker, listening, with the EVPN type-2 walk on top. */
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
  private readonly speaker: Speaker;
  private server: Server | undefined;
  private now = 0;

  constructor(readonly o: MonitorOptions) {
    this.speaker = new Speaker({
      label: 'monitor',
      asn: o.asn,
      routerId: o.routerId,
      families: FAMILIES,
      holdTime: o.holdTime,
      // One clock reading per socket read: every route in it arrived then.
      onReceive: () => (this.now = performance.now()),
      onUpdate: (b, start, end) => this.update(b, start, end),
    });
    this.failed = this.speaker.failed;
    this.established = this.speaker.established.then(() => {
      // RFC 4684 §4: the default RT membership route asks for every VPN route; then End-of-RIB.
      const s = this.speaker.socket;
      s?.write(defaultRtc(o.routerId));
      for (const [afi, safi] of FAMILIES) s?.write(endOfRib(afi, safi));
    });
    this.established.catch(() => undefined);
  }

  /** Listen on address:179; the first connection is the session (the listener closes then). */
  async listen(address: string, port = 179): Promise<void> {
    this.server = await listenOnce(this.speaker, address, port);
  }

  close(): void {
    this.server?.close();
    this.speaker.close();
  }

  private readonly onAttribute = (b: Buffer, type: number, v: number, end: number): void => {
    if (type !== 14 && type !== 15) return;
    if (b.readUInt16BE(v) === AFI_L2VPN && b[v + 2] === SAFI_EVPN) {
      const nlri = type === 14 ? v + 4 + (b[v + 3] ?? 0) + 1 : v + 3;
      this.evpn(b, nlri, end, type === 14);
    } else if (end - v > (type === 14 ? 5 : 3)) this.otherNlri++;
  };

  private update(b: Buffer, start: number, end: number): void {
    this.updates++;
    let o = start + HEADER;
    const wlen = b.readUInt16BE(o);
    if (wlen > 0) this.otherNlri++;
    o += 2 + wlen;
    const aend = o + 2 + b.readUInt16BE(o);
    forEachAttribute(b, o + 2, aend, this.onAttribute);
    if (aend < end) this.otherNlri++;
  }

  /** EVPN NLRI: route type (1), length (1), value (evpnMacIndex finds the type-2 MACs). */
  private evpn(b: Buffer, off: number, end: number, announced: boolean): void {
    while (off + 2 <= end) {
      const index = evpnMacIndex(b, off);
      if (index >= 0) {
        if (announced) this.type2Announced++;
        else this.type2Withdrawn++;
        this.o.onMac(index, announced, this.now);
      } else this.otherEvpn++;
      off += 2 + (b[off + 1] ?? 0);
    }
  }
}
