/**
 * `[defined-sets]` and `[[policy-definitions]]`: checked here once (every referenced set and
 * policy exists, every community, prefix and regular expression parses) so that the policy
 * compiler can trust what it is given and errors name the key that is wrong.
 */
import { isIpAddress, canonicalAddress, parsePrefixText } from './address.js';
import { asPathRegExp } from './as-path-text.js';
import { parseCommunity, parseExtCommunity, parseLargeCommunity } from './community-text.js';
import { keyPathOf } from './errors.js';
import { lookupFamily } from './families.js';
import type { Issues } from './neighbors.js';
import type { Document, RawStatement } from './schema.js';
import type { Actions, CommunityOptions, Conditions, DefinedSets, PolicyDefinition, PrefixListEntry, SetRef, Statement } from './types.js';
import type { Family } from '../wire/family.js';
import { Origin } from '../wire/attributes/types.js';

type Path = PropertyKey[];

function isRegExp(s: string): boolean {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
}

/** Members of a community-like list: exact values, or GoBGP regular expressions. */
function checkList(list: readonly string[], parse: (s: string) => unknown, what: string, path: Path, issues: Issues): void {
  list.forEach((s, i) => {
    if (parse(s) === undefined && !isRegExp(s)) {
      issues.errors.push({ keyPath: keyPathOf([...path, i]), message: `expected ${what} or a regular expression, got ${JSON.stringify(s)}` });
    }
  });
}

function noDuplicates(names: readonly string[], path: (i: number) => Path, issues: Issues): void {
  const seen = new Set<string>();
  names.forEach((n, i) => {
    if (seen.has(n)) issues.errors.push({ keyPath: keyPathOf(path(i)), message: `duplicate name ${JSON.stringify(n)}` });
    seen.add(n);
  });
}

export function buildDefinedSets(raw: Document['defined-sets'], issues: Issues): DefinedSets {
  const base: Path = ['defined-sets'];
  const prefixSets = (raw?.['prefix-sets'] ?? []).map((s, i) => ({
    name: s['prefix-set-name'],
    prefixList: (s['prefix-list'] ?? []).flatMap((e, j) => prefixEntry(e, [...base, 'prefix-sets', i, 'prefix-list', j], issues) ?? []),
  }));
  const neighborSets = (raw?.['neighbor-sets'] ?? []).map((s, i) => {
    const list = s['neighbor-info-list'] ?? [];
    list.forEach((a, j) => {
      if (!isIpAddress(a) && !(a.includes('/') && parsePrefixText(a))) {
        issues.errors.push({ keyPath: keyPathOf([...base, 'neighbor-sets', i, 'neighbor-info-list', j]), message: `expected an address or a prefix, got ${JSON.stringify(a)}` });
      }
    });
    return { name: s['neighbor-set-name'], neighborInfoList: list.map((a) => (a.includes('/') ? parsePrefixText(a)?.text ?? a : canonicalAddress(a) ?? a)) };
  });
  const b = raw?.['bgp-defined-sets'];
  const bp: Path = [...base, 'bgp-defined-sets'];
  const communitySets = (b?.['community-sets'] ?? []).map((s, i) => {
    const list = s['community-list'] ?? [];
    checkList(list, parseCommunity, 'a community like "65000:100"', [...bp, 'community-sets', i, 'community-list'], issues);
    return { name: s['community-set-name'], communityList: list };
  });
  const extCommunitySets = (b?.['ext-community-sets'] ?? []).map((s, i) => {
    const list = s['ext-community-list'] ?? [];
    checkList(list, parseExtCommunity, 'an extended community like "rt:65000:100"', [...bp, 'ext-community-sets', i, 'ext-community-list'], issues);
    return { name: s['ext-community-set-name'], extCommunityList: list };
  });
  const largeCommunitySets = (b?.['large-community-sets'] ?? []).map((s, i) => {
    const list = s['large-community-list'] ?? [];
    checkList(list, parseLargeCommunity, 'a large community like "65000:1:2"', [...bp, 'large-community-sets', i, 'large-community-list'], issues);
    return { name: s['large-community-set-name'], largeCommunityList: list };
  });
  const asPathSets = (b?.['as-path-sets'] ?? []).map((s, i) => {
    const list = s['as-path-list'] ?? [];
    list.forEach((r, j) => {
      try {
        asPathRegExp(r);
      } catch {
        issues.errors.push({ keyPath: keyPathOf([...bp, 'as-path-sets', i, 'as-path-list', j]), message: `invalid regular expression ${JSON.stringify(r)}` });
      }
    });
    return { name: s['as-path-set-name'], asPathList: list };
  });
  noDuplicates(prefixSets.map((s) => s.name), (i) => [...base, 'prefix-sets', i, 'prefix-set-name'], issues);
  noDuplicates(neighborSets.map((s) => s.name), (i) => [...base, 'neighbor-sets', i, 'neighbor-set-name'], issues);
  noDuplicates(communitySets.map((s) => s.name), (i) => [...bp, 'community-sets', i, 'community-set-name'], issues);
  noDuplicates(extCommunitySets.map((s) => s.name), (i) => [...bp, 'ext-community-sets', i, 'ext-community-set-name'], issues);
  noDuplicates(largeCommunitySets.map((s) => s.name), (i) => [...bp, 'large-community-sets', i, 'large-community-set-name'], issues);
  noDuplicates(asPathSets.map((s) => s.name), (i) => [...bp, 'as-path-sets', i, 'as-path-set-name'], issues);
  return { prefixSets, neighborSets, communitySets, extCommunitySets, largeCommunitySets, asPathSets };
}

/** `masklength-range = "24..32"`: prefixes inside ip-prefix whose length is in the range.
 *  Without a range only ip-prefix itself matches (GoBGP). */
function prefixEntry(raw: { 'ip-prefix': string; 'masklength-range'?: string | undefined }, path: Path, issues: Issues): PrefixListEntry | undefined {
  const p = parsePrefixText(raw['ip-prefix']);
  if (!p) return undefined; // schema already reported it
  const range = raw['masklength-range'];
  if (range === undefined) return { ipPrefix: p.text, masklengthMin: p.length, masklengthMax: p.length };
  const m = /^\s*(\d+)\s*\.\.\s*(\d+)\s*$/.exec(range) ?? /^\s*(\d+)\s*$/.exec(range);
  const min = m ? Number(m[1]) : NaN;
  const max = m ? Number(m[2] ?? m[1]) : NaN;
  const maxLen = p.version === 4 ? 32 : 128;
  if (!(min >= p.length && min <= max && max <= maxLen)) {
    issues.errors.push({
      keyPath: keyPathOf([...path, 'masklength-range']),
      message: `expected "min..max" with ${p.length} <= min <= max <= ${maxLen}, got ${JSON.stringify(range)}`,
    });
    return undefined;
  }
  return { ipPrefix: p.text, masklengthMin: min, masklengthMax: max };
}

export function buildPolicies(raw: Document['policy-definitions'], sets: DefinedSets, issues: Issues): PolicyDefinition[] {
  const defs = (raw ?? []).map((p, i) => ({
    name: p.name,
    statements: (p.statements ?? []).map((s, j) => statementOf(s, `${p.name}-${j}`, ['policy-definitions', i, 'statements', j], sets, issues)),
  }));
  noDuplicates(defs.map((d) => d.name), (i) => ['policy-definitions', i, 'name'], issues);
  return defs;
}

function statementOf(raw: RawStatement, defaultName: string, path: Path, sets: DefinedSets, issues: Issues): Statement {
  return { name: raw.name ?? defaultName, conditions: conditionsOf(raw, [...path, 'conditions'], sets, issues), actions: actionsOf(raw, [...path, 'actions'], issues) };
}

function conditionsOf(raw: RawStatement, path: Path, sets: DefinedSets, issues: Issues): Conditions {
  const c = raw.conditions;
  const b = c?.['bgp-conditions'];
  const out: { -readonly [K in keyof Conditions]: Conditions[K] } = {};
  const ref = (
    r: { 'match-set-options'?: 'any' | 'all' | 'invert' | undefined } | undefined,
    key: string,
    name: string | undefined,
    known: readonly { name: string }[],
    at: Path,
  ): SetRef | undefined => {
    if (!r || name === undefined) return undefined;
    if (!known.some((s) => s.name === name)) {
      issues.errors.push({ keyPath: keyPathOf([...at, key]), message: `no ${key} named ${JSON.stringify(name)} in defined-sets` });
    }
    return { name, options: r['match-set-options'] ?? 'any' };
  };
  const bp = [...path, 'bgp-conditions'];
  const mp = c?.['match-prefix-set'];
  const mn = c?.['match-neighbor-set'];
  const mc = b?.['match-community-set'];
  const me = b?.['match-ext-community-set'];
  const ml = b?.['match-large-community-set'];
  const ma = b?.['match-as-path-set'];
  const set = <K extends keyof Conditions>(k: K, v: Conditions[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('matchPrefixSet', ref(mp, 'prefix-set', mp?.['prefix-set'], sets.prefixSets, [...path, 'match-prefix-set']));
  set('matchNeighborSet', ref(mn, 'neighbor-set', mn?.['neighbor-set'], sets.neighborSets, [...path, 'match-neighbor-set']));
  set('matchCommunitySet', ref(mc, 'community-set', mc?.['community-set'], sets.communitySets, [...bp, 'match-community-set']));
  set('matchExtCommunitySet', ref(me, 'ext-community-set', me?.['ext-community-set'], sets.extCommunitySets, [...bp, 'match-ext-community-set']));
  set('matchLargeCommunitySet', ref(ml, 'large-community-set', ml?.['large-community-set'], sets.largeCommunitySets, [...bp, 'match-large-community-set']));
  set('matchAsPathSet', ref(ma, 'as-path-set', ma?.['as-path-set'], sets.asPathSets, [...bp, 'match-as-path-set']));
  set('asPathLength', b?.['as-path-length']);
  set('communityCount', b?.['community-count']);
  const afis = b?.['afi-safi-in'];
  if (afis) {
    const families: Family[] = [];
    afis.forEach((n, i) => {
      const f = lookupFamily(n);
      if (f.kind === 'known') families.push(f.family);
      else issues.errors.push({ keyPath: keyPathOf([...bp, 'afi-safi-in', i]), message: `unknown address family ${JSON.stringify(n)}` });
    });
    out.afiSafiIn = families;
  }
  set('nextHopInList', b?.['next-hop-in-list']?.map((a) => canonicalAddress(a) ?? a));
  const origin = b?.['origin-eq'];
  if (origin !== undefined) out.origin = origin === 'igp' ? Origin.Igp : origin === 'egp' ? Origin.Egp : Origin.Incomplete;
  return out;
}

function actionsOf(raw: RawStatement, path: Path, issues: Issues): Actions {
  const a = raw.actions;
  const rd = a?.['route-disposition'];
  let routeDisposition: Actions['routeDisposition'] = 'none';
  if (typeof rd === 'string') routeDisposition = rd;
  else if (rd) {
    // Older GoBGP: a table of booleans; `accept-route = false` alone means no disposition.
    if (rd['accept-route'] && rd['reject-route']) {
      issues.errors.push({ keyPath: keyPathOf([...path, 'route-disposition']), message: 'accept-route and reject-route are both true' });
    }
    routeDisposition = rd['accept-route'] ? 'accept-route' : rd['reject-route'] ? 'reject-route' : 'none';
  }
  const out: { -readonly [K in keyof Actions]: Actions[K] } = { routeDisposition };
  const b = a?.['bgp-actions'];
  const bp = [...path, 'bgp-actions'];
  if (!b) return out;
  if (b['set-local-pref'] !== undefined) out.setLocalPref = b['set-local-pref'];
  const med = b['set-med'];
  if (med !== undefined) {
    const t = String(med).trim();
    const value = Number(t.replace(/^[+-]/, ''));
    if (value > 0xffffffff) issues.errors.push({ keyPath: keyPathOf([...bp, 'set-med']), message: `MED out of range 0..4294967295: ${JSON.stringify(med)}` });
    out.setMed = { op: t.startsWith('+') ? 'add' : t.startsWith('-') ? 'sub' : 'set', value };
  }
  const communities = (
    key: 'set-community' | 'set-ext-community' | 'set-large-community',
    method: 'set-community-method' | 'set-ext-community-method' | 'set-large-community-method',
    parse: (s: string) => unknown,
    what: string,
  ) => {
    const c = b[key] as { options: string; [m: string]: unknown } | undefined;
    if (!c) return undefined;
    const options = c.options.toLowerCase() as CommunityOptions;
    const list = ((c[method] as { 'communities-list'?: string[] } | undefined)?.['communities-list'] ?? []) as string[];
    const at = [...bp, key, method, 'communities-list'];
    // `remove` may use regular expressions like community-sets; add and replace need values.
    if (options === 'remove') checkList(list, parse, what, at, issues);
    else {
      list.forEach((s, i) => {
        if (parse(s) === undefined) issues.errors.push({ keyPath: keyPathOf([...at, i]), message: `expected ${what}, got ${JSON.stringify(s)}` });
      });
    }
    return { options, communitiesList: list };
  };
  const sc = communities('set-community', 'set-community-method', parseCommunity, 'a community like "65000:100"');
  if (sc) out.setCommunity = sc;
  const se = communities('set-ext-community', 'set-ext-community-method', parseExtCommunity, 'an extended community like "rt:65000:100"');
  if (se) out.setExtCommunity = se;
  const sl = communities('set-large-community', 'set-large-community-method', parseLargeCommunity, 'a large community like "65000:1:2"');
  if (sl) out.setLargeCommunity = sl;
  const nh = b['set-next-hop'];
  if (nh !== undefined) {
    const t = nh.trim().toLowerCase();
    if (t === 'self' || t === 'peer-address') out.setNextHop = t;
    else if (isIpAddress(nh)) out.setNextHop = canonicalAddress(nh) ?? nh;
    else issues.errors.push({ keyPath: keyPathOf([...bp, 'set-next-hop']), message: `expected "self", "peer-address" or an address, got ${JSON.stringify(nh)}` });
  }
  const pp = b['set-as-path-prepend'];
  if (pp) out.setAsPathPrepend = { as: pp.as === 'last-as' ? 'last-as' : Number(pp.as), repeatN: pp['repeat-n'] ?? 1 };
  return out;
}

/** Every policy named in an apply-policy list must be defined. */
export function checkPolicyRefs(list: readonly string[] | undefined, defs: readonly PolicyDefinition[], path: Path, issues: Issues): void {
  list?.forEach((name, i) => {
    if (!defs.some((d) => d.name === name)) issues.errors.push({ keyPath: keyPathOf([...path, i]), message: `no policy-definitions entry named ${JSON.stringify(name)}` });
  });
}
