/**
 * The one state model behind every view of the daemon: the CLI's text tables, its `-j` JSON,
 * the HTTP API and the Prometheus metrics all render these shapes, as bgpctl renders one
 * query three ways. Plain JSON-able data, no references into the RIB.
 */

export interface GlobalView {
  readonly as: number;
  readonly routerId: string;
  readonly listenPort: number;
  readonly listenAddresses: readonly string[];
  readonly version: string;
  readonly uptimeSeconds: number;
  readonly clusterId: string;
}

export interface PrefixCounters {
  readonly family: string;
  readonly received: number;
  readonly accepted: number;
  readonly advertised: number;
}

export interface NeighborView {
  readonly address: string;
  readonly peerAs: number | null;
  readonly localAs: number;
  readonly description: string;
  readonly state: string;
  readonly adminDown: boolean;
  readonly dynamic: boolean;
  readonly passive: boolean;
  readonly routeReflectorClient: boolean;
  readonly routerId: string | null;
  readonly uptimeSeconds: number | null;
  readonly holdTime: number | null;
  readonly keepaliveInterval: number | null;
  readonly families: readonly string[];
  readonly prefixes: readonly PrefixCounters[];
  readonly messages: { readonly received: Record<string, number>; readonly sent: Record<string, number> };
  readonly lastError: string;
  readonly hostname: string | null;
}

export interface PathView {
  readonly prefix: string;
  /** EVPN/VPN label fields carried in the NLRI (raw: a VNI with VXLAN, RFC 8365 §5.1.3); [] for other families. */
  readonly labels: readonly number[];
  readonly nextHop: string;
  readonly asPath: string;
  readonly origin: string;
  readonly med: number | null;
  readonly localPref: number | null;
  readonly communities: readonly string[];
  readonly extendedCommunities: readonly string[];
  readonly largeCommunities: readonly string[];
  readonly originatorId: string | null;
  readonly clusterList: readonly string[];
  readonly atomicAggregate: boolean;
  readonly aggregator: string | null;
  /** RFC 6514 PMSI tunnel (EVPN inclusive multicast), as gobgp prints it. */
  readonly pmsiTunnel: string | null;
  readonly best: boolean;
  readonly multipath: boolean;
  /** Neighbour address, or "local" for routes bgpiped originates. */
  readonly source: string;
  readonly sourceAs: number | null;
  /** Loc-RIB only: true for a path kept from a neighbour's previous session while it restarts
   *  (graceful restart, RFC 4724 §4.2); absent otherwise. */
  readonly stale?: boolean;
}

export interface DestinationView {
  readonly prefix: string;
  readonly paths: readonly PathView[];
}

export interface BgpipeModel {
  global(): GlobalView;
  neighbors(): NeighborView[];
  neighbor(address: string): NeighborView | undefined;
  /** Loc-RIB of one family; undefined when the family is unknown. */
  rib(family: string): DestinationView[] | undefined;
  adjRibIn(address: string, family: string): PathView[] | undefined;
  adjRibOut(address: string, family: string): PathView[] | undefined;
}
