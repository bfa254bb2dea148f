/**
 * Attach path benchmark (issue 8, part 2): bgpiped and the real bagpipe-bgp, one after another,
 * with the same REST requests, between the same REST client and BGP monitor.
 *
 *   node dist/bench/attach/run.js [--attachments 1000] [--targets bgpiped,bagpipe-bgp]
 *       [--concurrency 1,8] [--instances 4] [--no-detach] [--stall-seconds 30] [--warmup 0]
 *       [--out FILE] [--no-write]
 *
 * One namespace `bgpt-benchattach-<pid>` with 10.99.0.1/32 (the monitor, a listening iBGP route
 * reflector, AS 64512) and 10.99.0.2/32 (the target, local_address) on lo. Per target and
 * concurrency: a fresh client process (client.ts: monitor + REST client), then a fresh target
 * started from the same bagpipe-bgp INI (dummy dataplane drivers, peers = the monitor), then N
 * POST /attach_localport and N POST /detach_localport. Figures: attachments/s, REST latency,
 * POST → type-2 route seen at the monitor (and the same for withdrawals). See bench/README.md.
 *
 * Needs root (network namespaces). Everything started is stopped by PID, and the namespace
 * deleted, on success, failure and Ctrl-C.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gitDescribe, log, onLines, positiveInt, preflight, printUsage, procKiB, publish, reportHead, resultFile, runMain } from '../lib/run.js';
import {
  bagpipeConfig,
  bgpipedScript,
  createLab,
  startBagpipe,
  startBgpiped,
  type Lab,
  type LabProcess,
} from '../../test/interop/lib/index.js';
import type { ClientConfig, ClientEvent, PhaseResult, Stats } from './client.js';

const CLIENT_JS = new URL('./client.js', import.meta.url).pathname;
const MONITOR = '10.99.0.1';
const TARGET = '10.99.0.2';
const ASN = 64512;
const API_PORT = 8082;

type TargetName = 'bgpiped' | 'bgpiped-tmpfs' | 'bagpipe-bgp';
const TARGET_NAMES: TargetName[] = ['bgpiped', 'bgpiped-tmpfs', 'bagpipe-bgp'];
const DEFAULT_TARGETS: TargetName[] = ['bgpiped', 'bagpipe-bgp'];

interface Running {
  process: LabProcess;
  logs(): Promise<string>;
  stop(): Promise<void>;
}

const INI = bagpipeConfig({ localAddress: TARGET, peers: [MONITOR], asn: ASN, apiPort: API_PORT });

const TARGETS: Record<TargetName, { missing(): string | undefined; version(): string; start(lab: Lab): Promise<Running> }> = {
  bgpiped: {
    missing: () => (existsSync(bgpipedScript) ? undefined : `${bgpipedScript} not found (run npx tsc -p tsconfig.json)`),
    version: () => {
      const r = spawnSync(process.execPath, [bgpipedScript, '--version'], { encoding: 'utf8' });
      return `${/bgpiped (\S+)/.exec(r.stdout)?.[1] ?? 'unknown'} @ ${gitDescribe()}`;
    },
    async start(lab) {
      const d = await startBgpiped(lab, { configIni: INI, apiPort: API_PORT, label: 'bench' });
      return { process: d.process, logs: () => d.logs(), stop: () => d.stop() };
    },
  },
  // Diagnostic: bgpiped with its state dir on tmpfs (/dev/shm), where fsync costs nothing: what
  // its crash-safe persistence of every acknowledged attachment costs (bagpipe-bgp persists nothing).
  'bgpiped-tmpfs': {
    missing: () => (!existsSync(bgpipedScript) ? `${bgpipedScript} not found (run npx tsc -p tsconfig.json)` : !existsSync('/dev/shm') ? '/dev/shm missing' : undefined),
    version: () => 'as bgpiped, --state-dir on tmpfs',
    async start(lab) {
      const stateDir = mkdtempSync(join('/dev/shm', `${lab.name}-state-`));
      // Ctrl-C: the lab's exit hook stops the daemon and calls process.exit(); this runs then.
      process.once('exit', () => rmSync(stateDir, { recursive: true, force: true }));
      try {
        const d = await startBgpiped(lab, { configIni: INI, apiPort: API_PORT, label: 'bench-tmpfs', args: ['--state-dir', stateDir] });
        return {
          process: d.process,
          logs: () => d.logs(),
          stop: async () => {
            try {
              await d.stop();
            } finally {
              rmSync(stateDir, { recursive: true, force: true });
            }
          },
        };
      } catch (e) {
        rmSync(stateDir, { recursive: true, force: true });
        throw e;
      }
    },
  },
  'bagpipe-bgp': {
    missing: () => (existsSync('/usr/bin/bagpipe-bgp') ? undefined : '/usr/bin/bagpipe-bgp missing (apt-get install python3-networking-bagpipe python3-twisted kmod)'),
    version: () => {
      const r = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'python3-networking-bagpipe'], { encoding: 'utf8' });
      return `python3-networking-bagpipe ${r.stdout.trim() || 'unknown'}`;
    },
    async start(lab) {
      const d = await startBagpipe(lab, { localAddress: TARGET, peers: [MONITOR], asn: ASN, apiPort: API_PORT });
      return { process: d.process, logs: () => d.logs(), stop: () => d.stop() };
    },
  },
};

interface Row {
  target: TargetName;
  concurrency: number;
  phase: 'attach' | 'detach';
  n: number;
  load: number;
  r?: PhaseResult;
  hwmKiB?: number;
  notes: string[];
}

/** The client process in the namespace, its events as a queue. */
class Client {
  readonly child: ChildProcess;
  private readonly events: ClientEvent[] = [];
  private wake: (() => void) | undefined;
  exited = false;
  private readonly exitedP: Promise<void>;

  constructor(lab: Lab, cfg: ClientConfig) {
    this.child = spawn('ip', ['netns', 'exec', lab.name, process.execPath, CLIENT_JS, JSON.stringify(cfg)], { stdio: ['pipe', 'pipe', 'pipe'] });
    if (this.child.stdout)
      onLines(this.child.stdout, (line) => {
        try {
          this.events.push(JSON.parse(line) as ClientEvent);
        } catch {
          log(`  client: ${line}`);
        }
        this.wake?.();
      });
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (s: string) => process.stderr.write(s));
    this.child.stdin?.on('error', () => undefined);
    this.exitedP = new Promise<void>((res) =>
      this.child.on('exit', () => {
        this.exited = true;
        this.wake?.();
        res();
      }),
    );
  }

  /** The next event; undefined when the client has exited or after timeoutMs. */
  async next(timeoutMs: number): Promise<ClientEvent | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length === 0 && !this.exited && Date.now() < deadline) {
      await new Promise<void>((res) => {
        const t = setTimeout(res, Math.max(0, deadline - Date.now()));
        this.wake = () => {
          clearTimeout(t);
          res();
        };
      });
      this.wake = undefined;
    }
    return this.events.shift();
  }

  go(): void {
    this.child.stdin?.write('go\n');
  }

  /** Stop by PID (the `ip netns exec` child execs node: its PID is the client's). */
  async stop(): Promise<void> {
    if (this.exited || this.child.pid === undefined) return;
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await this.exitedP;
    clearTimeout(t);
  }
}

/** TcpExt ListenOverflows of the namespace (/proc/net/netstat is per network namespace). */
async function listenOverflows(lab: Lab): Promise<number | undefined> {
  try {
    const { stdout } = await lab.exec('cat', ['/proc/net/netstat']);
    const lines = stdout.split('\n').filter((l) => l.startsWith('TcpExt:'));
    const names = lines[0]?.split(/\s+/) ?? [];
    const values = lines[1]?.split(/\s+/) ?? [];
    const i = names.indexOf('ListenOverflows');
    return i > 0 ? Number(values[i]) : undefined;
  } catch {
    return undefined;
  }
}

async function expect(c: Client, what: ClientEvent['event'], timeoutMs: number): Promise<ClientEvent> {
  const e = await c.next(timeoutMs);
  if (e === undefined) throw new Error(`client: no ${what} within ${timeoutMs / 1000} s${c.exited ? ' (client exited)' : ''}`);
  if (e.event === 'error') throw new Error(`client failed in ${e.phase}: ${e.message}`);
  if (e.event !== what) throw new Error(`client: expected ${what}, got ${e.event}`);
  return e;
}

async function benchOne(lab: Lab, name: TargetName, concurrency: number, opts: Options): Promise<Row[]> {
  const rows: Row[] = [];
  const load = loadavg()[0] ?? 0;
  log(`\n== ${name}, concurrency ${concurrency}, ${opts.attachments} attachments`);
  const client = new Client(lab, {
    monitor: MONITOR,
    asn: ASN,
    apiPort: API_PORT,
    attachments: opts.attachments,
    instances: opts.instances,
    concurrency,
    detach: opts.detach,
    stallSeconds: opts.stallSeconds,
    warmup: opts.warmup,
    settleMs: 1000,
  });
  let d: Running | undefined;
  const notes: string[] = [];
  try {
    await expect(client, 'listening', 15_000);
    d = await TARGETS[name].start(lab);
    await expect(client, 'established', 60_000);
    log('  session established, API ready');
    const overflowsBefore = await listenOverflows(lab);
    client.go();
    // Generous: bagpipe-bgp at 1000 attachments with concurrency 1 may take minutes.
    const perPhase = 600_000;
    for (const phase of opts.detach ? (['attach', 'detach'] as const) : (['attach'] as const)) {
      const e = (await expect(client, 'phase', perPhase)) as PhaseResult;
      const row: Row = { target: name, concurrency, phase, n: opts.attachments, load: phase === 'attach' ? load : (loadavg()[0] ?? 0), r: e, notes: [] };
      if (e.errors > 0) row.notes.push(`${e.errors} errors, first: ${e.firstError ?? ''}`);
      if (e.missing > 0) row.notes.push(`${e.missing} routes never seen at the monitor`);
      if (e.duplicates > 0) row.notes.push(`${e.duplicates} sent more than once`);
      rows.push(row);
      log(`  ${phase}: ${fmtRate(e.n, e.restWallMs)} req/s, REST p50 ${ms(e.rest.p50)} ms, route p50 ${ms(e.route?.p50)} p99 ${ms(e.route?.p99)} ms${row.notes.length ? `; ${row.notes.join('; ')}` : ''}`);
    }
    const overflowsAfter = await listenOverflows(lab);
    if (overflowsBefore !== undefined && overflowsAfter !== undefined && overflowsAfter > overflowsBefore) {
      notes.push(`${overflowsAfter - overflowsBefore} listen-queue overflows at its API over attach + detach (SYN dropped, client retries after 1 s)`);
    }
    const done = await expect(client, 'done', 10_000);
    if (done.event === 'done') log(`  monitor: ${JSON.stringify(done.monitor)}`);
  } catch (e) {
    notes.push(`FAILED: ${(e as Error).message.split('\n')[0] ?? ''}`);
    log(`  ${name} FAILED: ${(e as Error).message}`);
    if (d !== undefined) log(`  last lines of its log:\n${(await d.logs()).split('\n').slice(-40).join('\n')}`);
  } finally {
    if (d !== undefined) {
      const hwm = procKiB(d.process.pid, 'VmHWM');
      for (const r of rows) if (hwm !== undefined) r.hwmKiB = hwm;
      if (!d.process.alive) notes.push(`target exited: ${d.process.describe()}`);
    }
    await client.stop();
    await d?.stop();
  }
  if (rows.length === 0) rows.push({ target: name, concurrency, phase: 'attach', n: opts.attachments, load, notes });
  else rows[rows.length - 1]?.notes.push(...notes);
  return rows;
}

interface Options {
  attachments: number;
  targets: TargetName[];
  concurrency: number[];
  instances: number;
  detach: boolean;
  stallSeconds: number;
  warmup: number;
  outFile: string;
  write: boolean;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      attachments: { type: 'string', default: '1000' },
      targets: { type: 'string', default: DEFAULT_TARGETS.join(',') },
      concurrency: { type: 'string', multiple: true },
      instances: { type: 'string', default: '4' },
      'no-detach': { type: 'boolean', default: false },
      'stall-seconds': { type: 'string', default: '30' },
      warmup: { type: 'string', default: '0' },
      out: { type: 'string' },
      'no-write': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    printUsage(import.meta.url, 2, 7);
    process.exit(0);
  }
  const num = positiveInt;
  const targets = values.targets.split(',').filter(Boolean);
  for (const t of targets) if (!(TARGET_NAMES as string[]).includes(t)) throw new Error(`--targets: unknown ${t} (${TARGET_NAMES.join(', ')})`);
  return {
    attachments: num(values.attachments, '--attachments'),
    targets: targets as TargetName[],
    concurrency: (values.concurrency ?? ['1,8']).flatMap((c) => c.split(',')).map((c) => num(c, '--concurrency')),
    instances: num(values.instances, '--instances'),
    detach: !values['no-detach'],
    stallSeconds: num(values['stall-seconds'], '--stall-seconds'),
    warmup: values.warmup === '0' ? 0 : num(values.warmup, '--warmup'),
    outFile: values.out ?? resultFile('attach'),
    write: !values['no-write'],
  };
}

function ms(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  return v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0);
}

function fmtRate(n: number, wallMs: number | undefined): string {
  if (wallMs === undefined || !(wallMs > 0)) return '–';
  const r = n / (wallMs / 1000);
  return r < 100 ? r.toFixed(1) : Math.round(r).toLocaleString('en-US');
}

const triple = (s: Stats | undefined): string => (s === undefined ? '– / – / –' : `${ms(s.p50)} / ${ms(s.p99)} / ${ms(s.max)}`);

function table(rows: Row[]): string[] {
  const lines = [
    '| target | conc. | phase | N | req/s (all 200s) | routes/s (all seen) | REST ms p50 / p99 | POST → route at monitor ms p50 / p99 / max | VmHWM MiB | load before | notes |',
    '|---|--:|---|--:|--:|--:|--:|--:|--:|--:|---|',
  ];
  for (const row of rows) {
    const r = row.r;
    lines.push(
      `| ${row.target} | ${row.concurrency} | ${row.phase} | ${row.n.toLocaleString('en-US')} | ${r ? fmtRate(r.ok, r.restWallMs) : '–'} | ${r ? fmtRate(r.n, r.routeWallMs) : '–'} | ${r ? `${ms(r.rest.p50)} / ${ms(r.rest.p99)}` : '–'} | ${triple(r?.route)} | ${row.hwmKiB !== undefined ? (row.hwmKiB / 1024).toFixed(0) : '–'} | ${row.load.toFixed(2)} | ${row.notes.join('; ')} |`,
    );
  }
  return lines;
}

/** bgpiped against bagpipe-bgp per concurrency and phase: throughput and p50 latency ratios. */
function ratios(rows: Row[]): string[] {
  const out: string[] = [];
  const find = (t: TargetName, c: number, p: string): PhaseResult | undefined => rows.find((r) => r.target === t && r.concurrency === c && r.phase === p)?.r;
  const keys = [...new Set(rows.map((r) => `${r.concurrency}|${r.phase}`))];
  for (const k of keys) {
    const [cs, phase = ''] = k.split('|');
    const c = Number(cs);
    const b = find('bagpipe-bgp', c, phase);
    for (const t of ['bgpiped', 'bgpiped-tmpfs'] as const) {
      const a = find(t, c, phase);
      if (a === undefined || b === undefined) continue;
      const thr = (r: PhaseResult, wall: number | undefined): number => (wall ? r.n / wall : NaN);
      const x = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(1)}×` : '–');
      out.push(
        `- concurrency ${c}, ${phase}: ${t} does ${x(thr(a, a.restWallMs) / thr(b, b.restWallMs))} bagpipe-bgp's requests/s, ` +
          `${x(thr(a, a.routeWallMs) / thr(b, b.routeWallMs))} its routes/s (all seen); POST → route p50 ${ms(a.route?.p50)} ms vs ${ms(b.route?.p50)} ms ` +
          `(bagpipe-bgp's ÷ ${t}'s: ${x((b.route?.p50 ?? NaN) / (a.route?.p50 ?? NaN))}), p99 ${ms(a.route?.p99)} ms vs ${ms(b.route?.p99)} ms.`,
      );
    }
  }
  for (const r of rows) {
    if (!r.target.startsWith('bgpiped') || r.phase !== 'attach' || r.r?.route === undefined) continue;
    const p50 = r.r.route.p50;
    out.push(`- issue 8's target "attach latency < 10 ms p50", concurrency ${r.concurrency}: ${r.target} ${ms(p50)} ms — ${p50 < 10 ? 'met' : 'NOT met'}.`);
  }
  if (out.some((l) => l.includes('requests/s'))) out.push('- issue 8\'s target "≥ 10× bagpipe-bgp\'s throughput": met only where a requests/s ratio above says ≥ 10×.');
  return out;
}

async function main(): Promise<number> {
  const opts = parseOptions();
  const pre = preflight('attach benchmark', CLIENT_JS, opts.targets, TARGETS);
  if (pre === undefined) return 1;
  const { runnable, skipped, facts } = pre;

  const rows: Row[] = [];
  const lab = await createLab('benchattach');
  try {
    await lab.addAddress(MONITOR);
    await lab.addAddress(TARGET);
    for (const c of opts.concurrency) {
      for (const t of runnable) rows.push(...(await benchOne(lab, t, c, opts)));
    }
  } finally {
    await lab.destroy();
  }

  const doc = [
    ...reportHead('Attach path benchmark', 'dist/bench/attach/run.js'),
    ...facts,
    `- attachments: ${opts.attachments} EVPN endpoints (distinct MAC, IP and port) in ${opts.instances} instance(s), all with RT 64512:10`,
    ...(opts.warmup > 0 ? [`- warm-up: each fresh target first attached and detached ${opts.warmup} other endpoints (same concurrency, untimed)`] : []),
    '',
    ...skipped.map((s) => `**${s}**\n`),
    ...table(rows),
    '',
    ...ratios(rows),
    '',
    'req/s: requests ÷ time from the first request started to the last response (all 200 unless noted). ' +
      'routes/s: requests ÷ time from the first request started to the last type-2 route (attach) or withdrawal (detach) ' +
      'seen at the monitor. REST ms: request started (TCP connect included, one connection per request) → response read. ' +
      'POST → route: request started → the type-2 route of that MAC arrived at the monitor (same process, same clock). ' +
      'conc.: requests in flight at a time. VmHWM: the target\'s peak RSS over the run. load before: 1-minute load ' +
      'average before the run (the machine may be shared). Each row pair (attach, detach) is one fresh target.',
    '',
  ].join('\n');
  publish(doc, opts.outFile, opts.write);
  return rows.every((r) => r.r !== undefined && r.r.errors === 0 && r.r.missing === 0) ? 0 : 1;
}

runMain('attach benchmark', main);
