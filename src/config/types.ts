/**
 * The configuration bgpiped runs on, once loaded: camelCase, typed, validated, defaults applied,
 * peer groups already folded into their neighbours. The TOML spelling (GoBGP's kebab-case keys)
 * lives in schema.ts only; nothing past load.ts sees it.
 */
import type { Family } from '../wire/family.js';
import type { ConfigIssue } from './errors.js';

export type RouteDisposition = 'accept-route' | 'reject-route';

export interface ApplyPolicy {
  readonly importPolicyList: readonly string[];
  readonly exportPolicyList: readonly string[];
  /** undefined: not set here (a neighbour then falls back to the global default). */
  readonly defaultImportPolicy?: RouteDisposition;
  readonly defaultExportPolicy?: RouteDisposition;
}

export interface GlobalConfig {
  readonly as: number;
  readonly routerId: string;
  /** TCP port to listen on; -1 = do not listen (GoBGP). */
  readonly port: number;
  readonly localAddressList: readonly string[];
  /** Defaults: accept-route both ways (GoBGP). */
  readonly applyPolicy: ApplyPolicy & { readonly defaultImportPolicy: RouteDisposition; readonly defaultExportPolicy: RouteDisposition };
  readonly useMultiplePaths: {
    readonly enabled: boolean;
    readonly ebgpMaximumPaths?: number;
    readonly ibgpMaximumPaths?: number;
  };
}

export interface AfiSafiConfig {
  /** The GoBGP name as configured, lower case (`l2vpn-evpn`). */
  readonly name: string;
  readonly family: Family;
  readonly enabled: boolean;
  /** bgpipe speaks this family (unicast, EVPN, VPNv4/v6, RTC); false ones are kept with a warning. */
  readonly implemented: boolean;
  readonly addPaths: { readonly receive: boolean; readonly sendMax: number };
  readonly prefixLimit?: { readonly maxPrefixes: number; readonly shutdownThresholdPct?: number };
  /** `mp-graceful-restart.config.enabled` when set: list the family in our graceful restart
   *  capability (RFC 4724 §3). */
  readonly mpGracefulRestart?: boolean;
}

/** A neighbour after peer-group inheritance and defaults: what the daemon runs a session with. */
export interface NeighborConfig {
  readonly neighborAddress: string;
  /** undefined (peer-as absent or 0): accept whatever AS the peer says (bgpipe extension). */
  readonly peerAs: number | undefined;
  readonly localAs: number;
  readonly peerGroup?: string;
  readonly description: string;
  /** TCP MD5 signature key (RFC 2385). */
  readonly authPassword?: string;
  readonly adminDown: boolean;
  /** bgpipe extension: our address as next hop on everything sent to this neighbour. */
  readonly nextHopSelf: boolean;
  /** Matched from a dynamic-neighbors prefix, not configured by address. */
  readonly dynamic: boolean;
  readonly transport: {
    readonly passiveMode: boolean;
    readonly localAddress?: string;
    readonly remotePort: number;
    readonly ttl?: number;
  };
  readonly timers: {
    readonly holdTime: number;
    readonly keepaliveInterval: number;
    /** Seconds; fractions allowed so that tests can retry fast. */
    readonly connectRetry: number;
    readonly minimumAdvertisementInterval: number;
  };
  readonly routeReflector: { readonly routeReflectorClient: boolean; readonly routeReflectorClusterId?: string };
  readonly ebgpMultihop: { readonly enabled: boolean; readonly multihopTtl?: number };
  /** GTSM (RFC 5082); ttlMin is the lowest TTL accepted (255: directly connected). */
  readonly ttlSecurity: { readonly enabled: boolean; readonly ttlMin: number };
  readonly gracefulRestart: { readonly enabled: boolean; readonly restartTime: number };
  readonly afiSafis: readonly AfiSafiConfig[];
  /** Enabled and implemented families, the ones to offer in OPEN. */
  readonly families: readonly Family[];
  readonly applyPolicy: ApplyPolicy;
}

/** What a neighbour or a peer group sets, before inheritance: every field may be absent. */
export interface NeighborTemplate {
  readonly peerAs?: number;
  readonly localAs?: number;
  readonly description?: string;
  readonly authPassword?: string;
  readonly adminDown?: boolean;
  readonly nextHopSelf?: boolean;
  readonly transport: Partial<NeighborConfig['transport']>;
  readonly timers: Partial<NeighborConfig['timers']>;
  readonly routeReflector: Partial<NeighborConfig['routeReflector']>;
  readonly ebgpMultihop: Partial<NeighborConfig['ebgpMultihop']>;
  readonly ttlSecurity: Partial<NeighborConfig['ttlSecurity']>;
  readonly gracefulRestart: Partial<NeighborConfig['gracefulRestart']>;
  /** undefined: none listed (a neighbour then takes its group's, or the default per address). */
  readonly afiSafis?: readonly AfiSafiConfig[];
  readonly applyPolicy: Partial<ApplyPolicy>;
}

export interface PeerGroupConfig {
  readonly peerGroupName: string;
  readonly template: NeighborTemplate;
}

export interface DynamicNeighborConfig {
  /** Canonical CIDR. */
  readonly prefix: string;
  readonly peerGroup: string;
}

export interface PrefixListEntry {
  /** Canonical CIDR. */
  readonly ipPrefix: string;
  /** Inclusive; both equal the prefix length when no masklength-range is given. */
  readonly masklengthMin: number;
  readonly masklengthMax: number;
}

export interface DefinedSets {
  readonly prefixSets: readonly { readonly name: string; readonly prefixList: readonly PrefixListEntry[] }[];
  /** Addresses or CIDRs. */
  readonly neighborSets: readonly { readonly name: string; readonly neighborInfoList: readonly string[] }[];
  /** Entries that parse as a community match exactly; others are regular expressions over the
   *  text form, as in GoBGP. */
  readonly communitySets: readonly { readonly name: string; readonly communityList: readonly string[] }[];
  readonly extCommunitySets: readonly { readonly name: string; readonly extCommunityList: readonly string[] }[];
  readonly largeCommunitySets: readonly { readonly name: string; readonly largeCommunityList: readonly string[] }[];
  /** GoBGP AS path regular expressions (`_` matches a delimiter). */
  readonly asPathSets: readonly { readonly name: string; readonly asPathList: readonly string[] }[];
}

export type MatchSetOptions = 'any' | 'all' | 'invert';
export type CompareOperator = 'eq' | 'ge' | 'le';

export interface SetRef {
  readonly name: string;
  readonly options: MatchSetOptions;
}

export interface Conditions {
  readonly matchPrefixSet?: SetRef;
  readonly matchNeighborSet?: SetRef;
  readonly matchCommunitySet?: SetRef;
  readonly matchExtCommunitySet?: SetRef;
  readonly matchLargeCommunitySet?: SetRef;
  readonly matchAsPathSet?: SetRef;
  readonly asPathLength?: { readonly operator: CompareOperator; readonly value: number };
  readonly communityCount?: { readonly operator: CompareOperator; readonly value: number };
  readonly afiSafiIn?: readonly Family[];
  /** Canonical addresses. */
  readonly nextHopInList?: readonly string[];
  /** Origin.Igp | Egp | Incomplete. */
  readonly origin?: number;
}

export type CommunityOptions = 'add' | 'remove' | 'replace';

export interface Actions {
  /** 'none': apply the actions and go on to the next statement (GoBGP). */
  readonly routeDisposition: RouteDisposition | 'none';
  readonly setLocalPref?: number;
  /** `100` sets, `+10` adds, `-10` subtracts (clamped to 0..2^32-1). */
  readonly setMed?: { readonly op: 'set' | 'add' | 'sub'; readonly value: number };
  readonly setCommunity?: { readonly options: CommunityOptions; readonly communitiesList: readonly string[] };
  readonly setExtCommunity?: { readonly options: CommunityOptions; readonly communitiesList: readonly string[] };
  readonly setLargeCommunity?: { readonly options: CommunityOptions; readonly communitiesList: readonly string[] };
  /** 'self' (our session address), 'peer-address', or a canonical address. */
  readonly setNextHop?: string;
  readonly setAsPathPrepend?: { readonly as: number | 'last-as'; readonly repeatN: number };
}

export interface Statement {
  readonly name: string;
  readonly conditions: Conditions;
  readonly actions: Actions;
}

export interface PolicyDefinition {
  readonly name: string;
  readonly statements: readonly Statement[];
}

/** bgpipe extension: a route bgpiped originates (GoBGP can only do this through its API). */
export interface StaticRouteConfig {
  /** Canonical CIDR. */
  readonly prefix: string;
  readonly family: Family;
  /** undefined: our own address on each session (next-hop-self). */
  readonly nextHop?: string;
  readonly communities: readonly number[];
  readonly largeCommunities: readonly (readonly [number, number, number])[];
  readonly med?: number;
  readonly localPref?: number;
}

/** bgpipe extension `[kernel]`: best paths of ipv4/ipv6-unicast as kernel routes. */
export interface KernelConfig {
  readonly enabled: boolean;
  /** Routing table id (254 = main). */
  readonly table: number;
  /** rt_protos number our routes carry (186 = bgp); every route with it in `table` is ours. */
  readonly protocol: number;
  readonly metric: number;
  /** Seconds between re-reads of the table; 0 = only at start. */
  readonly reconcileInterval: number;
  /** Seconds after start before routes left from a previous run are removed, unless every
   *  configured neighbour has sent End-of-RIB before. */
  readonly staleTime: number;
}

/** `[DATAPLANE_DRIVER_EVPN]` / `[DATAPLANE_DRIVER_IPVPN]`: bagpipe-bgp's driver sections, read
 *  from the TOML as from the INI. */
export interface DataplaneDriverConfig {
  readonly driver: 'dummy' | 'linux';
  /** The VXLAN source address and the routes' next hop; undefined: the BGP local address. */
  readonly localAddress: string | undefined;
  readonly vxlanDstPort: number;
  /** Seconds between re-reads of the kernel objects the driver owns; 0 = only at start. */
  readonly reconcileInterval: number;
}

export interface Config {
  /** File name (or `<defaults>`), for log lines and errors at reload. */
  readonly source: string;
  readonly global: GlobalConfig;
  /** Configured neighbours, peer-group values folded in. */
  readonly neighbors: readonly NeighborConfig[];
  readonly peerGroups: readonly PeerGroupConfig[];
  readonly dynamicNeighbors: readonly DynamicNeighborConfig[];
  readonly definedSets: DefinedSets;
  readonly policyDefinitions: readonly PolicyDefinition[];
  readonly staticRoutes: readonly StaticRouteConfig[];
  /** bgpipe extension: the local HTTP API (bagpipe-compatible REST, looking glass, /metrics). */
  readonly api: { readonly listenAddress: string; readonly port: number };
  /** bgpipe extension: Prometheus text on the API port at /metrics. */
  readonly metrics: { readonly enabled: boolean };
  /** bgpipe extension: the FIB (src/dataplane/fib.ts). */
  readonly kernel: KernelConfig;
  /** The VPN dataplane drivers. */
  readonly dataplane: { readonly evpn: DataplaneDriverConfig; readonly ipvpn: DataplaneDriverConfig };
  /** Keys that were ignored (unknown, or GoBGP features bgpipe lacks), to be logged at load. */
  readonly warnings: readonly ConfigIssue[];
}
