/**
 * BIRD 2.0.12 as an interop peer: `bird -f -c CONF -s SOCK -P PIDFILE`,
 * queried and reconfigured with `birdc -s SOCK`.
 *
 * Quirks seen here:
 * - Without `strict bind yes` every BGP protocol listens on 0.0.0.0:179 and
 *   the second speaker in a namespace gets "bind: Address already in use"
 *   (protocol down, "No listening socket").
 * - A neighbour that is not on a connected subnet (10.99.0.x/32 on lo) keeps
 *   the protocol Idle silently: the harness uses `multihop` by default. Such
 *   next hops do not resolve (no IGP), so received routes show as
 *   `unreachable` in `show route`; they are still best and still re-exported.
 * - Default connect delay is 5 s: set `connect delay time 1` to peer fast.
 * - MED on eBGP export is only sent when set by the export filter
 *   ("fresh"), so route attributes are applied in a generated export filter,
 *   not in the static protocol.
 * - IPv6 routes over an IPv4 session need `next hop address X` in the ipv6
 *   channel, or BIRD picks some IPv6 address of its own interfaces.
 * - No EVPN, no RTC, in this version.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LabDaemon, listenAddresses, makeDaemonDir, sourceAddressFor, spawnLabel, timers, waitReady } from './daemon.js';
import type { Lab } from './netns.js';
import type { LabProcess } from './process.js';
import {
  assertNoTransportSecurity,
  defaultFamilies,
  isIPv6,
  normalizeState,
  type Announcement,
  type BgpDaemon,
  type Family,
  type NeighborConfig,
  type NeighborState,
  type PeerOptions,
  type Route,
} from './types.js';

export interface BirdNeighbor extends NeighborConfig {
  /** Default true: lab addresses live on lo, not on a shared subnet. */
  multihop?: boolean;
}

/** listenAddress: the session source per address family; `strict bind` to these. */
export interface BirdOptions extends PeerOptions<BirdNeighbor> {
  /** IPv6 next hop for IPv6 routes over IPv4 sessions; default: the IPv6 listen address. */
  ipv6NextHop?: string;
  /** Appended verbatim to the generated config. */
  extraConfig?: string;
}

interface StaticRoute {
  family: 'ipv4-unicast' | 'ipv6-unicast';
  prefix: string;
  attrs: Announcement;
}

/** BIRD protocol name for a neighbour: peer_10_99_0_1. */
export function birdProtocolName(address: string): string {
  return `peer_${address.replace(/[^0-9a-fA-F]/g, '_')}`;
}

function exportFilter(name: string, routes: StaticRoute[]): string[] {
  const lines = [`filter ${name} {`];
  for (const r of routes) {
    const sets: string[] = [];
    const a = r.attrs;
    if (a.med !== undefined) sets.push(`bgp_med = ${a.med};`);
    if (a.localPref !== undefined) sets.push(`bgp_local_pref = ${a.localPref};`);
    for (const c of a.communities ?? []) sets.push(`bgp_community.add((${c.replace(':', ',')}));`);
    // prepend() puts its argument first: prepend the last AS first.
    for (const asn of [...(a.asPath ?? [])].reverse()) sets.push(`bgp_path.prepend(${asn});`);
    if (a.origin !== undefined) sets.push(`bgp_origin = ORIGIN_${a.origin.toUpperCase()};`);
    if (sets.length > 0) lines.push(`  if source = RTS_STATIC && net = ${r.prefix} then { ${sets.join(' ')} }`);
  }
  lines.push('  accept;', '}');
  return lines;
}

export function birdConfig(o: BirdOptions, routes: StaticRoute[], logFile: string): string {
  const listen = listenAddresses(o);
  const { hold, keepalive } = timers(o);
  const nh6 = o.ipv6NextHop ?? listen.find(isIPv6);
  const v4 = routes.filter((r) => r.family === 'ipv4-unicast');
  const v6 = routes.filter((r) => r.family === 'ipv6-unicast');
  const lines = [
    `router id ${o.routerId};`,
    `log "${logFile}" all;`,
    'protocol device {}',
    ...exportFilter('harness_export4', v4),
    ...exportFilter('harness_export6', v6),
    'protocol static harness_static4 {',
    '  ipv4;',
    ...v4.map((r) => `  route ${r.prefix} unreachable;`),
    '}',
    'protocol static harness_static6 {',
    '  ipv6;',
    ...v6.map((r) => `  route ${r.prefix} unreachable;`),
    '}',
  ];
  for (const n of o.neighbors) {
    assertNoTransportSecurity(n);
    const local = sourceAddressFor(listen, n.address);
    const fams = n.families ?? defaultFamilies;
    for (const f of fams) {
      if (f !== 'ipv4-unicast' && f !== 'ipv6-unicast') throw new Error(`BIRD 2.0.12 harness: ${f} is not supported`);
    }
    lines.push(`protocol bgp ${birdProtocolName(n.address)} {`);
    lines.push(local !== undefined ? `  local ${local} as ${o.asn};` : `  local as ${o.asn};`);
    lines.push(`  neighbor ${n.address} as ${n.asn};`);
    if (local !== undefined) lines.push('  strict bind yes;');
    if (n.multihop !== false) lines.push('  multihop;');
    lines.push(
      `  hold time ${hold};`,
      `  keepalive time ${keepalive};`,
      '  connect retry time 1;',
      '  connect delay time 1;',
      '  error wait time 1, 5;',
    );
    if (n.passive === true) lines.push('  passive on;');
    if (n.routeReflectorClient === true) lines.push('  rr client;');
    if (n.clusterId !== undefined) lines.push(`  rr cluster id ${n.clusterId};`);
    if (fams.includes('ipv4-unicast')) lines.push('  ipv4 { import all; export filter harness_export4; };');
    if (fams.includes('ipv6-unicast')) {
      const nh = !isIPv6(n.address) && nh6 !== undefined ? ` next hop address ${nh6};` : '';
      lines.push(`  ipv6 { import all; export filter harness_export6;${nh} };`);
    }
    lines.push('}');
  }
  if (o.extraConfig !== undefined) lines.push(o.extraConfig);
  return `${lines.join('\n')}\n`;
}

/** Parse `birdc show route all` text into normalized routes. */
export function parseBirdRoutes(text: string): Route[] {
  const routes: Route[] = [];
  let prefix = '';
  let cur: Route | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('\t')) {
      if (cur === undefined) continue;
      const body = line.trim();
      const via = /^via (\S+)/.exec(body);
      if (via?.[1] !== undefined && cur.nextHop === '') cur.nextHop = via[1];
      const m = /^BGP\.(\w+):\s*(.*)$/.exec(body);
      if (m === null) continue;
      const [, key, value = ''] = m;
      switch (key) {
        case 'origin':
          cur.origin = value.toLowerCase() === 'igp' ? 'igp' : value.toLowerCase() === 'egp' ? 'egp' : 'incomplete';
          break;
        case 'as_path':
          cur.asPath = (value.match(/\d+/g) ?? []).map(Number);
          break;
        case 'next_hop':
          cur.nextHop = value.split(/\s+/)[0] ?? '';
          break;
        case 'med':
          cur.med = Number(value);
          break;
        case 'local_pref':
          cur.localPref = Number(value);
          break;
        case 'community':
          cur.communities = [...value.matchAll(/\((\d+),\s*(\d+)\)/g)].map((c) => `${c[1]}:${c[2]}`);
          break;
        case 'originator_id':
          cur.originatorId = value.trim();
          break;
        case 'cluster_list':
          cur.clusterList = value.trim().split(/\s+/).filter((s) => s !== '');
          break;
      }
      continue;
    }
    // "10.1.0.0/24   unreachable [peer_x 17:52:00.586 from 10.99.0.1] * (100) [AS65101?]"
    // An alternative path of the same prefix starts with blanks instead of the prefix.
    const m = /^(\S+)?\s+(\S+)\s+\[(\S+)\s[^\]]*?(?:\sfrom\s(\S+))?\]\s*(\*)?/.exec(line);
    if (m === null || line.startsWith('Table ') || line.startsWith('BIRD ')) continue;
    if (m[1] !== undefined) prefix = m[1];
    if (prefix === '') continue;
    cur = { prefix, nextHop: '', asPath: [], communities: [], best: m[5] === '*' };
    if (m[4] !== undefined) cur.from = m[4];
    routes.push(cur);
  }
  return routes;
}

export class Bird extends LabDaemon implements BgpDaemon {
  readonly kind = 'bird' as const;
  private readonly statics = new Map<string, StaticRoute>();

  constructor(
    lab: Lab,
    process: LabProcess,
    readonly dir: string,
    readonly configFile: string,
    readonly socket: string,
    private readonly opts: BirdOptions,
    private readonly logFile: string,
    outFile: string,
  ) {
    super(lab, process, 'bird', [outFile, logFile]);
  }

  async birdc(...args: string[]): Promise<string> {
    const { stdout } = await this.lab.exec('birdc', ['-s', this.socket, ...args]);
    return stdout;
  }

  /** Originate `prefix` from the harness's static protocol; attributes via the export filter. nextHop is BIRD's own. */
  async addRoute(family: Family, prefix: string, attrs: Announcement = {}): Promise<void> {
    if (family !== 'ipv4-unicast' && family !== 'ipv6-unicast') throw new Error(`BIRD harness: cannot originate ${family}`);
    this.statics.set(`${family} ${prefix}`, { family, prefix, attrs });
    await this.reconfigure();
  }

  async deleteRoute(family: Family, prefix: string): Promise<void> {
    this.statics.delete(`${family} ${prefix}`);
    await this.reconfigure();
  }

  /** Rewrite the config from the current static routes and `birdc configure`. */
  async reconfigure(): Promise<void> {
    await writeFile(this.configFile, birdConfig(this.opts, [...this.statics.values()], this.logFile));
    const out = await this.birdc('configure');
    if (!/Reconfigured|Reconfiguration in progress/.test(out)) {
      throw new Error(`${this.label}: birdc configure failed:\n${out}`);
    }
  }

  async routes(family: Family): Promise<Route[]> {
    const table = family === 'ipv4-unicast' ? 'master4' : family === 'ipv6-unicast' ? 'master6' : undefined;
    if (table === undefined) throw new Error(`BIRD harness: no table for ${family}`);
    return parseBirdRoutes(await this.birdc('show', 'route', 'all', 'table', table));
  }

  async neighborState(address: string): Promise<NeighborState> {
    const out = await this.birdc('show', 'protocols', 'all', birdProtocolName(address));
    return normalizeState(/BGP state:\s*(\w+)/.exec(out)?.[1]);
  }
}

export async function startBird(lab: Lab, opts: BirdOptions): Promise<Bird> {
  const dir = await makeDaemonDir(lab, 'bird');
  const configFile = join(dir, 'bird.conf');
  const logFile = join(dir, 'bird.log');
  const outFile = join(dir, 'bird.out');
  const socket = join(dir, 'bird.ctl');
  await writeFile(configFile, birdConfig(opts, [], logFile));
  const proc = lab.spawn('bird', ['-f', '-c', configFile, '-s', socket, '-P', join(dir, 'bird.pid')], {
    stdoutFile: outFile,
    stderrFile: outFile,
    label: spawnLabel(opts),
  });
  const d = new Bird(lab, proc, dir, configFile, socket, opts, logFile, outFile);
  await waitReady(lab, proc, `${d.label} control socket`, () => d.birdc('show', 'status'));
  return d;
}
