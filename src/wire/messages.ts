/**
 * The BGP messages as decoded values (RFC 4271 §4; RFC 2918 and RFC 7313 ROUTE-REFRESH).
 * Encoders and decoders live in one file per message; this file is only the shapes.
 */
import type { Family } from './family.js';
import type { PathAttributes } from './attributes/types.js';
import type { Nlri } from './nlri/types.js';
import type { PackedPrefixes } from './nlri/prefix.js';
import type { Capability } from './capabilities.js';

export const MessageType = { Open: 1, Update: 2, Notification: 3, Keepalive: 4, RouteRefresh: 5 } as const;

export const HEADER_LENGTH = 19;
/** RFC 4271 §4.1. */
export const MAX_MESSAGE_LENGTH = 4096;
/** RFC 8654, once both sides advertised the Extended Message capability. */
export const MAX_EXTENDED_MESSAGE_LENGTH = 65535;
/** RFC 6793: the 2-octet stand-in for a 4-octet ASN. */
export const AS_TRANS = 23456;

export interface OpenMessage {
  readonly version: number;
  /** The 2-octet "My Autonomous System" field (AS_TRANS when the real ASN needs 4 octets). */
  readonly myAs: number;
  readonly holdTime: number;
  /** BGP Identifier, dotted quad. */
  readonly bgpId: string;
  readonly capabilities: readonly Capability[];
}

export interface NotificationMessage {
  readonly code: number;
  readonly subcode: number;
  readonly data: Buffer;
  /** RFC 8203/9003 shutdown communication, when Cease/Administrative Shutdown or Reset carries one. */
  readonly communication?: string;
}

export const RouteRefreshSubtype = { Normal: 0, BeginningOfRefresh: 1, EndOfRefresh: 2 } as const;

export interface RouteRefreshMessage {
  readonly family: Family;
  readonly subtype: number;
}

/** A run of routes of one family announced with one set of attributes. */
export interface Announcement {
  readonly family: Family;
  readonly attributes: PathAttributes;
  readonly nlri: readonly Nlri[];
  /** Unicast NLRI in wire form, when the producer was asked for it (CodecContext.packUnicast,
   *  Rib.takeOutbound): readers that can use the octets do, and `nlri` is then made on demand. */
  readonly packed?: PackedPrefixes;
}

export interface Withdrawal {
  readonly family: Family;
  readonly nlri: readonly Nlri[];
  readonly packed?: PackedPrefixes;
}

/** An Announcement whose NLRI are packed (prefix.ts PackedPrefixes). */
export class PackedAnnouncement implements Announcement {
  constructor(
    readonly family: Family,
    readonly attributes: PathAttributes,
    readonly packed: PackedPrefixes,
  ) {}

  get nlri(): readonly Nlri[] {
    return this.packed.prefixes;
  }
}

/** A Withdrawal whose NLRI are packed. */
export class PackedWithdrawal implements Withdrawal {
  constructor(
    readonly family: Family,
    readonly packed: PackedPrefixes,
  ) {}

  get nlri(): readonly Nlri[] {
    return this.packed.prefixes;
  }
}

/** How many NLRI, without making packed ones into objects. */
export function nlriCount(x: Announcement | Withdrawal): number {
  return x.packed !== undefined ? x.packed.count : x.nlri.length;
}

/** What one UPDATE said, with RFC 7606 already applied. */
export interface UpdateMessage {
  readonly announced: readonly Announcement[];
  readonly withdrawn: readonly Withdrawal[];
  /** The UPDATE was an End-of-RIB marker for this family (RFC 4724 §2). */
  readonly endOfRib?: Family;
  /** RFC 7606 §2 treat-as-withdraw: set to the reason, and every NLRI the UPDATE announced has
   *  been moved into `withdrawn` (announced is then empty). */
  readonly treatAsWithdraw?: string;
  /** RFC 7606 §2 attribute discard: attributes dropped from `announced`, with the reason. */
  readonly discarded: readonly { readonly code: number; readonly reason: string }[];
}

/** What a session negotiated that changes how UPDATEs are read and written. */
export interface CodecContext {
  /** Both sides advertised the 4-octet AS capability (RFC 6793). */
  readonly as4: boolean;
  /** Both sides advertised Extended Message (RFC 8654): UPDATEs may be up to 65535 octets. */
  readonly extendedMessage: boolean;
  /** The peer is in our AS (iBGP): LOCAL_PREF is meaningful (RFC 7606 §7.6). */
  readonly ibgp: boolean;
  /** decodeUpdate leaves IPv4 / IPv6 unicast NLRI packed (Announcement.packed): the daemon's
   *  sessions, whose RIB reads the octets. */
  readonly packUnicast?: boolean;
}
