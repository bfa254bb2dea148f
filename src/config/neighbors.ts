/**
 * Neighbours: what each `[[neighbors]]` and `[[peer-groups]]` table says (a template, every
 * field optional), and the effective config of a neighbour once its peer group and the defaults
 * are folded in. Neighbour values win over the group's, field by field, as in GoBGP; a neighbour
 * that lists afi-safis replaces its group's list rather than adding to it.
 */
import { IPV4_UNICAST, IPV6_UNICAST } from '../wire/family.js';
import { canonicalAddress } from './address.js';
import type { ConfigIssue } from './errors.js';
import { keyPathOf } from './errors.js';
import { lookupFamily } from './families.js';
import type { RawAfiSafi, RawNeighbor, RawPeerGroup } from './schema.js';
import type { AfiSafiConfig, GlobalConfig, NeighborConfig, NeighborTemplate, PeerGroupConfig } from './types.js';

export interface Issues {
  readonly errors: ConfigIssue[];
  readonly warnings: ConfigIssue[];
}

/** GoBGP's defaults (pkg/config/oc/default.go). */
export const NEIGHBOR_DEFAULTS = {
  holdTime: 90,
  connectRetry: 120,
  minimumAdvertisementInterval: 0,
  remotePort: 179,
  /** GoBGP's ttl-min when ttl-security is enabled without one: only directly connected peers. */
  ttlMin: 255,
} as const;

/** Linux TCP_MD5SIG_MAXKEYLEN. */
const MD5_MAX_KEY_BYTES = 80;

const defined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

export function templateOf(raw: RawNeighbor | RawPeerGroup, path: PropertyKey[], issues: Issues): NeighborTemplate {
  const c = raw.config;
  const at = (...k: PropertyKey[]) => keyPathOf([...path, ...k]);
  const t = raw.timers?.config;
  const holdTime = t?.['hold-time'];
  if (holdTime !== undefined && holdTime > 0 && holdTime < 3) {
    // RFC 4271 §4.2: the Hold Time MUST be either zero or at least three seconds.
    issues.errors.push({ keyPath: at('timers', 'config', 'hold-time'), message: `expected 0 or 3..65535 (RFC 4271 §4.2), got ${holdTime}` });
  }
  const legacyAddPaths = raw['add-paths']?.config;
  const afiSafis = raw['afi-safis']?.flatMap((a, i) => afiSafiOf(a, legacyAddPaths, [...path, 'afi-safis', i], issues) ?? []);
  const ap = raw['apply-policy']?.config;
  const password = c['auth-password'];
  if (password !== undefined && (password === '' || Buffer.byteLength(password) > MD5_MAX_KEY_BYTES)) {
    issues.errors.push({ keyPath: at('config', 'auth-password'), message: `expected 1..${MD5_MAX_KEY_BYTES} bytes (the TCP MD5 key limit), got ${Buffer.byteLength(password)}` });
  }
  const ts = raw['ttl-security']?.config;
  return {
    ...defined({
      peerAs: c['peer-as'],
      localAs: c['local-as'],
      description: c.description,
      authPassword: c['auth-password'],
      adminDown: c['admin-down'],
      nextHopSelf: c['next-hop-self'],
      afiSafis,
    }),
    transport: defined({
      passiveMode: raw.transport?.config?.['passive-mode'],
      localAddress: mapDefined(raw.transport?.config?.['local-address'], canon),
      remotePort: raw.transport?.config?.['remote-port'],
      ttl: raw.transport?.config?.ttl,
    }),
    timers: defined({
      holdTime,
      keepaliveInterval: t?.['keepalive-interval'],
      connectRetry: t?.['connect-retry'],
      minimumAdvertisementInterval: t?.['minimum-advertisement-interval'],
    }),
    routeReflector: defined({
      routeReflectorClient: raw['route-reflector']?.config?.['route-reflector-client'],
      routeReflectorClusterId: raw['route-reflector']?.config?.['route-reflector-cluster-id'],
    }),
    ebgpMultihop: defined({ enabled: raw['ebgp-multihop']?.config?.enabled, multihopTtl: raw['ebgp-multihop']?.config?.['multihop-ttl'] }),
    ttlSecurity: defined({ enabled: ts?.enabled, ttlMin: ts?.['ttl-min'] }),
    gracefulRestart: defined({ enabled: raw['graceful-restart']?.config?.enabled, restartTime: raw['graceful-restart']?.config?.['restart-time'] }),
    applyPolicy: defined({
      importPolicyList: ap?.['import-policy-list'],
      exportPolicyList: ap?.['export-policy-list'],
      defaultImportPolicy: ap?.['default-import-policy'],
      defaultExportPolicy: ap?.['default-export-policy'],
    }),
  };
}

function canon(a: string): string {
  return canonicalAddress(a) ?? a;
}
function mapDefined<T, U>(v: T | undefined, f: (v: T) => U): U | undefined {
  return v === undefined ? undefined : f(v);
}

function afiSafiOf(
  raw: RawAfiSafi,
  legacyAddPaths: { receive?: boolean | undefined; 'send-max'?: number | undefined } | undefined,
  path: PropertyKey[],
  issues: Issues,
): AfiSafiConfig | undefined {
  const short = raw['afi-safi-name'];
  const long = raw.config?.['afi-safi-name'];
  if (short !== undefined && long !== undefined && short !== long) {
    issues.errors.push({ keyPath: keyPathOf([...path, 'afi-safi-name']), message: `differs from config.afi-safi-name ${JSON.stringify(long)}` });
    return undefined;
  }
  const name = long ?? short;
  const keyPath = keyPathOf(long !== undefined || short === undefined ? [...path, 'config', 'afi-safi-name'] : [...path, 'afi-safi-name']);
  if (name === undefined) {
    issues.errors.push({ keyPath, message: 'required: an address family name such as "ipv4-unicast" or "l2vpn-evpn"' });
    return undefined;
  }
  const f = lookupFamily(name);
  if (f.kind === 'unknown') {
    issues.errors.push({ keyPath, message: `unknown address family ${JSON.stringify(name)}` });
    return undefined;
  }
  if (f.kind === 'gobgp-only') {
    issues.warnings.push({ keyPath, message: `address family ${JSON.stringify(name)} not supported by bgpipe; ignored` });
    return undefined;
  }
  if (!f.implemented) {
    issues.warnings.push({ keyPath, message: `address family ${JSON.stringify(name)} not implemented by bgpipe yet; it will not be offered` });
  }
  const ap = raw['add-paths']?.config;
  const pl = raw['prefix-limit']?.config;
  const maxPrefixes = pl?.['max-prefixes'];
  return {
    name: f.name,
    family: f.family,
    enabled: raw.config?.enabled ?? true,
    implemented: f.implemented,
    addPaths: { receive: ap?.receive ?? legacyAddPaths?.receive ?? false, sendMax: ap?.['send-max'] ?? legacyAddPaths?.['send-max'] ?? 0 },
    ...defined({ mpGracefulRestart: raw['mp-graceful-restart']?.config?.enabled }),
    ...(maxPrefixes !== undefined && maxPrefixes > 0
      ? { prefixLimit: defined({ maxPrefixes, shutdownThresholdPct: pl?.['shutdown-threshold-pct'] }) }
      : {}),
  };
}

/** Folds a neighbour's own settings, its group's and the defaults into what the daemon runs. */
export function resolveNeighbor(
  address: string,
  own: NeighborTemplate | undefined,
  group: PeerGroupConfig | undefined,
  global: GlobalConfig,
  dynamic: boolean,
): NeighborConfig {
  const g = group?.template;
  const pick = <K extends keyof NeighborTemplate>(k: K): NeighborTemplate[K] | undefined => own?.[k] ?? g?.[k];
  const sub = <K extends 'transport' | 'timers' | 'routeReflector' | 'ebgpMultihop' | 'ttlSecurity' | 'gracefulRestart' | 'applyPolicy'>(k: K) => ({
    ...(g?.[k] ?? {}),
    ...(own?.[k] ?? {}),
  }) as NeighborTemplate[K];
  const transport = sub('transport');
  const timers = sub('timers');
  const rr = sub('routeReflector');
  const mh = sub('ebgpMultihop');
  const ts = sub('ttlSecurity');
  const gr = sub('gracefulRestart');
  const ap = sub('applyPolicy');
  const holdTime = timers.holdTime ?? NEIGHBOR_DEFAULTS.holdTime;
  const peerAs = pick('peerAs');
  const afiSafis = pick('afiSafis') ?? defaultAfiSafis(address);
  return {
    neighborAddress: address,
    // peer-as 0 or absent: accept the AS the peer announces (bgpipe extension).
    peerAs: peerAs === undefined || peerAs === 0 ? undefined : peerAs,
    localAs: pick('localAs') ?? global.as,
    ...(group ? { peerGroup: group.peerGroupName } : {}),
    description: pick('description') ?? '',
    ...defined({ authPassword: pick('authPassword') }),
    adminDown: pick('adminDown') ?? false,
    nextHopSelf: pick('nextHopSelf') ?? false,
    dynamic,
    transport: {
      passiveMode: transport.passiveMode ?? false,
      remotePort: transport.remotePort ?? NEIGHBOR_DEFAULTS.remotePort,
      ...defined({ localAddress: transport.localAddress, ttl: transport.ttl }),
    },
    timers: {
      holdTime,
      // RFC 4271 §10: one third of the hold time is the suggested keepalive interval.
      keepaliveInterval: timers.keepaliveInterval ?? Math.floor(holdTime / 3),
      connectRetry: timers.connectRetry ?? NEIGHBOR_DEFAULTS.connectRetry,
      minimumAdvertisementInterval: timers.minimumAdvertisementInterval ?? NEIGHBOR_DEFAULTS.minimumAdvertisementInterval,
    },
    routeReflector: { routeReflectorClient: rr.routeReflectorClient ?? false, ...defined({ routeReflectorClusterId: rr.routeReflectorClusterId }) },
    ebgpMultihop: { enabled: mh.enabled ?? false, ...defined({ multihopTtl: mh.multihopTtl }) },
    ttlSecurity: { enabled: ts.enabled ?? false, ttlMin: ts.ttlMin ?? NEIGHBOR_DEFAULTS.ttlMin },
    // GoBGP's default restart time is the hold time: RFC 4724 §4 suggests one no longer than
    // it. The capability's field is 12 bits.
    gracefulRestart: { enabled: gr.enabled ?? false, restartTime: gr.restartTime ?? Math.min(holdTime, 4095) },
    afiSafis,
    families: afiSafis.filter((a) => a.enabled && a.implemented).map((a) => a.family),
    applyPolicy: {
      importPolicyList: ap.importPolicyList ?? [],
      exportPolicyList: ap.exportPolicyList ?? [],
      ...defined({ defaultImportPolicy: ap.defaultImportPolicy, defaultExportPolicy: ap.defaultExportPolicy }),
    },
  };
}

/** GoBGP offers the unicast family of the neighbour's own address when none is listed. */
function defaultAfiSafis(address: string): AfiSafiConfig[] {
  const v6 = address.includes(':');
  return [
    {
      name: v6 ? 'ipv6-unicast' : 'ipv4-unicast',
      family: v6 ? IPV6_UNICAST : IPV4_UNICAST,
      enabled: true,
      implemented: true,
      addPaths: { receive: false, sendMax: 0 },
    },
  ];
}
