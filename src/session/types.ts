/**
 * What the session layer needs to know about a neighbour, and what it learns in OPEN.
 */
import type { Family } from '../wire/family.js';

export interface SessionConfig {
  /** Neighbour address (IPv4 or IPv6, textual). */
  readonly peerAddress: string;
  /** TCP port of the neighbour (179). */
  readonly peerPort: number;
  /** Source address for outgoing connections; undefined lets the kernel choose. */
  readonly localAddress?: string;
  readonly localAs: number;
  /** The AS we expect; undefined accepts whatever the peer says (bgpipe extension for
   *  dynamic neighbours in a peer group without peer-as, like FRR's `remote-as external|internal`). */
  readonly peerAs?: number;
  readonly routerId: string;
  /** Only wait for the peer to connect (GoBGP transport.config.passive-mode). */
  readonly passive: boolean;
  /** Proposed hold time in seconds (0 = no keepalives, RFC 4271 §4.2). */
  readonly holdTime: number;
  /** Keepalive interval in seconds; scaled down with the negotiated hold time. */
  readonly keepaliveInterval: number;
  readonly connectRetryTime: number;
  /** Families offered in the Multiprotocol capability. */
  readonly families: readonly Family[];
  /** Offer graceful restart (RFC 4724) for every family in `families`; undefined: do not offer. */
  readonly gracefulRestart?: GracefulRestartOffer;
  /** Name sent in the FQDN capability; undefined: do not send it. */
  readonly hostname?: string;
  /** TCP MD5 signature key (RFC 2385) on every segment of the session, both directions. */
  readonly md5Key?: string;
  /** TTL / hop limit of what we send (eBGP 1, multihop, GTSM 255); undefined: kernel default. */
  readonly ttl?: number;
  /** GTSM (RFC 5082): the kernel drops segments arriving with a lower TTL / hop limit. */
  readonly minTtl?: number;
}

/** Our graceful restart capability (RFC 4724 §3). */
export interface GracefulRestartOffer {
  /** Seconds the peer should keep our routes after our session drops (12 bits). */
  readonly restartTime: number;
  /** The families listed (each with the F bit when restarting); undefined: every offered family. */
  readonly families?: readonly Family[];
  /** Asked when each OPEN is built: we have restarted and still keep the forwarding state of
   *  before (sets the R bit, and the F bit of every family). */
  readonly restarting: () => boolean;
}

/** The outcome of the OPEN exchange (RFC 4271 §4.2, RFC 5492). */
export interface Negotiated {
  readonly peerAs: number;
  readonly peerRouterId: string;
  readonly holdTime: number;
  readonly keepaliveInterval: number;
  readonly as4: boolean;
  readonly families: ReadonlySet<Family>;
  readonly routeRefresh: boolean;
  readonly enhancedRouteRefresh: boolean;
  readonly extendedMessage: boolean;
  /** The peer's graceful restart capability, when it sent one. */
  readonly peerGracefulRestart?: {
    readonly restarting: boolean;
    readonly restartTime: number;
    readonly families: readonly Family[];
    /** Families whose F bit is set: the peer kept their forwarding state through its restart. */
    readonly forwarding: readonly Family[];
  };
  /** Families the peer said it can send with Add-Path (parsed, not used for now). */
  readonly peerAddPath: ReadonlyMap<Family, number>;
  readonly peerHostname?: string;
  readonly ibgp: boolean;
}

export type SessionState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';
