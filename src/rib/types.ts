/**
 * What the RIB knows of the world: peers as route sources and destinations, routes, and the
 * changes it hands back. It knows nothing of sockets, timers or Linux.
 */
import type { Family } from '../wire/family.js';
import type { PathAttributes } from '../wire/attributes/types.js';
import type { Nlri } from '../wire/nlri/types.js';
import type { Announcement, Withdrawal } from '../wire/messages.js';

/** A BGP neighbour as the RIB sees it while its session is Established. */
export interface RibPeer {
  /** Unique for the life of the daemon (a re-established session gets a new id). */
  readonly id: number;
  /** Neighbour address, textual; the last tie break of the decision process compares it. */
  readonly address: string;
  /** Our address on the session: the next hop we put on routes when next-hop-self applies. */
  readonly localAddress: string;
  readonly localAddressV6?: string;
  readonly peerAs: number;
  readonly localAs: number;
  /** The peer's BGP Identifier from its OPEN. */
  readonly routerId: string;
  /** RFC 4456: the peer is a route reflector client of ours. */
  readonly routeReflectorClient: boolean;
  /** Force our address as next hop on everything sent to this peer (FRR/GoBGP `next-hop-self`). */
  readonly nextHopSelf: boolean;
  /** Families negotiated on the session (both sides advertised multiprotocol for them). */
  readonly families: ReadonlySet<Family>;
}

/** A path to a destination: the NLRI, its attributes and where it came from. */
export interface Route {
  readonly family: Family;
  readonly nlri: Nlri;
  /** Interned: compare with ===. */
  readonly attributes: PathAttributes;
  /** undefined for routes this speaker originates (config, API, VPN instances). */
  readonly peer: RibPeer | undefined;
  /** Monotonic receive order; the decision process prefers the oldest eBGP path (RFC 5004). */
  readonly sequence: number;
}

/** Emitted when the best path or the multipath set of a destination changes. */
export interface BestPathChange {
  readonly family: Family;
  readonly nlri: Nlri;
  /** undefined: the destination is gone. */
  readonly best: Route | undefined;
  /** Equal-cost paths including best (RFC 4271 §9.1.2 up to the IGP cost step); for the FIB. */
  readonly multipath: readonly Route[];
}

/** What a peer should be sent next, already packed: routes sharing attributes share one Announcement. */
export interface OutboundBatch {
  readonly announced: readonly Announcement[];
  readonly withdrawn: readonly Withdrawal[];
  /** Families whose initial table has now been handed over in full: send End-of-RIB for each
   *  (RFC 4724 §2) after this batch's UPDATEs. Empty in most batches. */
  readonly endOfRib: readonly Family[];
}
