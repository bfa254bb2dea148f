/**
 * What the daemon modules share: a temp dir per daemon inside the lab's dir,
 * log files registered with the lab, "wait until ready" that fails fast when
 * the process dies, the option handling the daemon configs share, and the
 * LabDaemon base class of the handles.
 */
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { Lab } from './netns.js';
import { readIfExists } from './netns.js';
import type { LabProcess } from './process.js';
import { isIPv6, type NeighborState, type PeerOptions } from './types.js';
import { waitFor } from './wait.js';

export async function makeDaemonDir(lab: Lab, kind: string): Promise<string> {
  return mkdtemp(join(lab.dir, `${kind}-`));
}

/** Register log files with the lab so a failing wait prints their tails. */
export function registerLogs(lab: Lab, label: string, files: string[]): () => Promise<string> {
  const logs = async (): Promise<string> => {
    const parts: string[] = [];
    for (const f of files) {
      const text = await readIfExists(f);
      if (text.trim() !== '') parts.push(files.length > 1 ? `[${f}]\n${text}` : text);
    }
    return parts.join('\n');
  };
  lab.addLogSource({ label, logs });
  return logs;
}

export function exitReason(proc: LabProcess): string | undefined {
  return proc.alive ? undefined : `${proc.describe()}`;
}

/** Poll `probe` until it succeeds; fail early if the daemon exits. */
export async function waitReady(lab: Lab, proc: LabProcess, what: string, probe: () => Promise<unknown>, timeoutMs = 15_000): Promise<void> {
  await waitFor(
    async () => {
      await probe();
      return true;
    },
    { what, timeoutMs, intervalMs: 100, abortIf: () => exitReason(proc), diagnostics: () => lab.dumpLogs() },
  );
}

/** The addresses a daemon listens on / sources its sessions from, as a list. */
export function listenAddresses(o: Pick<PeerOptions, 'listenAddress'>): string[] {
  return Array.isArray(o.listenAddress) ? o.listenAddress : [o.listenAddress];
}

/** The listen address of the same family as `peer`: the session's source. */
export function sourceAddressFor(listen: string[], peer: string): string | undefined {
  return listen.find((a) => isIPv6(a) === isIPv6(peer));
}

/** Hold time (default 9 s) and a keepalive of a third of it (at least 1 s). */
export function timers(o: Pick<PeerOptions, 'holdTime'>): { hold: number; keepalive: number } {
  const hold = o.holdTime ?? 9;
  return { hold, keepalive: Math.max(1, Math.floor(hold / 3)) };
}

/** The process label a daemon's handle is named by: its first listen address, else its router id. */
export function spawnLabel(o: Pick<PeerOptions, 'listenAddress' | 'routerId'>): string {
  return listenAddresses(o)[0] ?? o.routerId;
}

/**
 * What every daemon handle shares: the lab and process, a label
 * ("gobgpd@10.99.0.1") and its registered logs, pid/alive, waitEstablished on
 * top of the daemon's own neighborState, and stop by PID.
 */
export abstract class LabDaemon {
  /** e.g. "gobgpd@10.99.0.1" */
  readonly label: string;
  readonly logs: () => Promise<string>;

  protected constructor(
    readonly lab: Lab,
    readonly process: LabProcess,
    kind: string,
    logFiles: string[],
  ) {
    this.label = `${kind}@${process.label}`;
    this.logs = registerLogs(lab, this.label, logFiles);
  }

  get pid(): number {
    return this.process.pid;
  }

  get alive(): boolean {
    return this.process.alive;
  }

  abstract neighborState(address: string): Promise<NeighborState>;

  /** Poll neighborState until the session is established; gives up early if the daemon exits. */
  waitEstablished(address: string, timeoutMs = 20_000): Promise<void> {
    return this.pollEstablished(address, timeoutMs, () => exitReason(this.process));
  }

  protected async pollEstablished(address: string, timeoutMs: number, abortIf?: () => string | undefined): Promise<void> {
    await waitFor(() => this.neighborState(address), {
      what: `${this.label}: session with ${address} established`,
      until: (s) => s === 'established',
      timeoutMs,
      intervalMs: 200,
      abortIf,
      diagnostics: () => this.lab.dumpLogs(),
    });
  }

  /** SIGTERM, then SIGKILL after graceMs (default LabProcess.stop's). */
  async stop(graceMs?: number): Promise<void> {
    await this.process.stop(graceMs);
  }
}
