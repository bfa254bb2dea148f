/**
 * Route propagation benchmark (issue 8, part 1): bgpiped, BIRD 2, FRR bgpd and gobgpd, one
 * after another on this machine, between the same lean tester and monitor.
 *
 *   node dist/bench/propagation/run.js [--routes N[,N...]] [--scenario v4-one-attr|v4-attr-per-10|v6|evpn ...]
 *       [--targets bgpiped,bird,frr,gobgpd|none] [--gobgp-max-routes N] [--stall-seconds 60]
 *       [--repeat N] [--out FILE] [--no-write]
 *
 * One namespace `bgpt-benchprop-<pid>` with 10.99.0.1-3/32 and fd00:99::1-3/128 on lo:
 * tester AS 65001 (.2) → target AS 65000 (.1) → monitor AS 65002 (.3), all eBGP. Per scenario:
 * first the tester→monitor ceiling (no daemon), then every target with a fresh daemon; a target
 * without the scenario's family (BIRD: no EVPN) gets a row saying so, not a run.
 * Figures: routes/s from the tester's first UPDATE to the last route at the monitor, peak RSS
 * (VmHWM) and RSS once all routes are in, full-withdrawal time. See bench/README.md.
 * --repeat N: every target N times per scenario, the targets taking turns (a shared machine's
 * slow spells then fall on all of them alike); the row shown is the run with the median routes/s,
 * its notes giving the range.
 *
 * Needs root (network namespaces). Everything started is stopped by PID, and the namespace
 * deleted, on success, failure and Ctrl-C.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { log, onLines, positiveInt, preflight, printUsage, procKiB, publish, reportHead, resultFile, runMain } from '../lib/run.js';
import { createLab, repoRoot, type Lab } from '../../test/interop/lib/index.js';
import type { PeersConfig, PeersEvent } from './peers.js';
import { ADDR, EVPN_EXT_COMMUNITIES_HEX, SCENARIOS, isScenario, type Scenario, type ScenarioName } from './scenarios.js';
import { TARGETS, TARGET_NAMES, type Running, type TargetName } from './targets.js';

const PEERS_JS = new URL('./peers.js', import.meta.url).pathname;

interface Row {
  scenario: Scenario;
  target: string;
  routes: number;
  ok: boolean;
  routesPerSec?: number;
  announceMs?: number;
  withdrawMs?: number;
  testerWriteMs?: number;
  hwmKiB?: number;
  rssLoadedKiB?: number;
  /** The target's VmRSS once started, before any session: what it holds without routes. */
  rssIdleKiB?: number;
  /** The target's CPU time (user + system, all its threads) from its start to all routes seen. */
  cpuAnnounceS?: number;
  /** The target cannot carry the scenario's family: the row says why; not a failure. */
  notApplicable?: boolean;
  /** 1-minute load average just before the run: the machine is shared. */
  load: number;
  notes: string[];
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** utime + stime of a process in seconds (/proc/PID/stat fields 14 and 15), or undefined. */
function procCpuS(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 on; comm may hold spaces
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

interface PeersOutcome {
  result?: Extract<PeersEvent, { event: 'result' }>;
  error?: Extract<PeersEvent, { event: 'error' }>;
  rssLoadedKiB?: number;
  cpuAnnounceS?: number;
  exitCode: number | null;
}

/** Run peers.js in the namespace; `onAnnounced` runs when the monitor has every route. */
function runPeers(lab: Lab, cfg: PeersConfig, onAnnounced: () => { rss?: number; cpu?: number }): Promise<PeersOutcome> {
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', lab.name, process.execPath, PEERS_JS, JSON.stringify(cfg)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: PeersOutcome = { exitCode: null };
    onLines(child.stdout, (line) => {
      let e: PeersEvent;
      try {
        e = JSON.parse(line) as PeersEvent;
      } catch {
        log(`  peers: ${line}`);
        return;
      }
      if (e.event === 'encoded') {
        log(`  encoded ${e.announceMessages} + ${e.withdrawMessages} UPDATEs, ${(e.bytes / 2 ** 20).toFixed(1)} MiB, in ${e.ms.toFixed(0)} ms`);
      } else if (e.event === 'established') {
        log('  sessions established');
      } else if (e.event === 'announced') {
        const { rss, cpu } = onAnnounced();
        if (rss !== undefined) out.rssLoadedKiB = rss;
        if (cpu !== undefined) out.cpuAnnounceS = cpu;
        log(`  all routes at the monitor after ${(e.ms / 1000).toFixed(2)} s`);
      } else if (e.event === 'result') {
        out.result = e;
      } else if (e.event === 'error') {
        out.error = e;
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => process.stderr.write(s));
    child.on('exit', (code) => {
      out.exitCode = code;
      resolve(out);
    });
  });
}

function fillRow(row: Row, o: PeersOutcome): void {
  if (o.result !== undefined) {
    const r = o.result;
    row.ok = true;
    row.announceMs = r.announceMs;
    row.withdrawMs = r.withdrawMs;
    row.testerWriteMs = r.testerWriteMs;
    row.routesPerSec = row.routes / (r.announceMs / 1000);
    if (row.scenario.family === 'l2vpn-evpn') {
      // EVPN next hop = the VTEP: say whether the target kept the tester's or put its own.
      if (r.mpNextHop !== undefined) row.notes.push(`next hop at the monitor: ${nextHopText(r.mpNextHop)}`);
      const ext = r.extCommunities;
      row.notes.push(ext === EVPN_EXT_COMMUNITIES_HEX ? 'RT + VXLAN encapsulation kept' : `extended communities at the monitor: ${ext ?? 'none'} (sent ${EVPN_EXT_COMMUNITIES_HEX})`);
    }
    const dup = r.announcedNlri - row.routes;
    if (dup > 0) row.notes.push(`${dup} NLRI re-announced`);
  } else {
    const e = o.error;
    row.notes.push(e !== undefined ? `FAILED in ${e.phase}: ${e.message} (${e.live} of ${e.routes} live at the monitor)` : `FAILED: peers exited with ${String(o.exitCode)}`);
  }
  if (o.rssLoadedKiB !== undefined) row.rssLoadedKiB = o.rssLoadedKiB;
  if (o.cpuAnnounceS !== undefined) row.cpuAnnounceS = o.cpuAnnounceS;
}

/** An MP_REACH next hop (hex) as text: IPv4 dotted, else the hex itself. */
function nextHopText(hex: string): string {
  return hex.length === 8 ? (hex.match(/../g) ?? []).map((h) => parseInt(h, 16)).join('.') : hex;
}

function stamp(): string {
  return new Date().toISOString().slice(0, 19).replace(/:/g, '');
}

async function benchTarget(lab: Lab, name: TargetName, s: Scenario, routes: number, opts: Options, row: Row): Promise<void> {
  const t = TARGETS[name];
  let d: Running | undefined;
  try {
    log(`\n== ${s.name}: ${name}, ${routes} routes`);
    d = await t.start(lab, s.family);
    const pid = d.process.pid;
    const idle = procKiB(pid, 'VmRSS');
    if (idle !== undefined) row.rssIdleKiB = idle;
    const cpu0 = procCpuS(pid);
    const o = await runPeers(lab, { scenario: s.name, routes, mode: 'daemon', stallSeconds: opts.stallSeconds, settleMs: 1000 }, () => {
      const cpu = procCpuS(pid);
      return { rss: procKiB(pid, 'VmRSS'), cpu: cpu !== undefined && cpu0 !== undefined ? cpu - cpu0 : undefined };
    });
    fillRow(row, o);
    const hwm = procKiB(pid, 'VmHWM');
    if (hwm !== undefined) row.hwmKiB = hwm;
    if (!d.process.alive) row.notes.push(`daemon exited: ${d.process.describe()}`);
    if (!row.ok) {
      const file = join(dirname(opts.outFile), `propagation-${stamp()}-${name}-${s.name}.log`);
      const logs = await d.logs();
      if (opts.write) {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, logs);
        row.notes.push(`log: ${file.startsWith(repoRoot) ? file.slice(repoRoot.length) : file}`);
      }
      log(`  ${name} FAILED; last lines of its log:\n${logs.split('\n').slice(-40).join('\n')}`);
    }
  } catch (e) {
    row.notes.push(`FAILED to start: ${(e as Error).message.split('\n')[0] ?? ''}`);
    log(`  ${name} FAILED: ${(e as Error).message}`);
  } finally {
    await d?.stop();
  }
}

interface Options {
  scenarios: ScenarioName[];
  /** Table sizes for every scenario; undefined: each scenario's own (Scenario.defaultSizes). */
  routes: number[] | undefined;
  targets: TargetName[];
  /** undefined: each scenario's own cap (Scenario.gobgpDefaultMax). */
  gobgpMax: number | undefined;
  stallSeconds: number;
  /** Runs per target and scenario (the median is reported). */
  repeat: number;
  outFile: string;
  write: boolean;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      routes: { type: 'string' },
      scenario: { type: 'string', multiple: true },
      targets: { type: 'string' },
      'gobgp-max-routes': { type: 'string' },
      'stall-seconds': { type: 'string', default: '60' },
      repeat: { type: 'string', default: '1' },
      out: { type: 'string' },
      'no-write': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    printUsage(import.meta.url, 2, 7);
    process.exit(0);
  }
  const scenarios = (values.scenario ?? Object.keys(SCENARIOS)).flatMap((s) => s.split(','));
  for (const s of scenarios) if (!isScenario(s)) throw new Error(`--scenario: unknown ${s} (${Object.keys(SCENARIOS).join(', ')})`);
  const targets = values.targets === 'none' ? [] : (values.targets ?? TARGET_NAMES.join(',')).split(',');
  for (const t of targets) if (!(TARGET_NAMES as string[]).includes(t)) throw new Error(`--targets: unknown ${t} (${TARGET_NAMES.join(', ')})`);
  const num = (v: string | undefined, what: string): number | undefined => {
    return v === undefined ? undefined : positiveInt(v, what);
  };
  return {
    scenarios: scenarios as ScenarioName[],
    routes: values.routes?.split(',').map((r) => positiveInt(r, '--routes')),
    targets: targets as TargetName[],
    gobgpMax: num(values['gobgp-max-routes'], '--gobgp-max-routes'),
    stallSeconds: num(values['stall-seconds'], '--stall-seconds') ?? 60,
    repeat: num(values.repeat, '--repeat') ?? 1,
    outFile: values.out ?? resultFile('propagation'),
    write: !values['no-write'],
  };
}

/** The run with the median routes/s (the lower of the middle two for an even count), its notes
 *  giving every run's rate; a failed run, if any, instead (so the exit status says so). */
function median(runs: Row[]): Row {
  const failed = runs.find((r) => !r.ok && r.notApplicable !== true);
  if (failed !== undefined || runs.length === 1) return failed ?? runs[0]!;
  const sorted = [...runs].sort((a, b) => (a.routesPerSec ?? 0) - (b.routesPerSec ?? 0));
  const mid = sorted[Math.floor((sorted.length - 1) / 2)]!;
  mid.notes.push(`median of ${runs.length} runs (routes/s: ${runs.map((r) => rate(r.routesPerSec)).join(', ')})`);
  return mid;
}

const mib = (kib: number | undefined): string => (kib === undefined ? '–' : (kib / 1024).toFixed(0));
const secs = (ms: number | undefined): string => (ms === undefined ? '–' : (ms / 1000).toFixed(2));
const cpuS = (s: number | undefined): string => (s === undefined ? '–' : s.toFixed(2));
const rate = (r: number | undefined): string => (r === undefined ? '–' : Math.round(r).toLocaleString('en-US'));

/** What the routes themselves cost: RSS with routes minus RSS idle, per million routes. */
function perMillion(r: Row): string {
  if (r.rssLoadedKiB === undefined || r.rssIdleKiB === undefined) return '–';
  return ((r.rssLoadedKiB - r.rssIdleKiB) / 1024 / (r.routes / 1e6)).toFixed(0);
}

function table(rows: Row[]): string[] {
  const lines = [
    '| scenario | target | routes | routes/s | announce s | CPU s (announce) | routes per CPU s | withdraw s | peak RSS MiB (VmHWM) | RSS idle MiB | RSS with routes MiB | MiB per 1M routes | load before | notes |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.scenario.name} | ${r.target} | ${r.routes.toLocaleString('en-US')} | ${rate(r.routesPerSec)} | ${secs(r.announceMs)} | ${cpuS(r.cpuAnnounceS)} | ${r.ok && r.cpuAnnounceS ? rate(r.routes / r.cpuAnnounceS) : '–'} | ${secs(r.withdrawMs)} | ${mib(r.hwmKiB)} | ${mib(r.rssIdleKiB)} | ${mib(r.rssLoadedKiB)} | ${perMillion(r)} | ${r.load.toFixed(2)} | ${r.notes.join('; ')} |`,
    );
  }
  return lines;
}

/** One scenario at one table size: the tester→monitor ceiling, then every target `repeat` times,
 *  the targets taking turns; a row per target (the median run). */
async function benchScenario(lab: Lab, s: Scenario, routes: number, runnable: TargetName[], opts: Options): Promise<Row[]> {
  const rows: Row[] = [];
  log(`\n== ${s.name}: tester → monitor directly (ceiling), ${routes} routes`);
  const ceiling: Row = { scenario: s, target: 'tester→monitor (ceiling)', routes, ok: false, load: loadavg()[0] ?? 0, notes: ['no daemon: the peers\' own limit'] };
  fillRow(ceiling, await runPeers(lab, { scenario: s.name, routes, mode: 'direct', stallSeconds: 10, settleMs: 200 }, () => ({})));
  rows.push(ceiling);
  const runs = new Map<TargetName, Row[]>(runnable.map((t) => [t, []]));
  for (let round = 1; round <= opts.repeat; round++) {
    for (const t of runnable) {
      const n = t === 'gobgpd' ? Math.min(routes, opts.gobgpMax ?? s.gobgpDefaultMax) : routes;
      const row: Row = { scenario: s, target: t, routes: n, ok: false, load: loadavg()[0] ?? 0, notes: [] };
      const lacks = TARGETS[t].lacks?.(s.family);
      if (lacks !== undefined) {
        if (round > 1) continue;
        row.notes.push(`not applicable: ${lacks}`);
        row.notApplicable = true;
        runs.get(t)!.push(row);
        log(`\n== ${s.name}: ${t} not applicable (${lacks})`);
        continue;
      }
      if (n < routes) row.notes.push(`capped at ${n.toLocaleString('en-US')} of ${routes.toLocaleString('en-US')} (--gobgp-max-routes)`);
      if (opts.repeat > 1) log(`\n-- run ${round} of ${opts.repeat}`);
      await benchTarget(lab, t, s, n, opts, row);
      runs.get(t)!.push(row);
      log(`  → ${rate(row.routesPerSec)} routes/s, withdraw ${secs(row.withdrawMs)} s, VmHWM ${mib(row.hwmKiB)} MiB ${row.notes.join('; ')}`);
    }
  }
  for (const t of runnable) rows.push(median(runs.get(t)!));
  return rows;
}

async function main(): Promise<number> {
  const opts = parseOptions();
  const pre = preflight('propagation benchmark', PEERS_JS, opts.targets, TARGETS);
  if (pre === undefined) return 1;
  const { runnable, skipped, facts } = pre;

  const rows: Row[] = [];
  const lab = await createLab('benchprop');
  try {
    for (const a of Object.values(ADDR)) {
      await lab.addAddress(a.v4);
      await lab.addAddress(a.v6);
    }
    for (const name of opts.scenarios) {
      const s = SCENARIOS[name];
      for (const routes of opts.routes ?? s.defaultSizes) rows.push(...(await benchScenario(lab, s, routes, runnable, opts)));
    }
  } finally {
    await lab.destroy();
  }

  const doc = [
    ...reportHead('Route propagation benchmark', 'dist/bench/propagation/run.js'),
    ...facts,
    '',
    ...skipped.map((s) => `**${s}**\n`),
    ...table(rows),
    '',
    'routes/s: routes ÷ time from the tester\'s first UPDATE written to the last route seen by the monitor. ' +
      'CPU s (announce): the target\'s user + system CPU time, all its threads, from its start to the moment the monitor had every ' +
      'route; routes per CPU s: routes ÷ that, the figure that moves least when the machine is shared. ' +
      'withdraw s: from the first withdrawal written to the last withdrawal seen. RSS: the target daemon\'s VmHWM ' +
      '(peak over the run), VmRSS just after it started (idle, no session) and when the monitor had every route; ' +
      'MiB per 1M routes: (with routes − idle) scaled to a million routes. load before: 1-minute load average just before ' +
      'that run (the machine may be shared). Each target is a fresh process per run; with --repeat the targets take turns and ' +
      'each row is the run with the median routes/s.',
    '',
  ].join('\n');
  publish(doc, opts.outFile, opts.write);
  return rows.every((r) => r.ok || r.notApplicable === true) ? 0 : 1;
}

runMain('propagation benchmark', main);
