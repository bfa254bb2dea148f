/**
 * Test labs: one Linux network namespace per lab, with addresses on its `lo`
 * so several BGP speakers can share it, each bound to its own 10.99.0.x:179.
 *
 * Every process a lab starts is tracked by PID and stopped by PID in
 * destroy(); whatever else still lives in the namespace (a daemon's helper
 * child) is found with `ip netns pids` and killed by PID too. If the test
 * process dies first, a process.on('exit') hook (and SIGINT/SIGTERM handlers)
 * kill the PIDs and delete the namespace synchronously. Never pkill/killall.
 *
 * Names: `bgpt-<name>-<pid>[-<n>]`. A namespace name is a file in /run/netns
 * and is not limited to IFNAMSIZ; linkName() gives ≤ 15-character names for
 * the links a test creates.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LabProcess, type SpawnOptions } from './process.js';

const execFileP = promisify(execFile);

export interface ExecResult {
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  timeoutMs?: number;
  env?: Record<string, string>;
  /** Input written to the command's stdin. */
  input?: string;
}

/** Something with logs worth printing when a test fails. */
export interface LogSource {
  readonly label: string;
  logs(): Promise<string>;
}

export class CommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly code: number | string | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`command failed (${String(code)}): ${argv.join(' ')}\n${stderr.trim() || stdout.trim()}`);
    this.name = 'CommandError';
  }
}

/** Run a command on the host; rejects with CommandError on a non-zero exit. */
export async function run(cmd: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const argv = [cmd, ...args];
  try {
    const p = execFileP(cmd, args, {
      timeout: opts.timeoutMs ?? 15_000,
      killSignal: 'SIGKILL',
      env: { ...process.env, ...opts.env },
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'utf8',
    });
    // Close stdin either way: a CLI that reads it must not hang the test.
    // (EPIPE when the command exits before reading is not an error.)
    p.child.stdin?.on('error', () => undefined);
    p.child.stdin?.end(opts.input ?? '');
    const { stdout, stderr } = await p;
    return { stdout, stderr };
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stdout?: string; stderr?: string; signal?: string };
    throw new CommandError(argv, err.code ?? err.signal ?? null, err.stdout ?? '', err.stderr ?? err.message);
  }
}

const live = new Set<Lab>();
let hooksInstalled = false;
let seq = 0;

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const lab of live) lab.destroySync();
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      for (const lab of live) lab.destroySync();
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
  }
}

function assertCanMakeNamespaces(): void {
  const uid = process.getuid?.();
  if (uid !== 0) {
    throw new Error(
      `INTEROP HARNESS CANNOT RUN: it needs root to create network namespaces (uid is ${String(uid)}). ` +
        'Run the interop tests as root; they must fail, not pass silently.',
    );
  }
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(
      `INTEROP HARNESS CANNOT RUN: \`ip netns list\` failed (${(e as Error).message}). ` +
        'Install iproute2 and run as root on a kernel with network namespaces.',
    );
  }
}

export class Lab {
  /** The namespace name, as given to `ip netns`. */
  readonly name: string;
  /** A temp dir owned by the lab; daemons make their own dirs inside it. */
  readonly dir: string;
  private readonly processes: LabProcess[] = [];
  private readonly logSources: LogSource[] = [];
  private destroyed = false;
  private linkSeq = 0;

  constructor(name: string, dir: string) {
    this.name = name;
    this.dir = dir;
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  /** PIDs of every process this lab spawned (running or not). */
  get pids(): number[] {
    return this.processes.map((p) => p.pid);
  }

  /** Add an address to the namespace's lo; IPv6 gets `nodad` so it is usable at once. */
  async addAddress(cidr: string): Promise<void> {
    const withLen = cidr.includes('/') ? cidr : `${cidr}/${cidr.includes(':') ? 128 : 32}`;
    const args = ['-n', this.name, 'addr', 'add', withLen, 'dev', 'lo'];
    if (withLen.includes(':')) args.push('nodad');
    await run('ip', args);
  }

  /** Run a command inside the namespace and wait for it. */
  exec(cmd: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    this.assertLive();
    return run('ip', ['netns', 'exec', this.name, cmd, ...args], opts);
  }

  /**
   * Start a long-running process inside the namespace. The returned PID is the
   * program's own (`ip netns exec` execs), so stop() and destroy() kill it by PID.
   */
  spawn(cmd: string, args: string[], opts: SpawnOptions = {}): LabProcess {
    this.assertLive();
    const p = new LabProcess(['ip', 'netns', 'exec', this.name, cmd, ...args], {
      ...opts,
      label: opts.label ?? cmd,
    });
    this.processes.push(p);
    return p;
  }

  /** Register something whose logs dumpLogs() should print. */
  addLogSource(src: LogSource): void {
    this.logSources.push(src);
  }

  /** The tail of every registered log, for a failing test's output. */
  async dumpLogs(maxCharsEach = 4000): Promise<string> {
    const parts: string[] = [`==== lab ${this.name} (${this.dir}) ====`];
    for (const p of this.processes) parts.push(`  ${p.describe()}`);
    for (const src of this.logSources) {
      let text: string;
      try {
        text = await src.logs();
      } catch (e) {
        text = `(could not read logs: ${(e as Error).message})`;
      }
      const tail = text.length > maxCharsEach ? `…${text.slice(-maxCharsEach)}` : text;
      parts.push(`---- ${src.label} ----\n${tail.trimEnd()}`);
    }
    return parts.join('\n');
  }

  /** A unique link name of at most 15 characters (IFNAMSIZ - 1). */
  linkName(tag: string): string {
    const n = (this.linkSeq++).toString(36);
    return `${tag.replace(/[^a-zA-Z0-9]/g, '').slice(0, 15 - 1 - n.length)}${n}x`.slice(0, 15);
  }

  /** PIDs the kernel reports in the namespace (including processes we did not spawn). */
  async namespacePids(): Promise<number[]> {
    const { stdout } = await run('ip', ['netns', 'pids', this.name]);
    return parsePids(stdout);
  }

  /**
   * Stop every process (by PID: SIGTERM, SIGKILL after `graceMs`), kill any
   * leftover in the namespace, delete the namespace and, unless
   * BGPT_KEEP_FILES=1, the lab's temp dir. Idempotent.
   */
  async destroy(graceMs = 3000): Promise<void> {
    if (this.destroyed) return;
    await Promise.all(this.processes.map((p) => p.stop(graceMs)));
    try {
      for (const pid of await this.namespacePids()) killQuietly(pid, 'SIGKILL');
    } catch {
      // The namespace may already be gone.
    }
    try {
      await run('ip', ['netns', 'del', this.name]);
    } catch (e) {
      if (namespaceExists(this.name)) throw e;
    }
    this.finish();
  }

  /** Synchronous cleanup for process exit: SIGKILL by PID, then `ip netns del`. */
  destroySync(): void {
    if (this.destroyed) return;
    for (const p of this.processes) p.killSync();
    try {
      const out = execFileSync('ip', ['netns', 'pids', this.name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      for (const pid of parsePids(out)) killQuietly(pid, 'SIGKILL');
    } catch {
      // ignore: best effort
    }
    try {
      execFileSync('ip', ['netns', 'del', this.name], { stdio: 'ignore' });
    } catch {
      // ignore: scripts/cleanup-test-leftovers.sh is the next line of defence
    }
    this.finish();
  }

  private finish(): void {
    this.destroyed = true;
    live.delete(this);
    if (process.env['BGPT_KEEP_FILES'] !== '1') {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  private assertLive(): void {
    if (this.destroyed) throw new Error(`lab ${this.name} was destroyed`);
  }
}

function parsePids(text: string): number[] {
  return text
    .split(/\s+/)
    .filter((s) => /^\d+$/.test(s))
    .map(Number)
    .filter((pid) => pid !== process.pid);
}

function killQuietly(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** True if `ip netns list` shows this namespace. */
export function namespaceExists(name: string): boolean {
  const out = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return out.split('\n').some((line) => line.split(/\s+/)[0] === name);
}

/**
 * Create a namespace `bgpt-<name>-<pid>` with `lo` up. Throws loudly when not
 * root or when `ip netns` does not work. Call lab.destroy() in an after() hook;
 * process exit cleans up too.
 */
export async function createLab(name: string): Promise<Lab> {
  assertCanMakeNamespaces();
  installExitHooks();
  const safe = name.replace(/[^a-zA-Z0-9]/g, '').slice(0, 20) || 'lab';
  const n = seq++;
  const nsName = `bgpt-${safe}-${process.pid}${n === 0 ? '' : `-${n}`}`;
  if (namespaceExists(nsName)) {
    throw new Error(`namespace ${nsName} already exists: run scripts/cleanup-test-leftovers.sh`);
  }
  await run('ip', ['netns', 'add', nsName]);
  const dir = mkdtempSync(join(tmpdir(), `${nsName}-`));
  const lab = new Lab(nsName, dir);
  live.add(lab);
  try {
    await run('ip', ['-n', nsName, 'link', 'set', 'lo', 'up']);
  } catch (e) {
    await lab.destroy();
    throw e;
  }
  return lab;
}

/** Read a file, or '' if it does not exist yet. */
export async function readIfExists(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}
