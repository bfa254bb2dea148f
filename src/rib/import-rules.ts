/**
 * Loop detection on receipt. A looping path stays in Adj-RIB-In (so the looking glass shows it
 * and a policy change can be re-evaluated) but takes no part in the decision.
 *
 *  - RFC 4271 §9.1.2: "If the AS_PATH attribute of a BGP route contains an AS loop, the BGP route
 *    should be excluded from the Phase 2 decision function." An external peer's path with our
 *    AS in it (our configured AS, or the session's local-as) is such a loop.
 *  - RFC 4456 §8: "A router that recognizes the ORIGINATOR_ID attribute SHOULD ignore a route
 *    received with its BGP Identifier as the ORIGINATOR_ID", and "if the local CLUSTER_ID is
 *    found in the CLUSTER_LIST, the advertisement received SHOULD be ignored."
 */
import type { PathAttributes } from '../wire/attributes/types.js';

export interface LoopContext {
  readonly localAs: number;
  readonly routerId: string;
  readonly clusterId: string;
}

export function isEligible(ctx: LoopContext, attrs: PathAttributes, ebgp: boolean, sessionLocalAs: number): boolean {
  if (ebgp) {
    for (const s of attrs.asPath) {
      for (const asn of s.asns) if (asn === ctx.localAs || asn === sessionLocalAs) return false;
    }
  }
  if (attrs.originatorId !== undefined && attrs.originatorId === ctx.routerId) return false;
  if (attrs.clusterList !== undefined && attrs.clusterList.includes(ctx.clusterId)) return false;
  return true;
}
