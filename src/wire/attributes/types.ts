/**
 * Path attributes as the rest of bgpipe sees them (RFC 4271 §5, RFC 4760, RFC 6793, RFC 1997,
 * RFC 4360, RFC 8092, RFC 4456).
 *
 * One `PathAttributes` object describes everything a route carries besides its NLRI, including
 * its next hop, whatever the family: the codec folds NEXT_HOP (IPv4 unicast) or the next hop of
 * MP_REACH_NLRI into `nextHop`, and unfolds it again when encoding. So routes that leave in one
 * UPDATE are exactly the routes that share one `PathAttributes`, and the RIB never has to know
 * which family keeps its next hop where.
 *
 * Objects are immutable once built: the RIB interns them (rib/attr-set.ts) and shares one object
 * between all routes that carry the same attributes.
 */

export const AttrCode = {
  Origin: 1,
  AsPath: 2,
  NextHop: 3,
  MultiExitDisc: 4,
  LocalPref: 5,
  AtomicAggregate: 6,
  Aggregator: 7,
  Communities: 8,
  OriginatorId: 9,
  ClusterList: 10,
  MpReachNlri: 14,
  MpUnreachNlri: 15,
  ExtendedCommunities: 16,
  As4Path: 17,
  As4Aggregator: 18,
  PmsiTunnel: 22,
  LargeCommunities: 32,
} as const;

/** Attribute flags (RFC 4271 §4.3). */
export const AttrFlag = { Optional: 0x80, Transitive: 0x40, Partial: 0x20, ExtendedLength: 0x10 } as const;

export const Origin = { Igp: 0, Egp: 1, Incomplete: 2 } as const;

export const AsPathSegmentType = { Set: 1, Sequence: 2, ConfedSequence: 3, ConfedSet: 4 } as const;

export interface AsPathSegment {
  readonly type: number;
  /** Always 4-octet values: a 2-octet AS_PATH is merged with AS4_PATH on receipt (RFC 6793 §4.2.3). */
  readonly asns: readonly number[];
}

/** An attribute bgpipe does not interpret, kept byte for byte. */
export interface RawAttribute {
  readonly flags: number;
  readonly code: number;
  readonly value: Buffer;
}

export interface Aggregator {
  readonly asn: number;
  readonly address: string;
}

/** [global administrator, local data 1, local data 2] (RFC 8092). */
export type LargeCommunity = readonly [number, number, number];

/** PMSI_TUNNEL (RFC 6514 §5), see pmsi-tunnel.ts. */
export interface PmsiTunnel {
  readonly flags: number;
  /** 6 = Ingress Replication. */
  readonly tunnelType: number;
  /** The raw 3-octet MPLS Label field (the VNI with VXLAN, RFC 8365 §5.1.3). */
  readonly label: number;
  /** Ingress Replication: the tunnel endpoint's address; other types: the raw identifier. */
  readonly tunnelId: Buffer | string;
}

export interface PathAttributes {
  /** ORIGIN: Origin.Igp | Egp | Incomplete. */
  readonly origin: number;
  /** AS_PATH, 4-octet ASNs. Empty for routes originated inside the AS. */
  readonly asPath: readonly AsPathSegment[];
  /** The route's next hop, textual (IPv4 dotted quad or IPv6). From NEXT_HOP or MP_REACH_NLRI. */
  readonly nextHop: string;
  /** IPv6 link-local next hop, when MP_REACH_NLRI carried two (RFC 2545 §3). */
  readonly nextHopLinkLocal?: string;
  readonly med?: number;
  readonly localPref?: number;
  readonly atomicAggregate?: boolean;
  readonly aggregator?: Aggregator;
  /** RFC 1997 communities as 32-bit unsigned values (ASN << 16 | value). */
  readonly communities?: readonly number[];
  /** RFC 4360 extended communities, each the 8 octets as one unsigned 64-bit bigint. */
  readonly extCommunities?: readonly bigint[];
  readonly largeCommunities?: readonly LargeCommunity[];
  /** RFC 4456 route reflection. */
  readonly originatorId?: string;
  readonly clusterList?: readonly string[];
  /** RFC 6514 §5 PMSI_TUNNEL (EVPN Inclusive Multicast routes, RFC 7432 §11.2). */
  readonly pmsiTunnel?: PmsiTunnel;
  /** Optional attributes bgpipe does not know. Transitive ones are re-advertised with the Partial
   *  bit set (RFC 4271 §5); non-transitive ones are dropped when re-advertised (§9.1.4... the
   *  encoder leaves them out for any peer). */
  readonly unknown?: readonly RawAttribute[];
}
