/**
 * The path attribute table: code → name, flags, RFC 7606 handling, decoder, encoder, text.
 * update-decode.ts and update-encode.ts walk this table instead of switching on codes, as
 * BIRD's bgp_attr_table does.
 */
import type { CodecContext } from '../messages.js';
import { AttrCode, AttrFlag, type PathAttributes, type RawAttribute } from './types.js';
import { OPTIONAL, OPTIONAL_TRANSITIVE, Outcome, WELL_KNOWN, finishAttr, VALUE_OFFSET, type AttrDecoder, type AttrEncoder } from './codec.js';
import { decodeOrigin, encodeOrigin, formatOrigin } from './origin.js';
import { decodeAs4Path, decodeAsPath, encodeAs4Path, encodeAsPath, formatAsPath } from './as-path.js';
import { decodeNextHop, encodeNextHop } from './next-hop.js';
import { decodeLocalPref, decodeMed, encodeLocalPref, encodeMed } from './metrics.js';
import { decodeAggregator, decodeAs4Aggregator, decodeAtomicAggregate, encodeAggregator, encodeAs4Aggregator, encodeAtomicAggregate } from './aggregate.js';
import { decodeCommunities, encodeCommunities, formatCommunity } from './communities.js';
import { decodeClusterList, decodeOriginatorId, encodeClusterList, encodeOriginatorId } from './reflection.js';
import { decodeMpReach, decodeMpUnreach } from './mp.js';
import { decodeExtCommunities, encodeExtCommunities, formatExtCommunity } from './ext-communities.js';
import { decodePmsiTunnel, encodePmsiTunnel, formatPmsiTunnel } from './pmsi-tunnel.js';
import { decodeLargeCommunities, encodeLargeCommunities, formatLargeCommunity } from './large-communities.js';

export interface AttributeSpec {
  readonly code: number;
  readonly name: string;
  /** The Optional and Transitive bits the attribute must carry (RFC 7606 §3 c). */
  readonly flags: number;
  /** RFC 7606 approach for a malformed value (§7) or wrong flags. */
  readonly malformed: typeof Outcome.Discard | typeof Outcome.Withdraw;
  /** Attribute discard when received from an external peer (RFC 7606 §7.5, §7.9, §7.10). */
  readonly ibgpOnly?: boolean;
  readonly decode: AttrDecoder;
  /** Absent for NEXT_HOP (written only with an NLRI field) and the MP attributes. */
  readonly encode?: AttrEncoder;
  /** Text of the attribute's value in `a`, undefined when `a` does not carry it. */
  readonly format?: (a: PathAttributes) => string | undefined;
}

const D = Outcome.Discard;
const W = Outcome.Withdraw;

const join = <T>(list: readonly T[] | undefined, f: (x: T) => string) => (list && list.length ? list.map(f).join(' ') : undefined);

export const ATTRIBUTES: readonly AttributeSpec[] = [
  { code: AttrCode.Origin, name: 'ORIGIN', flags: WELL_KNOWN, malformed: W, decode: decodeOrigin, encode: encodeOrigin, format: (a) => formatOrigin(a.origin) },
  { code: AttrCode.AsPath, name: 'AS_PATH', flags: WELL_KNOWN, malformed: W, decode: decodeAsPath, encode: encodeAsPath, format: (a) => formatAsPath(a.asPath) },
  { code: AttrCode.NextHop, name: 'NEXT_HOP', flags: WELL_KNOWN, malformed: W, decode: decodeNextHop, format: (a) => a.nextHop },
  { code: AttrCode.MultiExitDisc, name: 'MULTI_EXIT_DISC', flags: OPTIONAL, malformed: W, decode: decodeMed, encode: encodeMed, format: (a) => a.med?.toString() },
  { code: AttrCode.LocalPref, name: 'LOCAL_PREF', flags: WELL_KNOWN, malformed: W, ibgpOnly: true, decode: decodeLocalPref, encode: encodeLocalPref, format: (a) => a.localPref?.toString() },
  { code: AttrCode.AtomicAggregate, name: 'ATOMIC_AGGREGATE', flags: WELL_KNOWN, malformed: D, decode: decodeAtomicAggregate, encode: encodeAtomicAggregate, format: (a) => (a.atomicAggregate ? '' : undefined) },
  { code: AttrCode.Aggregator, name: 'AGGREGATOR', flags: OPTIONAL_TRANSITIVE, malformed: D, decode: decodeAggregator, encode: encodeAggregator, format: (a) => (a.aggregator ? `${a.aggregator.asn}:${a.aggregator.address}` : undefined) },
  { code: AttrCode.Communities, name: 'COMMUNITIES', flags: OPTIONAL_TRANSITIVE, malformed: W, decode: decodeCommunities, encode: encodeCommunities, format: (a) => join(a.communities, formatCommunity) },
  { code: AttrCode.OriginatorId, name: 'ORIGINATOR_ID', flags: OPTIONAL, malformed: W, ibgpOnly: true, decode: decodeOriginatorId, encode: encodeOriginatorId, format: (a) => a.originatorId },
  { code: AttrCode.ClusterList, name: 'CLUSTER_LIST', flags: OPTIONAL, malformed: W, ibgpOnly: true, decode: decodeClusterList, encode: encodeClusterList, format: (a) => join(a.clusterList, (x) => x) },
  { code: AttrCode.MpReachNlri, name: 'MP_REACH_NLRI', flags: OPTIONAL, malformed: W, decode: decodeMpReach },
  { code: AttrCode.MpUnreachNlri, name: 'MP_UNREACH_NLRI', flags: OPTIONAL, malformed: W, decode: decodeMpUnreach },
  { code: AttrCode.ExtendedCommunities, name: 'EXTENDED_COMMUNITIES', flags: OPTIONAL_TRANSITIVE, malformed: W, decode: decodeExtCommunities, encode: encodeExtCommunities, format: (a) => join(a.extCommunities, formatExtCommunity) },
  // RFC 6793 §6: AS4_PATH and AS4_AGGREGATOR errors, flags included, are attribute discard.
  { code: AttrCode.As4Path, name: 'AS4_PATH', flags: OPTIONAL_TRANSITIVE, malformed: D, decode: decodeAs4Path, encode: encodeAs4Path },
  { code: AttrCode.As4Aggregator, name: 'AS4_AGGREGATOR', flags: OPTIONAL_TRANSITIVE, malformed: D, decode: decodeAs4Aggregator, encode: encodeAs4Aggregator },
  { code: AttrCode.PmsiTunnel, name: 'PMSI_TUNNEL', flags: OPTIONAL_TRANSITIVE, malformed: W, decode: decodePmsiTunnel, encode: encodePmsiTunnel, format: (a) => (a.pmsiTunnel ? formatPmsiTunnel(a.pmsiTunnel) : undefined) },
  { code: AttrCode.LargeCommunities, name: 'LARGE_COMMUNITY', flags: OPTIONAL_TRANSITIVE, malformed: W, decode: decodeLargeCommunities, encode: encodeLargeCommunities, format: (a) => join(a.largeCommunities, formatLargeCommunity) },
];

/** Indexed by type code, for the decoder's one lookup per attribute. */
export const ATTRIBUTE_BY_CODE: readonly (AttributeSpec | undefined)[] = (() => {
  const table = new Array<AttributeSpec | undefined>(256).fill(undefined);
  for (const spec of ATTRIBUTES) table[spec.code] = spec;
  return table;
})();

export function attributeName(code: number): string {
  return ATTRIBUTE_BY_CODE[code]?.name ?? `ATTR_${code}`;
}

/** [name, text] of every attribute `a` carries, in type code order (looking glass, logs). */
export function formatAttributes(a: PathAttributes): [string, string][] {
  const out: [string, string][] = [];
  for (const spec of ATTRIBUTES) {
    const text = spec.format?.(a);
    if (text !== undefined) out.push([spec.name, text]);
  }
  for (const u of a.unknown ?? []) out.push([attributeName(u.code), '0x' + u.value.toString('hex')]);
  return out;
}

const NO_UNKNOWN: readonly RawAttribute[] = [];

/**
 * Writes every attribute of `a` except MP_REACH_NLRI, in ascending type code order, at `o`;
 * NEXT_HOP only when `withNextHop` (IPv4 NLRI field). Returns the offset after the last.
 *
 * RFC 4271 §5: an unrecognized optional transitive attribute is passed on with the Partial bit
 * set; an unrecognized non-transitive one is quietly ignored and not passed along.
 */
export function writeAttributes(a: PathAttributes, ctx: CodecContext, withNextHop: boolean, buf: Buffer, o: number): number {
  const unknown = a.unknown && a.unknown.length ? [...a.unknown].sort((x, y) => x.code - y.code) : NO_UNKNOWN;
  let u = 0;
  for (let s = 0; s <= ATTRIBUTES.length; s++) {
    const spec = ATTRIBUTES[s];
    const below = spec ? spec.code : 256;
    for (; u < unknown.length && unknown[u]!.code < below; u++) o = writeUnknown(unknown[u]!, buf, o);
    if (!spec) break;
    if (spec.code === AttrCode.NextHop) {
      if (withNextHop) o = encodeNextHop(a, ctx, buf, o);
    } else if (spec.encode) {
      o = spec.encode(a, ctx, buf, o);
    }
  }
  return o;
}

function writeUnknown(attr: RawAttribute, buf: Buffer, o: number): number {
  // A known code kept raw would be sent twice, and a non-transitive one must not leave.
  if (ATTRIBUTE_BY_CODE[attr.code] || !(attr.flags & AttrFlag.Optional) || !(attr.flags & AttrFlag.Transitive)) return o;
  attr.value.copy(buf, o + VALUE_OFFSET);
  return finishAttr(buf, o, attr.flags | AttrFlag.Partial, attr.code, o + VALUE_OFFSET + attr.value.length);
}
