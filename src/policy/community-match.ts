/**
 * Community, extended community and large community sets. As in GoBGP, a list member that
 * parses as a value matches that value exactly (a Set lookup); anything else is a regular
 * expression over the text form (`^65000:.*$`), tried only when some member needs it.
 */
import {
  formatCommunity, formatExtCommunity, formatLargeCommunity, parseCommunity, parseExtCommunity, parseLargeCommunity,
} from '../config/community-text.js';
import type { LargeCommunity } from '../wire/attributes/types.js';

/** One set member: does it match this attribute value? */
export type MemberTest<T> = (value: T, text: () => string) => boolean;

export interface ValueMatcher<T> {
  /** Tests in list order: one per list member. */
  readonly members: readonly MemberTest<T>[];
  /** Any member matches the value. */
  matchesValue(value: T): boolean;
}

function compile<T, K>(list: readonly string[], parse: (s: string) => T | undefined, keyOf: (v: T) => K, format: (v: T) => string): ValueMatcher<T> {
  const exact = new Set<K>();
  const members: MemberTest<T>[] = [];
  const regexps: RegExp[] = [];
  for (const s of list) {
    const v = parse(s);
    if (v !== undefined) {
      const k = keyOf(v);
      exact.add(k);
      members.push((x) => keyOf(x) === k);
    } else {
      const re = new RegExp(s);
      regexps.push(re);
      members.push((_x, text) => re.test(text()));
    }
  }
  return {
    members,
    matchesValue(value) {
      if (exact.has(keyOf(value))) return true;
      if (regexps.length === 0) return false;
      const t = format(value);
      return regexps.some((r) => r.test(t));
    },
  };
}

export const communityMatcher = (list: readonly string[]): ValueMatcher<number> =>
  compile(list, parseCommunity, (v) => v, formatCommunity);
export const extCommunityMatcher = (list: readonly string[]): ValueMatcher<bigint> =>
  compile(list, parseExtCommunity, (v) => v, formatExtCommunity);
export const largeCommunityMatcher = (list: readonly string[]): ValueMatcher<LargeCommunity> =>
  compile(list, parseLargeCommunity, formatLargeCommunity, formatLargeCommunity);

/**
 * GoBGP's match-set-options over a route's values:
 *  any    — some member matches some value;
 *  all    — every member matches some value (the route carries all of them);
 *  invert — no member matches any value.
 */
export function matchValues<T>(m: ValueMatcher<T>, values: readonly T[] | undefined, options: 'any' | 'all' | 'invert', format: (v: T) => string): boolean {
  const vs = values ?? [];
  if (options === 'all') {
    if (m.members.length === 0) return false;
    return m.members.every((test) => vs.some((v) => test(v, () => format(v))));
  }
  const any = vs.some((v) => m.matchesValue(v));
  return options === 'invert' ? !any : any;
}
