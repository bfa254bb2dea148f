/**
 * Routes as bagpipe-bgp's looking glass shows them (RouteEntry.get_lg_local_info, reference
 * §3.5 and §4): `{"<nlri as exabgp prints it>": {afi-safi, attributes, next_hop, source,
 * route_targets}}`, and the entry names of received_routes / best_routes.
 */
import type { PathAttributes } from '../../wire/attributes/types.js';
import { formatExtCommunity, routeTargets } from '../../wire/attributes/ext-communities.js';
import type { PmsiTunnel } from '../../wire/attributes/types.js';
import { IPV4_UNICAST, IPV4_VPN, IPV6_UNICAST, L2VPN_EVPN, RTC, type Family } from '../../wire/family.js';
import type { EvpnRoute } from '../../wire/nlri/evpn.js';
import { formatPrefix } from '../../wire/nlri/prefix.js';
import { formatRtc, type RtcRoute } from '../../wire/nlri/rtc.js';
import type { Nlri } from '../../wire/nlri/types.js';
import { unicastPrefix, type VpnPrefix } from '../../wire/nlri/vpn.js';
import { lgRouteTarget, routeTargetOf } from '../../vpn/route-target.js';
import type { JsonObject } from '../../vpn/types.js';

const AFI_SAFI: Record<number, string> = { [L2VPN_EVPN]: 'l2vpn/evpn', [IPV4_VPN]: 'ipv4/mpls-vpn', [RTC]: 'ipv4/rtc' };

export function afiSafi(f: Family): string {
  return AFI_SAFI[f] ?? 'ipv6/mpls-vpn';
}

/** exabgp's repr of an NLRI, as bagpipe-bgp's looking glass writes it (§3.5). */
export function nlriText(family: Family, nlri: Nlri, nextHop: string): string {
  if (family === L2VPN_EVPN) {
    const r = nlri as EvpnRoute;
    if (r.kind === 'mac-ip') {
      const l = r.labels[0] ?? 0;
      return `evpn:macadv::${r.rd}:-:${r.ethernetTag}:${r.mac.toUpperCase()}/48:${r.ip ?? ''}: label ${l >> 4} (${l})`;
    }
    if (r.kind === 'inclusive-multicast') return `evpn:multicast::${r.rd}:${r.ethernetTag}:${r.ip}`;
    return `evpn:${r.kind}`;
  }
  if (family === RTC) return `rtc ${formatRtc(nlri as RtcRoute).replace(/:(\d+:\d+)$/, ':target:$1')}`;
  const v = nlri as VpnPrefix;
  const prefix = formatPrefix(family === IPV4_VPN ? IPV4_UNICAST : IPV6_UNICAST, unicastPrefix(v));
  return `${prefix} label ${v.labels[0] ?? 0} next-hop ${nextHop} rd ${v.rd}`;
}

/** exabgp's names of the RFC 9012 tunnel types (encapsulation.py). */
const EXA_ENCAPS: Record<number, string> = { 0: 'Default', 1: 'L2TPv3', 2: 'GRE', 7: 'IP-in-IP', 8: 'VXLAN', 9: 'NVGRE', 10: 'MPLS', 12: 'VXLAN-GPE', 13: 'MPLS-in-UDP' };

/** exabgp's repr of one extended community: `target:64512:10`, `target:10.0.0.1:5`,
 *  `target:4200000000L:5`, `encap:VXLAN`, `consistentHashSortOrder:0`; the rest as bgpipe
 *  writes them (mac-mobility is the same in both). */
export function exaExtCommunity(c: bigint): string {
  const v = BigInt.asUintN(64, c);
  const typeSub = Number(v >> 48n);
  const low32 = Number(v & 0xffffffffn);
  switch (typeSub) {
    case 0x0002:
      return `target:${Number(v >> 32n) & 0xffff}:${low32}`;
    case 0x0102:
      return formatExtCommunity(v).replace(/^rt:/, 'target:');
    case 0x0202:
      return `target:${Number((v >> 16n) & 0xffffffffn)}L:${low32 & 0xffff}`;
    case 0x030c: {
      const t = low32 & 0xffff;
      return `encap:${EXA_ENCAPS[t] ?? `UNKNOWN-${t}`}`;
    }
    case 0x0314:
      return `consistentHashSortOrder:${Number((v >> 16n) & 0xffffffffn)}`;
    default:
      return formatExtCommunity(v);
  }
}

/** exabgp's ExtendedCommunities repr: sorted by value (bytes), `[ a b ]`, one alone bare. */
export function exaExtCommunities(list: readonly bigint[]): string {
  const sorted = [...list].map((c) => BigInt.asUintN(64, c)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted.length === 1 ? exaExtCommunity(sorted[0]!) : `[ ${sorted.map(exaExtCommunity).join(' ')} ]`;
}

/** exabgp's PMSI repr (pmsi.py) of a received tunnel: `pmsi:ingressreplication:0:1(16):10.99.0.12`,
 *  the label as MPLS (the field >> 4) with the raw 24-bit field (a VNI) in parentheses. */
export function exaPmsiTunnel(p: PmsiTunnel): string {
  const names: Record<number, string> = { 0: 'notunnel', 1: 'rsvp-tep2mplsp', 2: 'mldpp2mplsp', 3: 'pim-ssmtree', 4: 'pim-smtree', 5: 'bidir-pimtree', 6: 'ingressreplication', 7: 'mldpmp2mplsp' };
  const label = p.label ? `${p.label >> 4}(${p.label})` : '0';
  // The codec gives an ingress-replication endpoint as an address, any other tunnel id as bytes.
  const id = typeof p.tunnelId === 'string' ? p.tunnelId : p.tunnelId.length ? `0x${p.tunnelId.toString('hex').toUpperCase()}` : '';
  return `pmsi:${names[p.tunnelType] ?? 'unknown'}:${p.flags}:${label}:${id}`;
}

export interface LgRouteInput {
  readonly family: Family;
  readonly nlri: Nlri;
  readonly attrs: PathAttributes;
  /** `BGP-10.99.0.1`, `EVI-1`… */
  readonly source: string;
}

export function lgRoute(r: LgRouteInput, base: string): JsonObject {
  const a = r.attrs;
  const attributes: JsonObject = {};
  // Attribute values as exabgp writes them, so that a route reads the same in both daemons' LGs.
  if (a.extCommunities?.length) attributes['extended-community'] = exaExtCommunities(a.extCommunities);
  if (a.localPref !== undefined) attributes['local-preference'] = String(a.localPref);
  if (a.pmsiTunnel) attributes['pmsi-tunnel'] = exaPmsiTunnel(a.pmsiTunnel);
  if (a.originatorId) attributes['originator-id'] = a.originatorId;
  if (a.clusterList?.length) attributes['cluster-list'] = `[ ${a.clusterList.join(' ')} ]`;
  const res: JsonObject = {
    'afi-safi': afiSafi(r.family),
    attributes,
    next_hop: a.nextHop,
    source: { id: r.source, href: `${base}/bgp/workers/${r.source}` },
  };
  if (r.family !== RTC) res.route_targets = routeTargets(a).map((v) => lgRouteTarget(routeTargetOf(v)));
  return { [nlriText(r.family, r.nlri, a.nextHop)]: res };
}

/** The entry a received route is tracked under (bagpipe-bgp's route_to_tracked_entry). */
export function trackedEntry(family: Family, nlri: Nlri): string {
  if (family === L2VPN_EVPN) {
    const r = nlri as EvpnRoute;
    if (r.kind === 'mac-ip') return `('MAC', ${r.mac.toUpperCase()})`;
    if (r.kind === 'inclusive-multicast') return `('Multicast', (${r.ip},  rd ${r.rd}))`;
    return `('${r.kind}', ${nlri.key.length})`;
  }
  return `'${formatPrefix(family === IPV4_VPN ? IPV4_UNICAST : IPV6_UNICAST, unicastPrefix(nlri as VpnPrefix))}'`;
}
