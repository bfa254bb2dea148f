/**
 * The BGP routes VPN instances originate, built with the codec's NLRI types, and the small
 * interface through which they reach the RIB (implemented by the daemon with Rib.originate /
 * withdrawOriginated, so this layer never holds the RIB).
 *
 *   EVI type 3 (RFC 7432 §7.3, §11.2; RFC 8365 §5.1.3): RD = instance RD, tag 0, originating IP =
 *     local address; PMSI tunnel ingress replication, label = VNI, endpoint = dataplane address.
 *   EVI type 2 (RFC 7432 §7.2): ESI 0, tag 0, MAC/48 [+ IP], one label field = the raw VNI.
 *   VRF VPNv4/VPNv6 (RFC 4364 §4.3.4, RFC 4659): /32 (/128) with the instance RD, or the subnet
 *     with a per-endpoint RD when advertise_subnet; the MAC's label.
 *   RTC (RFC 4684 §4): origin AS = local AS, one per import RT.
 * All carry ORIGIN IGP, an empty AS_PATH and LOCAL_PREF (100 unless set), as bagpipe-bgp's do
 * (reference §5), the encapsulation communities of the driver (RFC 9012 §4.1) and the export
 * RTs; endpoint routes also bagpipe-bgp's consistent-hash sort order community.
 */
import { Origin, type PathAttributes } from '../wire/attributes/types.js';
import { encapsulation, TunnelType } from '../wire/attributes/ext-communities.js';
import { PmsiTunnelType } from '../wire/attributes/pmsi-tunnel.js';
import { IPV4_VPN, IPV6_VPN, L2VPN_EVPN, RTC, type Family } from '../wire/family.js';
import type { EvpnRouteMaker } from '../wire/nlri/evpn.js';
import { vpnPrefix, type VpnPrefix } from '../wire/nlri/vpn.js';
import { rtcRoute, type RtcRoute } from '../wire/nlri/rtc.js';
import type { Nlri } from '../wire/nlri/types.js';
import type { RouteTarget } from './route-target.js';
import type { IpEndpoint } from './types.js';

/** Where instances put their routes (the daemon: the RIB's local routes). */
export interface VpnRouteSink {
  originate(family: Family, nlri: Nlri, attrs: PathAttributes): void;
  withdraw(family: Family, nlri: Nlri): void;
}

export interface OwnRoute {
  readonly family: Family;
  readonly nlri: Nlri;
  readonly attrs: PathAttributes;
}

export const DEFAULT_LOCAL_PREF = 100;

const TUNNEL_BY_NAME: Record<string, number> = { vxlan: TunnelType.Vxlan, mpls: TunnelType.Mpls, 'mpls-in-gre': TunnelType.MplsInGre, 'mpls-in-udp': TunnelType.MplsInUdp };

/** bagpipe-bgp's ConsistentHashSortOrder (exabgp chso.py): opaque type 0x03, subtype 0x14,
 *  a 4-octet order and 2 reserved octets. Not shown in the looking glass (§3.3). */
export function consistentHashSortOrder(order: number): bigint {
  return (0x0314n << 48n) | (BigInt(order >>> 0) << 16n);
}

/** RFC 9012 tunnel types of driver encapsulation names. */
export function tunnelTypes(encaps: readonly string[]): number[] {
  return encaps.filter((e) => TUNNEL_BY_NAME[e] !== undefined).map((e) => TUNNEL_BY_NAME[e]!);
}

export function encapCommunities(encaps: readonly string[]): bigint[] {
  return encaps.filter((e) => TUNNEL_BY_NAME[e] !== undefined).map((e) => encapsulation(TUNNEL_BY_NAME[e]!));
}

function base(nextHop: string, localPref: number | undefined, ext: readonly bigint[]): PathAttributes {
  return { origin: Origin.Igp, asPath: [], nextHop, localPref: localPref ?? DEFAULT_LOCAL_PREF, extCommunities: ext.length ? ext : undefined };
}

const rts = (list: readonly RouteTarget[]) => list.map((r) => r.value);

/** `evpn`: the instance's route maker (its RD). */
export function inclusiveMulticastRoute(evpn: EvpnRouteMaker, originIp: string, vni: number, dataplaneAddress: string, encaps: readonly string[], exportRts: readonly RouteTarget[]): OwnRoute {
  const nlri = evpn.inclusiveMulticast(0, originIp);
  const attrs: PathAttributes = {
    ...base(dataplaneAddress, undefined, [...encapCommunities(encaps), ...rts(exportRts)]),
    pmsiTunnel: { flags: 0, tunnelType: PmsiTunnelType.IngressReplication, label: vni, tunnelId: dataplaneAddress },
  };
  return { family: L2VPN_EVPN, nlri, attrs };
}

export interface EndpointRouteInput {
  readonly rd: string;
  readonly mac: string;
  readonly ip: IpEndpoint | undefined;
  readonly label: number;
  readonly dataplaneAddress: string;
  readonly encaps: readonly string[];
  readonly exportRts: readonly RouteTarget[];
  readonly localPref: number | undefined;
  readonly lbConsistentHashOrder: number;
}

/** `evpn`: the instance's route maker (its RD). */
export function macIpRoute(evpn: EvpnRouteMaker, e: Omit<EndpointRouteInput, 'rd'>): OwnRoute {
  const nlri = evpn.macIp(0, e.mac, e.ip?.address, [e.label]);
  const ext = [...encapCommunities(e.encaps), ...rts(e.exportRts), consistentHashSortOrder(e.lbConsistentHashOrder)];
  return { family: L2VPN_EVPN, nlri, attrs: base(e.dataplaneAddress, e.localPref, ext) };
}

/** A VPN route for `prefix` (text, `10.0.0.0/24`); the family follows the address. */
export function vpnRoute(prefix: string, e: Omit<EndpointRouteInput, 'mac' | 'ip'>, extra: readonly bigint[] = []): OwnRoute {
  const family = prefix.includes(':') ? IPV6_VPN : IPV4_VPN;
  const nlri: VpnPrefix = vpnPrefix(family, e.rd, prefix, [e.label]);
  const ext = [...encapCommunities(e.encaps), ...rts(e.exportRts), ...extra, consistentHashSortOrder(e.lbConsistentHashOrder)];
  return { family, nlri, attrs: base(e.dataplaneAddress, e.localPref, ext) };
}

export function rtcMembershipRoute(localAs: number, rt: RouteTarget, nextHop: string): OwnRoute {
  const nlri: RtcRoute = rtcRoute(localAs, rt.value);
  return { family: RTC, nlri, attrs: base(nextHop, undefined, []) };
}

/** Identity of a route within its family, for maps. */
export function routeKey(family: Family, nlri: Nlri): string {
  return `${family}|${nlri.key}`;
}
