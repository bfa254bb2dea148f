/**
 * Routes as bagpipe-bgp's looking glass shows them (RouteEntry.get_lg_local_info, reference
 * §3.5 and §4): `{"<nlri as exabgp prints it>": {afi-safi, attributes, next_hop, source,
 * route_targets}}`, and the entry names of received_routes / best_routes.
 */
import type { PathAttributes } from '../../wire/attributes/types.js';
import { formatExtCommunity, routeTargets } from '../../wire/attributes/ext-communities.js';
import { formatPmsiTunnel } from '../../wire/attributes/pmsi-tunnel.js';
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
  if (a.extCommunities?.length) attributes['extended-community'] = `[ ${a.extCommunities.map(formatExtCommunity).join(' ')} ]`;
  if (a.localPref !== undefined) attributes['local-preference'] = String(a.localPref);
  if (a.pmsiTunnel) attributes['pmsi-tunnel'] = formatPmsiTunnel(a.pmsiTunnel);
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
