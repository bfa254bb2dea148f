/**
 * A process the interop harness started, tracked by the PID of the real
 * program. Processes are started through `ip netns exec`, which calls
 * setns() and then execvp(): the child's PID *is* the daemon's PID, and we
 * stay its parent, so its exit is reported to us and its PID cannot be
 * recycled behind our back while we hold it.
 *
 * Stopping is always by PID (SIGTERM, then SIGKILL after a grace period),
 * never by process name.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  /** Extra environment variables, merged over the harness's environment. */
  env?: Record<string, string>;
  cwd?: string;
  /** Files that receive the process's stdout/stderr (appended). Default: discarded. */
  stdoutFile?: string;
  stderrFile?: string;
  /** A short label used in error messages and log dumps. */
  label?: string;
}

export class LabProcess {
  readonly pid: number;
  readonly label: string;
  readonly command: string[];
  readonly stdoutFile: string | undefined;
  readonly stderrFile: string | undefined;
  /** Resolves once the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;
  private readonly child: ChildProcess;

  constructor(argv: string[], opts: SpawnOptions = {}) {
    const [cmd, ...args] = argv;
    if (cmd === undefined) throw new Error('LabProcess: empty command line');
    this.command = argv;
    this.label = opts.label ?? cmd;
    this.stdoutFile = opts.stdoutFile;
    this.stderrFile = opts.stderrFile;
    const out = opts.stdoutFile !== undefined ? openSync(opts.stdoutFile, 'a') : 'ignore';
    const err = opts.stderrFile !== undefined
      ? (opts.stderrFile === opts.stdoutFile ? out : openSync(opts.stderrFile, 'a'))
      : 'ignore';
    try {
      this.child = spawn(cmd, args, {
        cwd: opts.cwd,
        env: { ...process.env, ...opts.env },
        stdio: ['ignore', out, err],
      });
    } finally {
      // The child has its own copies of the descriptors now.
      if (typeof out === 'number') closeSync(out);
      if (typeof err === 'number' && err !== out) closeSync(err);
    }
    if (this.child.pid === undefined) {
      throw new Error(`could not start ${argv.join(' ')}`);
    }
    this.pid = this.child.pid;
    this.exited = new Promise<ExitInfo>((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
      this.child.once('error', () => {
        this.exitInfo ??= { code: null, signal: null };
        resolve(this.exitInfo);
      });
    });
  }

  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  /** How it ended, or undefined while it runs. */
  get exit(): ExitInfo | undefined {
    return this.exitInfo;
  }

  /** Send one signal by PID; a no-op once the process has exited. */
  signal(sig: NodeJS.Signals): void {
    if (!this.alive) return;
    try {
      process.kill(this.pid, sig);
    } catch {
      // ESRCH: it exited between the check and the kill.
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it is gone. */
  async stop(graceMs = 3000): Promise<ExitInfo> {
    if (!this.alive) return this.exitInfo ?? { code: null, signal: null };
    this.signal('SIGTERM');
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
    if ((await Promise.race([this.exited, timer])) === 'timeout') {
      this.signal('SIGKILL');
    }
    return this.exited;
  }

  /** Synchronous last resort for process.on('exit'). */
  killSync(): void {
    this.signal('SIGKILL');
  }

  describe(): string {
    const state = this.alive
      ? 'running'
      : `exited (code ${String(this.exitInfo?.code)}, signal ${String(this.exitInfo?.signal)})`;
    return `${this.label} pid ${this.pid} ${state}: ${this.command.join(' ')}`;
  }
}

/** True if a process with this PID exists (it may be a zombie). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
