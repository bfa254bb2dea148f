/**
 * GoBGP 3.10 (`gobgpd` + `gobgp` CLI) as an interop peer.
 *
 * Quirks seen here:
 * - gobgpd refuses a 127/8 NEXT_HOP ("invalid nexthop address", the UPDATE is
 *   treated as withdraw): give it and its peers 10.99.0.x addresses.
 * - It has no pid-file option: the PID is the spawned process's.
 * - Its gRPC API listens on a unix socket in the daemon's dir
 *   (`--api-hosts unix://…`, CLI `--target unix://…`) unless grpcPort is set;
 *   a TCP port is per namespace (127.0.0.1 inside the lab), so labs never clash.
 * - `gobgp -j neighbor X` reports `state.session_state` as the api enum number
 *   (6 = established).
 * - After a NOTIFICATION it idles `idle-hold-time-after-reset` (default 30 s);
 *   the harness sets it to 1 s.
 * - It accepts and exports everything by default (no policy needed).
 * - VPN families: `gobgp global rib add -a evpn macadv …|multicast …`, `-a vpnv4 P label L rd R
 *   rt T` originate; the CLI has no `-a rtc` add ("unsupported route family: rtc"): gobgpd sends
 *   one RTC route per import target of a VRF (`gobgp vrf add NAME rd R rt import X export Y`).
 *   `gobgp vrf NAME rib add -a evpn|ipv4 …` originates a VPN route with the VRF's RD and export RTs.
 *   EVPN labels are written raw (label 100 → VNI 100), VPN labels as MPLS.
 * - 3.10 panics (nil pointer in server.go propagateUpdate, "membership.…RouteTarget.String()")
 *   when it holds the default RTC route (RFC 4684 §3.2, zero-length) from a peer and receives
 *   another RTC route from the same peer, or the other way round: a route reflector that sends
 *   the default membership and reflects other clients' RTC routes kills it.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LabDaemon, listenAddresses, makeDaemonDir, sourceAddressFor, spawnLabel, timers, waitReady } from './daemon.js';
import type { Lab } from './netns.js';
import type { LabProcess } from './process.js';
import {
  assertNoTransportSecurity,
  communityFromNumber,
  defaultFamilies,
  normalizeState,
  type Announcement,
  type BgpDaemon,
  type Family,
  type NeighborState,
  type PeerOptions,
  type Route,
} from './types.js';

export interface GobgpdOptions extends PeerOptions {
  /** gRPC on 127.0.0.1:PORT inside the lab; default: a unix socket in the daemon's dir. */
  grpcPort?: number;
  /** Appended verbatim to the generated TOML. */
  extraToml?: string;
}

const cliFamily: Record<Family, string> = {
  'ipv4-unicast': 'ipv4',
  'ipv6-unicast': 'ipv6',
  'l2vpn-evpn': 'evpn',
  'l3vpn-ipv4-unicast': 'vpnv4',
  rtc: 'rtc',
};

export function gobgpdToml(o: GobgpdOptions): string {
  const listen = listenAddresses(o);
  const { hold, keepalive } = timers(o);
  const lines = [
    '[global.config]',
    `  as = ${o.asn}`,
    `  router-id = "${o.routerId}"`,
    '  port = 179',
    `  local-address-list = [${listen.map((a) => `"${a}"`).join(', ')}]`,
  ];
  for (const n of o.neighbors) {
    assertNoTransportSecurity(n);
    const local = sourceAddressFor(listen, n.address);
    lines.push(
      '',
      '[[neighbors]]',
      '  [neighbors.config]',
      `    neighbor-address = "${n.address}"`,
      `    peer-as = ${n.asn}`,
      '  [neighbors.timers.config]',
      '    connect-retry = 1',
      `    hold-time = ${hold}`,
      `    keepalive-interval = ${keepalive}`,
      '    idle-hold-time-after-reset = 1',
      '  [neighbors.transport.config]',
      ...(local !== undefined ? [`    local-address = "${local}"`] : []),
      `    passive-mode = ${n.passive === true}`,
    );
    if (n.routeReflectorClient === true) {
      lines.push(
        '  [neighbors.route-reflector.config]',
        '    route-reflector-client = true',
        `    route-reflector-cluster-id = "${n.clusterId ?? o.routerId}"`,
      );
    }
    for (const f of n.families ?? defaultFamilies) {
      lines.push('  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]', `      afi-safi-name = "${f}"`);
    }
  }
  if (o.extraToml !== undefined) lines.push('', o.extraToml);
  return `${lines.join('\n')}\n`;
}

/** gobgp's JSON path attribute, loosely typed: only the fields we read. */
interface GobgpAttr {
  type: number;
  value?: unknown;
  as_paths?: { segment_type: number; asns?: number[] }[];
  nexthop?: string;
  metric?: number;
  communities?: number[];
  id?: string;
  ids?: string[];
}

interface GobgpPath {
  nlri?: { type?: number; value?: GobgpVpnNlri } & GobgpVpnNlri;
  best?: boolean;
  attrs?: GobgpAttr[];
  'neighbor-ip'?: string;
  'source-id'?: string;
}

interface GobgpVpnNlri {
  rd?: { type: number; admin: string | number; assigned: number };
  labels?: number[];
  mac?: string;
  ip?: string;
  etag?: number;
  esi?: string;
  prefix?: string;
}

/** A VPN path as gobgp shows it, with the NLRI fields and attributes the normalized Route lacks. */
export interface GobgpVpnPath {
  /** gobgp's NLRI string, e.g. "[type:macadv][rd:…]…" or "65000:1:10.1.0.0/24". */
  prefix: string;
  rd: string;
  labels: number[];
  mac?: string;
  ip?: string;
  etag?: number;
  nextHop: string;
  asPath: number[];
  /** "rt:65000:1", "encap:8" (RFC 9012 tunnel type), "rmac:…", else gobgp's JSON. */
  extCommunities: string[];
  /** PMSI tunnel (RFC 6514): type 6 = ingress replication. */
  pmsi?: { tunnelType: number; label: number; tunnelId: string };
  originatorId?: string;
  clusterList?: string[];
  best: boolean;
  from?: string;
}

interface GobgpExtCommunity {
  type: number;
  subtype: number;
  value?: string;
  tunnel_type?: number;
  mac?: string;
}

function extCommunityText(c: GobgpExtCommunity): string {
  if (c.subtype === 2 && c.value !== undefined) return `rt:${c.value}`;
  if (c.type === 3 && c.subtype === 12) return `encap:${c.tunnel_type ?? '?'}`;
  if (c.type === 6 && c.subtype === 3 && c.mac !== undefined) return `rmac:${c.mac}`;
  return JSON.stringify(c);
}

/** Parse `gobgp -j global rib -a evpn|vpnv4|vpnv6` keeping the VPN fields. */
export function parseGobgpVpnRib(json: string): GobgpVpnPath[] {
  const trimmed = json.trim();
  if (trimmed === '' || trimmed === 'null') return [];
  const table = JSON.parse(trimmed) as Record<string, GobgpPath[]>;
  const out: GobgpVpnPath[] = [];
  for (const [prefix, paths] of Object.entries(table)) {
    for (const p of paths) {
      const n: GobgpVpnNlri = p.nlri?.value ?? p.nlri ?? {};
      const base = parseGobgpRib(JSON.stringify({ [prefix]: [p] }))[0]!;
      const v: GobgpVpnPath = {
        prefix,
        rd: n.rd !== undefined ? `${n.rd.admin}:${n.rd.assigned}` : '',
        labels: n.labels ?? [],
        nextHop: base.nextHop,
        asPath: base.asPath,
        extCommunities: [],
        best: base.best,
      };
      if (n.mac !== undefined) v.mac = n.mac;
      if (n.ip !== undefined) v.ip = n.ip;
      if (n.etag !== undefined) v.etag = n.etag;
      if (base.originatorId !== undefined) v.originatorId = base.originatorId;
      if (base.clusterList !== undefined) v.clusterList = base.clusterList;
      if (base.from !== undefined) v.from = base.from;
      for (const a of p.attrs ?? []) {
        if (a.type === 16) v.extCommunities = ((a.value as GobgpExtCommunity[] | undefined) ?? []).map(extCommunityText);
        if (a.type === 22) {
          const t = a as unknown as { 'tunnel-type': number; label: number; 'tunnel-id': string };
          v.pmsi = { tunnelType: t['tunnel-type'], label: t.label, tunnelId: t['tunnel-id'] };
        }
      }
      out.push(v);
    }
  }
  return out;
}

/** Parse `gobgp -j global rib -a F` ({ prefix: path[] }) into normalized routes. */
export function parseGobgpRib(json: string): Route[] {
  const trimmed = json.trim();
  if (trimmed === '' || trimmed === 'null') return [];
  const table = JSON.parse(trimmed) as Record<string, GobgpPath[]>;
  const routes: Route[] = [];
  for (const [prefix, paths] of Object.entries(table)) {
    for (const p of paths) {
      const r: Route = { prefix, nextHop: '', asPath: [], communities: [], best: p.best === true };
      for (const a of p.attrs ?? []) {
        switch (a.type) {
          case 1:
            r.origin = (['igp', 'egp', 'incomplete'] as const)[Number(a.value)];
            break;
          case 2:
            for (const seg of a.as_paths ?? []) r.asPath.push(...(seg.asns ?? []));
            break;
          case 3:
          case 14:
            if (a.nexthop !== undefined) r.nextHop = a.nexthop;
            break;
          case 4:
            r.med = a.metric ?? Number(a.value ?? 0);
            break;
          case 5:
            r.localPref = Number(a.value);
            break;
          case 8:
            r.communities = (a.communities ?? []).map(communityFromNumber);
            break;
          case 9:
            r.originatorId = String(a.id ?? a.value);
            break;
          case 10:
            r.clusterList = (a.ids ?? (a.value as string[] | undefined) ?? []).map(String);
            break;
        }
      }
      const from = p['neighbor-ip'];
      if (from !== undefined && from !== '') r.from = from;
      routes.push(r);
    }
  }
  return routes;
}

export class Gobgpd extends LabDaemon implements BgpDaemon {
  readonly kind = 'gobgpd' as const;

  constructor(
    lab: Lab,
    process: LabProcess,
    readonly dir: string,
    readonly configFile: string,
    private readonly target: string[],
    logFile: string,
  ) {
    super(lab, process, 'gobgpd', [logFile]);
  }

  /** Run the gobgp CLI against this daemon (inside the lab). */
  async cli(args: string[]): Promise<string> {
    const { stdout } = await this.lab.exec('gobgp', [...this.target, ...args]);
    return stdout;
  }

  /**
   * `gobgp global rib add -a F <prefix…> nexthop … med … local-pref … community … aspath …`.
   * For EVPN/VPN/RTC, `prefix` is the CLI's NLRI words, e.g.
   * "macadv aa:bb:cc:dd:ee:ff 10.0.0.1 etag 0 label 100 rd 65000:1 rt 65000:1".
   */
  async addRoute(family: Family, prefix: string, attrs: Announcement = {}): Promise<void> {
    const args = ['global', 'rib', 'add', '-a', cliFamily[family], ...prefix.split(/\s+/)];
    if (attrs.nextHop !== undefined) args.push('nexthop', attrs.nextHop);
    if (attrs.med !== undefined) args.push('med', String(attrs.med));
    if (attrs.localPref !== undefined) args.push('local-pref', String(attrs.localPref));
    if (attrs.communities !== undefined && attrs.communities.length > 0) args.push('community', attrs.communities.join(','));
    if (attrs.asPath !== undefined && attrs.asPath.length > 0) args.push('aspath', attrs.asPath.join(','));
    if (attrs.origin !== undefined) args.push('origin', attrs.origin);
    await this.cli(args);
  }

  async deleteRoute(family: Family, prefix: string): Promise<void> {
    await this.cli(['global', 'rib', 'del', '-a', cliFamily[family], ...prefix.split(/\s+/)]);
  }

  /** The Loc-RIB (`gobgp -j global rib -a F`), local and received paths. */
  async routes(family: Family): Promise<Route[]> {
    return parseGobgpRib(await this.cli(['-j', 'global', 'rib', '-a', cliFamily[family]]));
  }

  /** The Loc-RIB of a VPN family with its NLRI fields, labels, extended communities and PMSI. */
  async vpnRoutes(family: 'l2vpn-evpn' | 'l3vpn-ipv4-unicast'): Promise<GobgpVpnPath[]> {
    return parseGobgpVpnRib(await this.cli(['-j', 'global', 'rib', '-a', cliFamily[family]]));
  }

  /** Adj-RIB-In from one neighbour (`gobgp -j neighbor X adj-in -a F`). */
  async adjIn(address: string, family: Family): Promise<Route[]> {
    const routes = parseGobgpRib(await this.cli(['-j', 'neighbor', address, 'adj-in', '-a', cliFamily[family]]));
    return routes.map((r) => ({ ...r, from: address }));
  }

  async neighborState(address: string): Promise<NeighborState> {
    const out = await this.cli(['-j', 'neighbor', address]);
    const n = JSON.parse(out) as { state?: { session_state?: number | string } };
    return normalizeState(n.state?.session_state);
  }
}

export async function startGobgpd(lab: Lab, opts: GobgpdOptions): Promise<Gobgpd> {
  const dir = await makeDaemonDir(lab, 'gobgpd');
  const configFile = join(dir, 'gobgpd.toml');
  const logFile = join(dir, 'gobgpd.log');
  await writeFile(configFile, gobgpdToml(opts));
  const api = opts.grpcPort !== undefined ? `127.0.0.1:${opts.grpcPort}` : `unix://${join(dir, 'gobgpd.sock')}`;
  const target = opts.grpcPort !== undefined ? ['-u', '127.0.0.1', '-p', String(opts.grpcPort)] : ['--target', api];
  const proc = lab.spawn('gobgpd', ['-f', configFile, '--api-hosts', api, '--pprof-disable', '-p', '-l', 'info'], {
    stdoutFile: logFile,
    stderrFile: logFile,
    label: spawnLabel(opts),
  });
  const d = new Gobgpd(lab, proc, dir, configFile, target, logFile);
  await waitReady(lab, proc, `${d.label} gRPC API`, () => d.cli(['global']));
  return d;
}
