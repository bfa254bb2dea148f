/**
 * What the BGP server runs on, in its own terms: the config layer (GoBGP TOML, later
 * bagpipe-bgp INI) is translated into these settings, so the server knows no file format.
 */
import type { Family } from '../wire/family.js';
import type { PathAttributes } from '../wire/attributes/types.js';
import type { Nlri } from '../wire/nlri/types.js';
import type { PolicyFn } from '../rib/rib.js';
import type { SessionConfig } from '../session/types.js';
import type { Md5Key } from '../session/listener.js';

export interface NeighborSettings {
  readonly session: SessionConfig;
  readonly description: string;
  readonly routeReflectorClient: boolean;
  readonly nextHopSelf: boolean;
  readonly adminDown: boolean;
  /** Cease/Maximum Number of Prefixes Reached (RFC 4486) above this many accepted routes. */
  readonly maxPrefixes?: number;
  /** Our IPv6 address for next-hop-self on IPv6 routes when the session runs over IPv4. */
  readonly localAddressV6?: string;
  readonly importPolicy?: PolicyFn;
  readonly exportPolicy?: PolicyFn;
  /** Identity of the session settings, to tell on reload whether the neighbour changed. */
  readonly fingerprint: string;
  /** Identity of the policy; a change is applied without resetting the session (soft reconfiguration). */
  readonly policyFingerprint: string;
}

export interface StaticRoute {
  readonly family: Family;
  readonly nlri: Nlri;
  readonly attributes: PathAttributes;
  readonly key: string;
}

export interface ServerSettings {
  readonly localAs: number;
  readonly routerId: string;
  readonly clusterId?: string;
  /** -1: do not listen (GoBGP's `port = -1`). */
  readonly listenPort: number;
  readonly listenAddresses: readonly string[];
  readonly multipath?: { readonly ebgp?: boolean; readonly ibgp?: boolean; readonly maxPaths?: number };
  readonly neighbors: readonly NeighborSettings[];
  /** Settings for a connection from an unconfigured address, or undefined to refuse it. */
  readonly dynamicNeighbor: (remoteAddress: string) => NeighborSettings | undefined;
  readonly staticRoutes: readonly StaticRoute[];
  /** bgpiped did not stop cleanly last time (restart-marker.ts): graceful restart's restarting
   *  speaker (RFC 4724 §4.1) sets R and F and defers its advertisements. */
  readonly restarted?: boolean;
  /** RFC 4724 §4.1 selection deferral bound, seconds (FRR's select-defer-time: 360). */
  readonly selectionDeferralTime?: number;
  /** TCP MD5 keys the listening sockets hold (neighbours and dynamic-neighbors prefixes with a password). */
  readonly md5Keys?: readonly Md5Key[];
  /** GTSM on the listening sockets (0 or absent: off): set when every neighbour uses ttl-security. */
  readonly listenMinTtl?: number;
  readonly idleHoldTime: number;
}
