/**
 * The shared Docker foundation against a real dockerd 20.10 started by the
 * test: the harness itself (busybox image imported offline), the Engine API
 * client (inspect, list, events, kill with a signal), and the legacy plugin
 * server as dockerd discovers and calls it (/run/docker/plugins/NAME.sock).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readlinkSync, statSync } from 'node:fs';
import { createLab } from '../interop/lib/netns.js';
import { startDockerd } from './lib/dockerd.js';
import { waitFor } from '../interop/lib/wait.js';
import { PluginServer, PluginError } from '../../src/docker/plugin-server.js';
import { EngineClient, engineEndpointFromEnv, type EngineEvent } from '../../src/docker/engine-client.js';

test('engineEndpointFromEnv reads DOCKER_HOST as the docker CLI does', () => {
  assert.deepEqual(engineEndpointFromEnv({}), { socketPath: '/var/run/docker.sock' });
  assert.deepEqual(engineEndpointFromEnv({ DOCKER_HOST: 'unix:///tmp/d.sock' }), { socketPath: '/tmp/d.sock' });
  assert.deepEqual(engineEndpointFromEnv({ DOCKER_HOST: 'tcp://127.0.0.1:2375' }), { host: '127.0.0.1', port: 2375 });
  assert.deepEqual(engineEndpointFromEnv({ DOCKER_HOST: 'tcp://[::1]' }), { host: '::1', port: 2375 });
  assert.throws(() => engineEndpointFromEnv({ DOCKER_HOST: 'ssh://x' }), /DOCKER_HOST ssh:\/\/x: only unix/);
  assert.throws(() => engineEndpointFromEnv({ DOCKER_HOST: 'tcp://h:1', DOCKER_TLS_VERIFY: '1' }), /TLS/);
});

test('dockerd harness, engine client and events against a real dockerd', async (t) => {
  const d = await startDockerd({ label: 'found' });
  t.after(() => d.stop());
  const tag = await d.importBusybox();
  const out = await d.docker(['run', '--rm', '--network', 'none', tag, '/bin/sh', '-c', 'echo hello']);
  assert.equal(out.stdout.trim(), 'hello');

  const client = new EngineClient(engineEndpointFromEnv({ DOCKER_HOST: d.host }));
  assert.match((await client.version()).Version, /^20\.10/);
  const events: EngineEvent[] = [];
  let connects = 0;
  const watch = client.watchEvents((e) => events.push(e), {
    filters: { type: ['container'], event: ['start', 'kill', 'die'] },
    onConnect: () => connects++,
  });
  t.after(() => watch.close());
  await waitFor(() => connects, { what: 'event stream connected' });

  // PID 1 gets no default signal actions: the shell traps TERM (and ignores USR2).
  const id = (
    await d.docker(['run', '-d', '--network', 'none', '--stop-signal', 'SIGUSR2', tag, '/bin/sh', '-c', "trap 'exit 0' TERM; trap '' USR2; sleep 300 & wait"])
  ).stdout.trim();
  const info = await client.inspectContainer(id);
  assert.equal(info.Id, id);
  assert.equal(info.State.Running, true);
  assert.equal(info.Config?.StopSignal, 'SIGUSR2');

  // A kill event carries the signal number; kill?signal=SIGTERM stops sleep (no SIGKILL needed).
  await d.docker(['kill', '-s', 'USR2', id]).catch(() => undefined);
  await client.killContainer(id, 'SIGTERM');
  const kills = await waitFor(
    () => events.filter((e) => e.Action === 'kill' && e.Actor.ID === id).map((e) => e.Actor.Attributes?.['signal']),
    { what: 'kill events', until: (s) => s.length >= 2 },
  );
  assert.deepEqual(kills.slice(0, 2), ['12', '15']);
  await waitFor(() => events.some((e) => e.Action === 'die' && e.Actor.ID === id), { what: 'die event' });
  assert.equal((await client.inspectContainer(id)).State.Running, false);
  assert.ok(events.some((e) => e.Action === 'start' && e.Actor.ID === id));

  const nets = await client.listNetworks();
  assert.deepEqual(nets.map((n) => n.Name).sort(), ['host', 'none']);
  await assert.rejects(client.inspectNetwork('nosuchnet'), /network nosuchnet not found/);
});

test('dockerd discovers a PluginServer socket and drives it; errors reach the CLI', async (t) => {
  const name = `bgpt-ps-${process.pid}`;
  const calls: string[] = [];
  const pool = '10.77.0.5/32';
  const srv = new PluginServer({ socketPath: `/run/docker/plugins/${name}.sock`, implements: ['NetworkDriver', 'IpamDriver'] });
  const record = (reply: unknown) => (_b: unknown, call: string) => {
    calls.push(call);
    return reply;
  };
  srv.handleAll({
    'NetworkDriver.GetCapabilities': record({ Scope: 'local', ConnectivityScope: 'local' }),
    'IpamDriver.GetCapabilities': record({ RequiresMACAddress: false }),
    'IpamDriver.GetDefaultAddressSpaces': record({ LocalDefaultAddressSpace: 'l', GlobalDefaultAddressSpace: 'g' }),
    'IpamDriver.RequestPool': (b, call) => {
      calls.push(call);
      if (b['Pool'] !== pool) throw new PluginError(`only ${pool} here`);
      return { PoolID: pool, Pool: pool, Data: {} };
    },
    'IpamDriver.RequestAddress': record({ Address: pool, Data: {} }),
    'IpamDriver.ReleaseAddress': record({}),
    'IpamDriver.ReleasePool': record({}),
    'NetworkDriver.CreateNetwork': record({}),
    'NetworkDriver.DeleteNetwork': record({}),
  });
  await srv.listen();
  t.after(() => srv.close());
  const d = await startDockerd({ label: 'plugsrv' });
  t.after(() => d.stop());

  await d.docker(['network', 'create', '--driver', name, '--ipam-driver', name, '--subnet', pool, 'n1']);
  assert.deepEqual(calls, [
    'NetworkDriver.GetCapabilities',
    'IpamDriver.GetCapabilities',
    'IpamDriver.GetDefaultAddressSpaces',
    'IpamDriver.RequestPool',
    'IpamDriver.RequestAddress',
    'NetworkDriver.CreateNetwork',
  ]);
  const err = await d.dockerFails(['network', 'create', '--driver', name, '--ipam-driver', name, '--subnet', '10.0.0.0/24', 'n2']);
  assert.match(err, /IpamDriver\.RequestPool: only 10\.77\.0\.5\/32 here/);
  calls.length = 0;
  await d.docker(['network', 'rm', 'n1']);
  assert.ok(calls.includes('NetworkDriver.DeleteNetwork'));
  assert.ok(calls.includes('IpamDriver.ReleasePool'));
  await srv.close();
  assert.equal(existsSync(`/run/docker/plugins/${name}.sock`), false);
});

test('dockerd inside a test namespace (nsenter --net) runs its containers from there', async (t) => {
  const lab = await createLab('dkns');
  t.after(() => lab.destroy());
  const d = await startDockerd({ label: 'inns', netns: lab.name });
  t.after(() => d.stop());
  assert.equal(readlinkSync(`/proc/${String(d.pid)}/ns/net`), `net:[${statSync(`/run/netns/${lab.name}`).ino}]`);
  const tag = await d.importBusybox();
  const out = await d.docker(['run', '--rm', '--network', 'none', tag, '/bin/true']);
  assert.equal(out.stderr.trim(), '');
});
