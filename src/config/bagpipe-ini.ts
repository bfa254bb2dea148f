/**
 * bagpipe-bgp's INI configuration (`bgp.conf`, oslo.config; reference §2), read into the same
 * daemon settings as the TOML, so that a host switches from bagpipe-bgp to bgpiped by changing
 * the binary:
 *
 *   [BGP]       local_address (required; an IPv4 address or an interface name), peers, my_as
 *               (required; 4-octet allowed in bgpipe), enable_rtc (True), bgp_port (179)
 *   [API]       host (127.0.0.1), port (8082); the deprecated api_host / api_port still work
 *   [DATAPLANE_DRIVER_EVPN|IPVPN]  dataplane_driver (dummy; linux, for EVPN also
 *               linux_vxlan.LinuxVXLANDataplaneDriver: src/dataplane/linux), dataplane_local_address,
 *               vxlan_dst_port (4789), reconcile_interval (bgpipe's: seconds between re-reads
 *               of the kernel objects the driver owns, 60; 0 = only at start)
 *   [COMMON]    root_helper, root_helper_daemon (accepted; bgpipe runs its commands itself)
 *
 * Section names are case-insensitive, as in oslo.config. Peers are iBGP neighbours (peer AS =
 * my_as), the host's route reflectors: bgpiped connects to them and, unlike bagpipe-bgp, also
 * accepts their connections (on local_address, bgp_port). Families: l2vpn-evpn,
 * l3vpn-ipv4-unicast, l3vpn-ipv6-unicast with the linux IP VPN driver, and rtc when enable_rtc.
 */
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { isIpv4 } from '../wire/ip.js';
import { L2VPN_EVPN, IPV4_VPN, IPV6_VPN, RTC, type Family } from '../wire/family.js';
import type { DaemonSettings } from '../daemon/daemon.js';
import type { NeighborSettings } from '../daemon/settings.js';
import { ConfigError, type ConfigIssue } from './errors.js';
import { DATAPLANE_DEFAULTS } from './build.js';
import { EVPN_DRIVER_NAMES, IPVPN_DRIVER_NAMES } from './schema.js';

export type IniSections = Map<string, Map<string, string>>;

/** Parses INI text: `[section]`, `key = value` / `key: value`, `#` and `;` comment lines. */
export function parseIni(text: string, source: string): IniSections {
  const sections: IniSections = new Map();
  let current: Map<string, string> | undefined;
  const issues: ConfigIssue[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const sec = /^\[([^\]]+)\]$/.exec(line);
    if (sec) {
      const name = sec[1]!.trim().toUpperCase();
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      return;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (!kv || !current) {
      issues.push({ keyPath: `line ${i + 1}`, message: kv ? 'a key outside any [section]' : `cannot parse ${JSON.stringify(raw)}` });
      return;
    }
    current.set(kv[1]!.trim().toLowerCase(), kv[2]!.trim());
  });
  if (issues.length) throw new ConfigError(source, issues);
  return sections;
}

/** The first IPv4 address of an interface, as bagpipe-bgp does for an interface name. */
function interfaceAddress(name: string): string | undefined {
  return os.networkInterfaces()[name]?.find((a) => a.family === 'IPv4')?.address;
}

export interface IniOptions {
  readonly stateDir?: string;
}

export function settingsFromIni(sections: IniSections, source: string, opts: IniOptions = {}): DaemonSettings {
  const issues: ConfigIssue[] = [];
  const get = (section: string, key: string) => sections.get(section)?.get(key);
  const int = (section: string, key: string, def: number | undefined, min: number, max: number): number | undefined => {
    const v = get(section, key);
    if (v === undefined || v === '') {
      if (def === undefined) issues.push({ keyPath: `[${section}] ${key}`, message: 'required' });
      return def;
    }
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      issues.push({ keyPath: `[${section}] ${key}`, message: `expected an integer ${min}..${max}, got ${JSON.stringify(v)}` });
      return def;
    }
    return Number(v);
  };
  const bool = (section: string, key: string, def: boolean): boolean => {
    const v = get(section, key);
    if (v === undefined || v === '') return def;
    if (/^(true|yes|on|1)$/i.test(v)) return true;
    if (/^(false|no|off|0)$/i.test(v)) return false;
    issues.push({ keyPath: `[${section}] ${key}`, message: `expected True or False, got ${JSON.stringify(v)}` });
    return def;
  };
  const address = (section: string, key: string, required: boolean): string | undefined => {
    const v = get(section, key);
    if (v === undefined || v === '') {
      if (required) issues.push({ keyPath: `[${section}] ${key}`, message: 'required' });
      return undefined;
    }
    if (isIpv4(v)) return v;
    const a = interfaceAddress(v);
    if (a === undefined) issues.push({ keyPath: `[${section}] ${key}`, message: `interface ${v} does not exist or has no IPv4 address` });
    return a;
  };

  const localAddress = address('BGP', 'local_address', true);
  const myAs = int('BGP', 'my_as', undefined, 1, 0xffffffff);
  const enableRtc = bool('BGP', 'enable_rtc', true);
  const bgpPort = int('BGP', 'bgp_port', 179, 1, 65535)!;
  const peers = (get('BGP', 'peers') ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  for (const p of peers) if (!isIpv4(p)) issues.push({ keyPath: '[BGP] peers', message: `expected IPv4 addresses, got ${JSON.stringify(p)}` });
  const apiHost = get('API', 'host') ?? get('API', 'api_host') ?? '127.0.0.1';
  const apiPort = get('API', 'port') !== undefined ? int('API', 'port', 8082, 0, 65535)! : int('API', 'api_port', 8082, 0, 65535)!;
  const warnings: string[] = [];
  if (get('API', 'api_host') !== undefined || get('API', 'api_port') !== undefined) warnings.push(`${source}: [API] api_host/api_port are deprecated: use host/port`);
  const drivers: Record<string, string | undefined> = {};
  const kinds: Record<string, 'dummy' | 'linux'> = {};
  const ports: Record<string, number> = {};
  const intervals: Record<string, number> = {};
  // bagpipe-bgp's stevedore names (schema.ts); another name loads with the dummy driver and a
  // warning, as an unknown option would in bagpipe-bgp (the TOML refuses it).
  const known: Record<string, readonly string[]> = { EVPN: EVPN_DRIVER_NAMES, IPVPN: IPVPN_DRIVER_NAMES };
  for (const d of ['EVPN', 'IPVPN']) {
    const section = `DATAPLANE_DRIVER_${d}`;
    const name = get(section, 'dataplane_driver') ?? 'dummy';
    kinds[d] = known[d]!.includes(name) && !/^(dummy|DummyDataplaneDriver)$/.test(name) ? 'linux' : 'dummy';
    if (kinds[d] === 'dummy' && !/^(dummy|DummyDataplaneDriver)$/.test(name)) {
      warnings.push(`${source}: [${section}] dataplane_driver ${name}: not available in bgpipe (dummy or linux), using the dummy driver`);
    }
    drivers[d] = address(section, 'dataplane_local_address', false);
    ports[d] = int(section, 'vxlan_dst_port', 4789, 1, 65535)!;
    intervals[d] = int(section, 'reconcile_interval', DATAPLANE_DEFAULTS.reconcileInterval, 0, 86400)!;
  }
  if (issues.length) throw new ConfigError(source, issues);

  // bgpipe's linux IP VPN driver carries IPv6 too: its hosts also exchange VPN-IPv6 routes.
  const families: Family[] = [L2VPN_EVPN, IPV4_VPN, ...(kinds.IPVPN === 'linux' ? [IPV6_VPN] : []), ...(enableRtc ? [RTC] : [])];
  const hostname = os.hostname();
  const neighbors = peers.map(
    (peer): NeighborSettings => ({
      session: {
        peerAddress: peer,
        peerPort: bgpPort,
        localAddress,
        localAs: myAs!,
        peerAs: myAs!,
        routerId: localAddress!,
        // Not passive: bgpiped connects, and the listener accepts the peer's own connection too
        // (RFC 4271 §6.8 collision detection keeps one).
        passive: false,
        holdTime: 180,
        keepaliveInterval: 60,
        connectRetryTime: 5,
        families,
        hostname,
      },
      description: 'bagpipe-bgp peer (route reflector)',
      routeReflectorClient: false,
      nextHopSelf: false,
      adminDown: false,
      fingerprint: JSON.stringify([peer, bgpPort, localAddress, myAs, families]),
      policyFingerprint: '',
    }),
  );
  const lgConfig = Object.fromEntries([...sections].map(([name, kv]) => [name, Object.fromEntries(kv)]));
  return {
    server: {
      localAs: myAs!,
      routerId: localAddress!,
      listenPort: bgpPort,
      listenAddresses: [localAddress!],
      neighbors,
      dynamicNeighbor: () => undefined,
      staticRoutes: [],
      idleHoldTime: 1,
    },
    api: { host: apiHost, port: apiPort },
    warnings,
    vpn: {
      localAddress,
      evpnLocalAddress: drivers.EVPN,
      ipvpnLocalAddress: drivers.IPVPN,
      evpnDriver: kinds.EVPN,
      ipvpnDriver: kinds.IPVPN,
      evpnVxlanDstPort: ports.EVPN,
      ipvpnVxlanDstPort: ports.IPVPN,
      evpnReconcileInterval: intervals.EVPN,
      ipvpnReconcileInterval: intervals.IPVPN,
      enableRtc,
      stateDir: opts.stateDir,
      lgConfig,
    },
  };
}

export function loadIniFile(path: string, opts: IniOptions = {}): DaemonSettings {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(path, [{ keyPath: '', message: `cannot read: ${(e as Error).message}` }]);
  }
  return settingsFromIni(parseIni(text, path), path, opts);
}
