/**
 * The real bagpipe-bgp 17 (Debian `python3-networking-bagpipe`, the daemon bgpipe replaces) as
 * an interop peer: `/usr/bin/python3 /usr/bin/bagpipe-bgp --config-file F --log-file L`, with
 * the dummy dataplane drivers for EVPN and IP VPN by default (no kernel objects), its REST API on 127.0.0.1:<apiPort> inside the lab, driven with attach()/detach(), and its looking
 * glass read with lg().
 *
 * With `evpnDriver: 'linux'` its linux_vxlan EVPN driver makes real bridges and vxlan devices
 * in the lab. That driver's constructor runs `modprobe vxlan` (through oslo.privsep), which fails
 * on a kernel without loadable modules (`Module vxlan not found in directory /lib/modules/…`)
 * and the daemon then exits 0. Nothing on the system is changed to help it: the daemon's PATH
 * starts with a directory of its own whose `modprobe` answers 0 for a module built into the
 * running kernel (it has /sys/module/<name>) and hands anything else to the real one, and privsep
 * is told to start its helper without sudo (`[privsep] helper_command`: sudo would reset PATH to
 * its secure_path); `[COMMON] root_helper=env` runs its brctl/ip/bridge commands without sudo
 * too (the tests run as root).
 *
 * Quirks seen here (../shared/specs/bagpipe-bgp-reference.md has the rest):
 * - It is a console script; `/usr/bin/python3` runs it, not the `python3` on PATH (a pyenv
 *   without the Debian modules).
 * - Active only (it never listens on 179) and iBGP only (peer AS = my_as ≤ 65535); its OPEN has
 *   no 4-byte-AS, route-refresh or graceful-restart capability, and offers ipv4/mpls-vpn,
 *   ipv4/rtc, ipv4/flow-vpn and l2vpn/evpn. It binds its connection to local_address.
 * - Errors during startup (API port in use, a driver that fails) are logged as `Error while
 *   starting BGP daemon: …` and the process exits 0: readiness is its API answering, and the
 *   wait gives up as soon as the process is gone.
 * - It drops a session whose negotiated hold time is 30 s or less, right after Established and
 *   without a NOTIFICATION: `Exception while initiating connection: : AssertionError` (the
 *   `assert holdtime > 30` in engine/bgp_peer_worker.py _set_hold_time). Its own is 180 s, so the
 *   peer must offer more than 30 (the harness's bgpiped and gobgpd use 9 s by default).
 * - `--debug` breaks UPDATE reception: never used here.
 * - Errors come as JSON only with `Accept: application/json` (as the networking-bagpipe agent
 *   sends); curl's `*\/*` gets HTML. attach()/detach() send it and throw on anything but 200.
 * - The dummy EVPN driver advertises the VXLAN encapsulation; the dummy IP VPN driver advertises
 *   MPLS and accepts routes with MPLS or no encapsulation community.
 * - Looking-glass lists are in Python set order (random from run to run): compare as sets.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LabDaemon, makeDaemonDir, waitReady } from './daemon.js';
import { labFetch, type ApiResponse } from './http.js';
import type { Lab } from './netns.js';
import type { LabProcess } from './process.js';
import { normalizeState, type NeighborState } from './types.js';

export interface BagpipeOptions {
  /** [BGP] local_address: the router id, RD administrator, next hop; must be on the lab's lo. */
  localAddress: string;
  /** [BGP] peers: its route reflectors, which it connects to. */
  peers: string[];
  /** [BGP] my_as, 1..65535. */
  asn: number;
  /** [API] port, on 127.0.0.1 inside the lab. */
  apiPort: number;
  /** [BGP] enable_rtc, default true. */
  enableRtc?: boolean;
  /** [DATAPLANE_DRIVER_EVPN] dataplane_driver: `dummy` (default) or `linux` (linux_vxlan). */
  evpnDriver?: 'dummy' | 'linux';
}

/** A `modprobe` for a kernel with modules built in: 0 for those, the real one for the rest. */
const MODPROBE_SHIM = `#!/bin/sh
# bgpipe test shim (lib/bagpipe.ts): a module built into the running kernel has /sys/module/NAME.
for a in "$@"; do case "$a" in -*) ;; *) m="$a" ;; esac; done
if [ -n "$m" ] && [ -d "/sys/module/$(printf %s "$m" | tr - _)" ]; then exit 0; fi
exec /usr/sbin/modprobe "$@"
`;

export function bagpipeConfig(o: BagpipeOptions, configFile?: string): string {
  const linux = o.evpnDriver === 'linux';
  return [
    '[BGP]',
    `local_address=${o.localAddress}`,
    `peers=${o.peers.join(',')}`,
    `my_as=${o.asn}`,
    `enable_rtc=${o.enableRtc === false ? 'False' : 'True'}`,
    'bgp_port=179',
    '',
    '[API]',
    'host=127.0.0.1',
    `port=${o.apiPort}`,
    '',
    '[DATAPLANE_DRIVER_IPVPN]',
    'dataplane_driver=dummy',
    '',
    '[DATAPLANE_DRIVER_EVPN]',
    `dataplane_driver=${o.evpnDriver ?? 'dummy'}`,
    '',
    ...(linux ? ['[COMMON]', 'root_helper=env', '', '[privsep]', `helper_command=privsep-helper --config-file ${configFile}`, ''] : []),
  ].join('\n');
}

/** One route as the looking glass shows it (`/bgp/routes`, `.../received_routes`). */
export interface BagpipeLgRoute {
  /** The NLRI as bagpipe-bgp writes it: `evpn:macadv::…`, `10.0.0.1/32 label 24 next-hop … rd …`, `rtc …`. */
  nlri: string;
  afiSafi: string;
  nextHop: string;
  /** `target:64512:10`, `encap:VXLAN`, … as it writes them. */
  extendedCommunities: string[];
  routeTargets: string[];
  pmsiTunnel: unknown;
  /** `BGP-<peer address>` for a received route, the instance name for its own. */
  source: string;
  raw: unknown;
}

interface LgRouteJson {
  'afi-safi'?: string;
  attributes?: Record<string, unknown>;
  next_hop?: string;
  source?: { id?: string };
  route_targets?: string[];
}

/** `{"<nlri>": {afi-safi, attributes, next_hop, source, route_targets}}` → one flat object. */
export function parseLgRoute(entry: unknown): BagpipeLgRoute[] {
  const out: BagpipeLgRoute[] = [];
  for (const [nlri, r] of Object.entries(entry as Record<string, LgRouteJson>)) {
    const attrs = r.attributes ?? {};
    const ext = attrs['extended-community'];
    out.push({
      nlri,
      afiSafi: r['afi-safi'] ?? '',
      nextHop: r.next_hop ?? '',
      // "[ target:64512:10 encap:VXLAN ]"
      extendedCommunities: typeof ext === 'string' ? ext.replace(/^\[|\]$/g, '').split(/\s+/).filter(Boolean) : [],
      routeTargets: r.route_targets ?? [],
      pmsiTunnel: attrs['pmsi-tunnel'],
      source: r.source?.id ?? '',
      raw: r,
    });
  }
  return out;
}

export class BagpipeBgp extends LabDaemon {
  readonly kind = 'bagpipe-bgp' as const;

  constructor(
    lab: Lab,
    process: LabProcess,
    readonly dir: string,
    readonly configFile: string,
    readonly logFile: string,
    readonly apiPort: number,
  ) {
    super(lab, process, 'bagpipe-bgp', [logFile, join(dir, 'stdout.log')]);
  }

  /** A request to its REST API (JSON errors: Accept: application/json, as the agent sends). */
  api(method: string, path: string, body?: unknown): Promise<ApiResponse> {
    return labFetch(this.lab, this.apiPort, method, path, body, { accept: 'application/json' });
  }

  /** POST /attach_localport; throws with bagpipe-bgp's answer (and its log) unless 200. */
  attach(body: Record<string, unknown>): Promise<void> {
    return this.post('/attach_localport', body);
  }

  /** POST /detach_localport; throws unless 200. */
  detach(body: Record<string, unknown>): Promise<void> {
    return this.post('/detach_localport', body);
  }

  private async post(path: string, body: Record<string, unknown>): Promise<void> {
    const r = await this.api('POST', path, body);
    if (r.status !== 200) throw new Error(`${this.label}: POST ${path} ${JSON.stringify(body)}: HTTP ${r.status} ${r.body}\n${await this.logs()}`);
  }

  /** GET /looking-glass/<path>: the JSON, or undefined on 404 (no such object). */
  async lg(path: string): Promise<unknown> {
    const r = await this.api('GET', `/looking-glass/${path.replace(/^\//, '')}`);
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw new Error(`${this.label}: GET /looking-glass/${path}: HTTP ${r.status} ${r.body}`);
    return r.json;
  }

  /** `/bgp/peers`: `[{id, state, href}]`. */
  async neighborState(address: string): Promise<NeighborState> {
    const peers = ((await this.lg('bgp/peers')) ?? []) as { id: string; state: string }[];
    return normalizeState(peers.find((p) => p.id === address)?.state);
  }

  /** `/bgp/routes`: every route it holds (its own and received), by `afi/safi,*` table. */
  async bgpRoutes(): Promise<Record<string, BagpipeLgRoute[]>> {
    const tables = ((await this.lg('bgp/routes')) ?? {}) as Record<string, unknown[]>;
    return Object.fromEntries(Object.entries(tables).map(([t, routes]) => [t, routes.flatMap(parseLgRoute)]));
  }

  /** `/vpns/instances/<id>/received_routes` (or best_routes), flattened; [] when there is no such instance. */
  async instanceRoutes(instanceId: string, which: 'received_routes' | 'best_routes' = 'received_routes'): Promise<BagpipeLgRoute[]> {
    const byKey = ((await this.lg(`vpns/instances/${encodeURIComponent(instanceId)}/${which}`)) ?? {}) as Record<string, unknown[]>;
    return Object.values(byKey).flatMap((routes) => routes.flatMap(parseLgRoute));
  }

  /** The keys of received_routes / best_routes: `('MAC', 52:54:…)`, `('Multicast', …)`, `'10.0.0.1/32'`. */
  async instanceRouteKeys(instanceId: string, which: 'received_routes' | 'best_routes' = 'best_routes'): Promise<string[]> {
    return Object.keys(((await this.lg(`vpns/instances/${encodeURIComponent(instanceId)}/${which}`)) ?? {}) as Record<string, unknown>);
  }

  /** SIGTERM (it stops its workers and exits 0), SIGKILL after graceMs. */
  override stop(graceMs = 5000): Promise<void> {
    return super.stop(graceMs);
  }
}

export async function startBagpipe(lab: Lab, opts: BagpipeOptions): Promise<BagpipeBgp> {
  const dir = await makeDaemonDir(lab, 'bagpipe');
  const configFile = join(dir, 'bgp.conf');
  const logFile = join(dir, 'bagpipe-bgp.log');
  await writeFile(configFile, bagpipeConfig(opts, configFile));
  const env: Record<string, string> = {};
  if (opts.evpnDriver === 'linux') {
    const bin = join(dir, 'bin');
    await mkdir(bin);
    await writeFile(join(bin, 'modprobe'), MODPROBE_SHIM, { mode: 0o755 });
    env['PATH'] = `${bin}:${process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`;
  }
  const proc = lab.spawn('/usr/bin/python3', ['/usr/bin/bagpipe-bgp', '--config-file', configFile, '--log-file', logFile], {
    env,
    stdoutFile: join(dir, 'stdout.log'),
    stderrFile: join(dir, 'stdout.log'),
    cwd: dir,
    label: opts.localAddress,
  });
  const d = new BagpipeBgp(lab, proc, dir, configFile, logFile, opts.apiPort);
  // The API answers 2–3 s after exec on an idle machine (about 1 s of it is Python imports; the
  // linux driver adds a privsep helper, another Python): seen past 20 s with other labs running.
  await waitReady(lab, proc, `${d.label} API at /ping`, async () => {
    const r = await d.api('GET', '/ping');
    if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
  }, 60_000);
  return d;
}
