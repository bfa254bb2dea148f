/**
 * bgpipe's BGP wire codec: pure functions over Buffers (see docs/ARCHITECTURE.md).
 *
 * Supported standards: RFC 4271 (BGP-4), RFC 4760 (multiprotocol), RFC 2545 (IPv6 next hops),
 * RFC 5492 (capabilities), RFC 9072 (extended optional parameters length), RFC 6793 (4-octet
 * ASN), RFC 7606 (revised UPDATE error handling), RFC 4724 (graceful restart, End-of-RIB),
 * RFC 2918 / RFC 7313 (route refresh, enhanced), RFC 7911 (ADD-PATH capability), RFC 8654
 * (extended messages), RFC 9003 (shutdown communication), RFC 1997, RFC 4360, RFC 8092
 * (communities), RFC 4456 (route reflection attributes), draft-walton-bgp-hostname-capability.
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
export { formatExtCommunity, parseExtCommunity } from './attributes/ext-communities.js';
export { formatLargeCommunity, parseLargeCommunity } from './attributes/large-communities.js';
export { formatOrigin } from './attributes/origin.js';
export * from './nlri/types.js';
export { registerNlriCodec, nlriCodec } from './nlri/registry.js';
export { ipv4UnicastCodec, ipv6UnicastCodec, parsePrefix, formatPrefix, prefixFromKey, prefixContains, prefixMatches } from './nlri/prefix.js';
export { isIpv4, isIpv6, readIpv4, readIpv6, writeIpv4, writeIpv6 } from './ip.js';
