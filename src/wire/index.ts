/**
 * bgpipe's BGP wire codec: pure functions over Buffers (see docs/ARCHITECTURE.md).
 *
 * Supported standards: RFC 4271 (BGP-4), RFC 4760 (multiprotocol), RFC 2545 (IPv6 next hops),
 * RFC 5492 (capabilities), RFC 9072 (extended optional parameters length), RFC 6793 (4-octet
 * ASN), RFC 7606 (revised UPDATE error handling), RFC 4724 (graceful restart, End-of-RIB),
 * RFC 2918 / RFC 7313 (route refresh, enhanced), RFC 7911 (ADD-PATH capability), RFC 8654
 * (extended messages), RFC 9003 (shutdown communication), RFC 1997, RFC 4360, RFC 8092
 * (communities), RFC 4456 (route reflection attributes), draft-walton-bgp-hostname-capability,
 * RFC 4364 / RFC 4659 (VPN-IPv4/IPv6 NLRI, route distinguishers), RFC 8277 / RFC 3032 (label
 * stacks), RFC 7432 / RFC 9136 (EVPN route types 1–5), RFC 8365 (VNI in label fields), RFC 4684
 * (RT constraint), RFC 6514 (PMSI tunnel), RFC 5668 / RFC 9012 / RFC 9135 (extended communities).
 */
export * from './family.js';
export * from './errors.js';
export * from './messages.js';
export * from './capabilities.js';
export { MessageReader, encodeMessage, writeHeader } from './header.js';
export { encodeOpen, decodeOpen } from './open.js';
export { encodeKeepalive } from './keepalive.js';
export { encodeNotification, encodeShutdownNotification, decodeNotification } from './notification.js';
export { encodeRouteRefresh, decodeRouteRefresh } from './route-refresh.js';
export { decodeUpdate, encodeAttributes, encodeEndOfRib, encodeUpdates, encodeWithdrawals } from './update.js';
export * from './attributes/types.js';
export { ATTRIBUTES, attributeName, formatAttributes, type AttributeSpec } from './attributes/registry.js';
export { formatAsPath, parseAsPath, mergeAs4Path, asPathCount } from './attributes/as-path.js';
export { formatCommunity, parseCommunity } from './attributes/communities.js';
export {
  formatExtCommunity,
  parseExtCommunity,
  routeTarget,
  isRouteTarget,
  routeTargets,
  encapsulation,
  isEncapsulation,
  encapsulationsOf,
  TunnelType,
  macMobility,
  isMacMobility,
  macMobilityOf,
  macMobilitySequence,
  isStickyMac,
  esiLabel,
  esiLabelOf,
  esImportRouteTarget,
  routerMac,
  routerMacOf,
  DEFAULT_GATEWAY,
  isDefaultGateway,
  hasDefaultGateway,
} from './attributes/ext-communities.js';
export { formatPmsiTunnel, PmsiTunnelType, PMSI_LEAF_INFO_REQUIRED } from './attributes/pmsi-tunnel.js';
export { formatLargeCommunity, parseLargeCommunity } from './attributes/large-communities.js';
export { formatOrigin } from './attributes/origin.js';
export * from './nlri/types.js';
export { registerNlriCodec, nlriCodec } from './nlri/registry.js';
export { ipv4UnicastCodec, ipv6UnicastCodec, parsePrefix, formatPrefix, prefixFromKey, prefixContains, prefixMatches } from './nlri/prefix.js';
export { readRd, writeRd, parseRd, rdType, RD_LENGTH, type RouteDistinguisher } from './nlri/rd.js';
export * from './nlri/labels.js';
export { readEsi, writeEsi, parseEsi, makeEsi, formatEsi, esiType, EsiType, ESI_LENGTH, ZERO_ESI, type Esi } from './nlri/esi.js';
export * from './nlri/evpn.js';
export { ipv4VpnCodec, ipv6VpnCodec, vpnPrefix, unicastPrefix, type VpnPrefix } from './nlri/vpn.js';
export { rtcCodec, rtcRoute, rtcMatches, formatRtc, parseRtc, RTC_DEFAULT, type RtcRoute } from './nlri/rtc.js';
export { readMac, writeMac, normalizeMac } from './mac.js';
export { isIpv4, isIpv6, readIpv4, readIpv6, writeIpv4, writeIpv6 } from './ip.js';
