/**
 * The propagation scenarios and the messages the tester sends for each, encoded before any
 * clock starts.
 *
 * evpn: EVPN MAC/IP advertisements (RFC 7432 §7.2) as a VXLAN EVPN speaker sends them: RD
 * 10.99.0.2:1 (type 1), zero ESI, ethernet tag 0, MAC 02:bb:00 + 24-bit index, IPv4 100.64/10 +
 * index, label = VNI 10; next hop the tester's IPv4 address; a route target 65001:10 (RFC 4360
 * §4) and the encapsulation extended community VXLAN (RFC 9012 §4.1, tunnel type 8). The
 * sessions negotiate l2vpn-evpn only, over IPv4.
 */
import {
  AFI_IPV4,
  ChunkWriter,
  MAX_MACS,
  SAFI_UNICAST,
  V4_FORMAT,
  V4_MAX_ROUTES,
  baseAttributes,
  endOfRib,
  evpnFormat,
  ipv4Bytes,
  ipv6Bytes,
  packAnnouncements,
  packWithdrawals,
  v6Format,
  type AnnounceGroup,
  type NlriFormat,
} from './wire.js';

export type ScenarioName = 'v4-one-attr' | 'v4-attr-per-10' | 'v6' | 'evpn';
/** The one family a scenario's sessions negotiate (the interop harness's names). */
export type ScenarioFamily = 'ipv4-unicast' | 'ipv6-unicast' | 'l2vpn-evpn';

export interface Scenario {
  name: ScenarioName;
  title: string;
  family: ScenarioFamily;
  /** Routes sharing one attribute set; Infinity = all of them. */
  routesPerAttrSet: number;
  /** Table sizes run when --routes is not given, smallest first. IPv4 runs at both sizes issue 8
   *  names: 100k is where a fresh daemon's start-up (a JIT's warm-up) weighs most, 1M where the
   *  per-route cost does. */
  defaultSizes: readonly number[];
  /** gobgpd's cap when --gobgp-max-routes is not given: it runs unicast at ~10–16k routes/s,
   *  and EVPN one route per UPDATE at a cost per route that grows with its table (20k routes in
   *  ~21 s, 100k in ~22 min here). */
  gobgpDefaultMax: number;
}

export const SCENARIOS: Record<ScenarioName, Scenario> = {
  'v4-one-attr': { name: 'v4-one-attr', title: 'IPv4 /32, one attribute set', family: 'ipv4-unicast', routesPerAttrSet: Infinity, defaultSizes: [100_000, 1_000_000], gobgpDefaultMax: 100_000 },
  'v4-attr-per-10': { name: 'v4-attr-per-10', title: 'IPv4 /32, one attribute set per 10 routes', family: 'ipv4-unicast', routesPerAttrSet: 10, defaultSizes: [100_000, 1_000_000], gobgpDefaultMax: 100_000 },
  v6: { name: 'v6', title: 'IPv6 /128, one attribute set', family: 'ipv6-unicast', routesPerAttrSet: Infinity, defaultSizes: [100_000], gobgpDefaultMax: 100_000 },
  evpn: { name: 'evpn', title: 'EVPN type 2 (MAC + IPv4), VXLAN, one attribute set', family: 'l2vpn-evpn', routesPerAttrSet: Infinity, defaultSizes: [100_000], gobgpDefaultMax: 20_000 },
};

/** The address family of the sessions: EVPN runs over IPv4. */
export const transport = (s: Scenario): 'v4' | 'v6' => (s.family === 'ipv6-unicast' ? 'v6' : 'v4');

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
  format: NlriFormat;
  afi: number;
  safi: number;
  announce: Buffer[];
  withdraw: Buffer[];
  eor: Buffer;
  announceMessages: number;
  withdrawMessages: number;
  bytes: number;
}

/** RFC 4360 §4: two-octet AS specific route target 65001:10; RFC 9012 §4.1: encapsulation VXLAN (8). */
const EVPN_RT = [0x00, 0x02, 65001 >> 8, 65001 & 255, 0, 0, 0, 10];
const EVPN_VXLAN = [0x03, 0x0c, 0, 0, 0, 0, 0, 8];
/** What a target that passes the RT and encapsulation on unchanged sends (hex). */
export const EVPN_EXT_COMMUNITIES_HEX = Buffer.from([...EVPN_RT, ...EVPN_VXLAN]).toString('hex');
const EVPN_RD = [0, 1, ...ipv4Bytes(ADDR.tester.v4), 0, 1]; // RFC 7432 §7.9: type 1, tester's address : 1
const EVPN_VNI = 10;

function nlriFormat(s: Scenario): NlriFormat {
  if (s.family === 'ipv6-unicast') return v6Format(ipv6Bytes(ADDR.tester.v6));
  if (s.family === 'l2vpn-evpn') return evpnFormat(EVPN_RD, ipv4Bytes(ADDR.tester.v4), EVPN_VNI);
  return V4_FORMAT;
}

/** COMMUNITIES: 65001:100 on every route, plus a distinct one per attribute set when there are several. */
const COMMON_COMMUNITY = (65001 << 16) | 100;
const SET_COMMUNITY_BASE = 0x10000000;

function* groups(s: Scenario, routes: number): Generator<AnnounceGroup> {
  if (s.family === 'l2vpn-evpn') {
    yield { attrs: baseAttributes(AS.tester, undefined, [], [EVPN_RT, EVPN_VXLAN]), first: 0, count: routes };
    return;
  }
  const nh = s.family === 'ipv4-unicast' ? ADDR.tester.v4 : undefined;
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
  if (s.family !== 'ipv6-unicast' && routes > V4_MAX_ROUTES) throw new Error(`at most ${V4_MAX_ROUTES} routes with IPv4 addresses (100.64.0.0/10)`);
  if (s.family === 'l2vpn-evpn' && routes > MAX_MACS) throw new Error(`at most ${MAX_MACS} MACs`);
  const f = nlriFormat(s);
  const aw = new ChunkWriter();
  const announceMessages = packAnnouncements(aw, f, groups(s, routes));
  const announce = aw.finish();
  const ww = new ChunkWriter();
  const withdrawMessages = packWithdrawals(ww, f, routes);
  const withdraw = ww.finish();
  const afi = f.mp?.afi ?? AFI_IPV4;
  const safi = f.mp?.safi ?? SAFI_UNICAST;
  const bytes = [...announce, ...withdraw].reduce((n, b) => n + b.length, 0);
  return { format: f, afi, safi, announce, withdraw, eor: endOfRib(afi, safi), announceMessages, withdrawMessages, bytes };
}
