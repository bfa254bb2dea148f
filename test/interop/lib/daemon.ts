/**
 * What the daemon modules share: a temp dir per daemon inside the lab's dir,
 * log files registered with the lab, "wait until ready" that fails fast when
 * the process dies, and waitEstablished on top of neighborState.
 */
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { Lab } from './netns.js';
import { readIfExists } from './netns.js';
import type { LabProcess } from './process.js';
import type { NeighborState } from './types.js';
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

export async function waitEstablishedWith(
  lab: Lab,
  proc: LabProcess,
  label: string,
  address: string,
  neighborState: (address: string) => Promise<NeighborState>,
  timeoutMs = 20_000,
): Promise<void> {
  await waitFor(() => neighborState(address), {
    what: `${label}: session with ${address} established`,
    until: (s) => s === 'established',
    timeoutMs,
    intervalMs: 200,
    abortIf: () => exitReason(proc),
    diagnostics: () => lab.dumpLogs(),
  });
}
