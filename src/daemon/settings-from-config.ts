/**
 * Translates a loaded GoBGP-style Config into the server's settings: the only file that knows
 * both. Policy is compiled here; families bgpipe cannot decode yet are dropped with a warning
 * instead of being offered in OPEN (a peer would then send routes we cannot read).
 */
import os from 'node:os';
import type { Config, NeighborConfig, StaticRouteConfig } from '../config/types.js';
import { matchDynamicNeighbor } from '../config/dynamic-neighbors.js';
import { parsePrefixText } from '../config/address.js';
import { NEIGHBOR_DEFAULTS } from '../config/neighbors.js';
import { ConfigError, keyPathOf, type ConfigIssue } from '../config/errors.js';
import type { Md5Key } from '../session/listener.js';
import { socketOptionsUnavailable } from '../session/socket-options.js';
import { compilePolicies } from '../policy/compile.js';
import { familyName, type Family } from '../wire/family.js';
import { nlriCodec } from '../wire/nlri/registry.js';
import { parsePrefix } from '../wire/nlri/prefix.js';
import { Origin, type PathAttributes } from '../wire/attributes/types.js';
import '../wire/index.js';
import type { DaemonSettings } from './daemon.js';
import type { NeighborSettings, StaticRoute } from './settings.js';

/** Seconds in Idle after a session error before trying again (doubles on repeated errors). */
const IDLE_HOLD_TIME = 1;

export function settingsFromConfig(config: Config): DaemonSettings {
  const warnings = config.warnings.map((w) => `${config.source}: ${w.keyPath}: ${w.message}`);
  const policies = compilePolicies(config);
  const policyFingerprint = JSON.stringify([config.definedSets, config.policyDefinitions, config.global.applyPolicy]);
  const hostname = os.hostname();
  const warnedFamilies = new Set<Family>();

  const neighborSettings = (n: NeighborConfig): NeighborSettings => {
    const families = n.families.filter((f) => {
      if (nlriCodec(f)) return true;
      if (!warnedFamilies.has(f)) {
        warnedFamilies.add(f);
        warnings.push(`family ${familyName(f)} is not implemented yet: not offered to neighbours`);
      }
      return false;
    });
    const limits = n.afiSafis.map((a) => a.prefixLimit?.maxPrefixes).filter((m): m is number => m !== undefined && m > 0);
    return {
      session: {
        peerAddress: n.neighborAddress,
        peerPort: n.transport.remotePort,
        localAddress: n.transport.localAddress,
        localAs: n.localAs,
        peerAs: n.peerAs,
        routerId: config.global.routerId,
        passive: n.transport.passiveMode || n.dynamic,
        holdTime: n.timers.holdTime,
        keepaliveInterval: n.timers.keepaliveInterval,
        connectRetryTime: n.timers.connectRetry,
        families,
        hostname,
        ...socketSettings(n),
        // RFC 4724: offered with every family; both helper and restarting modes need it on.
        gracefulRestart: n.gracefulRestart.enabled ? { restartTime: n.gracefulRestart.restartTime, restarting: notRestarting, ...gracefulRestartFamilies(n) } : undefined,
      },
      description: n.description,
      routeReflectorClient: n.routeReflector.routeReflectorClient,
      nextHopSelf: n.nextHopSelf,
      adminDown: n.adminDown,
      maxPrefixes: limits.length ? Math.min(...limits) : undefined,
      importPolicy: policies.importFor(n),
      exportPolicy: policies.exportFor(n),
      fingerprint: JSON.stringify(n),
      policyFingerprint,
    };
  };

  refuseWhatCannotBeEnforced(config, warnings);
  const neighbors = config.neighbors.map(neighborSettings);
  const clusterIds = new Set(
    config.neighbors.map((n) => n.routeReflector.routeReflectorClusterId).filter((c): c is string => c !== undefined),
  );
  if (clusterIds.size > 1) warnings.push(`several route-reflector-cluster-id values (${[...clusterIds].join(', ')}): bgpipe uses one, ${[...clusterIds][0]}`);
  const multipath = config.global.useMultiplePaths;

  return {
    server: {
      localAs: config.global.as,
      routerId: config.global.routerId,
      clusterId: [...clusterIds][0],
      listenPort: config.global.port,
      listenAddresses: config.global.localAddressList,
      multipath: multipath.enabled
        ? { ebgp: true, ibgp: true, maxPaths: Math.max(multipath.ebgpMaximumPaths ?? 8, multipath.ibgpMaximumPaths ?? 8) }
        : undefined,
      neighbors,
      dynamicNeighbor: (remote) => {
        const n = matchDynamicNeighbor(config, remote);
        return n ? neighborSettings(n) : undefined;
      },
      staticRoutes: config.staticRoutes.map(staticRoute),
      md5Keys: md5Keys(config),
      listenMinTtl: listenMinTtl(config),
      idleHoldTime: IDLE_HOLD_TIME,
    },
    api: config.api.port >= 0 ? { host: config.api.listenAddress, port: config.api.port } : undefined,
    warnings,
    kernel: config.kernel.enabled ? { ...config.kernel, dynamicNeighbors: config.dynamicNeighbors.length > 0 } : undefined,
    vpn: {
      enableRtc: true,
      evpnDriver: config.dataplane.evpn.driver,
      ipvpnDriver: config.dataplane.ipvpn.driver,
      evpnLocalAddress: config.dataplane.evpn.localAddress,
      ipvpnLocalAddress: config.dataplane.ipvpn.localAddress,
      evpnVxlanDstPort: config.dataplane.evpn.vxlanDstPort,
      ipvpnVxlanDstPort: config.dataplane.ipvpn.vxlanDstPort,
      evpnReconcileInterval: config.dataplane.evpn.reconcileInterval,
      ipvpnReconcileInterval: config.dataplane.ipvpn.reconcileInterval,
    },
  };
}

/**
 * Key and TTLs of a session, as GoBGP sets them (pkg/server/fsm.go setPeerConnTTL): GTSM sends
 * with TTL 255 and drops below ttl-min; eBGP sends with multihop-ttl under ebgp-multihop (255
 * when absent), else transport.ttl, else 1; iBGP with transport.ttl, else the kernel default.
 */
function socketSettings(n: NeighborConfig): { md5Key?: string; ttl?: number; minTtl?: number } {
  const md5Key = n.authPassword === undefined ? {} : { md5Key: n.authPassword };
  if (n.ttlSecurity.enabled) return { ...md5Key, ttl: 255, minTtl: n.ttlSecurity.ttlMin };
  const ebgp = n.peerAs !== undefined && n.peerAs !== n.localAs;
  if (ebgp && n.ebgpMultihop.enabled) return { ...md5Key, ttl: n.ebgpMultihop.multihopTtl ?? 255 };
  if (n.transport.ttl !== undefined) return { ...md5Key, ttl: n.transport.ttl };
  // Without the addon the TTL stays the kernel's (a warning says so); key and GTSM are refused.
  if (!ebgp || socketOptionsUnavailable() !== undefined) return md5Key;
  return { ...md5Key, ttl: 1 };
}

/** The listening sockets' keys: one per configured neighbour, one per dynamic-neighbors prefix. */
function md5Keys(config: Config): Md5Key[] {
  const keys: Md5Key[] = [];
  for (const n of config.neighbors) if (n.authPassword !== undefined) keys.push({ address: n.neighborAddress, key: n.authPassword });
  for (const d of config.dynamicNeighbors) {
    const key = config.peerGroups.find((g) => g.peerGroupName === d.peerGroup)?.template.authPassword;
    const p = parsePrefixText(d.prefix);
    if (key !== undefined && p) keys.push({ address: p.text.split('/')[0]!, prefixLength: p.length, key });
  }
  return keys;
}

/**
 * The listener's own IP_MINTTL: the lowest ttl-min when every neighbour and every dynamic
 * neighbours' group uses ttl-security (then even the SYN of a far peer is dropped), else 0 and
 * GTSM starts on each accepted socket.
 */
function listenMinTtl(config: Config): number {
  const groups = config.dynamicNeighbors.map((d) => config.peerGroups.find((g) => g.peerGroupName === d.peerGroup)?.template.ttlSecurity);
  const all = [...config.neighbors.map((n) => n.ttlSecurity), ...groups.map((t) => (t?.enabled ? { enabled: true, ttlMin: t.ttlMin ?? NEIGHBOR_DEFAULTS.ttlMin } : undefined))];
  if (all.length === 0 || !all.every((t) => t?.enabled)) return 0;
  return Math.min(...all.map((t) => t!.ttlMin));
}

/**
 * A neighbour with a password or ttl-security must never run without them: when the native
 * addon that sets them is missing, the configuration is refused, naming each key concerned.
 */
function refuseWhatCannotBeEnforced(config: Config, warnings: string[]): void {
  const why = socketOptionsUnavailable();
  if (why === undefined) return;
  const issues: ConfigIssue[] = [];
  const groupIndex = (name: string | undefined) => config.peerGroups.findIndex((g) => g.peerGroupName === name);
  const refuse = (path: PropertyKey[], what: string) =>
    issues.push({ keyPath: keyPathOf(path), message: `${what} cannot be enforced: ${why}` });
  config.neighbors.forEach((n, i) => {
    if (n.authPassword !== undefined) refuse(['neighbors', i, 'config', 'auth-password'], 'TCP MD5 (RFC 2385)');
    if (n.ttlSecurity.enabled) refuse(['neighbors', i, 'ttl-security', 'config', 'enabled'], 'GTSM (RFC 5082)');
  });
  for (const d of config.dynamicNeighbors) {
    const i = groupIndex(d.peerGroup);
    const t = config.peerGroups[i]?.template;
    if (t?.authPassword !== undefined) refuse(['peer-groups', i, 'config', 'auth-password'], 'TCP MD5 (RFC 2385)');
    if (t?.ttlSecurity.enabled) refuse(['peer-groups', i, 'ttl-security', 'config', 'enabled'], 'GTSM (RFC 5082)');
  }
  if (issues.length) throw new ConfigError(config.source, issues);
  if (config.neighbors.some((n) => n.peerAs !== undefined && n.peerAs !== n.localAs)) {
    warnings.push(`eBGP sessions keep the kernel's default TTL instead of 1 (or ebgp-multihop's): ${why}`);
  }
}

/**
 * GoBGP lists a family in the capability only with `[neighbors.afi-safis.mp-graceful-restart.config]
 * enabled = true`; bgpipe lists every family unless some afi-safi of the neighbour sets that key,
 * and then exactly those set to true.
 */
function gracefulRestartFamilies(n: NeighborConfig): { families?: Family[] } {
  if (!n.afiSafis.some((a) => a.mpGracefulRestart !== undefined)) return {};
  return { families: n.afiSafis.filter((a) => a.mpGracefulRestart === true).map((a) => a.family) };
}

/** Placeholder: BgpServer answers with its own restart state (R and F bits, RFC 4724 §4.1). */
const notRestarting = (): boolean => false;

function staticRoute(r: StaticRouteConfig): StaticRoute {
  const v6 = r.prefix.includes(':');
  const attributes: PathAttributes = {
    origin: Origin.Igp,
    asPath: [],
    // 0.0.0.0 / :: mean "our address on each session" to the RIB's export rules.
    nextHop: r.nextHop ?? (v6 ? '::' : '0.0.0.0'),
    med: r.med,
    localPref: r.localPref,
    communities: r.communities.length ? r.communities : undefined,
    largeCommunities: r.largeCommunities.length ? r.largeCommunities : undefined,
  };
  return { family: r.family, nlri: parsePrefix(r.family, r.prefix), attributes, key: `${r.family}|${r.prefix}|${JSON.stringify(r)}` };
}
