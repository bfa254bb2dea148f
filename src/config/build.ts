/**
 * A validated TOML document → Config: global defaults, peer groups folded into neighbours,
 * cross-references checked (peer groups, policies, sets), static routes parsed. Problems are
 * collected with their key paths; load.ts turns them into one ConfigError.
 */
import { IPV4_UNICAST, IPV6_UNICAST } from '../wire/family.js';
import { canonicalAddress, parsePrefixText } from './address.js';
import { parseCommunity, parseLargeCommunity } from './community-text.js';
import { keyPathOf } from './errors.js';
import { resolveNeighbor, templateOf, type Issues } from './neighbors.js';
import { buildDefinedSets, buildPolicies, checkPolicyRefs } from './policy-build.js';
import type { Document } from './schema.js';
import type { Config, DataplaneDriverConfig, DynamicNeighborConfig, GlobalConfig, KernelConfig, NeighborConfig, PeerGroupConfig, StaticRouteConfig } from './types.js';

/** `[kernel]` defaults: main table, proto bgp, FRR's metric for BGP routes. */
export const KERNEL_DEFAULTS: KernelConfig = { enabled: false, table: 254, protocol: 186, metric: 20, reconcileInterval: 60, staleTime: 120 };

function kernelOf(k: Document['kernel']): KernelConfig {
  const d = KERNEL_DEFAULTS;
  return {
    enabled: k?.enabled ?? d.enabled,
    table: k?.table ?? d.table,
    protocol: k?.protocol === undefined ? d.protocol : typeof k.protocol === 'number' ? k.protocol : 186,
    metric: k?.metric ?? d.metric,
    reconcileInterval: k?.['reconcile-interval'] ?? d.reconcileInterval,
    staleTime: k?.['stale-time'] ?? d.staleTime,
  };
}

/** A driver section: bagpipe-bgp's defaults (dummy, port 4789); re-read every 60 s. */
export const DATAPLANE_DEFAULTS: DataplaneDriverConfig = { driver: 'dummy', localAddress: undefined, vxlanDstPort: 4789, reconcileInterval: 60 };

export function dataplaneOf(d: Document['DATAPLANE_DRIVER_EVPN']): DataplaneDriverConfig {
  const name = d?.dataplane_driver;
  return {
    driver: name === undefined || /^(dummy|DummyDataplaneDriver)$/.test(name) ? 'dummy' : 'linux',
    localAddress: d?.dataplane_local_address,
    vxlanDstPort: d?.vxlan_dst_port ?? DATAPLANE_DEFAULTS.vxlanDstPort,
    reconcileInterval: d?.reconcile_interval ?? DATAPLANE_DEFAULTS.reconcileInterval,
  };
}

export const GLOBAL_DEFAULTS = {
  port: 179,
  localAddressList: ['0.0.0.0', '::'],
  apiListenAddress: '127.0.0.1',
  apiPort: 8082,
} as const;

export function buildConfig(doc: Document, source: string, issues: Issues): Config {
  const global = globalOf(doc);
  const definedSets = buildDefinedSets(doc['defined-sets'], issues);
  const policyDefinitions = buildPolicies(doc['policy-definitions'], definedSets, issues);
  const gap = doc.global['apply-policy']?.config;
  checkPolicyRefs(gap?.['import-policy-list'], policyDefinitions, ['global', 'apply-policy', 'config', 'import-policy-list'], issues);
  checkPolicyRefs(gap?.['export-policy-list'], policyDefinitions, ['global', 'apply-policy', 'config', 'export-policy-list'], issues);

  const peerGroups: PeerGroupConfig[] = [];
  (doc['peer-groups'] ?? []).forEach((g, i) => {
    const path = ['peer-groups', i];
    const name = g.config['peer-group-name'];
    if (peerGroups.some((p) => p.peerGroupName === name)) {
      issues.errors.push({ keyPath: keyPathOf([...path, 'config', 'peer-group-name']), message: `duplicate peer group ${JSON.stringify(name)}` });
    }
    const ap = g['apply-policy']?.config;
    checkPolicyRefs(ap?.['import-policy-list'], policyDefinitions, [...path, 'apply-policy', 'config', 'import-policy-list'], issues);
    checkPolicyRefs(ap?.['export-policy-list'], policyDefinitions, [...path, 'apply-policy', 'config', 'export-policy-list'], issues);
    peerGroups.push({ peerGroupName: name, template: templateOf(g, path, issues) });
  });

  const neighbors: NeighborConfig[] = [];
  (doc.neighbors ?? []).forEach((n, i) => {
    const path = ['neighbors', i];
    const address = canonicalAddress(n.config['neighbor-address']) ?? n.config['neighbor-address'];
    if (neighbors.some((x) => x.neighborAddress === address)) {
      issues.errors.push({ keyPath: keyPathOf([...path, 'config', 'neighbor-address']), message: `duplicate neighbour ${address}` });
    }
    const groupName = n.config['peer-group'];
    const group = groupName === undefined ? undefined : peerGroups.find((g) => g.peerGroupName === groupName);
    if (groupName !== undefined && !group) {
      issues.errors.push({ keyPath: keyPathOf([...path, 'config', 'peer-group']), message: `no peer-groups entry named ${JSON.stringify(groupName)}` });
    }
    const ap = n['apply-policy']?.config;
    checkPolicyRefs(ap?.['import-policy-list'], policyDefinitions, [...path, 'apply-policy', 'config', 'import-policy-list'], issues);
    checkPolicyRefs(ap?.['export-policy-list'], policyDefinitions, [...path, 'apply-policy', 'config', 'export-policy-list'], issues);
    const resolved = resolveNeighbor(address, templateOf(n, path, issues), group, global, false);
    if (resolved.ttlSecurity.enabled && resolved.ebgpMultihop.enabled) {
      // GoBGP: the two cannot be configured for the same neighbour (GTSM sends with TTL 255).
      issues.errors.push({ keyPath: keyPathOf([...path, 'ttl-security', 'config', 'enabled']), message: 'ttl-security and ebgp-multihop are mutually exclusive' });
    }
    neighbors.push(resolved);
  });

  const dynamicNeighbors: DynamicNeighborConfig[] = (doc['dynamic-neighbors'] ?? []).map((d, i) => {
    const group = d.config['peer-group'];
    if (!peerGroups.some((g) => g.peerGroupName === group)) {
      issues.errors.push({ keyPath: keyPathOf(['dynamic-neighbors', i, 'config', 'peer-group']), message: `no peer-groups entry named ${JSON.stringify(group)}` });
    }
    return { prefix: parsePrefixText(d.config.prefix)?.text ?? d.config.prefix, peerGroup: group };
  });

  return {
    source,
    global,
    neighbors,
    peerGroups,
    dynamicNeighbors,
    definedSets,
    policyDefinitions,
    staticRoutes: staticRoutesOf(doc['static-routes'], issues),
    api: {
      listenAddress: canonicalAddress(doc.api?.['listen-address'] ?? GLOBAL_DEFAULTS.apiListenAddress) ?? GLOBAL_DEFAULTS.apiListenAddress,
      port: doc.api?.port ?? GLOBAL_DEFAULTS.apiPort,
    },
    metrics: { enabled: doc.metrics?.enabled ?? true },
    kernel: kernelOf(doc.kernel),
    dataplane: { evpn: dataplaneOf(doc.DATAPLANE_DRIVER_EVPN), ipvpn: dataplaneOf(doc.DATAPLANE_DRIVER_IPVPN) },
    warnings: issues.warnings,
  };
}

function globalOf(doc: Document): GlobalConfig {
  const c = doc.global.config;
  const legacy = doc.global['listen-config'];
  const port = c.port ?? legacy?.port ?? 0;
  const ap = doc.global['apply-policy']?.config;
  const mp = doc.global['use-multiple-paths'];
  const ebgpMax = mp?.ebgp?.config?.['maximum-paths'];
  const ibgpMax = mp?.ibgp?.config?.['maximum-paths'];
  return {
    as: c.as,
    routerId: c['router-id'],
    // GoBGP: 0 (unset) means 179, -1 means do not listen.
    port: port === 0 ? GLOBAL_DEFAULTS.port : port,
    localAddressList: (c['local-address-list'] ?? legacy?.['local-address-list'] ?? GLOBAL_DEFAULTS.localAddressList).map((a) => canonicalAddress(a) ?? a),
    applyPolicy: {
      importPolicyList: ap?.['import-policy-list'] ?? [],
      exportPolicyList: ap?.['export-policy-list'] ?? [],
      defaultImportPolicy: ap?.['default-import-policy'] ?? 'accept-route',
      defaultExportPolicy: ap?.['default-export-policy'] ?? 'accept-route',
    },
    useMultiplePaths: {
      enabled: mp?.config?.enabled ?? false,
      ...(ebgpMax !== undefined ? { ebgpMaximumPaths: ebgpMax } : {}),
      ...(ibgpMax !== undefined ? { ibgpMaximumPaths: ibgpMax } : {}),
    },
  };
}

function staticRoutesOf(raw: Document['static-routes'], issues: Issues): StaticRouteConfig[] {
  return (raw ?? []).flatMap((r, i) => {
    const path = ['static-routes', i];
    const p = parsePrefixText(r.prefix);
    if (!p) return [];
    const communities = (r.communities ?? []).flatMap((s, j) => {
      const c = parseCommunity(s);
      if (c === undefined) issues.errors.push({ keyPath: keyPathOf([...path, 'communities', j]), message: `expected a community like "65000:100", got ${JSON.stringify(s)}` });
      return c === undefined ? [] : [c];
    });
    const largeCommunities = (r['large-communities'] ?? []).flatMap((s, j) => {
      const c = parseLargeCommunity(s);
      if (c === undefined) issues.errors.push({ keyPath: keyPathOf([...path, 'large-communities', j]), message: `expected a large community like "65000:1:2", got ${JSON.stringify(s)}` });
      return c === undefined ? [] : [c];
    });
    const nextHop = r['next-hop'];
    return [
      {
        prefix: p.text,
        family: p.version === 4 ? IPV4_UNICAST : IPV6_UNICAST,
        ...(nextHop !== undefined ? { nextHop: canonicalAddress(nextHop) ?? nextHop } : {}),
        communities,
        largeCommunities,
        ...(r.med !== undefined ? { med: r.med } : {}),
        ...(r['local-pref'] !== undefined ? { localPref: r['local-pref'] } : {}),
      },
    ];
  });
}
