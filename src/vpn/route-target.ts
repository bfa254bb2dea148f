/**
 * Route targets as the VPN layer keeps them: the extended community value (RFC 4360 §4,
 * RFC 5668) and its text. bagpipe-bgp's API takes `ASN:NN`; bgpipe also takes `IPv4:NN` and
 * 4-octet ASNs, which its codec already knows.
 */
import { formatExtCommunity, routeTarget } from '../wire/attributes/ext-communities.js';

export interface RouteTarget {
  /** `64512:10`. */
  readonly text: string;
  readonly value: bigint;
}

/** Parsed RTs by text: every attach names its instance's RTs again, and parsing one costs an
 *  extended community encode and format. RouteTarget is immutable, so one object may be shared. */
const parsed = new Map<string, RouteTarget>();
const PARSED_MAX = 4096;

export function parseRouteTarget(text: string): RouteTarget | undefined {
  const known = parsed.get(text);
  if (known !== undefined) return known;
  if (!/^[0-9.]+:\d+$/.test(text.trim())) return undefined;
  let rt: RouteTarget;
  try {
    rt = routeTargetOf(routeTarget(text));
  } catch {
    return undefined;
  }
  if (parsed.size >= PARSED_MAX) parsed.clear();
  parsed.set(text, rt);
  return rt;
}

export function routeTargetOf(value: bigint): RouteTarget {
  return { text: formatExtCommunity(value).replace(/^rt:/, ''), value };
}

/** How exabgp (and so bagpipe-bgp's looking glass) writes a route target: `target:64512:10`. */
export function lgRouteTarget(rt: RouteTarget): string {
  return `target:${rt.text}`;
}

export function sameRouteTargets(a: readonly RouteTarget[], b: readonly RouteTarget[]): boolean {
  if (a.length !== b.length) return false;
  const s = new Set(a.map((r) => r.value));
  return b.every((r) => s.has(r.value));
}
