/**
 * Capabilities advertised in OPEN (RFC 5492) and their codecs.
 */
import type { Family } from './family.js';

export const CapabilityCode = {
  Multiprotocol: 1, // RFC 4760
  RouteRefresh: 2, // RFC 2918
  ExtendedNextHop: 5, // RFC 8950 (recognised, not advertised)
  ExtendedMessage: 6, // RFC 8654
  GracefulRestart: 64, // RFC 4724
  FourOctetAs: 65, // RFC 6793
  AddPath: 69, // RFC 7911
  EnhancedRouteRefresh: 70, // RFC 7313
  Fqdn: 73, // draft-walton-bgp-hostname-capability
  RouteRefreshCisco: 128, // pre-standard route refresh, still sent by some peers
} as const;

export const AddPathDirection = { Receive: 1, Send: 2, Both: 3 } as const;

export type Capability =
  | { readonly code: 1; readonly family: Family }
  | { readonly code: 2 }
  | { readonly code: 6 }
  | { readonly code: 64; readonly restarting: boolean; readonly notification: boolean; readonly restartTime: number; readonly families: readonly { readonly family: Family; readonly forwardingPreserved: boolean }[] }
  | { readonly code: 65; readonly asn: number }
  | { readonly code: 69; readonly families: readonly { readonly family: Family; readonly direction: number }[] }
  | { readonly code: 70 }
  | { readonly code: 73; readonly hostname: string; readonly domain: string }
  | { readonly code: number; readonly raw: Buffer };
