/**
 * A persistent `ip -force -batch -` child: route commands go down its stdin one per line and the
 * kernel's answer to each comes back on its stderr, so one process (and one netlink socket)
 * serves the daemon's whole life instead of one `ip` per route.
 *
 * Per-command errors: with -force, ip keeps reading after a failed command and prints
 *
 *     <the kernel's message, e.g. "Error: Nexthop has invalid gateway.">
 *     Command failed -:<line number>
 *
 * on stderr, which is unbuffered, so the line number names the command that failed. The end of
 * a batch is a marker command that always fails (showing a link that cannot exist): when its
 * "Command failed -:<n>" arrives, every command before it has been answered. Batches may be
 * written while earlier ones are still running; they are answered in order.
 *
 * A command ip cannot parse makes it exit (iproute2 calls exit() from its argument parsers):
 * every batch in flight is then rejected, since which of its commands ran is unknown, and the
 * next batch starts a new child. The caller re-reads the table to learn what happened.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** A link name that cannot exist (ifnames are at most 15 octets; this one is 13 and reserved by
 *  convention here). `ip link show dev` of it fails without side effects. */
const MARKER = 'link show dev bgpipe-nosync';

interface InFlight {
  /** Line number (1-based, per child) of the batch's first command and of its marker. */
  readonly first: number;
  readonly marker: number;
  readonly errors: Map<number, string>;
  resolve(errors: Map<number, string>): void;
  reject(err: Error): void;
}

export interface IpBatchOptions {
  /** Run in this network namespace (`ip -n NS`); default: our own. */
  readonly netns?: string;
  /** The ip binary; default `ip` from PATH. */
  readonly ip?: string;
  /** Options before `-batch`, e.g. ['-6'] (a batch line cannot carry options: `rule` commands
   *  name no address to infer the family from). */
  readonly options?: readonly string[];
}

export class IpBatch {
  private child: ChildProcess | undefined;
  private line = 0;
  private readonly inFlight: InFlight[] = [];
  private stderrTail = '';
  /** Kernel messages seen since the last "Command failed" line. */
  private message: string[] = [];
  private closed = false;

  constructor(private readonly opts: IpBatchOptions = {}) {}

  /** Argument vector prefix for one-shot commands in the same namespace. */
  get baseArgs(): string[] {
    return this.opts.netns !== undefined ? ['-n', this.opts.netns] : [];
  }

  get ipPath(): string {
    return this.opts.ip ?? 'ip';
  }

  /**
   * Runs the commands (without a leading `ip`, no newlines inside) in order. Resolves with the
   * error text of each command that failed, by index in `commands`.
   */
  run(commands: readonly string[]): Promise<Map<number, string>> {
    if (this.closed) return Promise.reject(new Error('ip batch closed'));
    if (commands.length === 0) return Promise.resolve(new Map());
    const child = this.child ?? this.start();
    return new Promise<Map<number, string>>((resolve, reject) => {
      const first = this.line + 1;
      this.line += commands.length + 1;
      this.inFlight.push({ first, marker: this.line, errors: new Map(), resolve, reject });
      child.stdin!.write(commands.join('\n') + '\n' + MARKER + '\n');
    });
  }

  close(): void {
    this.closed = true;
    const child = this.child;
    this.child = undefined;
    if (child) {
      child.stdin?.end();
      // ip exits at end of input; a child stuck in the kernel is not ours to wait for.
      const t = setTimeout(() => child.kill('SIGKILL'), 2000);
      t.unref();
      child.once('exit', () => clearTimeout(t));
    }
    this.failAll(new Error('ip batch closed'));
  }

  private start(): ChildProcess {
    const child = spawn(this.ipPath, [...this.baseArgs, ...(this.opts.options ?? []), '-force', '-batch', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    this.child = child;
    this.line = 0;
    this.stderrTail = '';
    this.message = [];
    child.stdin!.on('error', () => undefined); // EPIPE when it died: reported by 'exit'
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => this.onStderr(chunk));
    child.on('error', (err) => this.onGone(child, `cannot run ${this.ipPath}: ${err.message}`));
    child.on('exit', (code, signal) => {
      const last = this.message.join('; ') || this.stderrTail.trim();
      this.onGone(child, `${this.ipPath} -batch exited (${signal ?? code})${last ? `: ${last}` : ''}`);
    });
    return child;
  }

  private onGone(child: ChildProcess, why: string): void {
    if (this.child === child) this.child = undefined;
    this.failAll(new Error(why));
  }

  private failAll(err: Error): void {
    for (const f of this.inFlight.splice(0)) f.reject(err);
  }

  private onStderr(chunk: string): void {
    const text = this.stderrTail + chunk;
    const lines = text.split('\n');
    this.stderrTail = lines.pop()!;
    for (const l of lines) {
      const m = /^Command failed .*:(\d+)$/.exec(l);
      if (m === null) {
        if (l.trim() !== '') this.message.push(l.trim());
        continue;
      }
      const n = Number(m[1]);
      const msg = this.message.join('; ');
      this.message = [];
      this.answer(n, msg);
    }
  }

  /** Line `n` failed; when it is a batch's marker, that batch is complete. */
  private answer(n: number, msg: string): void {
    while (this.inFlight.length > 0) {
      const head = this.inFlight[0]!;
      if (n > head.marker) {
        // The marker of this batch never failed: impossible unless someone made the link.
        this.inFlight.shift();
        head.reject(new Error(`ip batch: no answer for the marker of line ${head.marker}`));
        continue;
      }
      if (n === head.marker) {
        this.inFlight.shift();
        head.resolve(head.errors);
      } else if (n >= head.first) {
        head.errors.set(n - head.first, msg || 'failed');
      }
      return;
    }
  }
}
