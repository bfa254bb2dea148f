/**
 * A statement's conditions compiled into one predicate. All conditions must hold (GoBGP ANDs
 * them); a statement without conditions matches every route.
 *
 * `peer` is the neighbour the policy runs for: the route's source on import, its destination
 * on export (GoBGP evaluates neighbor-set against the destination in export policies too).
 * A locally originated route has no source, so neighbor-set never matches it (invert does).
 */
import { asPathCount as asPathLength } from '../wire/attributes/as-path.js';
import { addressBytes, parsePrefixText, prefixContains, type ParsedPrefix } from '../config/address.js';
import { asPathRegExp, formatAsPath } from '../config/as-path-text.js';
import { formatCommunity, formatExtCommunity, formatLargeCommunity } from '../config/community-text.js';
import type { CompareOperator, Conditions, DefinedSets, MatchSetOptions } from '../config/types.js';
import type { PathAttributes } from '../wire/attributes/types.js';
import type { Family } from '../wire/family.js';
import type { Nlri } from '../wire/nlri/types.js';
import type { RibPeer } from '../rib/types.js';
import { communityMatcher, extCommunityMatcher, largeCommunityMatcher, matchValues } from './community-match.js';
import { compilePrefixSet, type PrefixMatcher } from './prefix-set.js';

export type Predicate = (peer: RibPeer | undefined, family: Family, nlri: Nlri, attrs: PathAttributes) => boolean;

/** Compiled sets, shared by every statement that names them. */
export class CompiledSets {
  private readonly prefix = new Map<string, PrefixMatcher>();
  private readonly neighbor = new Map<string, (address: string) => boolean>();
  constructor(readonly sets: DefinedSets) {}

  prefixSet(name: string): PrefixMatcher {
    let m = this.prefix.get(name);
    if (!m) {
      m = compilePrefixSet(this.sets.prefixSets.find((s) => s.name === name)?.prefixList ?? []);
      this.prefix.set(name, m);
    }
    return m;
  }

  neighborSet(name: string): (address: string) => boolean {
    let m = this.neighbor.get(name);
    if (!m) {
      const list = this.sets.neighborSets.find((s) => s.name === name)?.neighborInfoList ?? [];
      const prefixes = list.map((e) => parsePrefixText(e)).filter((p): p is ParsedPrefix => p !== undefined);
      const cache = new Map<string, boolean>();
      m = (address) => {
        let hit = cache.get(address);
        if (hit === undefined) {
          const b = addressBytes(address.replace(/^::ffff:(?=\d+\.)/i, ''));
          hit = b !== undefined && prefixes.some((p) => prefixContains(p, b));
          cache.set(address, hit);
        }
        return hit;
      };
      this.neighbor.set(name, m);
    }
    return m;
  }
}

function compare(op: CompareOperator, a: number, b: number): boolean {
  return op === 'eq' ? a === b : op === 'ge' ? a >= b : a <= b;
}

function applyOptions(hit: boolean, options: MatchSetOptions): boolean {
  return options === 'invert' ? !hit : hit;
}

export function compileConditions(c: Conditions, sets: CompiledSets): Predicate {
  const tests: Predicate[] = [];
  if (c.matchPrefixSet) {
    const m = sets.prefixSet(c.matchPrefixSet.name);
    const o = c.matchPrefixSet.options;
    tests.push((_p, family, nlri) => applyOptions(m.matches(family, nlri), o));
  }
  if (c.matchNeighborSet) {
    const m = sets.neighborSet(c.matchNeighborSet.name);
    const o = c.matchNeighborSet.options;
    tests.push((peer) => applyOptions(peer !== undefined && m(peer.address), o));
  }
  if (c.matchCommunitySet) {
    const { name, options } = c.matchCommunitySet;
    const m = communityMatcher(sets.sets.communitySets.find((s) => s.name === name)?.communityList ?? []);
    tests.push((_p, _f, _n, a) => matchValues(m, a.communities, options, formatCommunity));
  }
  if (c.matchExtCommunitySet) {
    const { name, options } = c.matchExtCommunitySet;
    const m = extCommunityMatcher(sets.sets.extCommunitySets.find((s) => s.name === name)?.extCommunityList ?? []);
    tests.push((_p, _f, _n, a) => matchValues(m, a.extCommunities, options, formatExtCommunity));
  }
  if (c.matchLargeCommunitySet) {
    const { name, options } = c.matchLargeCommunitySet;
    const m = largeCommunityMatcher(sets.sets.largeCommunitySets.find((s) => s.name === name)?.largeCommunityList ?? []);
    tests.push((_p, _f, _n, a) => matchValues(m, a.largeCommunities, options, formatLargeCommunity));
  }
  if (c.matchAsPathSet) {
    const { name, options } = c.matchAsPathSet;
    const res = (sets.sets.asPathSets.find((s) => s.name === name)?.asPathList ?? []).map(asPathRegExp);
    tests.push((_p, _f, _n, a) => {
      const text = formatAsPath(a.asPath);
      if (options === 'all') return res.length > 0 && res.every((r) => r.test(text));
      const hit = res.some((r) => r.test(text));
      return options === 'invert' ? !hit : hit;
    });
  }
  if (c.asPathLength) {
    const { operator, value } = c.asPathLength;
    tests.push((_p, _f, _n, a) => compare(operator, asPathLength(a.asPath), value));
  }
  if (c.communityCount) {
    const { operator, value } = c.communityCount;
    tests.push((_p, _f, _n, a) => compare(operator, a.communities?.length ?? 0, value));
  }
  if (c.afiSafiIn) {
    const families = new Set(c.afiSafiIn);
    tests.push((_p, family) => families.has(family));
  }
  if (c.nextHopInList) {
    const hops = new Set(c.nextHopInList);
    tests.push((_p, _f, _n, a) => hops.has(a.nextHop));
  }
  if (c.origin !== undefined) {
    const origin = c.origin;
    tests.push((_p, _f, _n, a) => a.origin === origin);
  }
  if (tests.length === 0) return () => true;
  if (tests.length === 1) return tests[0]!;
  return (peer, family, nlri, attrs) => {
    for (const t of tests) if (!t(peer, family, nlri, attrs)) return false;
    return true;
  };
}
