/**
 * The VPN drivers' door to the kernel: two persistent batch children (`ip -force -batch -` and
 * `bridge -force -batch -`, ip-batch.ts), one-shot JSON reads (`ip -json ...`), sysctl writes,
 * and one serial queue, so that the drivers' synchronous calls (InstanceDataplane) run in the
 * order they were made: a vxlan device exists before its fdb entries, an fdb entry is gone
 * before the device it was on is deleted.
 *
 * Nothing here throws at the caller: a command the kernel refuses is logged with the command and
 * the kernel's message, and the queue goes on (the next reconcile at start fixes what is left).
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Logger } from '../../util/log.js';
import { IpBatch } from './ip-batch.js';

const execFileP = promisify(execFile);

/** One kernel command: the tool and its arguments as one line (no leading `ip`/`bridge`). */
export interface Cmd {
  /** `ip6` is `ip -6` (IPv6 rules: a rule names no address to infer the family from). */
  readonly tool: 'ip' | 'ip6' | 'bridge';
  readonly line: string;
}
export const ip = (line: string): Cmd => ({ tool: 'ip', line });
export const ip6 = (line: string): Cmd => ({ tool: 'ip6', line });
export const bridge = (line: string): Cmd => ({ tool: 'bridge', line });

/** What the kernel offers the VPN drivers, tried for real at start. */
export interface KernelFeatures {
  readonly iproute2: boolean;
  readonly bridge: boolean;
  readonly vxlan: boolean;
  readonly ipRule: boolean;
  /** One line per missing feature, for the logs and the API's refusal. */
  readonly problems: readonly string[];
}

let probed: Promise<KernelFeatures> | undefined;

const LINK_CHANGE = /^link (add|del)\b/;

function newBatch(tool: Cmd['tool']): IpBatch {
  return tool === 'bridge' ? new IpBatch({ ip: 'bridge' }) : new IpBatch(tool === 'ip6' ? { options: ['-6'] } : {});
}

export class LinuxKernel {
  private readonly batches = { ip: newBatch('ip'), ip6: newBatch('ip6'), bridge: newBatch('bridge') };
  /** iproute2 keeps the ifindex of every name it has looked up (ll_map.c) for the life of the
   *  process, and the kernel refuses a stale one ("No such device", "unknown ifindex"): after a
   *  link is made or deleted (by us, or by someone else: noteLinksChanged), each tool's next
   *  command runs in a new child. */
  private readonly staleNames = { ip: false, ip6: false, bridge: false };
  private tail: Promise<void> = Promise.resolve();
  private closed = false;
  /** Commands the kernel refused since start (the looking glass shows the last ones). */
  readonly failures: string[] = [];

  constructor(private readonly log: Logger) {}

  /** Queues a task; tasks run one at a time, in order. */
  enqueue(what: string, task: () => Promise<void>): void {
    this.tail = this.tail.then(task).catch((err: unknown) => this.fail(`${what}: ${(err as Error).message}`));
  }

  /** A link was made or deleted by someone else (`ip monitor link`): see linksChanged. */
  noteLinksChanged(): void {
    this.staleNames.ip = this.staleNames.ip6 = this.staleNames.bridge = true;
  }

  /** Resolves once every task queued so far has run. */
  idle(): Promise<void> {
    return this.tail;
  }

  /** Runs commands in order, same-tool runs in one batch; logs and returns the failures. */
  async run(cmds: readonly Cmd[], quiet?: (cmd: Cmd, message: string) => boolean): Promise<number> {
    let failed = 0;
    for (let i = 0; i < cmds.length; ) {
      const tool = cmds[i]!.tool;
      let j = i;
      let relinks = false;
      // A group ends after a command that makes or deletes a link (see staleNames).
      while (j < cmds.length && cmds[j]!.tool === tool && !relinks) relinks = LINK_CHANGE.test(cmds[j++]!.line);
      const group = cmds.slice(i, j);
      if (this.staleNames[tool]) {
        this.staleNames[tool] = false;
        this.batches[tool].close();
        this.batches[tool] = newBatch(tool);
      }
      const errors = await this.batches[tool].run(group.map((c) => c.line));
      if (relinks) this.noteLinksChanged();
      for (const [k, message] of errors) {
        const cmd = group[k]!;
        if (quiet?.(cmd, message)) continue;
        failed++;
        this.fail(`${cmd.tool} ${cmd.line}: ${message}`);
      }
      i = j;
    }
    return failed;
  }

  /** `ip -json ARGS` parsed; [] when the object does not exist. */
  async json<T>(args: readonly string[], tool: 'ip' | 'bridge' = 'ip'): Promise<T[]> {
    try {
      const { stdout } = await execFileP(tool, ['-json', ...args], { maxBuffer: 1 << 28, encoding: 'utf8' });
      return stdout.trim() === '' ? [] : (JSON.parse(stdout) as T[]);
    } catch (e) {
      const stderr = String((e as { stderr?: string }).stderr ?? '');
      if (/does not exist|Cannot find device|No such device/i.test(stderr)) return [];
      throw e;
    }
  }

  /** Writes /proc/sys/<path> (dots or slashes). */
  sysctl(path: string, value: string): void {
    const file = `/proc/sys/${path.replace(/\./g, '/')}`;
    try {
      writeFileSync(file, value);
    } catch (e) {
      this.fail(`sysctl ${path}=${value}: ${(e as Error).message}`);
    }
  }

  close(): void {
    this.closed = true;
    for (const b of Object.values(this.batches)) b.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private fail(message: string): void {
    this.failures.push(message);
    if (this.failures.length > 100) this.failures.shift();
    this.log.error({ problem: message }, 'dataplane: the kernel refused a change');
  }

  /**
   * What this kernel offers, tried once per process: a bridge and a vxlan device are made and
   * deleted again (names that no driver uses), and the policy rules are read.
   */
  static probe(): Promise<KernelFeatures> {
    probed ??= doProbe();
    return probed;
  }
}

async function doProbe(): Promise<KernelFeatures> {
  const problems: string[] = [];
  const tryCmd = async (args: string[]): Promise<string | undefined> => {
    try {
      await execFileP('ip', args, { encoding: 'utf8' });
      return undefined;
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      return (err.stderr ?? '').trim() || err.message;
    }
  };
  const version = await tryCmd(['-V']);
  if (version !== undefined) {
    return { iproute2: false, bridge: false, vxlan: false, ipRule: false, problems: [`cannot run ip (iproute2): ${version}`] };
  }
  const made = async (name: string, type: string[]): Promise<string | undefined> => {
    await tryCmd(['link', 'del', name]); // left by a crash in the middle of a probe
    const err = await tryCmd(['link', 'add', name, ...type]);
    if (err === undefined) await tryCmd(['link', 'del', name]);
    return err;
  };
  const br = await made('bgpipe-prb-br', ['type', 'bridge']);
  if (br !== undefined) problems.push(`no Linux bridge (ip link add type bridge: ${br})`);
  const vx = await made('bgpipe-prb-vx', ['type', 'vxlan', 'id', '1', 'dstport', '4789', 'nolearning']);
  if (vx !== undefined) problems.push(`no VXLAN (ip link add type vxlan: ${vx})`);
  const rule = await tryCmd(['rule', 'show']);
  if (rule !== undefined) problems.push(`no policy routing (ip rule show: ${rule})`);
  let bridgeTool = true;
  try {
    await execFileP('bridge', ['-V']);
  } catch (e) {
    bridgeTool = false;
    problems.push(`cannot run bridge (iproute2, for fdb entries): ${(e as Error).message}`);
  }
  return { iproute2: true, bridge: br === undefined && bridgeTool, vxlan: vx === undefined && bridgeTool, ipRule: rule === undefined, problems };
}
