/**
 * bgplb with the real engine: two "hosts" (namespaces, each with dockerd 20.10, the busybox
 * image and its own bgplb) under one upstream router, a real gobgpd with the seed README's
 * dynamic-neighbors config (plus ipv6-unicast in the peer group, without which no router takes
 * the /128s), and FRR 8.4 bgpd with maximum-paths as a second upstream (PEER_ADDRESS lists
 * both). Both hosts run the same LB service (10.0.0.101/32, 2001:db8:0:1::101/128), so each
 * router holds two equal paths. Host 1 has KERNEL_ROUTES=true: the routers' own anycast prefix
 * lands in its kernel as one ECMP route; host 2 (default) installs nothing. Then: a bad subnet,
 * health flips, plugin restart, the SIGUSR2 drain's timing, gateway bridges, teardown.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createLab, run, type Lab } from '../interop/lib/netns.js';
import { startGobgpd, type Gobgpd } from '../interop/lib/gobgpd.js';
import { startFrr, type Frr } from '../interop/lib/frr.js';
import { waitFor } from '../interop/lib/wait.js';
import type { Route } from '../interop/lib/types.js';
import { startHost, startPlugin, stopHost, type LbHost } from './lib/bgplb-lab.js';

const V4 = '10.0.0.101/32';
const V6 = '2001:db8:0:1::101/128';

function seedToml(): string {
  // The seed README's gobgp.toml, for the test's addresses; ipv6-unicast added to the peer group.
  return `
[global.use-multiple-paths.config]
  enabled = true

[[peer-groups]]
  [peer-groups.config]
    peer-group-name = "bgp-lb"
    peer-as = 65534
  [peer-groups.timers.config]
    idle-hold-time-after-reset = 1
  [[peer-groups.afi-safis]]
    [peer-groups.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
  [[peer-groups.afi-safis]]
    [peer-groups.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
  [[peer-groups.afi-safis]]
    [peer-groups.afi-safis.config]
      afi-safi-name = "ipv4-flowspec"

[[dynamic-neighbors]]
  [dynamic-neighbors.config]
    prefix = "10.98.0.0/16"
    peer-group = "bgp-lb"
`;
}

describe('bgplb: two hosts, one anycast service, gobgpd upstream', () => {
  let router: Lab;
  let gobgp: Gobgpd;
  let frr: Frr;
  const hosts: LbHost[] = [];
  const logs = async (): Promise<string> => (await Promise.all([router.dumpLogs(), ...hosts.map((h) => h.lab.dumpLogs())])).join('\n');

  const paths = async (family: 'ipv4-unicast' | 'ipv6-unicast', prefix: string): Promise<Route[]> =>
    (await gobgp.routes(family)).filter((r) => r.prefix === prefix);
  const nextHops = async (family: 'ipv4-unicast' | 'ipv6-unicast', prefix: string): Promise<string[]> =>
    (await paths(family, prefix)).map((r) => r.nextHop).sort();
  const waitNextHops = (family: 'ipv4-unicast' | 'ipv6-unicast', prefix: string, want: string[], timeoutMs = 15_000): Promise<string[]> =>
    waitFor(() => nextHops(family, prefix), {
      what: `${prefix} at gobgpd with next hops [${want.join(', ')}]`,
      until: (v) => JSON.stringify(v) === JSON.stringify([...want].sort()),
      timeoutMs,
      intervalMs: 200,
      diagnostics: logs,
    });
  const hostRoute = async (h: LbHost, prefix: string): Promise<string> =>
    (await run('ip', ['-n', h.lab.name, ...(prefix.includes(':') ? ['-6'] : ['-4']), 'route', 'show', prefix])).stdout.trim();

  /** An LB network with the seed's options, and a container on it with a file-based health check. */
  const lbNetwork = async (h: LbHost, name: string): Promise<void> => {
    await h.dockerd.docker(['network', 'create', '--driver', h.driver, '--ipam-driver', h.driver, '--subnet', V4, '--ipv6', '--ipam-opt', `v6subnet=${V6}`, name]);
  };
  const runService = async (h: LbHost, name: string, net: string, extra: string[] = []): Promise<string> =>
    (
      await h.dockerd.docker([
        'run', '-d', '--name', name, '--network', net,
        '--health-cmd', 'test -e /tmp/ok', '--health-interval', '1s', '--health-retries', '1', '--health-timeout', '1s',
        '--stop-signal', 'SIGUSR2', '--stop-timeout', '30', ...extra,
        'bb:latest', '/bin/sh', '-c', "touch /tmp/ok; trap 'exit 0' TERM; trap '' USR2; while true; do sleep 1; done",
      ])
    ).stdout.trim();

  before(async () => {
    router = await createLab('lbr');
    const [h1, h2] = await Promise.all([startHost(router, 1), startHost(router, 2)]);
    hosts.push(h1!, h2!);
    gobgp = await startGobgpd(router, {
      routerId: '10.98.0.1',
      asn: 64512,
      listenAddress: ['10.98.1.1', '10.98.2.1'],
      neighbors: [],
      extraToml: seedToml(),
    });
    frr = await startFrr(router, {
      routerId: '10.98.0.3',
      asn: 64512,
      listenAddress: ['10.98.1.3', '10.98.2.3'],
      // Passive: the hosts connect (FRR would source both sessions from its first address).
      neighbors: hosts.map((h) => ({ address: h.address, asn: 65534, passive: true })),
      extraConfig: ['router bgp 64512', ' address-family ipv4 unicast', '  maximum-paths 4', ' exit-address-family',
        ' address-family ipv6 unicast', '  maximum-paths 4', ' exit-address-family'].join('\n'),
    });
    // Both routers originate one anycast prefix of their own, for the kernel routes of host 1.
    // Same MED and origin from both (FRR sends MED 0 on a `network` route, gobgpd none).
    await gobgp.addRoute('ipv4-unicast', '10.77.0.0/24', { nextHop: '10.98.1.1', med: 0, origin: 'igp' });
    await frr.addRoute('ipv4-unicast', '10.77.0.0/24', { med: 0, origin: 'igp' });
    await Promise.all(hosts.map((h) => startPlugin(h, {
      PEER_ADDRESS: `${h.routerAddress},10.98.${h.index}.3`,
      ...(h.index === 1 ? { KERNEL_ROUTES: 'true' } : {}),
    })));
    for (const h of hosts) {
      await gobgp.waitEstablished(h.address, 20_000);
      await frr.waitEstablished(h.address, 20_000);
    }
  });

  after(async () => {
    await Promise.allSettled(hosts.map((h) => stopHost(h)));
    await router?.destroy();
  });

  it('refuses a /24 with the original message, and IPv6 without v6subnet', async () => {
    const h = hosts[0]!;
    const err = await h.dockerd.dockerFails(['network', 'create', '--driver', h.driver, '--ipam-driver', h.driver, '--subnet', '10.0.0.0/24', 'bad']);
    assert.match(err, /only subnet mask \/32 is supported/);
    const err6 = await h.dockerd.dockerFails(['network', 'create', '--driver', h.driver, '--ipam-driver', h.driver, '--subnet', '10.0.0.9/32', '--ipv6', '--subnet', '2001:db8::9/128', 'bad6']);
    assert.match(err6, /IPv6 subnet is required/);
    const none = (await h.dockerd.docker(['network', 'ls', '--format', '{{.Name}}'])).stdout;
    assert.doesNotMatch(none, /bad/);
  });

  it('both hosts announce the service: two equal paths for the /32 and the /128', async () => {
    for (const h of hosts) await lbNetwork(h, 'web1');
    // The bridge exists as soon as the network does, named after the network id.
    const id = (await hosts[0]!.dockerd.docker(['network', 'inspect', '-f', '{{.Id}}', 'web1'])).stdout.trim();
    await run('ip', ['-n', hosts[0]!.lab.name, 'link', 'show', `bgplb-${id.slice(0, 9)}`]);
    assert.deepEqual(await nextHops('ipv4-unicast', V4), [], 'nothing before a container runs');
    for (const h of hosts) await runService(h, 'web1', 'web1');
    await waitNextHops('ipv4-unicast', V4, ['10.98.1.2', '10.98.2.2']);
    // Next hop ::ffff:ROUTER_ID; gobgp prints IPv4-mapped addresses as dotted quads (Go's net.IP).
    await waitNextHops('ipv6-unicast', V6, ['10.98.1.2', '10.98.2.2']);
    const v4 = await paths('ipv4-unicast', V4);
    for (const p of v4) {
      assert.deepEqual(p.asPath, [65534]);
      assert.equal(p.origin, 'igp');
    }
    // Host route on the network's bridge, with bgplb's protocol.
    assert.match(await hostRoute(hosts[0]!, V4), new RegExp(`^10\\.0\\.0\\.101 dev bgplb-${id.slice(0, 9)} proto 201`));
    assert.match(await hostRoute(hosts[0]!, V6), /^2001:db8:0:1::101 dev bgplb-/);
    // The container has the /32 on its eth.
    const addr = (await hosts[0]!.dockerd.docker(['exec', 'web1', 'ip', '-4', 'addr', 'show'])).stdout;
    assert.match(addr, /inet 10\.0\.0\.101\/32/);
  });

  it('FRR with maximum-paths takes both hosts\' paths as multipath, /128 with the IPv4-mapped next hop', async () => {
    const multipath = async (af: string, prefix: string): Promise<Array<{ nh: string; multipath: boolean }>> => {
      const doc = JSON.parse(await frr.vtysh(`show bgp ${af} unicast ${prefix} json`)) as {
        paths?: Array<{ multipath?: boolean; bestpath?: { overall?: boolean }; nexthops?: Array<{ ip?: string }> }>;
      };
      return (doc.paths ?? [])
        .map((p) => ({ nh: p.nexthops?.[0]?.ip ?? '', multipath: p.multipath === true || p.bestpath?.overall === true }))
        .sort((a, b) => a.nh.localeCompare(b.nh));
    };
    const v4 = await waitFor(() => multipath('ipv4', V4), { what: `${V4} multipath at FRR`, until: (p) => p.length === 2 && p.every((x) => x.multipath), diagnostics: logs });
    assert.deepEqual(v4.map((p) => p.nh), ['10.98.1.2', '10.98.2.2']);
    const v6 = await waitFor(() => multipath('ipv6', V6), { what: `${V6} multipath at FRR`, until: (p) => p.length === 2 && p.every((x) => x.multipath), diagnostics: logs });
    // ::ffff:10.98.1.2 and ::ffff:10.98.2.2, as FRR prints them.
    assert.deepEqual(v6.map((p) => p.nh), ['::ffff:a62:102', '::ffff:a62:202']);
  });

  it('KERNEL_ROUTES=true: the routers\' anycast prefix becomes one ECMP kernel route; off by default', async () => {
    const route = await waitFor(
      async () => (await run('ip', ['-n', hosts[0]!.lab.name, '-4', 'route', 'show', '10.77.0.0/24'])).stdout,
      { what: '10.77.0.0/24 with two next hops in host 1\'s kernel', until: (t) => /nexthop via 10\.98\.1\.1/.test(t) && /nexthop via 10\.98\.1\.3/.test(t), diagnostics: logs },
    );
    assert.match(route, /proto bgp/);
    // Our own service prefix, learned back from nobody (AS loop), is never installed.
    assert.doesNotMatch((await run('ip', ['-n', hosts[0]!.lab.name, '-4', 'route', 'show', 'proto', 'bgp'])).stdout, /10\.0\.0\.101/);
    assert.equal((await run('ip', ['-n', hosts[1]!.lab.name, '-4', 'route', 'show', '10.77.0.0/24'])).stdout.trim(), '');
  });

  it('packets: the router reaches the container at the anycast address, the reply leaves through the host', async () => {
    // The data path of the seed: host route on the LB bridge in, the container's default route
    // (Docker's gateway bridge, no NAT) out; the host forwards.
    const h = hosts[0]!;
    await run('ip', ['netns', 'exec', h.lab.name, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    await run('ip', ['-n', router.name, 'route', 'replace', '10.0.0.101/32', 'via', h.address]);
    try {
      const out = await router.exec('ping', ['-c', '2', '-W', '2', '-I', h.routerAddress, '10.0.0.101']);
      assert.match(out.stdout, /2 received/);
    } finally {
      await run('ip', ['-n', router.name, 'route', 'del', '10.0.0.101/32']);
    }
  });

  it('health flips: unhealthy withdraws (route and host route), healthy re-advertises', async () => {
    const h = hosts[0]!;
    await h.dockerd.docker(['exec', 'web1', 'rm', '/tmp/ok']);
    await waitNextHops('ipv4-unicast', V4, ['10.98.2.2']);
    await waitNextHops('ipv6-unicast', V6, ['10.98.2.2']);
    assert.equal(await hostRoute(h, V4), '');
    await h.dockerd.docker(['exec', 'web1', 'touch', '/tmp/ok']);
    await waitNextHops('ipv4-unicast', V4, ['10.98.1.2', '10.98.2.2']);
    assert.match(await hostRoute(h, V4), /dev bgplb-/);
  });

  it('state survives a plugin restart: re-advertised, health and labels changed while down applied, Leave of the old container works', async () => {
    const h = hosts[1]!;
    await h.plugin!.stop();
    await waitNextHops('ipv4-unicast', V4, ['10.98.1.2']);
    const saved = JSON.parse(readFileSync(h.stateFile, 'utf8')) as { networks: unknown[]; endpoints: { containerId?: string }[] };
    assert.equal(saved.networks.length, 1);
    assert.equal(saved.endpoints.length, 1);
    await startPlugin(h);
    await waitNextHops('ipv4-unicast', V4, ['10.98.1.2', '10.98.2.2'], 20_000);

    // Killed (-9: its socket file stays behind and is replaced), and the container turns
    // unhealthy meanwhile: not advertised after the start, and the host route of the previous
    // run is removed; advertised again once it recovers.
    h.plugin!.signal('SIGKILL');
    await h.plugin!.exited;
    assert.ok(existsSync(`/run/docker/plugins/${h.driver}.sock`), 'a killed plugin leaves its socket file');
    await waitNextHops('ipv4-unicast', V4, ['10.98.1.2']);
    assert.match(await hostRoute(h, V4), /dev bgplb-/, 'the host route stays while the plugin is down');
    await h.dockerd.docker(['exec', 'web1', 'rm', '/tmp/ok']);
    // A labelled gateway network made while the plugin is down is advertised when it starts.
    await h.dockerd.docker(['network', 'create', '--driver', 'bridge', '--subnet', '172.23.2.0/24', '--label', 'bgplb_advertise=true', 'gw2']);
    await waitFor(async () => (await h.dockerd.client.inspectContainer('web1')).State.Health?.Status, { what: 'web1 unhealthy', until: (s) => s === 'unhealthy' });
    await startPlugin(h);
    await waitNextHops('ipv4-unicast', '172.23.2.0/24', ['10.98.2.2']);
    await waitFor(() => hostRoute(h, V4), { what: 'stale host route removed at start', until: (r) => r === '', diagnostics: logs });
    await gobgp.waitEstablished(h.address, 20_000);
    await new Promise((r) => setTimeout(r, 1500)); // an announcement would have arrived by now
    assert.deepEqual(await nextHops('ipv4-unicast', V4), ['10.98.1.2'], 'an unhealthy container is not advertised after a restart');
    await h.dockerd.docker(['exec', 'web1', 'touch', '/tmp/ok']);
    await waitNextHops('ipv4-unicast', V4, ['10.98.1.2', '10.98.2.2']);
    await h.dockerd.docker(['network', 'rm', 'gw2']);
    await waitNextHops('ipv4-unicast', '172.23.2.0/24', []);

    // A container from before the restart leaves cleanly: no "endpoint does not exist".
    await h.dockerd.docker(['rm', '-f', 'web1']);
    await waitNextHops('ipv4-unicast', V4, ['10.98.1.2']);
    assert.equal(await hostRoute(h, V4), '');
    const links = (await run('ip', ['-n', h.lab.name, '-o', 'link', 'show', 'type', 'veth'])).stdout;
    assert.doesNotMatch(links, /master bgplb-/, 'the host end of the veth is gone');
    assert.doesNotMatch(await h.dockerd.logs(), /endpoint does not exist/);
  });

  it('SIGUSR2 drain: withdrawn at once, SIGTERM 5 s later, route gone before the container gets it', async (t) => {
    const h = hosts[0]!;
    const events: Array<{ action: string; signal?: string; t: number }> = [];
    const watch = h.dockerd.client.watchEvents(
      (e) => events.push({ action: e.Action, signal: e.Actor.Attributes?.['signal'], t: Date.now() }),
      { filters: { type: ['container'], container: ['web1'], event: ['kill', 'die'] } },
    );
    try {
      await waitFor(() => h.dockerd.client.version(), { what: 'docker API' });
      await new Promise((r) => setTimeout(r, 300)); // the event stream is open
      const stopping = h.dockerd.docker(['stop', 'web1']);
      const withdrawnAt = await waitFor(
        async () => ((await nextHops('ipv4-unicast', V4)).includes('10.98.1.2') ? 0 : Date.now()),
        { what: `${V4} from host 1 withdrawn`, intervalMs: 50, diagnostics: logs },
      );
      await stopping;
      const usr2 = events.find((e) => e.action === 'kill' && e.signal === '12');
      const term = events.find((e) => e.action === 'kill' && e.signal === '15');
      assert.ok(usr2 !== undefined && term !== undefined, `kill events: ${JSON.stringify(events)}`);
      assert.ok(withdrawnAt < term.t, 'the route left before SIGTERM');
      assert.ok(withdrawnAt - usr2.t < 2000, `withdrawn ${withdrawnAt - usr2.t} ms after SIGUSR2`);
      const delay = term.t - usr2.t;
      t.diagnostic(`SIGUSR2 → gone at gobgpd ${withdrawnAt - usr2.t} ms (polled every 50 ms), SIGUSR2 → SIGTERM ${delay} ms`);
      assert.ok(delay >= 4500 && delay < 8000, `SIGTERM ${delay} ms after SIGUSR2`);
      assert.ok(events.some((e) => e.action === 'die'), 'the container stopped on SIGTERM (no SIGKILL after 30 s)');
      assert.equal(await hostRoute(h, V4), '');
    } finally {
      watch.close();
    }
  });

  it('the seed walkthrough: labelled gateway bridge advertised, service on it and its LB network, reached without NAT', async () => {
    const h = hosts[0]!;
    await h.dockerd.docker([
      'network', 'create', '--driver', 'bridge', '--subnet', '172.23.1.0/24', '--gateway', '172.23.1.1',
      '--ipv6', '--subnet', '2001:db8:1::/64', '--gateway', '2001:db8:1::1',
      '-o', 'com.docker.network.bridge.name=bgplb_gw', '-o', 'com.docker.network.bridge.enable_icc=false',
      '-o', 'com.docker.network.bridge.enable_ip_masquerade=false',
      '--label', 'bgplb_advertise=true', 'bgplb_gwbridge',
    ]);
    await h.dockerd.docker(['network', 'create', '--driver', 'bridge', '--subnet', '172.24.1.0/24', 'plain']);
    await waitNextHops('ipv4-unicast', '172.23.1.0/24', ['10.98.1.2']);
    await waitNextHops('ipv6-unicast', '2001:db8:1::/64', ['10.98.1.2']);
    assert.deepEqual(await nextHops('ipv4-unicast', '172.24.1.0/24'), [], 'an unlabelled network is not advertised');

    // Docker 20.10's run takes one --network: create on the gateway bridge, connect, start.
    await h.dockerd.docker(['network', 'create', '--driver', h.driver, '--ipam-driver', h.driver, '--subnet', '10.0.0.103/32',
      '--ipv6', '--ipam-opt', 'v6subnet=2001:0db8:0000:0001::103/128', 'web3']);
    await h.dockerd.docker(['create', '--name', 'web3', '--network', 'bgplb_gwbridge', '--ip', '172.23.1.25',
      '--health-cmd', 'test -e /tmp/ok', '--health-interval', '1s', '--health-retries', '1',
      '--stop-timeout', '30', '--stop-signal', 'SIGUSR2',
      'bb:latest', '/bin/sh', '-c', "touch /tmp/ok; trap 'exit 0' TERM; trap '' USR2; while true; do sleep 1; done"]);
    await h.dockerd.docker(['network', 'connect', 'web3', 'web3']);
    await h.dockerd.docker(['start', 'web3']);
    await waitNextHops('ipv4-unicast', '10.0.0.103/32', ['10.98.1.2']);
    await waitNextHops('ipv6-unicast', '2001:db8:0:1::103/128', ['10.98.1.2']);
    // The router sends to the anycast address and to the gateway-bridge address; the replies come
    // back from the container's own addresses (no masquerade) through the gateway bridge.
    await run('ip', ['netns', 'exec', h.lab.name, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    await run('ip', ['-n', router.name, 'route', 'replace', '10.0.0.103/32', 'via', h.address]);
    await run('ip', ['-n', router.name, 'route', 'replace', '172.23.1.0/24', 'via', h.address]);
    try {
      assert.match((await router.exec('ping', ['-c', '2', '-W', '2', '-I', h.routerAddress, '10.0.0.103'])).stdout, /2 received/);
      assert.match((await router.exec('ping', ['-c', '2', '-W', '2', '-I', h.routerAddress, '172.23.1.25'])).stdout, /2 received/);
    } finally {
      await run('ip', ['-n', router.name, 'route', 'del', '10.0.0.103/32']);
      await run('ip', ['-n', router.name, 'route', 'del', '172.23.1.0/24']);
    }
    await h.dockerd.docker(['rm', '-f', 'web3']);
    await waitNextHops('ipv4-unicast', '10.0.0.103/32', []);
    await h.dockerd.docker(['network', 'rm', 'bgplb_gwbridge', 'web3']);
    await waitNextHops('ipv4-unicast', '172.23.1.0/24', []);
    await waitNextHops('ipv6-unicast', '2001:db8:1::/64', []);
  });

  it('IPv6-only mode (v1.8): no --subnet gives 0.0.0.0/32, only the /128 is advertised', async () => {
    const h = hosts[1]!;
    const v6 = '2001:db8:0:1::104/128';
    await h.dockerd.docker(['network', 'create', '--driver', h.driver, '--ipam-driver', h.driver, '--ipv6', '--ipam-opt', `v6subnet=${v6}`, 'web4']);
    await h.dockerd.docker(['run', '-d', '--name', 'web4', '--network', 'web4', 'bb:latest', '/bin/sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"]);
    await waitNextHops('ipv6-unicast', v6, ['10.98.2.2']);
    assert.deepEqual(await nextHops('ipv4-unicast', '0.0.0.0/32'), []);
    assert.equal(await hostRoute(h, '0.0.0.0/32'), '');
    await h.dockerd.docker(['rm', '-f', 'web4']);
    await waitNextHops('ipv6-unicast', v6, []);
    await h.dockerd.docker(['network', 'rm', 'web4']);
  });

  it('docker network rm removes the bridge and the state', async () => {
    const h = hosts[1]!;
    const id = (await h.dockerd.docker(['network', 'inspect', '-f', '{{.Id}}', 'web1'])).stdout.trim();
    await h.dockerd.docker(['network', 'rm', 'web1']);
    await assert.rejects(run('ip', ['-n', h.lab.name, 'link', 'show', `bgplb-${id.slice(0, 9)}`]));
    const saved = JSON.parse(readFileSync(h.stateFile, 'utf8')) as { networks: unknown[] };
    assert.equal(saved.networks.length, 0);
    assert.ok(existsSync(`/run/docker/plugins/${h.driver}.sock`));
  });
});
