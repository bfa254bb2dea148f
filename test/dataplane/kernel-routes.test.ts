/**
 * Kernel routes with real kernel objects and real packets ([kernel], src/dataplane/fib.ts over
 * the Linux sink). Three network namespaces made here, each running a spawned bgpiped:
 *
 *     h2 (AS 65002) 10.0.12.2 ──veth── 10.0.12.1  h1 (AS 65001, [kernel] enabled, multipath)
 *     h3 (AS 65002) 10.0.13.3 ──veth── 10.0.13.1
 *
 * h2 and h3 announce /32s of their `lo` (and one IPv6 /128 from h2), both announce the anycast
 * 10.99.0.100/32. h1 must install them with proto bgp (ECMP for the anycast), ping them, follow
 * withdrawals, leave hand-made routes of other protocols alone, and survive `kill -9` and a
 * restart without deleting and re-adding unchanged routes (watched with `ip monitor route`),
 * removing only the route that went stale while it was down, after End-of-RIB.
 * Every namespace (and with it every link) and process is removed, also on failure.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLab, run, type Lab } from '../interop/lib/netns.js';
import type { LabProcess } from '../interop/lib/process.js';
import { bgpipedScript } from '../interop/lib/bgpiped.js';
import { waitUntil } from '../daemon/helpers.js';

interface JsonRoute {
  dst: string;
  gateway?: string;
  protocol?: string;
  metric?: number;
  nexthops?: { gateway: string }[];
}

/** prefix → sorted next hops of the proto bgp routes in h1's main table. */
async function bgpRoutes(lab: Lab): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const v of ['-4', '-6']) {
    const { stdout } = await run('ip', ['-n', lab.name, v, '-json', 'route', 'show', 'proto', 'bgp']);
    for (const r of JSON.parse(stdout || '[]') as JsonRoute[]) {
      const hops = r.nexthops ? r.nexthops.map((h) => h.gateway) : r.gateway ? [r.gateway] : [];
      out.set(r.dst, hops.sort());
    }
  }
  return out;
}

function routesEqual(actual: Map<string, string[]>, expected: Record<string, string[]>): boolean {
  if (actual.size !== Object.keys(expected).length) return false;
  for (const [k, v] of Object.entries(expected)) if (JSON.stringify(actual.get(k)) !== JSON.stringify(v)) return false;
  return true;
}

function toml(o: { as: number; id: string; listen: string[]; neighbors: { addr: string; as: number; local: string }[]; statics?: string[]; extra?: string }): string {
  const lines = ['[global.config]', `as = ${o.as}`, `router-id = "${o.id}"`, 'port = 179', `local-address-list = ${JSON.stringify(o.listen)}`];
  for (const n of o.neighbors) {
    lines.push(
      '[[neighbors]]', '[neighbors.config]', `neighbor-address = "${n.addr}"`, `peer-as = ${n.as}`,
      '[neighbors.transport.config]', `local-address = "${n.local}"`, `passive-mode = ${o.as !== 65001}`,
      '[neighbors.timers.config]', 'connect-retry = 0.5', 'hold-time = 9',
      '[[neighbors.afi-safis]]', 'afi-safi-name = "ipv4-unicast"', '[[neighbors.afi-safis]]', 'afi-safi-name = "ipv6-unicast"',
    );
  }
  for (const s of o.statics ?? []) lines.push('[[static-routes]]', ...s.split('\n'));
  lines.push(o.extra ?? '', '[api]', 'port = -1');
  return lines.join('\n') + '\n';
}

describe('kernel routes: bgpiped installs learned unicast routes into a namespace kernel (veth, ping, ip monitor)', { timeout: 120_000 }, () => {
  const labs: Lab[] = [];
  let h1: Lab, h2: Lab, h3: Lab;
  let monitor: ChildProcess | undefined;
  const procs = new Map<string, LabProcess>();

  const h1Toml = toml({
    as: 65001, id: '10.99.1.1', listen: ['10.0.12.1', '10.0.13.1'],
    neighbors: [{ addr: '10.0.12.2', as: 65002, local: '10.0.12.1' }, { addr: '10.0.13.3', as: 65002, local: '10.0.13.1' }],
    // stale-time far beyond the test's waits: stale routes must go because of End-of-RIB.
    extra: '[global.use-multiple-paths.config]\nenabled = true\n[kernel]\nenabled = true\nstale-time = 300\n',
  });
  const h2Toml = toml({
    as: 65002, id: '10.99.2.2', listen: ['10.0.12.2'], neighbors: [{ addr: '10.0.12.1', as: 65001, local: '10.0.12.2' }],
    statics: ['prefix = "10.99.2.2/32"', 'prefix = "10.99.0.100/32"', 'prefix = "fd00:99::2/128"\nnext-hop = "fd00:12::2"'],
  });
  const h3Toml = (statics: string[]) => toml({ as: 65002, id: '10.99.3.3', listen: ['10.0.13.3'], neighbors: [{ addr: '10.0.13.1', as: 65001, local: '10.0.13.3' }], statics });
  const h3All = ['prefix = "10.99.3.3/32"', 'prefix = "10.99.0.100/32"'];

  function startBgpiped(lab: Lab, name: string, text: string): LabProcess {
    const file = join(lab.dir, `${name}.toml`);
    writeFileSync(file, text);
    const p = lab.spawn(process.execPath, [bgpipedScript, '-f', file, '--state-dir', join(lab.dir, `${name}-state`)], { stdoutFile: join(lab.dir, `${name}.log`), stderrFile: join(lab.dir, `${name}.log`), label: name });
    procs.set(name, p);
    return p;
  }

  /** Rewrites h3's config, sends SIGHUP and waits until h3 has applied it (not a fixed sleep:
   *  under load the reload could otherwise land after the step that depends on it). */
  async function reloadH3(statics: string[]): Promise<void> {
    const log = join(h3.dir, 'h3.log');
    const reloads = () => readFileSync(log, 'utf8').split('configuration reloaded').length;
    const before = reloads();
    writeFileSync(join(h3.dir, 'h3.toml'), h3Toml(statics));
    procs.get('h3')!.signal('SIGHUP');
    await waitUntil('h3 applied its new configuration', () => reloads() > before, 20_000);
  }

  const full = {
    '10.99.2.2': ['10.0.12.2'],
    '10.99.3.3': ['10.0.13.3'],
    '10.99.0.100': ['10.0.12.2', '10.0.13.3'],
    'fd00:99::2': ['fd00:12::2'],
  };

  async function expectRoutes(what: string, expected: Record<string, string[]>): Promise<void> {
    await waitUntil(what, async () => routesEqual(await bgpRoutes(h1), expected), 20_000).catch(async (e: Error) => {
      throw new Error(`${e.message}\nh1 has ${JSON.stringify([...(await bgpRoutes(h1))])}\n${await dumpLogs()}`);
    });
  }

  async function dumpLogs(): Promise<string> {
    return labs.map((l) => ['h1', 'h2', 'h3'].map((n) => { try { return `---- ${n} ----\n${readFileSync(join(l.dir, `${n}.log`), 'utf8').slice(-3000)}`; } catch { return ''; } }).join('')).join('\n');
  }

  before(async () => {
    for (const n of ['fib-h1', 'fib-h2', 'fib-h3']) labs.push(await createLab(n));
    [h1, h2, h3] = labs as [Lab, Lab, Lab];
    const ip = (lab: Lab, ...a: string[]) => run('ip', ['-n', lab.name, ...a]);
    await ip(h1, 'link', 'add', 'v12a', 'type', 'veth', 'peer', 'name', 'v12b', 'netns', h2.name);
    await ip(h1, 'link', 'add', 'v13a', 'type', 'veth', 'peer', 'name', 'v13b', 'netns', h3.name);
    await ip(h1, 'addr', 'add', '10.0.12.1/24', 'dev', 'v12a');
    await ip(h1, 'addr', 'add', 'fd00:12::1/64', 'dev', 'v12a', 'nodad');
    await ip(h1, 'addr', 'add', '10.0.13.1/24', 'dev', 'v13a');
    await ip(h2, 'addr', 'add', '10.0.12.2/24', 'dev', 'v12b');
    await ip(h2, 'addr', 'add', 'fd00:12::2/64', 'dev', 'v12b', 'nodad');
    await ip(h3, 'addr', 'add', '10.0.13.3/24', 'dev', 'v13b');
    for (const [lab, dev] of [[h1, 'v12a'], [h1, 'v13a'], [h2, 'v12b'], [h3, 'v13b']] as const) await ip(lab, 'link', 'set', dev, 'up');
    await h2.addAddress('10.99.2.2/32');
    await h2.addAddress('10.99.0.100/32');
    await h2.addAddress('fd00:99::2/128');
    await h3.addAddress('10.99.3.3/32');
    await h3.addAddress('10.99.0.100/32');
    // Hand-made routes of other protocols in h1's table, one for a prefix bgpiped also installs.
    await ip(h1, 'route', 'add', '10.77.0.0/24', 'via', '10.0.12.2', 'proto', 'static');
    await ip(h1, 'route', 'add', '10.99.2.2/32', 'via', '10.0.13.3', 'proto', 'static', 'metric', '100');
    startBgpiped(h2, 'h2', h2Toml);
    startBgpiped(h3, 'h3', h3Toml(h3All));
    startBgpiped(h1, 'h1', h1Toml);
  });

  after(async () => {
    if (monitor?.pid !== undefined) monitor.kill('SIGKILL');
    for (const lab of labs) await lab.destroy();
  });

  /** h1's proto static routes as "dst via gateway metric". */
  const handRoutes = async () => {
    const { stdout } = await run('ip', ['-n', h1.name, '-json', 'route', 'show', 'proto', 'static']);
    return (JSON.parse(stdout) as JsonRoute[]).map((r) => `${r.dst} via ${r.gateway} metric ${r.metric ?? 0}`).sort();
  };
  const HAND = ['10.77.0.0/24 via 10.0.12.2 metric 0', '10.99.2.2 via 10.0.13.3 metric 100'];

  it('installs learned /32s with proto bgp, the anycast one as a 2-way ECMP route, and IPv6', async () => {
    await expectRoutes('h1 to install the routes of h2 and h3', full);
    const { stdout } = await run('ip', ['-n', h1.name, '-json', 'route', 'show', '10.99.0.100', 'proto', 'bgp']);
    const r = (JSON.parse(stdout) as JsonRoute[])[0]!;
    assert.equal(r.metric, 20);
    assert.deepEqual(r.nexthops?.map((h) => h.gateway).sort(), ['10.0.12.2', '10.0.13.3']);
  });

  it('carries packets: ping from h1 to the /32s on the lo of h2 and h3 (IPv4, IPv6, anycast)', async () => {
    for (const dst of ['10.99.2.2', '10.99.3.3', '10.99.0.100']) await h1.exec('ping', ['-c', '1', '-W', '2', dst]);
    await h1.exec('ping', ['-6', '-c', '1', '-W', '2', 'fd00:99::2']);
  });

  it('follows a withdrawal: ECMP shrinks to one next hop, then the /32 that lost its only path is removed', async () => {
    await reloadH3(['prefix = "10.99.3.3/32"']);
    await expectRoutes('10.99.0.100 to lose the path through h3', { ...full, '10.99.0.100': ['10.0.12.2'] });
    await reloadH3([]);
    const { '10.99.3.3': _gone, ...rest } = full;
    await expectRoutes('10.99.3.3 to be removed', { ...rest, '10.99.0.100': ['10.0.12.2'] });
    await reloadH3(h3All);
    await expectRoutes('everything back', full);
  });

  it('never touches routes of other protocols in the same table', async () => {
    // 10.99.2.2 has both: the hand-made one at metric 100 and ours at 20 (the kernel keeps one
    // route per prefix and metric, which is why bgpipe adds new prefixes and never replaces them).
    assert.deepEqual(await handRoutes(), HAND);
    assert.deepEqual((await bgpRoutes(h1)).get('10.99.2.2'), ['10.0.12.2']);
  });

  it('after kill -9 and a restart, unchanged routes are neither deleted nor re-added; the one gone stale is removed after End-of-RIB', async () => {
    const events: string[] = [];
    monitor = spawn('ip', ['-n', h1.name, 'monitor', 'route'], { stdio: ['ignore', 'pipe', 'ignore'] });
    monitor.stdout!.setEncoding('utf8');
    monitor.stdout!.on('data', (d: string) => events.push(...d.split('\n').filter(Boolean)));
    await new Promise((r) => setTimeout(r, 300)); // the monitor is listening

    const old = procs.get('h1')!;
    old.signal('SIGKILL');
    await old.exited;
    // While h1 is down, h3 stops announcing 10.99.3.3: h1's kernel route for it is now stale.
    await reloadH3(['prefix = "10.99.0.100/32"']);
    assert.ok(routesEqual(await bgpRoutes(h1), full), 'routes stay in the kernel while bgpiped is dead');

    startBgpiped(h1, 'h1', h1Toml);
    const { '10.99.3.3': _stale, ...kept } = full;
    await expectRoutes('the stale route to go after End-of-RIB', kept);
    await new Promise((r) => setTimeout(r, 500));
    monitor.kill('SIGKILL');
    monitor = undefined;

    const about = (p: string) => events.filter((e) => e.replace(/^Deleted /, '').split(' ')[0] === p);
    for (const p of ['10.99.2.2', '10.99.0.100', 'fd00:99::2']) assert.deepEqual(about(p), [], `no kernel change for unchanged ${p}; monitor saw:\n${events.join('\n')}`);
    assert.equal(about('10.99.3.3').length, 1, events.join('\n'));
    assert.match(about('10.99.3.3')[0]!, /^Deleted 10\.99\.3\.3 .*proto bgp/);
    const log = readFileSync(join(h1.dir, 'h1.log'), 'utf8');
    assert.match(log, /End-of-RIB from every configured neighbour/);
    assert.deepEqual(await handRoutes(), HAND, 'routes of other protocols survive the restart and the stale removal');
  });
});
