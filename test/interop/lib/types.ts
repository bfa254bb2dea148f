/**
 * The one route shape every daemon module normalizes to, so an interop test
 * asserts the same way whatever real daemon received the route.
 */
import type { Lab } from './netns.js';
import type { LabProcess } from './process.js';

export type Family = 'ipv4-unicast' | 'ipv6-unicast' | 'l2vpn-evpn' | 'l3vpn-ipv4-unicast' | 'rtc';

export type NeighborState =
  | 'idle'
  | 'connect'
  | 'active'
  | 'opensent'
  | 'openconfirm'
  | 'established'
  | 'unknown';

export interface Route {
  /** The NLRI as the daemon prints it: "10.1.0.0/24", "2001:db8::/48", or the daemon's EVPN/VPN string. */
  prefix: string;
  nextHop: string;
  /** AS_PATH flattened (AS_SET members included in order). */
  asPath: number[];
  med?: number;
  localPref?: number;
  /** Standard communities as "asn:value". */
  communities: string[];
  originatorId?: string;
  clusterList?: string[];
  origin?: 'igp' | 'egp' | 'incomplete';
  /** The daemon's best path for this prefix. */
  best: boolean;
  /** The neighbour it came from; undefined for a locally originated route. */
  from?: string;
}

/** What a test asks a daemon to originate. */
export interface Announcement {
  /** Needed by gobgpd and exabgp; FRR and BIRD use their own address for eBGP. */
  nextHop?: string;
  med?: number;
  localPref?: number;
  /** "asn:value" strings. */
  communities?: string[];
  /** AS numbers prepended after the daemon's own AS, in order. */
  asPath?: number[];
  origin?: 'igp' | 'egp' | 'incomplete';
}

export interface NeighborConfig {
  address: string;
  asn: number;
  passive?: boolean;
  routeReflectorClient?: boolean;
  clusterId?: string;
  /** Default: ['ipv4-unicast', 'ipv6-unicast']. */
  families?: Family[];
  /** TCP MD5 signature key (RFC 2385). FRR only for now. */
  password?: string;
  /** GTSM (RFC 5082): send TTL 255, accept only from this many hops away. FRR only for now. */
  ttlSecurityHops?: number;
}

/** For the daemon modules that do not configure MD5/GTSM yet: a test asking for it must not run without. */
export function assertNoTransportSecurity(n: NeighborConfig): void {
  if (n.password !== undefined || n.ttlSecurityHops !== undefined) {
    throw new Error(`password / ttlSecurityHops for ${n.address}: only the FRR module configures them`);
  }
}

/** The options every real-daemon module starts from (each adds its own). */
export interface PeerOptions<N extends NeighborConfig = NeighborConfig> {
  routerId: string;
  asn: number;
  /** Address(es) the daemon listens on (port 179); also the session source per address family. */
  listenAddress: string | string[];
  neighbors: N[];
  /** Default 9 s; keepalive a third of it. */
  holdTime?: number;
}

/** The API every real-daemon module offers. */
export interface BgpDaemon {
  readonly kind: 'gobgpd' | 'frr' | 'bird' | 'exabgp';
  /** e.g. "gobgpd@10.99.0.1" */
  readonly label: string;
  readonly pid: number;
  /** Its own temp dir: config, pid file, control socket, logs. */
  readonly dir: string;
  readonly alive: boolean;
  readonly lab: Lab;
  readonly process: LabProcess;
  addRoute(family: Family, prefix: string, attrs?: Announcement): Promise<void>;
  deleteRoute(family: Family, prefix: string): Promise<void>;
  routes(family: Family): Promise<Route[]>;
  neighborState(address: string): Promise<NeighborState>;
  waitEstablished(address: string, timeoutMs?: number): Promise<void>;
  logs(): Promise<string>;
  stop(): Promise<void>;
}

export const defaultFamilies: Family[] = ['ipv4-unicast', 'ipv6-unicast'];

/** Map any daemon's spelling of an FSM state ("Established", "ESTABLISHED", 6) to ours. */
export function normalizeState(s: string | number | undefined): NeighborState {
  if (typeof s === 'number') {
    // GoBGP's api.PeerState_SessionState enum.
    return (['unknown', 'idle', 'connect', 'active', 'opensent', 'openconfirm', 'established'] as const)[s] ?? 'unknown';
  }
  const v = (s ?? '').toLowerCase().replace(/[^a-z]/g, '');
  switch (v) {
    case 'idle':
    case 'connect':
    case 'active':
    case 'opensent':
    case 'openconfirm':
    case 'established':
      return v;
    case 'sessionstateestablished':
      return 'established';
    default:
      return 'unknown';
  }
}

/** 0xAAAABBBB → "AAAA:BBBB". */
export function communityFromNumber(n: number): string {
  return `${Math.floor(n / 65536)}:${n % 65536}`;
}

export function isIPv6(addr: string): boolean {
  return addr.includes(':');
}
