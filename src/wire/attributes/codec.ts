/**
 * What every attribute codec shares: the mutable record an UPDATE's attributes are decoded
 * into, the RFC 7606 outcome of a malformed attribute, and the attribute header writer.
 *
 * Attribute header (RFC 4271 §4.3):
 *   +---------------+---------------+-------------------------------+
 *   | Attr. Flags   |Attr. Type Code| Length (1, or 2 if Extended)  |
 *   +---------------+---------------+-------------------------------+
 */
import type { Family } from '../family.js';
import type { CodecContext } from '../messages.js';
import type { Nlri } from '../nlri/types.js';
import type { PackedPrefixes } from '../nlri/prefix.js';
import { AttrFlag, type Aggregator, type AsPathSegment, type PathAttributes, type PmsiTunnel, type RawAttribute, type LargeCommunity } from './types.js';

/** RFC 7606 §2 approaches, weakest first; the strongest one met wins (§3 h). */
export const Outcome = { Ok: 0, Discard: 1, Withdraw: 2 } as const;

/** Everything one UPDATE's attributes said, before it becomes an immutable PathAttributes. */
export class DecodedAttributes {
  origin: number | undefined = undefined;
  asPath: AsPathSegment[] | undefined = undefined;
  nextHop: string | undefined = undefined;
  med: number | undefined = undefined;
  localPref: number | undefined = undefined;
  atomicAggregate = false;
  aggregator: Aggregator | undefined = undefined;
  communities: number[] | undefined = undefined;
  extCommunities: bigint[] | undefined = undefined;
  largeCommunities: LargeCommunity[] | undefined = undefined;
  originatorId: string | undefined = undefined;
  clusterList: string[] | undefined = undefined;
  pmsiTunnel: PmsiTunnel | undefined = undefined;
  unknown: RawAttribute[] | undefined = undefined;
  as4Path: AsPathSegment[] | undefined = undefined;
  as4Aggregator: Aggregator | undefined = undefined;
  /** RFC 4760 §5: NEXT_HOP only matters when the NLRI field is not empty, so its error waits. */
  nextHopError: string | undefined = undefined;
  mpReach: { family: Family; nextHop: string; linkLocal: string | undefined; nlri: NlriField } | undefined = undefined;
  mpUnreach: { family: Family; nlri: NlriField } | undefined = undefined;
  /** RFC 7606 attribute discards and other attributes left out, for UpdateMessage.discarded. */
  discarded: { code: number; reason: string }[] | undefined = undefined;

  /** RFC 7606 treat-as-withdraw: the first reason met, undefined while there is none. */
  treatAsWithdraw: string | undefined = undefined;

  discard(code: number, reason: string): void {
    (this.discarded ??= []).push({ code, reason });
  }

  withdraw(reason: string): void {
    this.treatAsWithdraw ??= reason;
  }
}

/**
 * One attribute's decoder: reads the value in buf[start, start + length) into `d`, or returns
 * why the value is malformed (the registry knows which RFC 7606 approach that calls for).
 * Throws BgpError only where RFC 7606 keeps a session reset (MP_REACH_NLRI, MP_UNREACH_NLRI).
 */
/** An NLRI field as decoded: objects, or unicast NLRI left packed (CodecContext.packUnicast). */
export type NlriField = readonly Nlri[] | PackedPrefixes;

export function fieldCount(f: NlriField): number {
  return Array.isArray(f) ? f.length : (f as PackedPrefixes).count;
}

export type AttrDecoder = (buf: Buffer, start: number, length: number, d: DecodedAttributes, ctx: CodecContext) => string | undefined;

/** One attribute's encoder: writes the whole attribute (header included) at `o` when `a` has
 *  it, and returns the offset after it (`o` when there is nothing to write). */
export type AttrEncoder = (a: PathAttributes, ctx: CodecContext, buf: Buffer, o: number) => number;

/** Value of an attribute being written starts 4 octets in: room for an extended header. */
export const VALUE_OFFSET = 4;

/** Writes the header of the attribute whose value was written at [start + 4, end), shrinking
 *  it to the 3-octet form when the value fits in 255 octets. Returns the end offset. */
export function finishAttr(buf: Buffer, start: number, flags: number, code: number, end: number): number {
  const length = end - start - VALUE_OFFSET;
  if (length > 255) {
    buf[start] = flags | AttrFlag.ExtendedLength;
    buf[start + 1] = code;
    buf.writeUInt16BE(length, start + 2);
    return end;
  }
  buf[start] = flags & ~AttrFlag.ExtendedLength;
  buf[start + 1] = code;
  buf[start + 2] = length;
  buf.copyWithin(start + 3, start + 4, end);
  return end - 1;
}

export const WELL_KNOWN = AttrFlag.Transitive;
export const OPTIONAL = AttrFlag.Optional;
export const OPTIONAL_TRANSITIVE = AttrFlag.Optional | AttrFlag.Transitive;
