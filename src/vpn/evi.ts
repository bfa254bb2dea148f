/**
 * An EVPN instance (bagpipe-bgp's EVI, vpn/evpn/__init__.py; RFC 7432 with the VXLAN overlay
 * of RFC 8365): one type-3 route for flooded traffic, one type-2 route per endpoint, all with
 * the instance RD and the VNI as label; imports remote MACs (type 2) and flooding destinations
 * (type 3 with an ingress replication PMSI tunnel) carrying one of its import RTs.
 */
import type { Route } from '../rib/types.js';
import { encapsulationsOf, TunnelType } from '../wire/attributes/ext-communities.js';
import { PmsiTunnelType } from '../wire/attributes/pmsi-tunnel.js';
import type { PathAttributes } from '../wire/attributes/types.js';
import { L2VPN_EVPN } from '../wire/family.js';
import { vniOf } from '../wire/nlri/labels.js';
import { EvpnRouteMaker, type EvpnRoute } from '../wire/nlri/evpn.js';
import { VpnInstance, type Endpoint } from './instance.js';
import { inclusiveMulticastRoute, macIpRoute, type OwnRoute } from './routes.js';

/** By attribute set (interned by the RIB, immutable): a route is offered to every EVI. */
const encapsOf = new WeakMap<PathAttributes, readonly number[]>();

export class Evi extends VpnInstance {
  readonly kind = 'EVI';
  readonly vpnType = 'evpn';
  readonly families = [L2VPN_EVPN];
  /** The veth end towards an IP VPN plugged into this EVI (`local_port: {"evpn": …}`). */
  gatewayPort: { linuxif: string; vrfExternalId: string; vrfName: string } | undefined;

  /** Routes of the instance RD (parsed once, not at each attach). */
  private maker: EvpnRouteMaker | undefined;

  private get evpn(): EvpnRouteMaker {
    return (this.maker ??= new EvpnRouteMaker(this.rd));
  }

  protected nameFor(id: number): string {
    return `EVI-${id}`;
  }

  protected portLabel(): number {
    return this.label;
  }

  protected instanceRoutes(): OwnRoute[] {
    const d = this.ctx.driver;
    return [inclusiveMulticastRoute(this.evpn, this.ctx.localAddress, this.label, d.localAddress, d.encaps, this.exportRts)];
  }

  protected endpointRoutes(ep: Endpoint): OwnRoute[] {
    const d = this.ctx.driver;
    return [
      macIpRoute(this.evpn, {
        mac: ep.mac,
        ip: ep.ip,
        label: this.label,
        dataplaneAddress: d.localAddress,
        encaps: d.encaps,
        exportRts: this.exportRts,
        localPref: ep.localPref,
        lbConsistentHashOrder: this.macData(ep.mac)?.lbConsistentHashOrder ?? 0,
      }),
    ];
  }

  protected importRoute(route: Route): (() => void) | undefined {
    if (route.family !== L2VPN_EVPN || !this.carries(route, this.importRts)) return undefined;
    // RFC 8365 §5.1.3 asks for the encapsulation community; a route without one is taken as
    // VXLAN (bagpipe-bgp would take it as MPLS and drop it), one naming another tunnel is not.
    let encaps = encapsOf.get(route.attributes);
    if (encaps === undefined) encapsOf.set(route.attributes, (encaps = encapsulationsOf(route.attributes)));
    if (encaps.length > 0 && !encaps.includes(TunnelType.Vxlan)) return undefined;
    const nlri = route.nlri as EvpnRoute;
    const dp = this.dataplane;
    if (nlri.kind === 'mac-ip') {
      const entry = { mac: nlri.mac, ip: nlri.ip, nextHop: route.attributes.nextHop, vni: vniOf(nlri.labels[0] ?? 0) };
      dp.addRemoteMac(entry);
      return () => dp.removeRemoteMac(entry);
    }
    if (nlri.kind === 'inclusive-multicast') {
      const pmsi = route.attributes.pmsiTunnel;
      if (!pmsi || pmsi.tunnelType !== PmsiTunnelType.IngressReplication || typeof pmsi.tunnelId !== 'string') return undefined;
      const entry = { endpoint: pmsi.tunnelId, vni: vniOf(pmsi.label) };
      dp.addFloodEntry(entry);
      return () => dp.removeFloodEntry(entry);
    }
    return undefined;
  }
}
