/**
 * FRR 8.4 bgpd, alone (no zebra), as an interop peer.
 *
 * Command line that works here:
 *   bgpd -Z -n -S -f CONF -i PIDFILE --vty_socket DIR -z DIR/zserv.api -P 0 -l ADDR -p 179
 * (-Z no zebra, so every next hop counts as reachable and there is no FIB;
 * -S skips the frr user/group switch; -P 0 turns off the TCP vty so several
 * bgpd share a namespace; vtysh talks to DIR/bgpd.vty via --vty_socket DIR).
 *
 * Quirks seen here:
 * - RFC 8212: eBGP needs `no bgp ebgp-requires-policy`, or nothing is sent or accepted.
 * - `network P` needs `no bgp network import-check` without zebra (the route
 *   is never "in the RIB"); it originates with next hop 0.0.0.0, sent as its own address.
 * - A 127/8 NEXT_HOP is martian: FRR answers with a NOTIFICATION.
 * - IPv6 routes over an IPv4 session go out with next hop ::ffff:<v4> unless an
 *   outbound route-map sets `set ipv6 next-hop global X` (option ipv6NextHop); the
 *   route-map only takes effect for UPDATEs sent after the session (re)starts.
 * - `show bgp … json` has no communities; `show bgp … json detail` has them, as
 *   an array per prefix whose first element is a header, not a path.
 * - Logs "zclient_send_message() failed" without zebra: harmless.
 * - VPN families without zebra: it relays EVPN (any type) and VPNv4 over eBGP with only
 *   `address-family l2vpn evpn|ipv4 vpn` + `neighbor X activate`, and keeps the EVPN next hop
 *   over eBGP (VPNv4 gets its own address). It originates VPNv4 with
 *   `network P rd R label L route-map M` under `address-family ipv4 vpn` (the route-map sets the
 *   RT), and EVPN type 5 with `network P rd R ethtag 0 label L esi … gwip … routermac …`, sent
 *   with label L as an MPLS label (VNI 48033 for 3002) and a 16-octet `::ffff:A.B.C.D` next hop;
 *   types 2 and 3 need zebra and a VNI. `show bgp l2vpn evpn route detail json` gives each
 *   path's VNI; the PMSI tunnel it relays but does not show in JSON.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LabDaemon, listenAddresses, makeDaemonDir, sourceAddressFor, spawnLabel, timers, waitReady } from './daemon.js';
import type { Lab } from './netns.js';
import type { LabProcess } from './process.js';
import {
  defaultFamilies,
  isIPv6,
  normalizeState,
  type Announcement,
  type BgpDaemon,
  type Family,
  type NeighborState,
  type PeerOptions,
  type Route,
} from './types.js';

/** listenAddress: bgpd listens on these (`-l`) and uses them as update-source per address family. */
export interface FrrOptions extends PeerOptions {
  /** Global IPv6 next hop for IPv6 routes sent over IPv4 sessions. */
  ipv6NextHop?: string;
  /** `bgp cluster-id` (for route reflection). */
  clusterId?: string;
  /** Appended verbatim to the generated config. */
  extraConfig?: string;
}

/** vtysh's name for each family, in `address-family X` and `show bgp X`. */
const afName: Partial<Record<Family, string>> = {
  'ipv4-unicast': 'ipv4 unicast',
  'ipv6-unicast': 'ipv6 unicast',
  'l2vpn-evpn': 'l2vpn evpn',
  'l3vpn-ipv4-unicast': 'ipv4 vpn',
};

function af(family: Family): string {
  const name = afName[family];
  if (name === undefined) throw new Error(`FRR 8.4 does not support ${family} (no RT-Constraint): use gobgpd or exabgp`);
  return name;
}

export function frrConfig(o: FrrOptions, logFile: string): string {
  const listen = listenAddresses(o);
  const { hold, keepalive } = timers(o);
  const lines = ['frr defaults traditional', `hostname frr-${o.routerId}`, `log file ${logFile} informational`, '!'];
  if (o.ipv6NextHop !== undefined) {
    lines.push('route-map HARNESS-NH6 permit 10', ` set ipv6 next-hop global ${o.ipv6NextHop}`, '!');
  }
  lines.push(
    `router bgp ${o.asn}`,
    ` bgp router-id ${o.routerId}`,
    ' no bgp ebgp-requires-policy',
    ' no bgp default ipv4-unicast',
    ' no bgp network import-check',
    ` timers bgp ${keepalive} ${hold}`,
  );
  if (o.clusterId !== undefined) lines.push(` bgp cluster-id ${o.clusterId}`);
  for (const n of o.neighbors) {
    const local = sourceAddressFor(listen, n.address);
    lines.push(` neighbor ${n.address} remote-as ${n.asn}`, ` neighbor ${n.address} timers connect 1`);
    if (local !== undefined) lines.push(` neighbor ${n.address} update-source ${local}`);
    if (n.passive === true) lines.push(` neighbor ${n.address} passive`);
    if (n.password !== undefined) lines.push(` neighbor ${n.address} password ${n.password}`);
    if (n.ttlSecurityHops !== undefined) lines.push(` neighbor ${n.address} ttl-security hops ${n.ttlSecurityHops}`);
    // Held down while the config loads: a later line (update-source, timers,
    // address-family activation) would otherwise abort the first connection
    // attempt, and gobgpd answers a peer that drops in OpenSent with a 5 s idle
    // hold. startFrr() brings the neighbours up once the vty answers.
    lines.push(` neighbor ${n.address} shutdown`);
  }
  const families = new Set<Family>(o.neighbors.flatMap((n) => n.families ?? defaultFamilies));
  for (const f of families) {
    lines.push(` address-family ${af(f)}`);
    for (const n of o.neighbors) {
      if (!(n.families ?? defaultFamilies).includes(f)) continue;
      lines.push(`  neighbor ${n.address} activate`);
      if (n.routeReflectorClient === true) lines.push(`  neighbor ${n.address} route-reflector-client`);
      if (f === 'ipv6-unicast' && o.ipv6NextHop !== undefined && !isIPv6(n.address)) {
        lines.push(`  neighbor ${n.address} route-map HARNESS-NH6 out`);
      }
    }
    lines.push(' exit-address-family');
  }
  lines.push('!');
  if (o.extraConfig !== undefined) lines.push(o.extraConfig);
  return `${lines.join('\n')}\n`;
}

interface FrrPath {
  aspath?: { segments?: { list?: number[] }[] };
  origin?: string;
  metric?: number;
  locPrf?: number;
  localpref?: number;
  community?: { list?: string[] };
  originatorId?: string;
  clusterList?: { list?: string[] };
  nexthops?: { ip?: string }[];
  bestpath?: { overall?: boolean } | boolean;
  peer?: { peerId?: string };
  local?: boolean;
  sourced?: boolean;
}

/** Parse `show bgp <af> json detail` into normalized routes. */
export function parseFrrDetail(json: string): Route[] {
  const doc = JSON.parse(json) as { routes?: Record<string, FrrPath[]> };
  const routes: Route[] = [];
  for (const [prefix, entries] of Object.entries(doc.routes ?? {})) {
    for (const p of entries) {
      if (p.nexthops === undefined && p.aspath === undefined) continue; // the per-prefix header
      const origin = (p.origin ?? '').toLowerCase();
      const r: Route = {
        prefix,
        nextHop: p.nexthops?.[0]?.ip ?? '',
        asPath: (p.aspath?.segments ?? []).flatMap((s) => s.list ?? []),
        communities: p.community?.list ?? [],
        best: typeof p.bestpath === 'boolean' ? p.bestpath : p.bestpath?.overall === true,
      };
      if (origin === 'igp' || origin === 'egp' || origin === 'incomplete') r.origin = origin;
      if (p.metric !== undefined) r.med = p.metric;
      const lp = p.locPrf ?? p.localpref;
      if (lp !== undefined) r.localPref = lp;
      if (p.originatorId !== undefined) r.originatorId = p.originatorId;
      if (p.clusterList?.list !== undefined) r.clusterList = p.clusterList.list;
      const from = p.peer?.peerId;
      if (p.local !== true && p.sourced !== true && from !== undefined && from !== '::' && from !== '0.0.0.0') r.from = from;
      routes.push(r);
    }
  }
  return routes;
}

/** An EVPN path as `show bgp l2vpn evpn route detail json` gives it. */
export interface FrrEvpnPath {
  rd: string;
  /** FRR's prefix text: "[2]:[0]:[48]:[aa:bb:…]:[32]:[10.0.0.1]", "[3]:[0]:[32]:[10.99.0.2]". */
  prefix: string;
  routeType: number;
  mac?: string;
  ip?: string;
  vni?: number;
  /** FRR's text, e.g. "RT:65000:1 ET:8". */
  extCommunities: string;
  nextHop: string;
  asPath: number[];
  best: boolean;
  from?: string;
}

interface FrrEvpnJsonPath {
  vni?: string;
  aspath?: { segments?: { list?: number[] }[] };
  extendedCommunity?: { string?: string };
  nexthops?: { ip?: string }[];
  bestpath?: { overall?: boolean };
  peer?: { peerId?: string };
}

export function parseFrrEvpn(json: string): FrrEvpnPath[] {
  const doc = JSON.parse(json) as Record<string, unknown>;
  const out: FrrEvpnPath[] = [];
  for (const [rd, byPrefix] of Object.entries(doc)) {
    if (typeof byPrefix !== 'object' || byPrefix === null) continue;
    for (const [prefix, entry] of Object.entries(byPrefix as Record<string, unknown>)) {
      const e = entry as { routeType?: number; mac?: string; ip?: string; paths?: FrrEvpnJsonPath[][] };
      if (typeof e !== 'object' || e === null || e.paths === undefined) continue;
      for (const p of e.paths.flat()) {
        const v: FrrEvpnPath = {
          rd,
          prefix,
          routeType: e.routeType ?? 0,
          extCommunities: p.extendedCommunity?.string ?? '',
          nextHop: p.nexthops?.[0]?.ip ?? '',
          asPath: (p.aspath?.segments ?? []).flatMap((s) => s.list ?? []),
          best: p.bestpath?.overall === true,
        };
        if (e.mac !== undefined) v.mac = e.mac;
        if (e.ip !== undefined) v.ip = e.ip;
        if (p.vni !== undefined) v.vni = Number(p.vni);
        const from = p.peer?.peerId;
        if (from !== undefined && from !== '0.0.0.0') v.from = from;
        out.push(v);
      }
    }
  }
  return out;
}

/** A VPNv4 path as `show bgp ipv4 vpn json` gives it. */
export interface FrrVpnPath {
  rd: string;
  prefix: string;
  nextHop: string;
  asPath: string;
  best: boolean;
  from?: string;
}

export function parseFrrVpn(json: string): FrrVpnPath[] {
  const doc = JSON.parse(json) as { routes?: { routeDistinguishers?: Record<string, Record<string, FrrPath[]>> } };
  const out: FrrVpnPath[] = [];
  for (const [rd, byPrefix] of Object.entries(doc.routes?.routeDistinguishers ?? {})) {
    for (const [prefix, paths] of Object.entries(byPrefix)) {
      for (const p of paths as (FrrPath & { path?: string })[]) {
        const v: FrrVpnPath = { rd, prefix, nextHop: p.nexthops?.[0]?.ip ?? '', asPath: p.path ?? '', best: p.bestpath === true };
        const from = p.peer?.peerId ?? (p as { peerId?: string }).peerId;
        if (from !== undefined && from !== '0.0.0.0') v.from = from;
        out.push(v);
      }
    }
  }
  return out;
}

export class Frr extends LabDaemon implements BgpDaemon {
  readonly kind = 'frr' as const;
  private readonly routeMaps = new Map<string, string>();
  private nextRouteMap = 1;

  constructor(
    lab: Lab,
    process: LabProcess,
    readonly dir: string,
    readonly configFile: string,
    readonly asn: number,
    logFiles: string[],
  ) {
    super(lab, process, 'frr', logFiles);
  }

  /** Run vtysh commands against this bgpd; a "% …" answer is an error. */
  async vtysh(...commands: string[]): Promise<string> {
    const args = ['--vty_socket', this.dir];
    for (const c of commands) args.push('-c', c);
    const { stdout } = await this.lab.exec('vtysh', args);
    const bad = stdout.split('\n').find((l) => /^%\s*(Unknown|Command incomplete|Ambiguous|Invalid|Malformed|Can't|Error|There is no)/i.test(l.trim()));
    if (bad !== undefined) throw new Error(`${this.label}: vtysh ${commands.join(' | ')}: ${bad.trim()}`);
    return stdout;
  }

  /**
   * Originate `prefix` with `network P route-map HARNESS-Rn`; the route-map
   * carries MED, local-pref, communities, AS_PATH prepends and origin. The next
   * hop is FRR's own address (attrs.nextHop is ignored).
   */
  async addRoute(family: Family, prefix: string, attrs: Announcement = {}): Promise<void> {
    const key = `${family} ${prefix}`;
    const existing = this.routeMaps.get(key);
    const rm = existing ?? `HARNESS-R${this.nextRouteMap++}`;
    const sets: string[] = [];
    if (attrs.med !== undefined) sets.push(`set metric ${attrs.med}`);
    if (attrs.localPref !== undefined) sets.push(`set local-preference ${attrs.localPref}`);
    if (attrs.communities !== undefined && attrs.communities.length > 0) sets.push(`set community ${attrs.communities.join(' ')}`);
    if (attrs.asPath !== undefined && attrs.asPath.length > 0) sets.push(`set as-path prepend ${attrs.asPath.join(' ')}`);
    if (attrs.origin !== undefined) sets.push(`set origin ${attrs.origin}`);
    const reset = existing !== undefined ? [`no route-map ${rm}`] : [];
    await this.vtysh('configure terminal', ...reset, `route-map ${rm} permit 10`, ...sets, 'exit',
      `router bgp ${this.asn}`, `address-family ${af(family)}`, `network ${prefix} route-map ${rm}`);
    this.routeMaps.set(key, rm);
  }

  async deleteRoute(family: Family, prefix: string): Promise<void> {
    const key = `${family} ${prefix}`;
    await this.vtysh('configure terminal', `router bgp ${this.asn}`, `address-family ${af(family)}`, `no network ${prefix}`);
    const rm = this.routeMaps.get(key);
    if (rm !== undefined) {
      await this.vtysh('configure terminal', `no route-map ${rm}`);
      this.routeMaps.delete(key);
    }
  }

  /** Loc-RIB paths for ipv4/ipv6 unicast (`show bgp <af> json detail`). */
  async routes(family: Family): Promise<Route[]> {
    if (family !== 'ipv4-unicast' && family !== 'ipv6-unicast') {
      throw new Error(`${this.label}: routes(${family}) is not parsed by the harness yet; use vtysh() directly`);
    }
    return parseFrrDetail(await this.vtysh(`show bgp ${af(family)} json detail`));
  }

  /** EVPN paths with their VNI (`show bgp l2vpn evpn route detail json`). */
  async evpnRoutes(): Promise<FrrEvpnPath[]> {
    return parseFrrEvpn(await this.vtysh('show bgp l2vpn evpn route detail json'));
  }

  /** VPNv4 paths (`show bgp ipv4 vpn json`). */
  async vpnRoutes(): Promise<FrrVpnPath[]> {
    return parseFrrVpn(await this.vtysh('show bgp ipv4 vpn json'));
  }

  async neighborState(address: string): Promise<NeighborState> {
    const out = await this.vtysh(`show bgp neighbors ${address} json`);
    const doc = JSON.parse(out) as Record<string, { bgpState?: string }>;
    return normalizeState(doc[address]?.bgpState);
  }
}

export async function startFrr(lab: Lab, opts: FrrOptions): Promise<Frr> {
  const dir = await makeDaemonDir(lab, 'frr');
  const configFile = join(dir, 'bgpd.conf');
  const logFile = join(dir, 'bgpd.log');
  const outFile = join(dir, 'bgpd.out');
  await writeFile(configFile, frrConfig(opts, logFile));
  const listen = listenAddresses(opts);
  const args = ['-Z', '-n', '-S', '-f', configFile, '-i', join(dir, 'bgpd.pid'), '--vty_socket', dir,
    '-z', join(dir, 'zserv.api'), '-P', '0', '-p', '179'];
  for (const a of listen) args.push('-l', a);
  const proc = lab.spawn('/usr/lib/frr/bgpd', args, { stdoutFile: outFile, stderrFile: outFile, label: spawnLabel(opts) });
  const d = new Frr(lab, proc, dir, configFile, opts.asn, [outFile, logFile]);
  await waitReady(lab, proc, `${d.label} vty socket`, () => d.vtysh('show bgp summary json'));
  await d.vtysh('configure terminal', `router bgp ${opts.asn}`, ...opts.neighbors.map((n) => `no neighbor ${n.address} shutdown`));
  return d;
}
