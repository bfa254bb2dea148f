/**
 * FIB sync benchmark: 100k learned /32 routes (plain, then 2-way ECMP) into a kernel table of a
 * test namespace through bgpipe's FIB (src/dataplane/fib.ts → LinuxRouteSink: one persistent
 * `ip -force -batch -` child), against the floor measured in the same run: the same routes as a
 * file of `route add` lines given to `ip -n NS -batch FILE`. Target: ≤ 1.5× the floor.
 *
 *   sudo node dist/bench/fib-sync.js [--routes N] [--runs R] [--no-write]
 *
 * Each case runs R times (default 3) on an empty table and reports the median. bgpipe's time is
 * from the first change handed to the FIB to the kernel's last answer; the floor's is ip's wall
 * time (its user and system CPU are shown too: system time is the kernel's share, which any
 * interface — a netlink addon included — pays as well). Also timed: a restart's reconcile of the
 * full table (dump + diff, nothing to change) and the removal of everything.
 *
 * Needs root (it creates the namespace bgpb-fib-<pid> with a veth pair and deletes it at the
 * end, also on failure and Ctrl-C). Results: bench/results/fib-sync-<date>.md.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Fib } from '../src/dataplane/fib.js';
import { LinuxRouteSink } from '../src/dataplane/linux/routes.js';
import type { BestPathChange, RibPeer, Route } from '../src/rib/types.js';
import { IPV4_UNICAST } from '../src/wire/family.js';
import type { Prefix } from '../src/wire/nlri/types.js';
import { silentLogger } from '../src/util/log.js';

const TABLE = 100;
const PROTO = 186;
const METRIC = 20;
const GW = ['10.255.0.2', '10.255.0.3'];

const { values: args } = parseArgs({
  options: { routes: { type: 'string', default: '100000' }, runs: { type: 'string', default: '3' }, 'no-write': { type: 'boolean', default: false } },
});
const ROUTES = Number(args.routes);
const RUNS = Number(args.runs);
const ns = `bgpb-fib-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), `${ns}-`));

function ip(...a: string[]): string {
  return execFileSync('ip', ['-n', ns, ...a], { encoding: 'utf8', maxBuffer: 1 << 30 });
}

function cleanup(): void {
  spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130));

function setup(): void {
  execFileSync('ip', ['netns', 'add', ns]);
  ip('link', 'set', 'lo', 'up');
  ip('link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1');
  ip('addr', 'add', '10.255.0.1/24', 'dev', 'veth0');
  ip('link', 'set', 'veth0', 'up');
  ip('link', 'set', 'veth1', 'up');
}

function prefixText(i: number): string {
  const n = (172 << 24) + (16 << 16) + i;
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/32`;
}

function prefixNlri(i: number): Prefix {
  const n = (172 << 24) + (16 << 16) + i;
  return { key: String.fromCharCode(32, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255), length: 32 };
}

function flushTable(): void {
  // "FIB table does not exist" before its first route: nothing to flush.
  spawnSync('ip', ['-n', ns, 'route', 'flush', 'table', String(TABLE)], { stdio: 'ignore' });
}

function countRoutes(): number {
  return ip('route', 'show', 'table', String(TABLE), 'proto', String(PROTO)).split('\n').filter((l) => /^\d/.test(l)).length;
}

interface Timed {
  wall: number;
  user?: number;
  sys?: number;
}

/** ip -batch FILE under /usr/bin/time: wall, user and system seconds. */
function floor(lines: string[]): Timed {
  const file = join(dir, 'batch.txt');
  writeFileSync(file, lines.join('\n') + '\n');
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S', 'ip', '-n', ns, '-batch', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip -batch failed: ${r.stderr}`);
  const [wall, user, sys] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { wall: wall!, user: user!, sys: sys! };
}

function peer(id: number, addr: string): RibPeer {
  return { id, address: addr, localAddress: '10.255.0.1', peerAs: 65000 + id, localAs: 65000, routerId: addr, routeReflectorClient: false, nextHopSelf: false, families: new Set([IPV4_UNICAST]) };
}
const peers = GW.map((g, i) => peer(i + 1, g));
const attrs = GW.map((g) => ({ origin: 0, asPath: [], nextHop: g }));

function changes(ways: number, withdraw = false): BestPathChange[] {
  const out: BestPathChange[] = [];
  for (let i = 0; i < ROUTES; i++) {
    const nlri = prefixNlri(i);
    const paths: Route[] = [];
    for (let w = 0; w < ways; w++) paths.push({ family: IPV4_UNICAST, nlri, attributes: attrs[w]!, peer: peers[w], sequence: i * 2 + w });
    out.push(withdraw ? { family: IPV4_UNICAST, nlri, best: undefined, multipath: [] } : { family: IPV4_UNICAST, nlri, best: paths[0], multipath: paths });
  }
  return out;
}

async function newFib(): Promise<Fib> {
  const sink = new LinuxRouteSink({ table: TABLE, protocol: PROTO, metric: METRIC, netns: ns });
  const fib = new Fib({ sink, metric: METRIC, log: silentLogger() });
  await fib.start(false);
  return fib;
}

/** Hands every change to the FIB and waits for the kernel's last answer. */
async function viaFib(fib: Fib, cs: BestPathChange[]): Promise<number> {
  const t0 = performance.now();
  for (const c of cs) fib.change(c);
  await fib.settled();
  return (performance.now() - t0) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Row {
  case: string;
  floor: Timed[];
  ours: number[];
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('needs root (creates a network namespace)');
  setup();
  const rows: Row[] = [];
  const extra: string[] = [];
  const nh = (ways: number) => (ways === 1 ? ` via ${GW[0]}` : GW.slice(0, ways).map((g) => ` nexthop via ${g}`).join(''));
  for (const ways of [1, 2]) {
    const label = ways === 1 ? `${ROUTES / 1000}k /32, one next hop` : `${ROUTES / 1000}k /32, 2-way ECMP`;
    const add: Row = { case: `add ${label}`, floor: [], ours: [] };
    const del: Row = { case: `remove ${label}`, floor: [], ours: [] };
    const addLines: string[] = [];
    const delLines: string[] = [];
    for (let i = 0; i < ROUTES; i++) {
      addLines.push(`route add ${prefixText(i)} proto ${PROTO} table ${TABLE} metric ${METRIC}${nh(ways)}`);
      delLines.push(`route del ${prefixText(i)} proto ${PROTO} table ${TABLE} metric ${METRIC}`);
    }
    const adds = changes(ways);
    const withdrawals = changes(ways, true);
    for (let run = 0; run < RUNS; run++) {
      flushTable();
      add.floor.push(floor(addLines));
      del.floor.push(floor(delLines));
      flushTable();
      const fib = await newFib();
      add.ours.push(await viaFib(fib, adds));
      if (countRoutes() !== ROUTES) throw new Error(`expected ${ROUTES} routes in the table after the FIB's adds, found ${countRoutes()}`);
      await fib.stop();
      // A restart: a new FIB reads the full table and finds nothing to change.
      const t0 = performance.now();
      const fib2 = new Fib({ sink: new LinuxRouteSink({ table: TABLE, protocol: PROTO, metric: METRIC, netns: ns }), metric: METRIC, log: silentLogger() });
      await fib2.start(true);
      const readS = (performance.now() - t0) / 1000;
      const t1 = performance.now();
      for (const c of adds) fib2.change(c);
      await fib2.settled();
      const relearnS = (performance.now() - t1) / 1000;
      const s = fib2.stats;
      if (s.added + s.replaced + s.removed !== 0) throw new Error(`restart changed routes: ${JSON.stringify(s)}`);
      if (run === RUNS - 1) extra.push(`restart with ${label} in the table: read + diff ${readS.toFixed(2)} s, ${ROUTES / 1000}k routes learned again with the same next hops ${relearnS.toFixed(2)} s, kernel changes: 0`);
      del.ours.push(await viaFib(fib2, withdrawals));
      if (countRoutes() !== 0) throw new Error(`expected an empty table after the FIB's removals, found ${countRoutes()}`);
      await fib2.stop();
    }
    rows.push(add, del);
  }

  const date = new Date().toISOString().slice(0, 10);
  const lines = [
    `# FIB sync: bgpipe vs \`ip -batch\` (${date})`,
    '',
    `${ROUTES} routes into table ${TABLE} of a test namespace (gateways on a veth), median of ${RUNS} runs; ` +
      `host: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end; ${execFileSync('ip', ['-V'], { encoding: 'utf8' }).trim()}, kernel ${execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim()}.`,
    'bgpipe: `Fib.change()` for every route → coalesced → `LinuxRouteSink` (one persistent `ip -force -batch -` child) → last answer. Floor: `ip -n NS -batch FILE` of the same commands (wall time; its user/system CPU in brackets).',
    '',
    '| case | floor `ip -batch` (s) [user/sys] | bgpipe FIB (s) | ratio |',
    '|---|---|---|---|',
    ...rows.map((r) => {
      const f = median(r.floor.map((x) => x.wall));
      const fu = median(r.floor.map((x) => x.user ?? 0));
      const fs = median(r.floor.map((x) => x.sys ?? 0));
      const o = median(r.ours);
      return `| ${r.case} | ${f.toFixed(2)} [${fu.toFixed(2)}/${fs.toFixed(2)}] | ${o.toFixed(2)} | ${(o / f).toFixed(2)}× |`;
    }),
    '',
    ...extra.map((e) => `- ${e}`),
    '',
  ];
  const text = lines.join('\n');
  process.stdout.write(text);
  if (!args['no-write']) {
    const resultsDir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
    mkdirSync(resultsDir, { recursive: true });
    const out = join(resultsDir, `fib-sync-${date}.md`);
    writeFileSync(out, text);
    process.stderr.write(`written to ${out}\n`);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`fib-sync: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
