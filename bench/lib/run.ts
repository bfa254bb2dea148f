/**
 * The scaffolding every benchmark's run.ts shares: logging to stderr, the target's memory from
 * /proc, where results go, option parsing helpers, and printing + writing the report.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from '../../test/interop/lib/index.js';
import { machineFacts, selectTargets, type BenchTarget } from './report.js';

/** Progress goes to stderr; stdout carries only the report. */
export function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

/** VmHWM / VmRSS in KiB from /proc/PID/status, or undefined once the process is gone. */
export function procKiB(pid: number, field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] !== undefined ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The checkout's last commit, and whether src/ differs from it: what a bgpiped figure measured. */
export function gitDescribe(): string {
  const r = spawnSync('git', ['-C', repoRoot, 'log', '-1', '--format=%h %cI'], { encoding: 'utf8' });
  const dirty = spawnSync('git', ['-C', repoRoot, 'status', '--porcelain', '--untracked-files=no', 'src'], { encoding: 'utf8' });
  return `${r.stdout.trim()}${dirty.stdout.trim() !== '' ? ' (src/ modified)' : ''}`;
}

/** bench/results/<kind>-<date>.md, or -2, -3 … when that day already has one. */
export function resultFile(kind: string): string {
  const dir = join(repoRoot, 'bench', 'results');
  const day = new Date().toISOString().slice(0, 10);
  let file = join(dir, `${kind}-${day}.md`);
  for (let i = 2; existsSync(file); i++) file = join(dir, `${kind}-${day}-${i}.md`);
  return file;
}

/** A positive integer option (`1_000` allowed); the error names the option. */
export function positiveInt(v: string, what: string): number {
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${what}: expected a positive integer, got ${v}`);
  return n;
}

/** --help: the usage lines [from, to) of the run script's header comment. */
export function printUsage(scriptUrl: string, from: number, to: number): void {
  console.log(readFileSync(new URL(scriptUrl), 'utf8').split('\n').slice(from, to).map((l) => l.replace(/^ \* ?/, '')).join('\n'));
}

/** The report to stdout, and to `outFile` unless --no-write. */
export function publish(doc: string, outFile: string, write: boolean): void {
  process.stdout.write(`\n${doc}`);
  if (write) {
    mkdirSync(dirname(outFile), { recursive: true });
    writeFileSync(outFile, doc);
    log(`written to ${outFile}`);
  }
}

/** Runs a benchmark's main: exits with its code, or 1 with the stack of what it threw. */
export function runMain(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      log(`${name}: ${(e as Error).stack ?? String(e)}`);
      process.exit(1);
    },
  );
}

/** Calls `each` with every complete line of a child's stdout (its JSON-lines protocol). */
export function onLines(stream: NodeJS.ReadableStream, each: (line: string) => void): void {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (s: string) => {
    buf += s;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      each(line);
    }
  });
}

/**
 * What each run checks before it starts anything: root (it creates a network namespace), its
 * built helper script, and which targets can run here. Undefined (logged) when not root.
 */
export function preflight<N extends string>(
  name: string,
  helperJs: string,
  names: readonly N[],
  targets: Record<N, BenchTarget>,
): { runnable: N[]; skipped: string[]; facts: string[] } | undefined {
  if (process.getuid?.() !== 0) {
    log(`${name}: needs root (it creates a network namespace)`);
    return undefined;
  }
  if (!existsSync(helperJs)) throw new Error(`${helperJs} missing: run npx tsc -p tsconfig.json`);
  const { runnable, skipped, versions } = selectTargets(names, targets, log);
  const facts = machineFacts(versions);
  log(facts.join('\n'));
  return { runnable, skipped, facts };
}

/** The report's title and the command that made it (`script`: the run script under dist/). */
export function reportHead(title: string, script: string): string[] {
  const cmd = `node ${script} ${process.argv.slice(2).join(' ')}`.trim();
  return [`# ${title}`, '', `Command: \`${cmd}\``, ''];
}
