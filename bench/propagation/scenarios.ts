/**
 * The propagation scenarios and the messages the tester sends for each, encoded before any
 * clock starts.
 */
import {
  AFI_IPV4,
  AFI_IPV6,
  ChunkWriter,
  SAFI_UNICAST,
  V4_MAX_ROUTES,
  baseAttributes,
  endOfRib,
  ipv6Bytes,
  packAnnouncements,
  packWithdrawals,
  type AnnounceGroup,
} from './wire.js';

export type ScenarioName = 'v4-one-attr' | 'v4-attr-per-10' | 'v6';

export interface Scenario {
  name: ScenarioName;
  title: string;
  v6: boolean;
  /** Routes sharing one attribute set; Infinity = all of them. */
  routesPerAttrSet: number;
  defaultRoutes: number;
}

export const SCENARIOS: Record<ScenarioName, Scenario> = {
  'v4-one-attr': { name: 'v4-one-attr', title: 'IPv4 /32, one attribute set', v6: false, routesPerAttrSet: Infinity, defaultRoutes: 1_000_000 },
  'v4-attr-per-10': { name: 'v4-attr-per-10', title: 'IPv4 /32, one attribute set per 10 routes', v6: false, routesPerAttrSet: 10, defaultRoutes: 1_000_000 },
  v6: { name: 'v6', title: 'IPv6 /128, one attribute set', v6: true, routesPerAttrSet: Infinity, defaultRoutes: 100_000 },
};

export function isScenario(s: string): s is ScenarioName {
  return Object.hasOwn(SCENARIOS, s);
}

/** The benchmark's addresses, all /32 or /128 on lo of its namespace. */
export const ADDR = {
  target: { v4: '10.99.0.1', v6: 'fd00:99::1' },
  tester: { v4: '10.99.0.2', v6: 'fd00:99::2' },
  monitor: { v4: '10.99.0.3', v6: 'fd00:99::3' },
} as const;

export const AS = { tester: 65001, target: 65000, monitor: 65002 } as const;

export interface Encoded {
  afi: number;
  safi: number;
  announce: Buffer[];
  withdraw: Buffer[];
  eor: Buffer;
  announceMessages: number;
  withdrawMessages: number;
  bytes: number;
}

/** COMMUNITIES: 65001:100 on every route, plus a distinct one per attribute set when there are several. */
const COMMON_COMMUNITY = (65001 << 16) | 100;
const SET_COMMUNITY_BASE = 0x10000000;

function* groups(s: Scenario, routes: number): Generator<AnnounceGroup> {
  const nh = s.v6 ? undefined : ADDR.tester.v4;
  if (!Number.isFinite(s.routesPerAttrSet)) {
    yield { attrs: baseAttributes(AS.tester, nh, [COMMON_COMMUNITY]), first: 0, count: routes };
    return;
  }
  const per = s.routesPerAttrSet;
  for (let first = 0, set = 0; first < routes; first += per, set++) {
    const attrs = baseAttributes(AS.tester, nh, [COMMON_COMMUNITY, (SET_COMMUNITY_BASE + set) >>> 0]);
    yield { attrs, first, count: Math.min(per, routes - first) };
  }
}

export function encode(s: Scenario, routes: number): Encoded {
  if (!s.v6 && routes > V4_MAX_ROUTES) throw new Error(`at most ${V4_MAX_ROUTES} IPv4 routes (100.64.0.0/10)`);
  const aw = new ChunkWriter();
  const announceMessages = packAnnouncements(aw, s.v6, ipv6Bytes(ADDR.tester.v6), groups(s, routes));
  const announce = aw.finish();
  const ww = new ChunkWriter();
  const withdrawMessages = packWithdrawals(ww, s.v6, routes);
  const withdraw = ww.finish();
  const afi = s.v6 ? AFI_IPV6 : AFI_IPV4;
  const bytes = [...announce, ...withdraw].reduce((n, b) => n + b.length, 0);
  return { afi, safi: SAFI_UNICAST, announce, withdraw, eor: endOfRib(afi, SAFI_UNICAST), announceMessages, withdrawMessages, bytes };
}
