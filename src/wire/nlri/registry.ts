/**
 * Family → NLRI codec. The unicast codecs are registered here, when this module loads, so that
 * whoever can see the registry sees them, and so are the VPN families: L2VPN EVPN (evpn.ts),
 * VPN-IPv4/IPv6 (vpn.ts) and RTC (rtc.ts). A family is offered in OPEN only when it has a codec.
 */
import type { Family } from '../family.js';
import { ipv4UnicastCodec, ipv6UnicastCodec } from './prefix.js';
import { evpnCodec } from './evpn.js';
import { ipv4VpnCodec, ipv6VpnCodec } from './vpn.js';
import { rtcCodec } from './rtc.js';
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
registerNlriCodec(evpnCodec);
registerNlriCodec(ipv4VpnCodec);
registerNlriCodec(ipv6VpnCodec);
registerNlriCodec(rtcCodec);
