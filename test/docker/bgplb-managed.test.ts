/**
 * bgplb as a managed (v2) plugin, built offline by scripts/build-bgplb-plugin.sh (this host's
 * node and ip in the rootfs) and driven by a real dockerd 20.10 in a host namespace: create,
 * set docker-bgp-lb's environment, enable, an LB network with `--driver NAME:latest`, a container
 * whose /32 reaches a real gobgpd upstream, teardown, disable, remove.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { createLab, run } from '../interop/lib/netns.js';
import { startGobgpd } from '../interop/lib/gobgpd.js';
import { waitFor } from '../interop/lib/wait.js';
import { DOCKER } from './lib/dockerd.js';
import { startHost, stopHost } from './lib/bgplb-lab.js';

test('managed plugin: docker plugin create + set + enable, a network and a container advertised', { timeout: 240_000 }, async (t) => {
  const router = await createLab('lbmr');
  t.after(() => router.destroy());
  const h = await startHost(router, 3);
  const name = `bgplbm${process.pid}`;
  t.after(async () => {
    await h.dockerd.docker(['rm', '-f', 'svc']).catch(() => undefined);
    await h.dockerd.docker(['network', 'rm', 'web2']).catch(() => undefined);
    await h.dockerd.docker(['plugin', 'disable', '-f', name]).catch(() => undefined);
    await h.dockerd.docker(['plugin', 'rm', '-f', name]).catch(() => undefined);
    await stopHost(h);
  });
  const gobgp = await startGobgpd(router, {
    routerId: '10.98.0.1',
    asn: 64512,
    listenAddress: '10.98.3.1',
    neighbors: [],
    extraToml: [
      '[[peer-groups]]', '  [peer-groups.config]', '    peer-group-name = "bgp-lb"', '    peer-as = 65534',
      '  [[peer-groups.afi-safis]]', '    [peer-groups.afi-safis.config]', '      afi-safi-name = "ipv4-unicast"',
      '[[dynamic-neighbors]]', '  [dynamic-neighbors.config]', '    prefix = "10.98.0.0/16"', '    peer-group = "bgp-lb"',
    ].join('\n'),
  });

  await run('bash', [resolve('scripts/build-bgplb-plugin.sh'), name], { env: { DOCKER, DOCKER_HOST: h.dockerd.host }, timeoutMs: 180_000 });
  await h.dockerd.docker([
    'plugin', 'set', name, `docker.source=${h.dockerd.socket}`,
    'ROUTER_ID=10.98.3.2', 'LOCAL_AS=65534', 'PEER_ADDRESS=10.98.3.1', 'PEER_AS=64512', 'SIGUSR2_HANDLER=true', 'LOG_LEVEL=debug',
  ]);
  await h.dockerd.docker(['plugin', 'enable', name], { timeoutMs: 60_000 });
  const ls = (await h.dockerd.docker(['plugin', 'ls', '--format', '{{.Name}} {{.Enabled}}'])).stdout;
  assert.match(ls, new RegExp(`${name}:latest true`));
  await gobgp.waitEstablished('10.98.3.2', 30_000);

  await h.dockerd.docker(['network', 'create', '--driver', `${name}:latest`, '--ipam-driver', `${name}:latest`, '--subnet', '10.0.0.102/32', 'web2']);
  const id = (await h.dockerd.docker(['network', 'inspect', '-f', '{{.Id}}', 'web2'])).stdout.trim();
  await run('ip', ['-n', h.lab.name, 'link', 'show', `bgplb-${id.slice(0, 9)}`]);
  // A bad subnet is refused by the managed plugin too, with the original's words.
  const err = await h.dockerd.dockerFails(['network', 'create', '--driver', `${name}:latest`, '--ipam-driver', `${name}:latest`, '--subnet', '10.0.0.0/24', 'bad']);
  assert.match(err, /only subnet mask \/32 is supported/);

  await h.dockerd.docker(['run', '-d', '--name', 'svc', '--network', 'web2', 'bb:latest', '/bin/sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"]);
  const routes = await waitFor(async () => (await gobgp.routes('ipv4-unicast')).filter((r) => r.prefix === '10.0.0.102/32'), {
    what: '10.0.0.102/32 from the managed plugin at gobgpd',
    until: (r) => r.length === 1,
    timeoutMs: 20_000,
    diagnostics: () => router.dumpLogs(),
  });
  assert.equal(routes[0]!.nextHop, '10.98.3.2');
  await h.dockerd.docker(['rm', '-f', 'svc']);
  await waitFor(async () => (await gobgp.routes('ipv4-unicast')).filter((r) => r.prefix === '10.0.0.102/32').length, {
    what: '10.0.0.102/32 withdrawn',
    until: (n) => n === 0,
  });
});
