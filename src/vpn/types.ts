/**
 * The VPN layer's view of a client request: an attachment (a local port's MAC and IP plugged
 * into a VPN instance) and a detachment, already validated and typed by the API layer
 * (api/bagpipe/attach-request.ts). Field meanings are bagpipe-bgp's (reference §3.3, §3.4).
 */
import type { RouteTarget } from './route-target.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export type VpnType = 'evpn' | 'ipvpn';

/** `local_port`: a Linux interface, or (ipvpn only) an EVI to plug in through a veth pair. */
export interface LocalPort {
  readonly linuxif?: string;
  /** `{"evpn": {"id": …}}`: the vpn_instance_id of the EVI. */
  readonly evpnId?: string;
  /** The object as the client sent it (a string becomes `{"linuxif": s}`); bagpipe-bgp compares
   *  the whole object, extra keys (`ovs`, `vlan`) included, to tell two ports apart. */
  readonly raw: JsonObject;
}

/** `ip_address`: an address and prefix length (`10.0.0.1/24`; a bare address means /32, /128). */
export interface IpEndpoint {
  readonly address: string;
  readonly plen: number;
  readonly v6: boolean;
  /** `address/plen`, the endpoint's identity. */
  readonly text: string;
}

export interface Readvertise {
  readonly fromRt: readonly RouteTarget[];
  readonly toRt: readonly RouteTarget[];
}

/** The route readvertisement part of `attract_traffic` (FlowSpec redirection is refused). */
export interface AttractTraffic {
  readonly redirectRts: readonly RouteTarget[];
  readonly classifier: JsonObject | undefined;
  readonly toRt: readonly RouteTarget[] | undefined;
  readonly staticDestinationPrefixes: readonly string[] | undefined;
  /** As the client sent it, for the looking glass and persistence. */
  readonly raw: JsonObject;
}

export type Direction = 'both' | 'to-port' | 'from-port';

export interface AttachRequest {
  readonly vpnType: VpnType;
  readonly vpnInstanceId: string;
  /** Lower case, colon separated. */
  readonly macAddress: string;
  readonly localPort: LocalPort;
  readonly importRts: readonly RouteTarget[];
  readonly exportRts: readonly RouteTarget[];
  readonly ip: IpEndpoint | undefined;
  readonly gatewayIp: string | undefined;
  readonly advertiseSubnet: boolean;
  readonly direction: Direction;
  /** 0: allocate. */
  readonly vni: number;
  readonly linuxbr: string | undefined;
  readonly readvertise: Readvertise | undefined;
  readonly attractTraffic: AttractTraffic | undefined;
  readonly lbConsistentHashOrder: number;
  /** undefined: LOCAL_PREF 100. */
  readonly localPref: number | undefined;
  readonly fallback: JsonObject | undefined;
  readonly description: Json;
  readonly instanceDescription: Json;
}

export interface DetachRequest {
  readonly vpnType: VpnType;
  readonly vpnInstanceId: string;
  readonly macAddress: string;
  readonly localPort: LocalPort;
  /** undefined on an evpn: every IP of the MAC. */
  readonly ip: IpEndpoint | undefined;
}

/** A client mistake; the API answers 400 with `API error: <message>` (reference §3.1). */
export class VpnApiError extends Error {}
