/**
 * A real dockerd (20.10, docker.io) per test, in its own temp dir: own data
 * and exec roots, own API socket and pid file, its own containerd (dockerd
 * starts one under the exec root), no iptables, no default bridge, vfs
 * storage (test-environment.md). Optionally inside a network namespace the
 * test made (`nsenter --net=/run/netns/X`, not `ip netns exec`, which
 * remounts /sys and breaks runc).
 *
 * Clean-up (stop(), and synchronously at process exit): every container is
 * removed and every user network deleted (so plugins see their teardown
 * calls), dockerd is stopped by PID (it stops its containerd), leftovers
 * whose command line names this temp dir (containerd, shims) are killed by
 * PID, mounts under the dir are detached and the dir is removed.
 *
 * Images: no registry here, so importBusybox() builds a tiny image from
 * busybox-static (symlinked applets) and `docker import`s it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, copyFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineClient } from '../../../src/docker/engine-client.js';
import { LabProcess } from '../../interop/lib/process.js';
import { run, readIfExists, type ExecOptions, type ExecResult } from '../../interop/lib/netns.js';
import { waitFor } from '../../interop/lib/wait.js';

export const DOCKERD = '/usr/sbin/dockerd';
/** The docker.io client; /usr/local/bin/docker (first in PATH here) is another version. */
export const DOCKER = '/usr/bin/docker';
export const BUSYBOX = '/usr/bin/busybox';

/** Applets linked into the test image. */
const APPLETS = [
  'sh', 'ip', 'ping', 'sleep', 'true', 'false', 'cat', 'echo', 'ls', 'kill', 'nc', 'wget', 'httpd',
  'touch', 'rm', 'test', 'ifconfig', 'route', 'hostname', 'ps', 'date', 'grep', 'mkdir',
];

export interface DockerdOptions {
  /** Run dockerd in this namespace (name under /run/netns). */
  netns?: string;
  /** Short label for names and messages. */
  label?: string;
  /** Extra dockerd flags. */
  args?: string[];
}

const live = new Set<Dockerd>();
let hooksInstalled = false;

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const d of live) d.destroySync();
  });
}

export class Dockerd {
  readonly dir: string;
  readonly socket: string;
  /** For DOCKER_HOST and `docker -H`. */
  readonly host: string;
  readonly label: string;
  readonly netns: string | undefined;
  readonly logFile: string;
  readonly client: EngineClient;
  private proc: LabProcess | undefined;
  private stopped = false;

  constructor(dir: string, opts: DockerdOptions) {
    this.dir = dir;
    this.socket = join(dir, 'docker.sock');
    this.host = `unix://${this.socket}`;
    this.label = opts.label ?? 'dockerd';
    this.netns = opts.netns;
    this.logFile = join(dir, 'dockerd.log');
    this.client = new EngineClient({ socketPath: this.socket });
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get alive(): boolean {
    return this.proc?.alive ?? false;
  }

  /** @internal used by startDockerd */
  async start(extra: string[]): Promise<void> {
    const configFile = join(this.dir, 'daemon.json');
    writeFileSync(configFile, '{}\n');
    const argv = [
      DOCKERD,
      '--iptables=false', '--ip6tables=false', '--bridge=none', '--storage-driver=vfs',
      '--data-root', join(this.dir, 'data'),
      '--exec-root', join(this.dir, 'exec'),
      '-H', this.host,
      '--pidfile', join(this.dir, 'dockerd.pid'),
      '--config-file', configFile,
      ...extra,
    ];
    const full = this.netns !== undefined ? ['nsenter', `--net=/run/netns/${this.netns}`, ...argv] : argv;
    this.proc = new LabProcess(full, { label: this.label, stdoutFile: this.logFile, stderrFile: this.logFile });
    await waitFor(() => this.client.version(), {
      what: `${this.label} answering on ${this.socket}`,
      timeoutMs: 30_000,
      intervalMs: 250,
      abortIf: () => (this.proc?.alive ? undefined : `dockerd exited: ${this.proc?.describe() ?? ''}`),
      diagnostics: () => this.logs(),
    });
  }

  /** Run the docker CLI against this daemon; rejects on a non-zero exit. */
  docker(args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return run(DOCKER, ['-H', this.host, ...args], { timeoutMs: 60_000, ...opts });
  }

  /** Run the docker CLI and return the error text it failed with (throws if it succeeded). */
  async dockerFails(args: string[], opts: ExecOptions = {}): Promise<string> {
    try {
      const r = await this.docker(args, opts);
      throw new Error(`docker ${args.join(' ')} succeeded but was expected to fail: ${r.stdout}`);
    } catch (e) {
      if (e instanceof Error && 'stderr' in e) return String((e as { stderr: string }).stderr);
      throw e;
    }
  }

  /** Import the busybox test image as `tag` (default bb:latest). */
  async importBusybox(tag = 'bb:latest'): Promise<string> {
    await this.docker(['import', busyboxTar(), tag]);
    return tag;
  }

  async logs(): Promise<string> {
    return readIfExists(this.logFile);
  }

  /**
   * Remove containers and user networks, stop dockerd by PID, kill what is
   * left of its containerd/shims by PID, detach mounts, delete the dir.
   * Idempotent.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    if (this.proc?.alive) {
      try {
        const ids = (await this.docker(['ps', '-aq'])).stdout.split(/\s+/).filter(Boolean);
        if (ids.length > 0) await this.docker(['rm', '-f', ...ids], { timeoutMs: 60_000 });
        const nets = (await this.docker(['network', 'ls', '--format', '{{.Name}}'])).stdout
          .split(/\s+/)
          .filter((n) => n !== '' && !['bridge', 'host', 'none'].includes(n));
        for (const n of nets) await this.docker(['network', 'rm', n]).catch(() => undefined);
      } catch {
        // best effort: the daemon may be wedged; it is killed below
      }
      await this.proc.stop(15_000);
    }
    this.finish();
  }

  /** Synchronous last resort (process exit): SIGKILL everything by PID, unmount, remove. */
  destroySync(): void {
    if (this.stopped) return;
    this.proc?.killSync();
    this.finish();
  }

  private finish(): void {
    this.stopped = true;
    live.delete(this);
    for (const pid of pidsMentioning(this.dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    unmountUnder(this.dir);
    if (process.env['BGPT_KEEP_FILES'] !== '1') rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Start a dockerd and wait until its API answers. Call stop() in t.after / finally. */
export async function startDockerd(opts: DockerdOptions = {}): Promise<Dockerd> {
  if (process.getuid?.() !== 0) throw new Error('DOCKER TESTS CANNOT RUN: dockerd needs root');
  for (const bin of [DOCKERD, DOCKER, BUSYBOX]) {
    if (!existsSync(bin)) throw new Error(`DOCKER TESTS CANNOT RUN: ${bin} is missing (apt-get install docker.io busybox-static)`);
  }
  installExitHooks();
  const safe = (opts.label ?? 'dockerd').replace(/[^a-zA-Z0-9]/g, '').slice(0, 16);
  const dir = mkdtempSync(join(tmpdir(), `bgpt-dk-${safe}-${process.pid}-`));
  const d = new Dockerd(dir, opts);
  live.add(d);
  try {
    await d.start(opts.args ?? []);
  } catch (e) {
    await d.stop();
    throw e;
  }
  return d;
}

let busyboxTarPath: string | undefined;

/** A tar of a root with /bin/busybox and its applets, built once per test process. */
export function busyboxTar(): string {
  if (busyboxTarPath !== undefined && existsSync(busyboxTarPath)) return busyboxTarPath;
  const dir = mkdtempSync(join(tmpdir(), `bgpt-bbimg-${process.pid}-`));
  const root = join(dir, 'root');
  mkdirSync(join(root, 'bin'), { recursive: true });
  for (const d of ['etc', 'tmp', 'proc', 'sys', 'dev', 'var/www']) mkdirSync(join(root, d), { recursive: true });
  copyFileSync(BUSYBOX, join(root, 'bin', 'busybox'));
  chmodSync(join(root, 'bin', 'busybox'), 0o755);
  for (const a of APPLETS) symlinkSync('busybox', join(root, 'bin', a));
  const tar = join(dir, 'bb.tar');
  execFileSync('tar', ['-C', root, '-cf', tar, '.']);
  busyboxTarPath = tar;
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return tar;
}

/** PIDs (not ours) whose command line mentions `needle` (the dockerd's unique temp dir). */
function pidsMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmd.includes(needle)) out.push(pid);
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** Lazily unmount every mount point under `dir`, deepest first. */
function unmountUnder(dir: string): void {
  let mounts: string[];
  try {
    mounts = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[4] ?? '')
      .filter((m) => m === dir || m.startsWith(`${dir}/`));
  } catch {
    return;
  }
  for (const m of mounts.sort((a, b) => b.length - a.length)) {
    try {
      execFileSync('umount', ['-l', m], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
}
