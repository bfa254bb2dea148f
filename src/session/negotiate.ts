/**
 * OPEN contents: what we propose, and what the two OPENs agree on.
 */
import { BgpError, ErrorCode, OpenSubcode } from '../wire/errors.js';
import { IPV4_UNICAST, type Family } from '../wire/family.js';
import { AS_TRANS, type OpenMessage } from '../wire/messages.js';
import type { Capability } from '../wire/capabilities.js';
import type { Negotiated, SessionConfig } from './types.js';

export function buildOpen(config: SessionConfig): OpenMessage {
  const capabilities: Capability[] = config.families.map((family) => ({ code: 1, family }) as const);
  capabilities.push({ code: 2 }); // route refresh, RFC 2918
  capabilities.push({ code: 65, asn: config.localAs }); // RFC 6793
  capabilities.push({ code: 6 }); // extended message, RFC 8654
  const gr = config.gracefulRestart;
  if (gr !== undefined) {
    // RFC 4724 §4.1: R and F only on the sessions that follow our own restart. No N bit: a
    // NOTIFICATION ends graceful restart (RFC 8538 is not implemented).
    const restarting = gr.restarting();
    const listed = gr.families === undefined ? config.families : config.families.filter((f) => gr.families!.includes(f));
    const families = listed.map((family) => ({ family, forwardingPreserved: restarting }));
    capabilities.push({ code: 64, restarting, notification: false, restartTime: gr.restartTime, families });
  }
  if (config.hostname !== undefined) capabilities.push({ code: 73, hostname: config.hostname, domain: '' });
  return {
    version: 4,
    myAs: config.localAs > 0xffff ? AS_TRANS : config.localAs,
    holdTime: config.holdTime,
    bgpId: config.routerId,
    capabilities,
  };
}

function ipv4ToNumber(address: string): number {
  const p = address.split('.');
  return ((Number(p[0]) << 24) | (Number(p[1]) << 16) | (Number(p[2]) << 8) | Number(p[3])) >>> 0;
}

export function compareRouterIds(a: string, b: string): number {
  return ipv4ToNumber(a) - ipv4ToNumber(b);
}

/**
 * Checks the peer's OPEN against our config and works out what the session will use.
 * Throws the BgpError whose NOTIFICATION RFC 4271 §6.2 prescribes.
 */
export function negotiate(config: SessionConfig, open: OpenMessage): Negotiated {
  let as4Cap: number | undefined;
  const peerFamilies = new Set<Family>();
  let routeRefresh = false;
  let enhancedRouteRefresh = false;
  let extendedMessage = false;
  let peerGracefulRestart: Negotiated['peerGracefulRestart'];
  const peerAddPath = new Map<Family, number>();
  let peerHostname: string | undefined;
  for (const cap of open.capabilities) {
    if ('raw' in cap && cap.code !== 128) continue;
    switch (cap.code as number) {
      case 1:
        peerFamilies.add((cap as { family: Family }).family);
        break;
      case 2:
      case 128:
        routeRefresh = true;
        break;
      case 6:
        extendedMessage = true;
        break;
      case 64: {
        const gr = cap as Extract<Capability, { code: 64 }>;
        peerGracefulRestart = {
          restarting: gr.restarting,
          restartTime: gr.restartTime,
          families: gr.families.map((f) => f.family),
          forwarding: gr.families.filter((f) => f.forwardingPreserved).map((f) => f.family),
        };
        break;
      }
      case 65:
        as4Cap = (cap as { asn: number }).asn;
        break;
      case 69:
        for (const f of (cap as Extract<Capability, { code: 69 }>).families) peerAddPath.set(f.family, f.direction);
        break;
      case 70:
        enhancedRouteRefresh = true;
        break;
      case 73:
        peerHostname = (cap as { hostname: string }).hostname;
        break;
    }
  }

  // RFC 6793 §4.2: the 4-octet capability carries the real ASN; "My AS" may be AS_TRANS.
  const peerAs = as4Cap ?? open.myAs;
  if (config.peerAs !== undefined && config.peerAs !== 0 && peerAs !== config.peerAs) {
    const data = Buffer.alloc(2);
    data.writeUInt16BE(open.myAs);
    throw new BgpError(ErrorCode.OpenMessage, OpenSubcode.BadPeerAs, `peer AS ${peerAs}, expected ${config.peerAs}`, data);
  }
  if (peerAs === 0) throw new BgpError(ErrorCode.OpenMessage, OpenSubcode.BadPeerAs, 'peer AS 0');
  const ibgp = peerAs === config.localAs;
  // RFC 6286 §2.1: within an AS the BGP Identifiers must differ.
  if (ibgp && open.bgpId === config.routerId) {
    throw new BgpError(ErrorCode.OpenMessage, OpenSubcode.BadBgpIdentifier, `peer uses our router id ${open.bgpId}`);
  }

  // RFC 4271 §4.2: the smaller hold time wins; 0 means no keepalives at all.
  const holdTime = Math.min(config.holdTime, open.holdTime);
  const keepaliveInterval =
    holdTime === 0 ? 0 : Math.max(1, Math.min(config.keepaliveInterval, Math.floor(holdTime / 3)));

  // RFC 4760 §8: a peer that sends no Multiprotocol capability speaks IPv4 unicast only.
  const offered = new Set(config.families);
  if (peerFamilies.size === 0) peerFamilies.add(IPV4_UNICAST);
  const families = new Set<Family>();
  for (const f of peerFamilies) if (offered.has(f)) families.add(f);

  return {
    peerAs,
    peerRouterId: open.bgpId,
    holdTime,
    keepaliveInterval,
    as4: as4Cap !== undefined,
    families,
    routeRefresh,
    enhancedRouteRefresh,
    extendedMessage,
    peerGracefulRestart,
    peerAddPath,
    peerHostname,
    ibgp,
  };
}
