/**
 * Family → NLRI codec. The unicast codecs are registered here, when this module loads, so that
 * whoever can see the registry sees them; the VPN families register themselves the same way.
 */
import type { Family } from '../family.js';
import { ipv4UnicastCodec, ipv6UnicastCodec } from './prefix.js';
import type { Nlri, NlriCodec } from './types.js';

const codecs = new Map<Family, NlriCodec<Nlri>>();

export function registerNlriCodec<T extends Nlri>(codec: NlriCodec<T>): void {
  codecs.set(codec.family, codec as unknown as NlriCodec<Nlri>);
}

export function nlriCodec(f: Family): NlriCodec | undefined {
  return codecs.get(f);
}

registerNlriCodec(ipv4UnicastCodec);
registerNlriCodec(ipv6UnicastCodec);
