/**
 * bgpipe-l3 with the real engine on two "hosts": two network namespaces made here, joined by a
 * veth (the fabric), each running its own dockerd 20.10 (nsenter --net, test/docker/lib) and its
 * own bgpipe-l3 (nsenter --net too). /run/docker/plugins is shared by every dockerd on the
 * machine, so each plugin serves its own name (`-s bgpl3-<pid>-hN` → driver `bgpl3-<pid>-hN`).
 * The two embedded speakers peer over the fabric (iBGP, AS 65000, as in the seed).
 *
 *     h1  fab 10.0.0.1/24 ──veth── 10.0.0.2/24 fab  h2 (--host-routes)
 *         n1 10.1.1.0/24                            n2 10.1.2.0/24
 *         fab2 10.0.1.1/24 ──veth── 10.0.1.3/24  h3: a plain bgpiped announcing 10.1.7.0/24
 *
 * h2 also serves 10.1.7.0/24 (a second network): h1 must route it ECMP over h2 and h3.
 * This kernel has no ipvlan: the driver must detect it and use routed veth links. Proved here:
 * containers on h1 and h2 ping each other (and two on h1 each other) over plain routing; each
 * host has the other's subnet with proto bgp and never its own; a second network on one driver;
 * an overlapping subnet and an unknown -o refused; deleting a network and stopping a driver
 * withdraw at the other host; a restarted driver takes its networks back from its state file;
 * a foreign route on the fabric survives everything; bad options exit non-zero naming the option. Every namespace, dockerd, container, plugin and socket is
 * removed, also on failure.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createLab, run, type Lab } from '../interop/lib/netns.js';
import { LabProcess } from '../interop/lib/process.js';
import { repoRoot, startBgpiped, type Bgpiped } from '../interop/lib/bgpiped.js';
import { waitFor } from '../interop/lib/wait.js';
import { startDockerd, type Dockerd } from './lib/dockerd.js';
import { readIfExists } from '../interop/lib/netns.js';

const SCRIPT = join(repoRoot, 'dist', 'src', 'cli', 'bgpipe-l3.js');

interface Host {
  lab: Lab;
  addr: string;
  subnet: string;
  driver: string;
  docker: Dockerd;
  plugin: LabProcess | undefined;
  log: string;
}

interface JsonRoute {
  dst: string;
  gateway?: string;
  protocol?: string;
  type?: string;
  dev?: string;
}

async function routes(lab: Lab): Promise<JsonRoute[]> {
  const { stdout } = await run('ip', ['-n', lab.name, '-4', '-json', 'route', 'show', 'table', 'main']);
  return JSON.parse(stdout || '[]') as JsonRoute[];
}

const bgpRoute = async (lab: Lab, dst: string): Promise<JsonRoute | undefined> => (await routes(lab)).find((r) => r.dst === dst && r.protocol === 'bgp');

/** Runs bgpipe-l3 in `netns` (or in ours) to its exit; for the bad-option cases. */
async function runToExit(args: string[], netns?: string): Promise<{ code: number | string | null; stderr: string }> {
  const argv = netns === undefined ? ['node', SCRIPT, ...args] : ['nsenter', `--net=/run/netns/${netns}`, 'node', SCRIPT, ...args];
  try {
    await run(argv[0]!, argv.slice(1), { timeoutMs: 20_000 });
    return { code: 0, stderr: '' };
  } catch (e) {
    const err = e as { code: number | string | null; stderr: string };
    return { code: err.code, stderr: err.stderr };
  }
}

function startPlugin(h: Host, peer: Host, extra: string[]): LabProcess {
  const p = new LabProcess(
    [
      'nsenter', `--net=/run/netns/${h.lab.name}`, 'node', SCRIPT,
      '--host-interface', 'fab', '--ipvlan-subnet', h.subnet, '-s', h.driver, '--mtu', '1400',
      '--local-as', '65000', '--router-id', h.addr, '--peer', peer.addr, '--hold-time', '9', '-d', ...extra,
      '--state-dir', join(h.lab.dir, 'state'),
    ],
    { label: `bgpipe-l3 ${h.driver}`, stdoutFile: h.log, stderrFile: h.log },
  );
  h.plugin = p;
  return p;
}

async function waitReady(h: Host, p: LabProcess, nth: number): Promise<void> {
  await waitFor(async () => (await readIfExists(h.log)).split('bgpipe-l3 ready').length - 1 >= nth, {
    what: `${h.driver} ready`,
    timeoutMs: 20_000,
    abortIf: () => (p.alive ? undefined : `bgpipe-l3 exited: ${p.describe()}`),
    diagnostics: () => readIfExists(h.log),
  });
}

describe('bgpipe-l3: two dockerd hosts, routed veth, BGP between the drivers', { timeout: 240_000 }, () => {
  const hosts: Host[] = [];
  let h1: Host, h2: Host;
  let h3: Lab | undefined;
  let anycast: Bgpiped | undefined;
  const H1_EXTRA = ['--peer', '10.0.1.3'];
  const H2_EXTRA = ['--host-routes'];
  const FOREIGN = '10.9.9.0/24';

  before(async () => {
    const labs = [await createLab('l3h1'), await createLab('l3h2')];
    const [l1, l2] = labs as [Lab, Lab];
    await run('ip', ['-n', l1.name, 'link', 'add', 'fab', 'type', 'veth', 'peer', 'name', 'fab', 'netns', l2.name]);
    for (const [lab, addr] of [[l1, '10.0.0.1'], [l2, '10.0.0.2']] as const) {
      await run('ip', ['-n', lab.name, 'addr', 'add', `${addr}/24`, 'dev', 'fab']);
      await run('ip', ['-n', lab.name, 'link', 'set', 'fab', 'up']);
    }
    // A route bgpipe-l3 did not make, on its host interface: the seed deleted such routes.
    await run('ip', ['-n', l1.name, 'route', 'add', FOREIGN, 'via', '10.0.0.2', 'dev', 'fab']);
    // h3: a plain bgpiped (iBGP) that also announces 10.1.7.0/24, for ECMP at h1.
    h3 = await createLab('l3h3');
    await run('ip', ['-n', l1.name, 'link', 'add', 'fab2', 'type', 'veth', 'peer', 'name', 'fab2', 'netns', h3.name]);
    await run('ip', ['-n', l1.name, 'addr', 'add', '10.0.1.1/24', 'dev', 'fab2']);
    await run('ip', ['-n', l1.name, 'link', 'set', 'fab2', 'up']);
    await run('ip', ['-n', h3.name, 'addr', 'add', '10.0.1.3/24', 'dev', 'fab2']);
    await run('ip', ['-n', h3.name, 'link', 'set', 'fab2', 'up']);
    anycast = await startBgpiped(h3, {
      apiPort: 18082,
      configToml: [
        '[global.config]', 'as = 65000', 'router-id = "10.0.1.3"', 'port = 179', 'local-address-list = ["10.0.1.3"]',
        '[[neighbors]]', '[neighbors.config]', 'neighbor-address = "10.0.1.1"', 'peer-as = 65000',
        '[neighbors.timers.config]', 'hold-time = 9', 'connect-retry = 1',
        '[[static-routes]]', 'prefix = "10.1.7.0/24"', '[api]', 'listen-address = "127.0.0.1"', 'port = 18082', '',
      ].join('\n'),
    });
    for (const [i, lab] of labs.entries()) {
      const docker = await startDockerd({ netns: lab.name, label: `l3h${i + 1}` });
      hosts.push({ lab, addr: `10.0.0.${i + 1}`, subnet: `10.1.${i + 1}.0/24`, driver: `bgpl3-${process.pid}-h${i + 1}`, docker, plugin: undefined, log: join(lab.dir, 'bgpipe-l3.log') });
      lab.addLogSource({ label: `dockerd h${i + 1}`, logs: () => docker.logs() });
    }
    [h1, h2] = hosts as [Host, Host];
    for (const h of hosts) h.lab.addLogSource({ label: h.driver, logs: () => readIfExists(h.log) });
    await Promise.all(hosts.map((h) => h.docker.importBusybox()));
    const p1 = startPlugin(h1, h2, H1_EXTRA);
    const p2 = startPlugin(h2, h1, H2_EXTRA);
    await waitReady(h1, p1, 1);
    await waitReady(h2, p2, 1);
  });

  after(async () => {
    // dockerd first, while the plugins still answer its teardown calls; then the plugins.
    for (const h of hosts) await h.docker.stop().catch(() => undefined);
    for (const h of hosts) await h.plugin?.stop(5000);
    await anycast?.stop();
    await h3?.destroy();
    for (const h of hosts) {
      if (process.exitCode !== undefined && process.exitCode !== 0) console.error(await h.lab.dumpLogs());
      await h.lab.destroy();
    }
    for (const h of hosts) assert.equal(existsSync(`/run/docker/plugins/${h.driver}.sock`), false, `socket of ${h.driver} left behind`);
  });

  it('refuses bad options with a non-zero exit naming the option', async () => {
    const mode = await runToExit(['--mode', 'l4']);
    assert.equal(mode.code, 2);
    assert.match(mode.stderr, /--mode: expected l2 or l3, got "l4"/);
    const mtu = await runToExit(['--mtu', '9', '--local-as', '1', '--router-id', '10.0.0.1']);
    assert.equal(mtu.code, 2);
    assert.match(mtu.stderr, /--mtu: expected an integer 68\.\.65535/);
    const noAs = await runToExit(['--router-id', '10.0.0.1']);
    assert.equal(noAs.code, 2);
    assert.match(noAs.stderr, /--local-as: required/);
    const iface = await runToExit(['--host-interface', 'nosuch0', '-s', `bgpl3-${process.pid}-bad`, '--local-as', '1', '--router-id', '10.0.0.1'], h1.lab.name);
    assert.equal(iface.code, 1);
    assert.match(iface.stderr, /--host-interface: no interface nosuch0/);
    // --mode l2 is ipvlan L2: this kernel has none, and says so.
    const l2 = await runToExit(['--mode', 'l2', '--host-interface', 'fab', '-s', `bgpl3-${process.pid}-bad`], h1.lab.name);
    assert.equal(l2.code, 1);
    assert.match(l2.stderr, /--mode l2 needs ipvlan and this kernel has no ipvlan/);
    assert.equal(existsSync(`/run/docker/plugins/bgpl3-${process.pid}-bad.sock`), false);
  });

  it('detects the missing ipvlan and falls back to routed veth (logged at start)', async () => {
    const log = await readIfExists(h1.log);
    assert.match(log, /ipvlan unavailable: containers get routed veth links instead/);
    assert.match(log, /"dataplane":"veth"/);
  });

  it('advertises each network\'s subnet; the other host installs it with proto bgp, never its own', async () => {
    for (const h of [h1, h2]) {
      await h.docker.docker(['network', 'create', '-d', h.driver, '--ipam-driver', h.driver, '--subnet', h.subnet, '-o', 'dataplane=veth', `n-${h.driver}`]);
    }
    for (const [h, other] of [[h1, h2], [h2, h1]] as const) {
      const r = await waitFor(() => bgpRoute(h.lab, other.subnet), { what: `${other.subnet} at ${h.driver}`, timeoutMs: 20_000, diagnostics: () => h.lab.dumpLogs() });
      assert.equal(r?.gateway, other.addr);
      assert.equal(r?.dev, 'fab');
      const own = (await routes(h.lab)).filter((x) => x.dst === h.subnet);
      assert.deepEqual(own.map((x) => [x.type, x.protocol]), [['blackhole', '252']], 'only our blackhole for our own subnet, no bgp route');
    }
    // The dataplane, stated with -o, is what docker network inspect shows.
    const inspect = JSON.parse((await h1.docker.docker(['network', 'inspect', `n-${h1.driver}`])).stdout) as { Options: Record<string, string> }[];
    assert.deepEqual(inspect[0]!.Options, { dataplane: 'veth' });
  });

  it('refuses an overlapping subnet, an unknown -o, a dataplane it cannot honour and a foreign IPAM', async () => {
    const d = h1.driver;
    const overlap = await h1.docker.dockerFails(['network', 'create', '-d', d, '--ipam-driver', d, '--subnet', '10.1.0.0/16', 'bad1']);
    assert.match(overlap, /10\.1\.0\.0\/16 overlaps 10\.1\.1\.0\/24/);
    const opt = await h1.docker.dockerFails(['network', 'create', '-d', d, '--ipam-driver', d, '--subnet', '10.1.5.0/24', '-o', 'colour=blue', 'bad2']);
    assert.match(opt, /-o colour: unknown option/);
    const ipvlan = await h1.docker.dockerFails(['network', 'create', '-d', d, '--ipam-driver', d, '--subnet', '10.1.6.0/24', '-o', 'dataplane=ipvlan', 'bad3']);
    assert.match(ipvlan, /this host's dataplane is veth/);
    // Without --ipam-driver Docker's own IPAM hands out /24 addresses: not a routed network.
    const ipam = await h1.docker.dockerFails(['network', 'create', '-d', d, '--subnet', '10.1.8.0/24', 'bad4']);
    assert.match(ipam, /was not allocated by this driver: create the network with --ipam-driver/);
    const nets = (await h1.docker.docker(['network', 'ls', '--format', '{{.Name}}'])).stdout;
    assert.doesNotMatch(nets, /bad\d/);
    // A refused network left nothing: the subnets are free again.
    assert.equal((await routes(h1.lab)).some((r) => r.dst === '10.1.5.0/24' || r.dst === '10.1.6.0/24'), false);
  });

  it('containers on h1 and h2 ping each other over plain routed L3 (no proxy ARP, MTU applied)', async () => {
    const c1 = (await h1.docker.docker(['run', '-d', '--name', 'c1', '--network', `n-${h1.driver}`, 'bb', 'sleep', '600'])).stdout.trim();
    const c1b = (await h1.docker.docker(['run', '-d', '--name', 'c1b', '--network', `n-${h1.driver}`, 'bb', 'sleep', '600'])).stdout.trim();
    const c2 = (await h2.docker.docker(['run', '-d', '--name', 'c2', '--network', `n-${h2.driver}`, 'bb', 'sleep', '600'])).stdout.trim();
    const ip = async (d: Dockerd, id: string) => (await d.docker(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', id])).stdout.trim();
    const [a1, a1b, a2] = [await ip(h1.docker, c1), await ip(h1.docker, c1b), await ip(h2.docker, c2)];
    assert.equal(a1, '10.1.1.1');
    assert.equal(a1b, '10.1.1.2');
    assert.equal(a2, '10.1.2.1');
    const inC1 = (await h1.docker.docker(['exec', c1, 'ip', '-4', 'addr', 'show', 'eth0'])).stdout;
    assert.match(inC1, /inet 10\.1\.1\.1\/32/);
    assert.match(inC1, /mtu 1400/);
    assert.match((await h1.docker.docker(['exec', c1, 'ip', 'route'])).stdout, /default via 169\.254\.1\.1 dev eth0/);

    // h2 runs with --host-routes: its container's /32 arrives at h1 too; h1's does not reach h2.
    const r32 = await waitFor(() => bgpRoute(h1.lab, a2), { what: `${a2}/32 at h1`, timeoutMs: 20_000 });
    assert.equal(r32?.gateway, h2.addr);
    assert.equal(await bgpRoute(h2.lab, a1), undefined);

    await h1.docker.docker(['exec', c1, 'ping', '-c', '2', '-W', '2', a2]);
    await h2.docker.docker(['exec', c2, 'ping', '-c', '2', '-W', '2', a1]);
    await h1.docker.docker(['exec', c1, 'ping', '-c', '1', '-W', '2', a1b]);

    // The host end holds the gateway; proxy ARP stays off on it.
    const hostRoute = (await routes(h1.lab)).find((r) => r.dst === a1);
    assert.ok(hostRoute?.dev?.startsWith('bl3h'), `host route to ${a1}: ${JSON.stringify(hostRoute)}`);
    const { stdout: proxy } = await run('ip', ['netns', 'exec', h1.lab.name, 'cat', `/proc/sys/net/ipv4/conf/${hostRoute!.dev}/proxy_arp`]);
    assert.equal(proxy.trim(), '0');
    const { stdout: addr } = await run('ip', ['-n', h1.lab.name, '-4', 'addr', 'show', 'dev', hostRoute!.dev!]);
    assert.match(addr, /inet 169\.254\.1\.1\/32 scope link/);

    await h1.docker.docker(['rm', '-f', c1b]);
    await waitFor(async () => !(await routes(h1.lab)).some((r) => r.dst === a1b), { what: `host route to ${a1b} gone after rm` });
  });

  it('serves several networks; deleting one withdraws it at the other host', async () => {
    await h1.docker.docker(['network', 'create', '-d', h1.driver, '--ipam-driver', h1.driver, '--subnet', '10.1.3.0/24', 'second']);
    await waitFor(() => bgpRoute(h2.lab, '10.1.3.0/24'), { what: '10.1.3.0/24 at h2', timeoutMs: 20_000 });
    await h1.docker.docker(['network', 'rm', 'second']);
    await waitFor(async () => (await bgpRoute(h2.lab, '10.1.3.0/24')) === undefined, { what: '10.1.3.0/24 withdrawn at h2', timeoutMs: 20_000 });
    assert.equal((await routes(h1.lab)).some((r) => r.dst === '10.1.3.0/24'), false, 'h1 removed its blackhole');

    await h2.docker.docker(['rm', '-f', 'c2']);
    await waitFor(async () => (await bgpRoute(h1.lab, '10.1.2.1')) === undefined, { what: '10.1.2.1/32 withdrawn at h1 after rm', timeoutMs: 20_000 });
    await h2.docker.docker(['network', 'rm', `n-${h2.driver}`]);
    await waitFor(async () => (await bgpRoute(h1.lab, h2.subnet)) === undefined, { what: `${h2.subnet} withdrawn at h1`, timeoutMs: 20_000 });
    assert.ok((await routes(h1.lab)).some((r) => r.dst === FOREIGN && r.gateway === '10.0.0.2'), 'the foreign route survived');
  });

  it('installs a prefix two hosts advertise as one ECMP route, and shrinks it when one withdraws', async () => {
    await h2.docker.docker(['network', 'create', '-d', h2.driver, '--ipam-driver', h2.driver, '--subnet', '10.1.7.0/24', 'anycast']);
    const nexthops = async () => {
      const { stdout } = await run('ip', ['-n', h1.lab.name, '-4', '-json', 'route', 'show', '10.1.7.0/24', 'proto', 'bgp']);
      const r = (JSON.parse(stdout || '[]') as (JsonRoute & { nexthops?: { gateway: string }[] })[])[0];
      return r === undefined ? [] : (r.nexthops?.map((n) => n.gateway) ?? [r.gateway]).sort();
    };
    await waitFor(nexthops, { what: '10.1.7.0/24 ECMP at h1', until: (n) => n.join() === '10.0.0.2,10.0.1.3', timeoutMs: 20_000, diagnostics: () => h1.lab.dumpLogs() });
    await h2.docker.docker(['network', 'rm', 'anycast']);
    await waitFor(nexthops, { what: '10.1.7.0/24 via h3 only at h1', until: (n) => n.join() === '10.0.1.3', timeoutMs: 20_000 });
  });

  it('a driver that stops withdraws its subnets at the other host; restarted, it takes its networks back', async () => {
    await h1.plugin!.stop(5000);
    await waitFor(async () => (await bgpRoute(h2.lab, h1.subnet)) === undefined, { what: `${h1.subnet} withdrawn at h2 after stop`, timeoutMs: 20_000 });
    assert.ok((await routes(h1.lab)).some((r) => r.dst === FOREIGN), 'the foreign route survived the stop');
    // A route of the driver's protocol that no saved network accounts for (a lost state file).
    await run('ip', ['-n', h1.lab.name, 'route', 'add', '10.1.99.0/24', 'dev', 'fab', 'proto', '252']);

    // Docker replays nothing to a driver that comes back: n1, its pool and c1 come from the state file.
    const p = startPlugin(h1, h2, H1_EXTRA);
    await waitReady(h1, p, 2);
    const r = await waitFor(() => bgpRoute(h2.lab, h1.subnet), { what: `${h1.subnet} advertised again after restart`, timeoutMs: 20_000 });
    assert.equal(r?.gateway, h1.addr);
    const after = await routes(h1.lab);
    assert.equal(after.some((x) => x.dst === '10.1.99.0/24'), false, 'the unaccounted route of protocol 252 is gone');
    assert.ok(after.some((x) => x.dst === '10.1.1.1' && x.protocol === '252'), 'c1 keeps its host route');
    assert.ok(after.some((x) => x.dst === h1.subnet && x.type === 'blackhole'), 'the subnet keeps its blackhole');
    assert.ok(after.some((x) => x.dst === FOREIGN), 'the foreign route survived the restart');
    // The restored pool hands out the address c1b released, and the new container reaches c1.
    const c3 = (await h1.docker.docker(['run', '-d', '--network', `n-${h1.driver}`, 'bb', 'sleep', '600'])).stdout.trim();
    assert.equal((await h1.docker.docker(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', c3])).stdout.trim(), '10.1.1.2');
    await h1.docker.docker(['exec', c3, 'ping', '-c', '1', '-W', '2', '10.1.1.1']);
  });
});
