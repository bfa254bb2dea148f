/**
 * Our own daemon inside a lab: `node <repo>/dist/src/cli/bgpiped.js -f FILE`,
 * with stdout/stderr captured to files in its temp dir (a failing test prints
 * them via lab.dumpLogs() or handle.logs()).
 *
 * The HTTP API listens inside the namespace (127.0.0.1 there is not the
 * host's), so api() runs a one-line fetch with node inside the lab.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabDaemon, makeDaemonDir, waitReady } from './daemon.js';
import type { Lab } from './netns.js';
import { labFetch, type ApiResponse } from './http.js';
import type { LabProcess } from './process.js';
import { normalizeState, type Family, type NeighborState, type Route } from './types.js';

/** A path as bgpiped's API shows it (src/api/model.ts PathView). */
interface PathJson {
  nextHop: string;
  asPath: string;
  origin: string;
  med: number | null;
  localPref: number | null;
  communities: string[];
  originatorId: string | null;
  clusterList: string[];
  best: boolean;
  source: string;
  /** A graceful-restart neighbour's path kept from its previous session (Loc-RIB only). */
  stale?: boolean;
}

/** A path from the API with its prefix and the VPN-relevant fields. */
export interface ApiPath extends PathJson {
  prefix: string;
  extendedCommunities: string[];
  /** EVPN/VPN label fields of the NLRI (raw: a VNI with VXLAN); [] for other families. */
  labels: number[];
  /** "type: ingress-repl, label: 100, tunnel-id: 10.99.0.2"; absent in builds before PMSI was shown. */
  pmsiTunnel?: string | null;
}

const ORIGINS: Record<string, Route['origin']> = { i: 'igp', e: 'egp', '?': 'incomplete' };

function normalizePath(prefix: string, p: PathJson): Route {
  const route: Route = {
    prefix,
    nextHop: p.nextHop,
    asPath: p.asPath.replace(/[{}]/g, ' ').split(/\s+/).filter(Boolean).map(Number),
    communities: p.communities,
    best: p.best,
  };
  if (p.med !== null) route.med = p.med;
  if (p.localPref !== null) route.localPref = p.localPref;
  if (p.originatorId !== null) route.originatorId = p.originatorId;
  if (p.clusterList.length) route.clusterList = p.clusterList;
  const origin = ORIGINS[p.origin];
  if (origin) route.origin = origin;
  if (p.source !== 'local') route.from = p.source;
  return route;
}

/** The repository root: this file is dist/test/interop/lib/bgpiped.js once compiled. */
export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
export const bgpipedScript = join(repoRoot, 'dist', 'src', 'cli', 'bgpiped.js');

export interface BgpipedOptions {
  /** The whole config file: GoBGP-style TOML (`-f`), or bagpipe-bgp's INI (`--config-file`). */
  configToml?: string;
  configIni?: string;
  /** Port of its HTTP API (inside the lab), used by api() and the readiness check. */
  apiPort: number;
  /** Extra command-line arguments after `-f FILE` (`--state-dir` is the daemon's dir's `state`). */
  args?: string[];
  env?: Record<string, string>;
  /** Wait for the API to answer GET readyPath (default '/ping'); false: do not wait. */
  waitReady?: boolean;
  readyPath?: string;
  label?: string;
}

export class Bgpiped extends LabDaemon {
  constructor(
    lab: Lab,
    process: LabProcess,
    readonly dir: string,
    readonly configFile: string,
    readonly apiPort: number,
    readonly stdoutFile: string,
    readonly stderrFile: string,
  ) {
    super(lab, process, 'bgpiped', [stdoutFile, stderrFile]);
  }

  /** An HTTP request to its API from inside the lab. */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse> {
    return labFetch(this.lab, this.apiPort, method, path, body, headers);
  }

  /** Loc-RIB of one family through the API, in the harness's normalized shape. */
  async routes(family: Family): Promise<Route[]> {
    const r = await this.api('GET', `/bgpipe/v1/rib?family=${family}`);
    if (r.status !== 200) throw new Error(`${this.label}: GET rib ${family}: HTTP ${r.status} ${r.body}`);
    const out: Route[] = [];
    for (const d of r.json as { prefix: string; paths: PathJson[] }[]) {
      for (const p of d.paths) out.push(normalizePath(d.prefix, p));
    }
    return out;
  }

  /**
   * The API's paths as they are (src/api/model.ts PathView: extended communities, PMSI tunnel…),
   * for the VPN families; `neighbor` + `table` read an Adj-RIB instead of the Loc-RIB.
   */
  async ribPaths(family: Family, adj?: { neighbor: string; table: 'in' | 'out' }): Promise<ApiPath[]> {
    const query = adj ? `family=${family}&neighbor=${adj.neighbor}&table=${adj.table}` : `family=${family}`;
    const r = await this.api('GET', `/bgpipe/v1/rib?${query}`);
    if (r.status !== 200) throw new Error(`${this.label}: GET rib ${query}: HTTP ${r.status} ${r.body}`);
    if (adj) return r.json as ApiPath[];
    return (r.json as { prefix: string; paths: ApiPath[] }[]).flatMap((d) => d.paths.map((p) => ({ ...p, prefix: d.prefix })));
  }

  async neighborState(address: string): Promise<NeighborState> {
    const r = await this.api('GET', `/bgpipe/v1/neighbors/${address}`);
    if (r.status !== 200) return 'unknown';
    return normalizeState((r.json as { state: string }).state);
  }

  /** As the peers' wait, but with a 15 s default and no early give-up when bgpiped exits (the timeout reports it). */
  override waitEstablished(address: string, timeoutMs = 15_000): Promise<void> {
    return this.pollEstablished(address, timeoutMs);
  }

  /** Rewrites the config file and sends SIGHUP (bgpiped's reload). */
  async reload(configToml: string): Promise<void> {
    await writeFile(this.configFile, configToml);
    this.process.signal('SIGHUP');
  }

  /** SIGTERM (graceful shutdown), SIGKILL after graceMs. */
  override stop(graceMs = 5000): Promise<void> {
    return super.stop(graceMs);
  }
}

export async function startBgpiped(lab: Lab, opts: BgpipedOptions): Promise<Bgpiped> {
  if (!existsSync(bgpipedScript)) {
    throw new Error(`${bgpipedScript} does not exist: run \`npx tsc -p tsconfig.json\` first`);
  }
  const dir = await makeDaemonDir(lab, 'bgpiped');
  if ((opts.configToml === undefined) === (opts.configIni === undefined)) throw new Error('startBgpiped: give configToml or configIni');
  const configFile = join(dir, opts.configIni !== undefined ? 'bgp.conf' : 'bgpiped.toml');
  const stdoutFile = join(dir, 'stdout.log');
  const stderrFile = join(dir, 'stderr.log');
  await writeFile(configFile, opts.configIni ?? opts.configToml ?? '');
  // BGPIPED_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR": profile bgpiped under a test or benchmark.
  const nodeArgs = (process.env.BGPIPED_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const configArgs = [opts.configIni !== undefined ? '--config-file' : '-f', configFile];
  // Attachments persist in the daemon's own dir, never in the host's /var/lib/bgpipe.
  const stateArgs = opts.args?.includes('--state-dir') ? [] : ['--state-dir', join(dir, 'state')];
  const proc = lab.spawn(process.execPath, [...nodeArgs, bgpipedScript, ...configArgs, ...stateArgs, ...(opts.args ?? [])], {
    stdoutFile,
    stderrFile,
    cwd: dir,
    env: opts.env ?? {},
    label: opts.label ?? `api:${opts.apiPort}`,
  });
  const d = new Bgpiped(lab, proc, dir, configFile, opts.apiPort, stdoutFile, stderrFile);
  if (opts.waitReady !== false) {
    const path = opts.readyPath ?? '/ping';
    await waitReady(lab, proc, `${d.label} API at ${path}`, async () => {
      const r = await d.api('GET', path);
      if (r.status >= 500) throw new Error(`HTTP ${r.status}`);
    });
  }
  return d;
}
