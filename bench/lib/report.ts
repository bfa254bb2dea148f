/**
 * What every benchmark run prints before its table: the machine it ran on, and which targets it
 * could run (a missing daemon is skipped loudly, never silently).
 */
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';

export function machineFacts(versions: Map<string, string>): string[] {
  return [
    `- date: ${new Date().toISOString()}`,
    `- cpu: ${availableParallelism()} × ${cpus()[0]?.model ?? 'unknown'} (nproc ${availableParallelism()})`,
    `- memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- kernel: ${release()}`,
    `- node: ${process.version}`,
    `- load average at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    ...[...versions].map(([k, v]) => `- ${k}: ${v}`),
  ];
}

export interface BenchTarget {
  /** Why this target cannot run here (a missing binary), or undefined. */
  missing(): string | undefined;
  version(): string;
}

/** Splits the asked targets into those that can run (with their versions) and skipped lines. */
export function selectTargets<N extends string>(
  names: readonly N[],
  targets: Record<N, BenchTarget>,
  log: (line: string) => void,
): { runnable: N[]; skipped: string[]; versions: Map<string, string> } {
  const versions = new Map<string, string>();
  const runnable: N[] = [];
  const skipped: string[] = [];
  for (const name of names) {
    const why = targets[name].missing();
    if (why !== undefined) {
      const line = `SKIPPED TARGET ${name}: ${why}`;
      log(`!!!!! ${line} !!!!!`);
      skipped.push(line);
      continue;
    }
    versions.set(name, targets[name].version());
    runnable.push(name);
  }
  return { runnable, skipped, versions };
}
