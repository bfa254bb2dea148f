/**
 * The TOML document bgpiped reads: GoBGP's schema (kebab-case keys, `[[neighbors]]` with
 * `[neighbors.config]` and friends) plus bgpipe's extensions, marked "bgpipe extension" below and
 * described in docs/CONFIG.md.
 *
 * Every field is optional at this level except the ones GoBGP itself requires, because a
 * neighbour must be able to tell "absent, take the peer group's value" from "set": defaults are
 * applied after inheritance, in neighbors.ts. Keys GoBGP has and bgpipe ignores are listed as
 * `notSupported()` so that they load with a warning; conditions bgpipe cannot evaluate are
 * `unsupportedCondition()` and refuse to load (see keys.ts for why).
 */
import { z } from 'zod';
import {
  asn, bool, cidr, int, ip, ipv4, leaf, list, nonEmpty, notSupported, oneOf, peerAsn, seconds, show, str, strList,
  table, tables, uint32,
} from './values.js';

/** GoBGP conditions bgpipe cannot evaluate: ignoring one would make a statement match more. */
const unsupportedConditionSchemas = new WeakSet<z.ZodType>();
function unsupportedCondition(): z.ZodOptional<z.ZodUnknown> {
  const s = z.unknown().optional();
  unsupportedConditionSchemas.add(s);
  return s;
}
export function isUnsupportedCondition(s: z.ZodType): boolean {
  return unsupportedConditionSchemas.has(s);
}
/** Tables whose unknown keys are errors, not warnings (policy conditions, for the same reason;
 *  the dataplane driver sections, whose every key changes what reaches the kernel), with the
 *  noun the error uses. */
const strictSchemas = new WeakMap<z.ZodType, string>();
function strict<T extends z.ZodType>(s: T, noun = 'condition'): T {
  strictSchemas.set(s, noun);
  return s;
}
/** The noun for an unknown key of a strict table; undefined when the table is not strict. */
export function strictNoun(s: z.ZodType): string | undefined {
  return strictSchemas.get(s);
}

/** `[x.config]` with GoBGP's `state` sibling tolerated (it appears in dumped configs). */
function section<S extends z.ZodRawShape>(shape: S) {
  return table({ config: table(shape).optional(), state: notSupported() }).optional();
}

/** GoBGP installs routes through FRR's zebra; bgpipe writes the kernel table itself. */
const ZEBRA_HINT = 'bgpipe installs routes in the kernel itself: see [kernel]';

/** Route protocol numbers 0–4 belong to the kernel and the operator (unspec, redirect, kernel,
 *  boot, static): a table of ours there would claim routes made by hand. */
const routeProtocol = () =>
  leaf<string | number>('"bgp" or an integer 5..255 (0-4 are unspec, redirect, kernel, boot and static, not ours to claim)', (v) =>
    v === 'bgp' || (typeof v === 'number' && Number.isInteger(v) && v >= 5 && v <= 255),
  );
/** 255 is the local table (the kernel's own addresses), 0 is "unspecified". */
const routeTable = () =>
  leaf<number>('a routing table id 1..4294967295 other than 255 (local)', (v) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 4294967295 && v !== 255);

const disposition = () => oneOf('accept-route', 'reject-route');

const applyPolicyConfig = {
  'import-policy-list': strList().optional(),
  'export-policy-list': strList().optional(),
  'default-import-policy': disposition().optional(),
  'default-export-policy': disposition().optional(),
  // Route-server-era GoBGP keys.
  'in-policy-list': notSupported(),
  'default-in-policy': notSupported(),
};

const addPathsConfig = { receive: bool().optional(), 'send-max': int(0, 255).optional() };

const afiSafi = table({
  /** Shorthand GoBGP accepts (and the bagpipe EVPN blog uses): the name right in the table. */
  'afi-safi-name': str().optional(),
  config: table({ 'afi-safi-name': str().optional(), enabled: bool().optional() }).optional(),
  'add-paths': section(addPathsConfig),
  'prefix-limit': section({
    'max-prefixes': uint32().optional(),
    'shutdown-threshold-pct': int(0, 100).optional(),
    'restart-timer': notSupported(),
  }),
  state: notSupported(),
  'apply-policy': notSupported(),
  /** GoBGP: the family is listed in the graceful restart capability (see neighbors.ts). */
  'mp-graceful-restart': section({ enabled: bool().optional() }),
  'long-lived-graceful-restart': notSupported(),
  'route-selection-options': notSupported(),
  'use-multiple-paths': notSupported(),
  'route-target-membership': notSupported(),
  'ipv4-unicast': notSupported(),
  'ipv6-unicast': notSupported(),
  'ipv4-labelled-unicast': notSupported(),
  'ipv6-labelled-unicast': notSupported(),
  'l2vpn-evpn': notSupported(),
  'l3vpn-ipv4-unicast': notSupported(),
  'l3vpn-ipv6-unicast': notSupported(),
});

/** What a neighbour and a peer group share (GoBGP's PeerGroup has the same sub-tables). */
const neighborConfigCommon = {
  'peer-as': peerAsn().optional(),
  'local-as': asn().optional(),
  description: str().optional(),
  'auth-password': str().optional(),
  'admin-down': bool().optional(),
  /** bgpipe extension (FRR/GoBGP-API `next-hop-self`). */
  'next-hop-self': bool().optional(),
  'peer-type': notSupported(),
  'remove-private-as': notSupported(),
  'route-flap-damping': notSupported(),
  'send-community': notSupported(),
  'neighbor-interface': notSupported(),
  vrf: notSupported(),
  'allow-own-as': notSupported(),
  'replace-peer-as': notSupported(),
};

const neighborSubtables = {
  transport: section({
    'passive-mode': bool().optional(),
    'local-address': ip().optional(),
    'remote-port': int(1, 65535).optional(),
    ttl: int(1, 255).optional(),
    'mtu-discovery': notSupported(),
    'tcp-mss': notSupported(),
    'bind-interface': notSupported(),
  }),
  timers: section({
    'hold-time': seconds(65535).optional(),
    'keepalive-interval': seconds(21845).optional(),
    'connect-retry': seconds(65535).optional(),
    'minimum-advertisement-interval': seconds(65535).optional(),
    'idle-hold-time-after-reset': notSupported(),
  }),
  'route-reflector': section({
    'route-reflector-client': bool().optional(),
    'route-reflector-cluster-id': ipv4().optional(),
  }),
  'ebgp-multihop': section({ enabled: bool().optional(), 'multihop-ttl': int(1, 255).optional() }),
  'graceful-restart': section({
    enabled: bool().optional(),
    'restart-time': int(0, 4095).optional(),
    'helper-only': notSupported(),
    'notification-enabled': notSupported(),
    'long-lived-enabled': notSupported(),
    'deferral-time': notSupported(),
  }),
  'afi-safis': z.array(afiSafi, { error: (iss) => `expected an array of tables ([[...afi-safis]]), got ${show(iss.input)}` }).optional(),
  'apply-policy': section(applyPolicyConfig),
  /** Older GoBGP put add-paths on the neighbour; it becomes the default of each afi-safi. */
  'add-paths': section(addPathsConfig),
  'route-server': notSupported(),
  'as-path-options': notSupported(),
  'use-multiple-paths': notSupported(),
  'error-handling': notSupported(),
  /** GTSM (RFC 5082): send with TTL 255, drop what arrives below ttl-min (GoBGP: 255 = directly connected). */
  'ttl-security': section({ enabled: bool().optional(), 'ttl-min': int(1, 255).optional() }),
  bfd: notSupported(),
  state: notSupported(),
};

const neighbor = table({
  config: table({ 'neighbor-address': ip(), 'peer-group': nonEmpty().optional(), ...neighborConfigCommon }),
  ...neighborSubtables,
});

const peerGroup = table({
  config: table({ 'peer-group-name': nonEmpty(), ...neighborConfigCommon }),
  ...neighborSubtables,
});

const multipathLimit = section({ 'maximum-paths': int(1, 1024).optional(), 'allow-multiple-as': notSupported() });

const global = table({
  config: table({
    as: asn(),
    'router-id': ipv4(),
    port: int(-1, 65535).optional(),
    'local-address-list': list(ip()).optional(),
  }),
  /** Older GoBGP spelling of port and local-address-list. */
  'listen-config': table({ port: int(-1, 65535).optional(), 'local-address-list': list(ip()).optional() }).optional(),
  'apply-policy': section(applyPolicyConfig),
  'use-multiple-paths': table({
    config: table({ enabled: bool().optional() }).optional(),
    ebgp: multipathLimit,
    ibgp: multipathLimit,
  }).optional(),
  zebra: notSupported(ZEBRA_HINT),
  'mpls-label-range': notSupported(),
  collector: notSupported(),
  confederation: notSupported(),
  'default-route-distance': notSupported(),
  'route-selection-options': notSupported(),
  'graceful-restart': notSupported(),
  'afi-safis': notSupported(),
  'as-path-options': notSupported(),
  state: notSupported(),
});

const setRef = <K extends string>(key: K, ...options: readonly ('any' | 'all' | 'invert')[]) =>
  table({ [key]: nonEmpty(), 'match-set-options': oneOf(...options).optional() } as { [P in K]: z.ZodType<string> } & {
    'match-set-options': z.ZodOptional<z.ZodType<'any' | 'all' | 'invert'>>;
  }).optional();

const comparison = () => table({ operator: oneOf('eq', 'ge', 'le'), value: uint32() }).optional();

const conditions = strict(
  table({
    'match-prefix-set': setRef('prefix-set', 'any', 'invert'),
    'match-neighbor-set': setRef('neighbor-set', 'any', 'invert'),
    'bgp-conditions': strict(
      table({
        'match-community-set': setRef('community-set', 'any', 'all', 'invert'),
        'match-ext-community-set': setRef('ext-community-set', 'any', 'all', 'invert'),
        'match-large-community-set': setRef('large-community-set', 'any', 'all', 'invert'),
        'match-as-path-set': setRef('as-path-set', 'any', 'all', 'invert'),
        'as-path-length': comparison(),
        'community-count': comparison(),
        'afi-safi-in': strList().optional(),
        'next-hop-in-list': list(ip()).optional(),
        'origin-eq': oneOf('igp', 'egp', 'incomplete').optional(),
        'route-type': unsupportedCondition(),
        'rpki-validation-result': unsupportedCondition(),
        'large-community-count': unsupportedCondition(),
        'match-role-set': unsupportedCondition(),
        'ext-community-count': unsupportedCondition(),
      }),
    ).optional(),
    'match-tag-set': unsupportedCondition(),
    'install-protocol-eq': unsupportedCondition(),
    'igp-conditions': notSupported(),
  }),
).optional();

const communityOptions = () =>
  leaf<string>('"add", "remove" or "replace"', (v) => typeof v === 'string' && ['add', 'remove', 'replace'].includes(v.toLowerCase()));

const setCommunities = <K extends string>(method: K) =>
  table({
    options: communityOptions(),
    [method]: table({ 'communities-list': strList().optional(), 'community-set-ref': notSupported() }),
  } as { options: z.ZodType<string> } & {
    [P in K]: ReturnType<typeof table<{ 'communities-list': z.ZodOptional<ReturnType<typeof strList>>; 'community-set-ref': ReturnType<typeof notSupported> }>>;
  }).optional();

const medText = /^[+-]?\d+$/;
const actions = table({
  /** `route-disposition = "accept-route"` (GoBGP ≥ 1.x) or the older table form with booleans. */
  'route-disposition': z
    .union([oneOf('accept-route', 'reject-route', 'none'), table({ 'accept-route': bool().optional(), 'reject-route': bool().optional() })], {
      error: (iss) => `expected "accept-route", "reject-route" or "none", got ${show(iss.input)}`,
    })
    .optional(),
  'bgp-actions': table({
    'set-local-pref': uint32().optional(),
    'set-med': leaf<string | number>('a MED like 100, "+10" or "-10"', (v) =>
      (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 4294967295) || (typeof v === 'string' && medText.test(v.trim())),
    ).optional(),
    'set-community': setCommunities('set-community-method'),
    'set-ext-community': setCommunities('set-ext-community-method'),
    'set-large-community': setCommunities('set-large-community-method'),
    'set-next-hop': str().optional(),
    'set-as-path-prepend': table({
      as: leaf<number | string>('an AS number or "last-as"', (v) => v === 'last-as' || (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 4294967295)),
      'repeat-n': int(1, 255).optional(),
    }).optional(),
    'set-route-origin': notSupported(),
  }).optional(),
  'igp-actions': notSupported(),
}).optional();

const definedSets = table({
  'prefix-sets': tables({
    'prefix-set-name': nonEmpty(),
    'prefix-list': tables({ 'ip-prefix': cidr(), 'masklength-range': str().optional() }).optional(),
  }).optional(),
  'neighbor-sets': tables({ 'neighbor-set-name': nonEmpty(), 'neighbor-info-list': strList().optional() }).optional(),
  'tag-sets': notSupported(),
  'bgp-defined-sets': table({
    'community-sets': tables({ 'community-set-name': nonEmpty(), 'community-list': strList().optional() }).optional(),
    'ext-community-sets': tables({ 'ext-community-set-name': nonEmpty(), 'ext-community-list': strList().optional() }).optional(),
    'large-community-sets': tables({ 'large-community-set-name': nonEmpty(), 'large-community-list': strList().optional() }).optional(),
    'as-path-sets': tables({ 'as-path-set-name': nonEmpty(), 'as-path-list': strList().optional() }).optional(),
    'next-hop-sets': notSupported(),
  }).optional(),
}).optional();

/** bagpipe-bgp's stevedore names of the drivers bgpipe has (reference §2). Its IP VPN `linux`
 *  driver is MPLS; bgpipe's carries the VPN over VXLAN (this kernel has no MPLS, no VRF). */
export const EVPN_DRIVER_NAMES = ['dummy', 'DummyDataplaneDriver', 'linux', 'linux_vxlan.LinuxVXLANDataplaneDriver', 'LinuxVXLANDataplaneDriver'] as const;
export const IPVPN_DRIVER_NAMES = ['dummy', 'DummyDataplaneDriver', 'linux', 'mpls_linux_dataplane.MPLSLinuxDataplaneDriver'] as const;
const dataplaneDriver = (names: readonly [string, ...string[]]) =>
  strict(
    table({
      dataplane_driver: oneOf(...names).optional(),
      dataplane_local_address: ipv4().optional(),
      vxlan_dst_port: int(1, 65535).optional(),
      /** bgpipe extension: seconds between re-reads of the kernel objects the driver owns. */
      reconcile_interval: seconds(86400).optional(),
    }),
    'key',
  ).optional();

export const documentSchema = table({
  global,
  neighbors: z.array(neighbor, { error: (iss) => `expected [[neighbors]] tables, got ${show(iss.input)}` }).optional(),
  'peer-groups': z.array(peerGroup, { error: (iss) => `expected [[peer-groups]] tables, got ${show(iss.input)}` }).optional(),
  'dynamic-neighbors': tables({ config: table({ prefix: cidr(), 'peer-group': nonEmpty() }) }).optional(),
  'defined-sets': definedSets,
  'policy-definitions': tables({
    name: nonEmpty(),
    statements: tables({ name: str().optional(), conditions, actions }).optional(),
  }).optional(),
  /** bgpipe extension: routes to originate. */
  'static-routes': tables({
    prefix: cidr(),
    'next-hop': ip().optional(),
    communities: strList().optional(),
    'large-communities': strList().optional(),
    med: uint32().optional(),
    'local-pref': uint32().optional(),
  }).optional(),
  /** bgpipe extension: the local HTTP API. */
  // port 0: any free port (tests); -1: no API at all.
  api: table({ 'listen-address': ip().optional(), port: int(-1, 65535).optional() }).optional(),
  /** bgpipe extension: /metrics on the API port. */
  metrics: table({ enabled: bool().optional() }).optional(),
  /** bagpipe-bgp's driver sections (the INI's, same keys): the VPN dataplane (src/dataplane/linux). */
  DATAPLANE_DRIVER_EVPN: dataplaneDriver(EVPN_DRIVER_NAMES),
  DATAPLANE_DRIVER_IPVPN: dataplaneDriver(IPVPN_DRIVER_NAMES),
  /** bgpipe extension: best unicast paths installed in a kernel routing table (src/dataplane). */
  kernel: table({
    enabled: bool().optional(),
    table: routeTable().optional(),
    protocol: routeProtocol().optional(),
    metric: uint32().optional(),
    'reconcile-interval': seconds(86400).optional(),
    'stale-time': seconds(86400).optional(),
  }).optional(),
  zebra: notSupported(ZEBRA_HINT),
  'mrt-dump': notSupported(),
  'bmp-servers': notSupported(),
  'rpki-servers': notSupported(),
  vrfs: notSupported(),
  collector: notSupported(),
});

export type Document = z.infer<typeof documentSchema>;
export type RawNeighbor = z.infer<typeof neighbor>;
export type RawPeerGroup = z.infer<typeof peerGroup>;
export type RawAfiSafi = z.infer<typeof afiSafi>;
export type RawApplyPolicy = NonNullable<NonNullable<RawNeighbor['apply-policy']>['config']>;
export type RawStatement = NonNullable<NonNullable<Document['policy-definitions']>[number]['statements']>[number];
