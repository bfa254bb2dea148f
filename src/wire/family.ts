/**
 * Address families (RFC 4760 §3, IANA "Address Family Numbers" and "SAFI Values").
 *
 * A family is carried around as one small integer, (AFI << 8) | SAFI, so that it can key a
 * Map or index an array without allocating. Names are GoBGP's `afi-safi-name` spellings,
 * because those are what operators type in bgpiped's TOML and in `bgpipe rib -a`.
 */

export const AFI = { IPv4: 1, IPv6: 2, L2VPN: 25 } as const;
export const SAFI = { Unicast: 1, Multicast: 2, MplsLabel: 4, Evpn: 70, MplsVpn: 128, RouteTargetConstraint: 132, FlowSpec: 133 } as const;

/** (AFI << 8) | SAFI. */
export type Family = number;

export function family(afi: number, safi: number): Family {
  return ((afi & 0xffff) << 8) | (safi & 0xff);
}
export function afiOf(f: Family): number {
  return f >>> 8;
}
export function safiOf(f: Family): number {
  return f & 0xff;
}

export const IPV4_UNICAST: Family = family(AFI.IPv4, SAFI.Unicast);
export const IPV6_UNICAST: Family = family(AFI.IPv6, SAFI.Unicast);
export const L2VPN_EVPN: Family = family(AFI.L2VPN, SAFI.Evpn);
export const IPV4_VPN: Family = family(AFI.IPv4, SAFI.MplsVpn);
export const IPV6_VPN: Family = family(AFI.IPv6, SAFI.MplsVpn);
export const RTC: Family = family(AFI.IPv4, SAFI.RouteTargetConstraint);

/** GoBGP `afi-safi-name` ↔ family. Families bgpipe does not implement are still named, so that
 *  a config that lists them (e.g. `ipv4-flowspec` in docker-bgp-lb's seed) parses and gets a warning. */
const NAMES: ReadonlyArray<readonly [string, Family]> = [
  ['ipv4-unicast', IPV4_UNICAST],
  ['ipv6-unicast', IPV6_UNICAST],
  ['ipv4-multicast', family(AFI.IPv4, SAFI.Multicast)],
  ['ipv6-multicast', family(AFI.IPv6, SAFI.Multicast)],
  ['ipv4-labelled-unicast', family(AFI.IPv4, SAFI.MplsLabel)],
  ['ipv6-labelled-unicast', family(AFI.IPv6, SAFI.MplsLabel)],
  ['l2vpn-evpn', L2VPN_EVPN],
  ['l3vpn-ipv4-unicast', IPV4_VPN],
  ['l3vpn-ipv6-unicast', IPV6_VPN],
  ['rtc', RTC],
  ['ipv4-flowspec', family(AFI.IPv4, SAFI.FlowSpec)],
  ['ipv6-flowspec', family(AFI.IPv6, SAFI.FlowSpec)],
];
const byName = new Map<string, Family>(NAMES);
const byFamily = new Map<Family, string>(NAMES.map(([n, f]) => [f, n]));

/** Short names accepted by the CLI (`bgpipe rib -a ipv4`), as gobgp's `-a`. */
const SHORT = new Map<string, Family>([
  ['ipv4', IPV4_UNICAST],
  ['ipv6', IPV6_UNICAST],
  ['evpn', L2VPN_EVPN],
  ['vpnv4', IPV4_VPN],
  ['vpnv6', IPV6_VPN],
  ['rtc', RTC],
]);

export function familyName(f: Family): string {
  return byFamily.get(f) ?? `afi${afiOf(f)}-safi${safiOf(f)}`;
}

/** Parses a GoBGP afi-safi-name or a CLI short name; undefined when unknown. */
export function parseFamily(name: string): Family | undefined {
  const n = name.trim().toLowerCase();
  return byName.get(n) ?? SHORT.get(n);
}
