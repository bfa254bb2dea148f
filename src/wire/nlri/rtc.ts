/**
 * Route Target membership NLRI (RFC 4684 §4): AFI 1, SAFI 132.
 *
 *   +-------------------------------+
 *   | Length (1 octet)              |   bits: 0, or 32 to 96
 *   +-------------------------------+
 *   | Origin AS (4 octets)          |
 *   +-------------------------------+
 *   | Route Target (8 octets)       |   a prefix of the extended community: length - 32 bits
 *   +-------------------------------+
 *
 * Length 0 is the default route (every route target, RFC 4684 §3.2); 32 is the origin AS with
 * every route target; 96 is one route target. The key is the wire form with the bits past the
 * length cleared, as for unicast prefixes. A length of 1–31 or over 96 cannot be parsed into
 * these fields: Invalid Network Field (a session reset in MP_REACH_NLRI, RFC 7606 §7.11).
 *
 * Text (gobgp's for 96 bits): `65001:65000:1`, `65001:192.0.2.1:5`, `65001:default` (32 bits),
 * `default` (0 bits), `65001:0x0002fde800000000/64` for other lengths.
 */
import { BgpError, ErrorCode, UpdateSubcode } from '../errors.js';
import { RTC } from '../family.js';
import { formatExtCommunity, parseExtCommunity } from '../attributes/ext-communities.js';
import { nextHopCodec } from './next-hops.js';
import type { Nlri, NlriCodec } from './types.js';

export interface RtcRoute extends Nlri {
  /** Bits: 0, or 32 to 96. */
  readonly length: number;
  /** 0 for the default route. */
  readonly originAs: number;
  /** The route target's first `length - 32` bits, the rest zero; absent when length ≤ 32. */
  readonly routeTarget?: bigint;
}

function invalid(message: string): BgpError {
  return new BgpError(ErrorCode.UpdateMessage, UpdateSubcode.InvalidNetworkField, `RTC: ${message}`);
}

const scratch = Buffer.alloc(13);

/** The route of the 1 + ceil(length / 8) octets in scratch, host bits cleared. */
function fromScratch(length: number): RtcRoute {
  const n = (length + 7) >> 3;
  scratch[0] = length;
  if (length & 7) scratch[n] = scratch[n]! & (0xff << (8 - (length & 7)));
  scratch.fill(0, 1 + n);
  const key = scratch.toString('latin1', 0, 1 + n);
  if (length === 0) return { key, length, originAs: 0 };
  const originAs = scratch.readUInt32BE(1);
  if (length === 32) return { key, length, originAs };
  return { key, length, originAs, routeTarget: scratch.readBigUInt64BE(5) };
}

/** An RTC route: `rtcRoute()` is the default route; length defaults to 96 with a route target,
 *  32 without. */
export function rtcRoute(originAs?: number, routeTarget?: bigint, length?: number): RtcRoute {
  if (originAs === undefined) return fromScratch(0);
  const bits = length ?? (routeTarget === undefined ? 32 : 96);
  if (!Number.isInteger(originAs) || originAs < 0 || originAs > 0xffffffff) throw new Error(`invalid origin AS ${originAs}`);
  if (!Number.isInteger(bits) || (bits !== 0 && (bits < 32 || bits > 96))) throw new Error(`invalid RTC length ${bits}`);
  if (bits > 32 && routeTarget === undefined) throw new Error(`RTC length ${bits} needs a route target`);
  scratch.writeUInt32BE(originAs, 1);
  scratch.writeBigUInt64BE(BigInt.asUintN(64, routeTarget ?? 0n), 5);
  return fromScratch(bits);
}

export const RTC_DEFAULT: RtcRoute = rtcRoute();

/** RFC 4684 §4: does the membership route `r` ask for routes carrying route target `rt`? */
export function rtcMatches(r: RtcRoute, rt: bigint): boolean {
  if (r.length <= 32) return true;
  const drop = BigInt(96 - r.length);
  return BigInt.asUintN(64, rt) >> drop === r.routeTarget! >> drop;
}

function rtText(rt: bigint): string {
  const text = formatExtCommunity(rt);
  return text.startsWith('rt:') ? text.slice(3) : '0x' + rt.toString(16).padStart(16, '0');
}

export function formatRtc(r: RtcRoute): string {
  if (r.length === 0) return 'default';
  if (r.length === 32) return `${r.originAs}:default`;
  if (r.length === 96) return `${r.originAs}:${rtText(r.routeTarget!)}`;
  return `${r.originAs}:0x${r.routeTarget!.toString(16).padStart(16, '0')}/${r.length}`;
}

export function parseRtc(text: string): RtcRoute {
  const t = text.trim();
  const fail = (why: string) => new Error(`invalid RTC route ${JSON.stringify(text)}: ${why}`);
  if (t === 'default' || t === '0:default') return RTC_DEFAULT;
  const m = /^(\d{1,10}):(.+)$/.exec(t);
  if (!m) throw fail('expected <origin AS>:<route target>');
  const asn = Number(m[1]);
  const rest = m[2]!;
  try {
    if (rest === 'default') return rtcRoute(asn);
    const partial = /^0x([0-9a-fA-F]{1,16})\/(\d+)$/.exec(rest);
    if (partial) return rtcRoute(asn, BigInt('0x' + partial[1]), Number(partial[2]));
    return rtcRoute(asn, parseExtCommunity(/^0x/i.test(rest) ? rest : 'rt:' + rest));
  } catch (err) {
    throw fail((err as Error).message);
  }
}

export const rtcCodec: NlriCodec<RtcRoute> = {
  family: RTC,
  decode(buf, start, end) {
    const out: RtcRoute[] = [];
    let o = start;
    while (o < end) {
      const length = buf[o]!;
      if (length !== 0 && (length < 32 || length > 96)) throw invalid(`prefix length ${length}`);
      const n = (length + 7) >> 3;
      if (o + 1 + n > end) throw invalid(`route of ${length} bits overruns the field`);
      buf.copy(scratch, 1, o + 1, o + 1 + n);
      out.push(fromScratch(length));
      o += 1 + n;
    }
    return out;
  },
  encodedLength: (r) => r.key.length,
  encode(r, buf, offset) {
    const key = r.key;
    for (let i = 0; i < key.length; i++) buf[offset + i] = key.charCodeAt(i);
    return offset + key.length;
  },
  format: formatRtc,
  parse: parseRtc,
  ...nextHopCodec(0, true, 'RTC'),
};
