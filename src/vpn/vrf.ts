/**
 * An IP VPN instance (bagpipe-bgp's VRF, vpn/ipvpn/__init__.py; RFC 4364, RFC 4659): one VPN
 * route per endpoint — the /32 (/128) with the instance RD, or with advertise_subnet the
 * subnet with the endpoint's own RD — labelled with the MAC's label; imports remote routes
 * carrying one of its import RTs. `readvertise` re-advertises, from each endpoint, the routes
 * carrying a from_rt towards the to_rt; `attract_traffic`'s route part advertises its static
 * destination prefixes (and a default route while there is something to readvertise) instead.
 */
import type { Route } from '../rib/types.js';
import { encapsulationsOf, routerMac, routerMacOf } from '../wire/attributes/ext-communities.js';
import { IPV4_UNICAST, IPV4_VPN, IPV6_UNICAST, IPV6_VPN } from '../wire/family.js';
import { formatPrefix } from '../wire/nlri/prefix.js';
import { unicastPrefix, type VpnPrefix } from '../wire/nlri/vpn.js';
import { VpnInstance, type Endpoint } from './instance.js';
import { routeKey, tunnelTypes, vpnRoute, type OwnRoute } from './routes.js';
import type { AttractTraffic, Readvertise } from './types.js';

export function prefixOf(route: Route): string {
  return formatPrefix(route.family === IPV4_VPN ? IPV4_UNICAST : IPV6_UNICAST, unicastPrefix(route.nlri as VpnPrefix));
}

/** bagpipe-bgp's consistent hash sort order community (routes.ts), 0 when absent. */
function lbOrderOf(route: Route): number {
  const c = (route.attributes.extCommunities ?? []).find((x) => BigInt.asUintN(64, x) >> 48n === 0x0314n);
  return c === undefined ? 0 : Number((c >> 16n) & 0xffffffffn);
}

export class Vrf extends VpnInstance {
  readonly kind = 'VRF';
  readonly vpnType = 'ipvpn';
  readonly families = [IPV4_VPN, IPV6_VPN];
  readvertise: Readvertise | undefined;
  attractTraffic: AttractTraffic | undefined;
  /** Best routes carrying a readvertise from_rt, by routeKey. */
  readonly readvertised = new Map<string, Route>();
  /** The EVI plugged in through a veth pair, if any. */
  pluggedEvi: string | undefined;

  protected nameFor(id: number): string {
    return `VRF-${id}`;
  }

  protected portLabel(macLabel: number): number {
    return macLabel;
  }

  private get attractEffective(): boolean {
    return this.attractTraffic !== undefined && (this.readvertise !== undefined || (this.attractTraffic.toRt?.length ?? 0) > 0);
  }

  protected instanceRoutes(): OwnRoute[] {
    return [];
  }

  protected endpointRoutes(ep: Endpoint): OwnRoute[] {
    const mac = this.macData(ep.mac);
    if (!ep.ip || !mac) return [];
    const d = this.ctx.driver;
    const out: OwnRoute[] = [];
    // A driver with one VNI per instance (the Linux VXLAN one) receives every route of the VRF on
    // that VNI, and remote hosts must learn its router MAC (RFC 9135) to build the inner frame.
    const rmac = this.dataplane.routerMac;
    const extra = rmac !== undefined ? [routerMac(rmac)] : [];
    const toRt = this.attractTraffic?.toRt?.length ? this.attractTraffic.toRt : (this.readvertise?.toRt ?? []);
    const max = ep.ip.v6 ? 128 : 32;
    const subnet = ep.advertiseSubnet && ep.ip.plen !== max;
    const common = { label: d.vniPerInstance ? this.label : mac.label, dataplaneAddress: d.localAddress, encaps: d.encaps, localPref: ep.localPref, lbConsistentHashOrder: mac.lbConsistentHashOrder };
    out.push(vpnRoute(`${ep.ip.address}/${subnet ? ep.ip.plen : max}`, { ...common, rd: subnet ? ep.rd : this.rd, exportRts: this.exportRts }, extra));
    const towards = { ...common, rd: ep.rd, exportRts: toRt, localPref: undefined };
    if (this.attractEffective) {
      for (const p of this.attractTraffic!.staticDestinationPrefixes ?? []) out.push(vpnRoute(p, towards, extra));
      if (this.readvertised.size > 0) out.push(vpnRoute(ep.ip.v6 ? '::/0' : '0.0.0.0/0', towards, extra));
    } else if (this.readvertise) {
      // Two endpoints readvertising one prefix use distinct RDs, so keys never collide.
      for (const r of this.readvertised.values()) out.push(vpnRoute(prefixOf(r), towards, extra));
    }
    return out;
  }

  protected importRoute(route: Route): (() => void) | undefined {
    if ((route.family !== IPV4_VPN && route.family !== IPV6_VPN) || !this.carries(route, this.importRts)) return undefined;
    // A route naming encapsulations (RFC 9012 §4.1) is imported when the driver can carry one
    // of them; a route naming none is taken (MPLS for bagpipe-bgp, RFC 4364).
    const encaps = encapsulationsOf(route.attributes);
    const ours = tunnelTypes(this.ctx.driver.encaps);
    if (encaps.length > 0 && !encaps.some((e) => ours.includes(e))) return undefined;
    const nlri = route.nlri as VpnPrefix;
    const entry = {
      prefix: prefixOf(route),
      // A VPN-IPv6 route over an IPv4 core names its next hop IPv4-mapped (RFC 4659 §3.2.1.1).
      nextHop: route.attributes.nextHop.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1'),
      label: nlri.labels[0] ?? 0,
      lbConsistentHashOrder: lbOrderOf(route),
      routerMac: routerMacOf(route.attributes),
    };
    this.dataplane.addRemoteRoute(entry);
    return () => this.dataplane.removeRemoteRoute(entry);
  }

  override bestChanged(key: string, route: Route | undefined): void {
    super.bestChanged(key, route);
    if (!this.readvertise) return;
    // Only routes learnt from peers are readvertised: ours carry the to_rt already.
    const want = route !== undefined && route.peer !== undefined && this.carries(route, this.readvertise.fromRt);
    const had = this.readvertised.has(key);
    if (want) this.readvertised.set(key, route);
    else this.readvertised.delete(key);
    if (want || had) this.sync();
  }

  /** Own keys are never readvertised (a route we originate coming back as best). */
  ownKey(route: Route): boolean {
    return this.advertised.has(routeKey(route.family, route.nlri));
  }
}
