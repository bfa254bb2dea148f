/**
 * A statement's bgp-actions compiled into one attribute rewrite. The input is never modified:
 * a rewrite returns a new object (the RIB interns it), and a statement without actions has no
 * rewrite at all, so an accept-only policy costs no allocation.
 */
import { formatLargeCommunity, parseCommunity, parseExtCommunity, parseLargeCommunity } from '../config/community-text.js';
import type { Actions, CommunityOptions } from '../config/types.js';
import { AsPathSegmentType, type AsPathSegment, type LargeCommunity, type PathAttributes } from '../wire/attributes/types.js';
import { AFI, afiOf, type Family } from '../wire/family.js';
import type { RibPeer } from '../rib/types.js';
import { communityMatcher, extCommunityMatcher, largeCommunityMatcher, type ValueMatcher } from './community-match.js';

export type Rewrite = (attrs: PathAttributes, peer: RibPeer | undefined, family: Family) => PathAttributes;

type Mutable = { -readonly [K in keyof PathAttributes]: PathAttributes[K] };

const MAX_U32 = 0xffffffff;
/** RFC 4271 §4.3: a segment holds at most 255 ASNs. */
const MAX_SEGMENT = 255;

/** add / remove / replace over one community-like attribute; undefined when the list is empty
 *  (the attribute is then left out rather than sent empty). */
function communityOp<T, K>(
  options: CommunityOptions,
  list: readonly string[],
  parse: (s: string) => T | undefined,
  matcher: (l: readonly string[]) => ValueMatcher<T>,
  keyOf: (v: T) => K,
): (current: readonly T[] | undefined) => readonly T[] | undefined {
  const values = list.map(parse).filter((v): v is T => v !== undefined);
  if (options === 'replace') return () => (values.length > 0 ? values : undefined);
  if (options === 'remove') {
    const m = matcher(list);
    return (cur) => {
      if (!cur) return cur;
      const kept = cur.filter((v) => !m.matchesValue(v));
      return kept.length === cur.length ? cur : kept.length > 0 ? kept : undefined;
    };
  }
  return (cur) => {
    const have = new Set((cur ?? []).map(keyOf));
    const extra = values.filter((v) => !have.has(keyOf(v)));
    return extra.length === 0 ? cur : [...(cur ?? []), ...extra];
  };
}

function prepend(path: readonly AsPathSegment[], asn: number, n: number): AsPathSegment[] {
  const added = new Array<number>(n).fill(asn);
  const first = path[0];
  if (first && first.type === AsPathSegmentType.Sequence && first.asns.length + n <= MAX_SEGMENT) {
    return [{ type: AsPathSegmentType.Sequence, asns: [...added, ...first.asns] }, ...path.slice(1)];
  }
  return [{ type: AsPathSegmentType.Sequence, asns: added }, ...path];
}

export function compileActions(a: Actions): Rewrite | undefined {
  const steps: Array<(m: Mutable, peer: RibPeer | undefined, family: Family) => void> = [];
  if (a.setCommunity) {
    const op = communityOp(a.setCommunity.options, a.setCommunity.communitiesList, parseCommunity, communityMatcher, (v) => v);
    steps.push((m) => void (m.communities = op(m.communities)));
  }
  if (a.setExtCommunity) {
    const op = communityOp(a.setExtCommunity.options, a.setExtCommunity.communitiesList, parseExtCommunity, extCommunityMatcher, (v) => v);
    steps.push((m) => void (m.extCommunities = op(m.extCommunities)));
  }
  if (a.setLargeCommunity) {
    const op = communityOp<LargeCommunity, string>(a.setLargeCommunity.options, a.setLargeCommunity.communitiesList, parseLargeCommunity, largeCommunityMatcher, formatLargeCommunity);
    steps.push((m) => void (m.largeCommunities = op(m.largeCommunities)));
  }
  if (a.setMed) {
    const { op, value } = a.setMed;
    // An absent MED counts as 0 for +/-; results are clamped to 0..2^32-1.
    steps.push((m) => {
      const cur = m.med ?? 0;
      m.med = op === 'set' ? value : op === 'add' ? Math.min(cur + value, MAX_U32) : Math.max(cur - value, 0);
    });
  }
  if (a.setLocalPref !== undefined) {
    const lp = a.setLocalPref;
    steps.push((m) => void (m.localPref = lp));
  }
  if (a.setAsPathPrepend) {
    const { as, repeatN } = a.setAsPathPrepend;
    steps.push((m) => {
      // last-as: the neighbour's AS, the leftmost of the path; nothing to repeat on an empty path.
      const first = m.asPath[0];
      const asn = as === 'last-as' ? (first && first.type === AsPathSegmentType.Sequence ? first.asns[0] : undefined) : as;
      if (asn !== undefined) m.asPath = prepend(m.asPath, asn, repeatN);
    });
  }
  if (a.setNextHop) {
    const nh = a.setNextHop;
    steps.push((m, peer, family) => {
      if (nh === 'self') {
        if (!peer) return;
        m.nextHop = afiOf(family) === AFI.IPv6 ? (peer.localAddressV6 ?? peer.localAddress) : peer.localAddress;
        delete m.nextHopLinkLocal;
      } else if (nh === 'peer-address') {
        if (peer) m.nextHop = peer.address;
        delete m.nextHopLinkLocal;
      } else {
        m.nextHop = nh;
        delete m.nextHopLinkLocal;
      }
    });
  }
  if (steps.length === 0) return undefined;
  return (attrs, peer, family) => {
    const m: Mutable = { ...attrs };
    for (const s of steps) s(m, peer, family);
    // Optional attributes set to undefined are left out, so that equal attribute sets look equal.
    for (const k of Object.keys(m) as (keyof Mutable)[]) if (m[k] === undefined) delete m[k];
    return m;
  };
}
