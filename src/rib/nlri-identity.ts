/**
 * When two NLRI with the same key are the same route *announcement*.
 *
 * A key says which route an NLRI is (rib/loc-rib.ts indexes by it). For unicast prefixes and RTC
 * routes the key is the whole wire encoding, so equal keys are equal NLRI. EVPN and VPN NLRI
 * also carry fields that are not part of the route's identity (RFC 7432 §7: labels, ESI; RFC
 * 4364: the label stack): a peer may re-announce the same route with a new label, and that must
 * reach the peers we advertise it to. For those families the whole encodings are compared.
 */
import { IPV4_UNICAST, IPV6_UNICAST, RTC, type Family } from '../wire/family.js';
import { nlriCodec } from '../wire/nlri/registry.js';
import type { Nlri } from '../wire/nlri/types.js';

export function keyIsWholeNlri(family: Family): boolean {
  return family === IPV4_UNICAST || family === IPV6_UNICAST || family === RTC;
}

export function sameNlri(family: Family, a: Nlri, b: Nlri): boolean {
  if (a === b) return true;
  if (a.key !== b.key) return false;
  if (keyIsWholeNlri(family)) return true;
  const codec = nlriCodec(family);
  if (codec === undefined) return false;
  return encoded(codec, a).equals(encoded(codec, b));
}

function encoded(codec: NonNullable<ReturnType<typeof nlriCodec>>, nlri: Nlri): Buffer {
  const buf = Buffer.allocUnsafe(codec.encodedLength(nlri));
  codec.encode(nlri, buf, 0);
  return buf;
}
