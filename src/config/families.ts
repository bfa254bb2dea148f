/**
 * `afi-safi-name` values. GoBGP knows more families than bgpipe speaks; a config that lists one
 * of those must still load (docker-bgp-lb's seed asks for ipv4-flowspec), so such a family is kept
 * with `implemented: false` and a warning, and never offered in OPEN. A name nobody knows is a
 * typo and an error.
 */
import { familyName, IPV4_UNICAST, IPV4_VPN, IPV6_UNICAST, IPV6_VPN, L2VPN_EVPN, parseFamily, RTC, type Family } from '../wire/family.js';

/** The families bgpipe's codec and RIB carry. */
export const IMPLEMENTED_FAMILIES: ReadonlySet<Family> = new Set([IPV4_UNICAST, IPV6_UNICAST, L2VPN_EVPN, IPV4_VPN, IPV6_VPN, RTC]);

/** GoBGP names that src/wire/family.ts has no number for: accepted, warned about, dropped. */
const GOBGP_ONLY = new Set([
  'l2vpn-vpls', 'encap', 'ipv4-encap', 'ipv6-encap', 'l3vpn-ipv4-multicast', 'l3vpn-ipv6-multicast',
  'l3vpn-ipv4-flowspec', 'l3vpn-ipv6-flowspec', 'l2vpn-flowspec', 'opaque', 'ls', 'ipv4-srpolicy',
  'ipv6-srpolicy', 'ipv4-mup', 'ipv6-mup',
]);

export type FamilyLookup =
  | { readonly kind: 'known'; readonly family: Family; readonly name: string; readonly implemented: boolean }
  | { readonly kind: 'gobgp-only'; readonly name: string }
  | { readonly kind: 'unknown' };

export function lookupFamily(text: string): FamilyLookup {
  const f = parseFamily(text);
  if (f !== undefined) return { kind: 'known', family: f, name: familyName(f), implemented: IMPLEMENTED_FAMILIES.has(f) };
  const n = text.trim().toLowerCase();
  return GOBGP_ONLY.has(n) ? { kind: 'gobgp-only', name: n } : { kind: 'unknown' };
}
