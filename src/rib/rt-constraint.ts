/**
 * Route target constraint (RFC 4684): which VPN routes a peer wants.
 *
 * A peer that negotiated the RTC family tells us, with RT membership routes, the route targets
 * it imports; we then send it only the VPN routes (EVPN, VPN-IPv4, VPN-IPv6) that carry at least
 * one of them (§4). A peer that did not negotiate RTC gets every VPN route. The default
 * membership route (length 0) asks for everything.
 *
 * Ordering (§6): a speaker should not send VPN routes before the peer's memberships are known.
 * Here that holds by construction: a peer's membership starts empty, so no VPN route leaves for
 * it until its RTC routes have arrived, and each RTC change re-offers the VPN tables to it. Our
 * own RTC routes leave before our VPN routes because RTC is the first family in every peer's
 * outbound order (rib.ts).
 *
 * Route reflection (§3.2): a route reflector needs all of its clients' VPN routes to reflect
 * them, so towards RTC-capable clients it advertises the default membership route; to nobody else.
 */
import type { PathAttributes } from '../wire/attributes/types.js';
import { IPV4_VPN, IPV6_VPN, L2VPN_EVPN, RTC, type Family } from '../wire/family.js';
import { RTC_DEFAULT, rtcMatches, type RtcRoute } from '../wire/nlri/rtc.js';
import { isRouteTarget } from '../wire/attributes/ext-communities.js';

/** Families whose routes RT constraint filters. */
export function isConstrainedFamily(family: Family): boolean {
  return family === L2VPN_EVPN || family === IPV4_VPN || family === IPV6_VPN;
}

export const RTC_FAMILY = RTC;
export const DEFAULT_MEMBERSHIP: RtcRoute = RTC_DEFAULT;

/** One peer's RT memberships, rebuilt from its accepted RTC paths whenever they change. */
export class RtMembership {
  /** Full /96 memberships: the route target value, masked to 64 bits. */
  private exact = new Set<bigint>();
  /** Shorter ones (rare: /0 default, or partial route targets). */
  private partial: RtcRoute[] = [];
  private everything = false;
  /** Membership text, to tell whether a rebuild changed anything. */
  private signature = '';

  /** Replaces the memberships; returns true when they differ from before. */
  replace(routes: Iterable<RtcRoute>): boolean {
    const exact = new Set<bigint>();
    const partial: RtcRoute[] = [];
    let everything = false;
    const keys: string[] = [];
    for (const r of routes) {
      keys.push(r.key);
      if (r.length === 0) everything = true;
      else if (r.length === 96 && r.routeTarget !== undefined) exact.add(BigInt.asUintN(64, r.routeTarget));
      else partial.push(r);
    }
    const signature = keys.sort().join('|');
    if (signature === this.signature) return false;
    this.exact = exact;
    this.partial = partial;
    this.everything = everything;
    this.signature = signature;
    return true;
  }

  /** RFC 4684 §4: does the peer import any route target the route carries? */
  wants(attrs: PathAttributes): boolean {
    if (this.everything) return true;
    const communities = attrs.extCommunities;
    if (communities === undefined) return false;
    for (const c of communities) {
      if (!isRouteTarget(c)) continue;
      const rt = BigInt.asUintN(64, c);
      if (this.exact.has(rt)) return true;
      for (const r of this.partial) if (rtcMatches(r, rt)) return true;
    }
    return false;
  }
}
