/**
 * UPDATE decoding (RFC 4271 §4.3) with the error handling of RFC 7606.
 *
 *   +-----------------------------------------------------+
 *   |   Withdrawn Routes Length (2 octets)                |
 *   +-----------------------------------------------------+
 *   |   Withdrawn Routes (variable)                       |
 *   +-----------------------------------------------------+
 *   |   Total Path Attribute Length (2 octets)            |
 *   +-----------------------------------------------------+
 *   |   Path Attributes (variable)                        |
 *   +-----------------------------------------------------+
 *   |   Network Layer Reachability Information (variable) |
 *   +-----------------------------------------------------+
 *
 * Outcomes: a BgpError (session reset) only where RFC 7606 keeps one — the fields cannot be
 * located, NLRI cannot be parsed, MP_REACH/MP_UNREACH malformed or repeated, an unrecognized
 * well-known attribute. Otherwise the UpdateMessage says what happened: `treatAsWithdraw`
 * (every announced NLRI moved to `withdrawn`) or `discarded` attributes.
 *
 * One UPDATE costs one attribute object per announced family, shared by all its NLRI, and one
 * small object and key string per NLRI — or, with CodecContext.packUnicast (the daemon's
 * sessions), none per IPv4 / IPv6 unicast NLRI: those stay in wire form (prefix.ts
 * PackedPrefixes), checked as decode checks them.
 */
import { BgpError, ErrorCode, UpdateSubcode } from './errors.js';
import { IPV4_UNICAST, type Family } from './family.js';
import { AS_TRANS, PackedAnnouncement, PackedWithdrawal, type Announcement, type CodecContext, type UpdateMessage, type Withdrawal } from './messages.js';
import { ipv4UnicastCodec, PackedPrefixes } from './nlri/prefix.js';
import type { Nlri } from './nlri/types.js';
import { AttrCode, AttrFlag, type PathAttributes } from './attributes/types.js';
import { DecodedAttributes, fieldCount, Outcome, type NlriField } from './attributes/codec.js';
import { ATTRIBUTE_BY_CODE } from './attributes/registry.js';
import { mergeAs4Path } from './attributes/as-path.js';

type Writable<T> = { -readonly [K in keyof T]: T[K] };

const NONE: readonly never[] = Object.freeze([]);
const IPV4_END_OF_RIB: UpdateMessage = Object.freeze({ announced: NONE, withdrawn: NONE, endOfRib: IPV4_UNICAST, discarded: NONE });

/** Which attribute codes this UPDATE has shown so far (RFC 7606 §3 g duplicates). Reset per
 *  call; decoding is synchronous, so one table serves every session. */
const seen = new Uint8Array(256);

function malformedList(message: string): BgpError {
  return new BgpError(ErrorCode.UpdateMessage, UpdateSubcode.MalformedAttributeList, message);
}

/** `body` is the message after the header. */
export function decodeUpdate(body: Buffer, ctx: CodecContext): UpdateMessage {
  const length = body.length;
  // RFC 4271 §6.3: field lengths that do not add up are a Malformed Attribute List.
  if (length < 4) throw malformedList(`UPDATE body of ${length} octets`);
  const withdrawnLength = body.readUInt16BE(0);
  if (4 + withdrawnLength > length) throw malformedList(`withdrawn routes length ${withdrawnLength} overruns the message`);
  const attrStart = 4 + withdrawnLength;
  const attrEnd = attrStart + body.readUInt16BE(2 + withdrawnLength);
  if (attrEnd > length) throw malformedList(`total path attribute length ${attrEnd - attrStart} overruns the message`);
  // RFC 4724 §2: an UPDATE with nothing in it is the IPv4 unicast End-of-RIB marker.
  if (length === 4) return IPV4_END_OF_RIB;

  // RFC 4271 §6.3 / RFC 7606 §5.3: NLRI that cannot be parsed is Invalid Network Field.
  const v4 = ipv4UnicastCodec;
  const pack = ctx.packUnicast === true;
  const withdrawnV4: NlriField = withdrawnLength === 0 ? NONE : pack ? v4.pack!(body, 2, attrStart - 2) : v4.decode(body, 2, attrStart - 2);
  const nlriV4: NlriField = attrEnd === length ? NONE : pack ? v4.pack!(body, attrEnd, length) : v4.decode(body, attrEnd, length);
  const v4Count = fieldCount(nlriV4);

  const d = new DecodedAttributes();

  seen.fill(0);
  let attrCount = 0;
  let o = attrStart;
  while (o < attrEnd) {
    const flags = body[o]!;
    const headerLength = flags & AttrFlag.ExtendedLength ? 4 : 3;
    if (attrEnd - o < headerLength || o + headerLength + attrValueLength(body, o, flags) > attrEnd) {
      // RFC 7606 §4: an attribute overrunning Total Path Attribute Length is treat-as-withdraw,
      // the NLRI field being found from that total — but only when no MP_REACH/MP_UNREACH can
      // hide in the unparsable rest (RFC 7606 §5.1 puts them first); else session reset.
      if (seen[AttrCode.MpReachNlri] || seen[AttrCode.MpUnreachNlri]) {
        d.withdraw('path attribute overruns the attribute field');
        break;
      }
      throw malformedList('path attribute overruns the attribute field');
    }
    const code = body[o + 1]!;
    const valueLength = attrValueLength(body, o, flags);
    const start = o + headerLength;
    const attrOffset = o;
    o = start + valueLength;
    attrCount++;

    if (seen[code]) {
      // RFC 7606 §3 g: a repeated MP attribute resets the session; other repeats are dropped.
      if (code === AttrCode.MpReachNlri || code === AttrCode.MpUnreachNlri) throw malformedList(`attribute ${code} appears twice`);
      d.discard(code, 'duplicate attribute');
      continue;
    }
    seen[code] = 1;

    const spec = ATTRIBUTE_BY_CODE[code];
    if (!spec) {
      if (!(flags & AttrFlag.Optional)) {
        // RFC 4271 §6.3: the Data field carries the unrecognized attribute (type, length, value).
        throw new BgpError(ErrorCode.UpdateMessage, UpdateSubcode.UnrecognizedWellKnownAttribute, `well-known attribute ${code}`, Buffer.from(body.subarray(attrOffset, o)));
      }
      // RFC 4271 §5: unknown optional transitive attributes travel on; non-transitive ones stop.
      if (flags & AttrFlag.Transitive) (d.unknown ??= []).push({ flags, code, value: Buffer.from(body.subarray(start, o)) });
      continue;
    }

    // RFC 7606 §3 c: wrong Optional/Transitive bits make the attribute malformed. The MP
    // attributes are still read: treat-as-withdraw needs their NLRI.
    const flagsWrong = (flags & (AttrFlag.Optional | AttrFlag.Transitive)) !== spec.flags;
    if (flagsWrong && code !== AttrCode.MpReachNlri && code !== AttrCode.MpUnreachNlri) {
      if (spec.malformed === Outcome.Discard) d.discard(code, `${spec.name} flags 0x${flags.toString(16)}`);
      else d.withdraw(`${spec.name} flags 0x${flags.toString(16)}`);
      continue;
    }
    if (spec.ibgpOnly && !ctx.ibgp) {
      d.discard(code, `${spec.name} from an external peer`);
      continue;
    }
    const error = spec.decode(body, start, valueLength, d, ctx);
    if (flagsWrong) d.withdraw(`${spec.name} flags 0x${flags.toString(16)}`);
    if (error === undefined) continue;
    if (spec.malformed === Outcome.Discard) d.discard(code, error);
    else d.withdraw(error);
  }

  // RFC 4760 §5 / RFC 7606 §3 d: NEXT_HOP is mandatory, and checked, only with an NLRI field.
  if (v4Count > 0) {
    if (d.nextHopError !== undefined) d.withdraw(d.nextHopError);
    else if (d.nextHop === undefined) d.withdraw('missing NEXT_HOP');
  }
  const mpReach = d.mpReach;
  const mpCount = mpReach === undefined ? 0 : fieldCount(mpReach.nlri);
  const reaches = v4Count > 0 || mpCount > 0;
  // RFC 7606 §3 d: a missing well-known mandatory attribute is treat-as-withdraw.
  if (reaches && d.origin === undefined) d.withdraw('missing ORIGIN');
  if (reaches && d.asPath === undefined) d.withdraw('missing AS_PATH');
  if (!ctx.as4) applyAs4(d);

  // Lists made only when there is something to put in them: most UPDATEs only announce.
  const reason = d.treatAsWithdraw;
  let withdrawn: Withdrawal[] | undefined;
  let announced: readonly Announcement[] = NONE;
  if (fieldCount(withdrawnV4) > 0) withdrawn = addWithdrawn(withdrawn, IPV4_UNICAST, withdrawnV4);
  if (d.mpUnreach && fieldCount(d.mpUnreach.nlri) > 0) withdrawn = addWithdrawn(withdrawn, d.mpUnreach.family, d.mpUnreach.nlri);
  if (reason !== undefined) {
    if (v4Count > 0) withdrawn = addWithdrawn(withdrawn, IPV4_UNICAST, nlriV4);
    if (mpReach && mpCount > 0) withdrawn = addWithdrawn(withdrawn, mpReach.family, mpReach.nlri);
  } else {
    const inField = v4Count > 0 ? announcement(IPV4_UNICAST, build(d, d.nextHop!, undefined), nlriV4) : undefined;
    const mp = mpReach && mpCount > 0 ? announcement(mpReach.family, build(d, mpReach.nextHop, mpReach.linkLocal), mpReach.nlri) : undefined;
    if (inField !== undefined) announced = mp !== undefined ? [inField, mp] : [inField];
    else if (mp !== undefined) announced = [mp];
  }

  const result: Writable<UpdateMessage> = { announced, withdrawn: withdrawn ?? NONE, discarded: d.discarded ?? NONE };
  // RFC 4724 §2: an UPDATE holding only an empty MP_UNREACH_NLRI is that family's End-of-RIB.
  if (attrCount === 1 && withdrawnLength === 0 && v4Count === 0 && d.mpUnreach && fieldCount(d.mpUnreach.nlri) === 0) {
    result.endOfRib = d.mpUnreach.family;
  }
  if (reason !== undefined) result.treatAsWithdraw = reason;
  return result;
}

function attrValueLength(body: Buffer, o: number, flags: number): number {
  return flags & AttrFlag.ExtendedLength ? body.readUInt16BE(o + 2) : body[o + 2]!;
}

/**
 * RFC 6793 §4.2.3, from a 2-octet speaker: AS4_AGGREGATOR replaces an AGGREGATOR that says
 * AS_TRANS; an AGGREGATOR with a real ASN means an old speaker aggregated after the path was
 * built, and both AS4 attributes are then ignored. AS4_PATH fills in AS_PATH.
 */
function applyAs4(d: DecodedAttributes): void {
  if (d.as4Path === undefined && d.as4Aggregator === undefined) return;
  if (d.aggregator && d.as4Aggregator) {
    if (d.aggregator.asn !== AS_TRANS) return;
    d.aggregator = d.as4Aggregator;
  }
  if (d.as4Path && d.asPath) d.asPath = mergeAs4Path(d.asPath, d.as4Path);
}

function announcement(f: Family, attributes: PathAttributes, nlri: NlriField): Announcement {
  return nlri instanceof PackedPrefixes ? new PackedAnnouncement(f, attributes, nlri) : { family: f, attributes, nlri: nlri as readonly Nlri[] };
}

function withdrawal(f: Family, nlri: NlriField): Withdrawal {
  return nlri instanceof PackedPrefixes ? new PackedWithdrawal(f, nlri) : { family: f, nlri: nlri as readonly Nlri[] };
}

/** One Withdrawal per family: a second field of a family (treat-as-withdraw, or IPv4 in both the
 *  Withdrawn Routes field and MP_UNREACH_NLRI) joins the first as objects. */
function addWithdrawn(list: Withdrawal[] | undefined, f: Family, nlri: NlriField): Withdrawal[] {
  if (list === undefined) return [withdrawal(f, nlri)];
  const i = list.findIndex((w) => w.family === f);
  if (i < 0) list.push(withdrawal(f, nlri));
  else list[i] = { family: f, nlri: [...list[i]!.nlri, ...objects(nlri)] };
  return list;
}

function objects(nlri: NlriField): readonly Nlri[] {
  return nlri instanceof PackedPrefixes ? nlri.prefixes : (nlri as readonly Nlri[]);
}

/** The immutable PathAttributes of one family: only the fields the UPDATE carried. */
function build(d: DecodedAttributes, nextHop: string, linkLocal: string | undefined): PathAttributes {
  const a: Writable<PathAttributes> = { origin: d.origin!, asPath: d.asPath!, nextHop };
  if (linkLocal !== undefined) a.nextHopLinkLocal = linkLocal;
  if (d.med !== undefined) a.med = d.med;
  if (d.localPref !== undefined) a.localPref = d.localPref;
  if (d.atomicAggregate) a.atomicAggregate = true;
  if (d.aggregator) a.aggregator = d.aggregator;
  if (d.communities) a.communities = d.communities;
  if (d.extCommunities) a.extCommunities = d.extCommunities;
  if (d.largeCommunities) a.largeCommunities = d.largeCommunities;
  if (d.originatorId !== undefined) a.originatorId = d.originatorId;
  if (d.clusterList) a.clusterList = d.clusterList;
  if (d.pmsiTunnel) a.pmsiTunnel = d.pmsiTunnel;
  if (d.unknown) a.unknown = d.unknown;
  return a;
}
