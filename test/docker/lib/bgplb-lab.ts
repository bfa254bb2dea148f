/**
 * The bgplb lab: an upstream router namespace and N "hosts", each a namespace of its own with a
 * real dockerd (nsenter), the busybox image, and its own bgplb process (the built CLI, started
 * inside the namespace with docker-bgp-lb's environment). Host i is joined to the router by a
 * veth pair: router 10.98.i.1/24 (+ 10.98.i.3 for a second router daemon), host 10.98.i.2/24.
 *
 * Each plugin instance gets its own driver name (BGPLB_NAME, so its own socket in
 * /run/docker/plugins shared by all dockerds) and its own state file.
 */
import { join, resolve } from 'node:path';
import { createLab, run, readIfExists, type Lab } from '../../interop/lib/netns.js';
import type { LabProcess } from '../../interop/lib/process.js';
import { waitFor } from '../../interop/lib/wait.js';
import { startDockerd, type Dockerd } from './dockerd.js';

export const BGPLB_CLI = resolve('dist/src/cli/bgplb.js');

export interface LbHost {
  readonly index: number;
  readonly lab: Lab;
  readonly dockerd: Dockerd;
  /** Driver name (--driver / --ipam-driver). */
  readonly driver: string;
  /** The host's address towards the router, also its ROUTER_ID. */
  readonly address: string;
  readonly routerAddress: string;
  readonly stateFile: string;
  readonly logFile: string;
  plugin: LabProcess | undefined;
  env: Record<string, string>;
  /** The overrides of the last start, kept for a restart. */
  extra: Record<string, string>;
}

export async function linkHost(router: Lab, host: Lab, i: number): Promise<void> {
  await run('ip', ['link', 'add', `h${i}`, 'netns', router.name, 'type', 'veth', 'peer', 'name', 'up0', 'netns', host.name]);
  await run('ip', ['-n', router.name, 'addr', 'add', `10.98.${i}.1/24`, 'dev', `h${i}`]);
  await run('ip', ['-n', router.name, 'addr', 'add', `10.98.${i}.3/24`, 'dev', `h${i}`]);
  await run('ip', ['-n', router.name, 'link', 'set', `h${i}`, 'up']);
  await run('ip', ['-n', host.name, 'addr', 'add', `10.98.${i}.2/24`, 'dev', 'up0']);
  await run('ip', ['-n', host.name, 'link', 'set', 'up0', 'up']);
}

/** A host namespace linked to the router, with dockerd and the busybox image (no plugin yet). */
export async function startHost(router: Lab, i: number): Promise<LbHost> {
  const lab = await createLab(`lbh${i}`);
  try {
    await linkHost(router, lab, i);
    const dockerd = await startDockerd({ label: `lbh${i}`, netns: lab.name });
    lab.addLogSource({ label: `dockerd h${i}`, logs: () => dockerd.logs() });
    await dockerd.importBusybox();
    const address = `10.98.${i}.2`;
    const host: LbHost = {
      index: i,
      lab,
      dockerd,
      driver: `bgplb-t${process.pid}-${i}`,
      address,
      routerAddress: `10.98.${i}.1`,
      stateFile: join(lab.dir, 'bgplb-state.json'),
      logFile: join(lab.dir, 'bgplb.log'),
      plugin: undefined,
      env: {},
      extra: {},
    };
    lab.addLogSource({ label: `bgplb h${i}`, logs: () => readIfExists(host.logFile) });
    return host;
  } catch (e) {
    await lab.destroy();
    throw e;
  }
}

/** docker-bgp-lb's environment for this host, with the test's overrides. */
export function pluginEnv(h: LbHost, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ROUTER_ID: h.address,
    LOCAL_AS: '65534',
    PEER_ADDRESS: h.routerAddress,
    PEER_AS: '64512',
    SIGUSR2_HANDLER: 'true',
    DOCKER_HOST: h.dockerd.host,
    BGPLB_NAME: h.driver,
    BGPLB_STATE_FILE: h.stateFile,
    CONNECT_RETRY: '1',
    LOG_LEVEL: 'debug',
    ...extra,
  };
}

/** Start (or restart, with the same overrides by default) the host's plugin; wait until it serves. */
export async function startPlugin(h: LbHost, extra: Record<string, string> = h.extra): Promise<LabProcess> {
  h.extra = extra;
  h.env = pluginEnv(h, extra);
  const p = h.lab.spawn(process.execPath, [BGPLB_CLI], { env: h.env, stdoutFile: h.logFile, stderrFile: h.logFile, label: `bgplb h${h.index}` });
  h.plugin = p;
  await waitFor(() => readIfExists(h.logFile).then((t) => t.includes('bgplb serving')), {
    what: `bgplb on host ${h.index} serving`,
    timeoutMs: 20_000,
    abortIf: () => (p.alive ? undefined : `bgplb exited: ${p.describe()}`),
    diagnostics: () => h.lab.dumpLogs(),
  });
  return p;
}

export async function stopHost(h: LbHost): Promise<void> {
  // Containers and networks go while the plugin still answers (its teardown calls), then the rest.
  try {
    await h.dockerd.stop();
  } finally {
    await h.plugin?.stop();
    await h.lab.destroy();
  }
}
