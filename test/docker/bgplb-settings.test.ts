/**
 * bgplb's configuration (docker-bgp-lb v1.8's environment) and its IPAM answers, which must be
 * the original's byte for byte where scripts may match them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { settingsFromEnv } from '../../src/docker/bgplb/settings.js';
import { ipamHandlers, parseCidr } from '../../src/docker/bgplb/ipam.js';
import { bridgeName } from '../../src/docker/bgplb/network-driver.js';
import { inServiceState } from '../../src/docker/bgplb/health-gate.js';
import type { ContainerInspect } from '../../src/docker/engine-client.js';

const seed = { ROUTER_ID: '192.168.8.40', LOCAL_AS: '65534', PEER_ADDRESS: '192.168.8.137', PEER_AS: '64512', SIGUSR2_HANDLER: 'true' };

test('the seed README environment gives v1.8 defaults for the rest', () => {
  const s = settingsFromEnv(seed);
  assert.equal(s.routerId, '192.168.8.40');
  assert.equal(s.localAs, 65534);
  assert.deepEqual(s.peers, [{ address: '192.168.8.137', asn: 64512 }]);
  assert.equal(s.listenPort, -1);
  assert.equal(s.sigusr2Handler, true);
  assert.equal(s.stopAfterDrain, true);
  assert.equal(s.globalScope, false);
  assert.equal(s.socketPath, '/run/docker/plugins/bgplb.sock');
  assert.equal(s.nextHopV6, '::ffff:192.168.8.40');
  assert.equal(s.kernelRoutes, undefined, 'learned routes never reach the kernel by default');
  assert.equal(s.drainDelayMs, 5000);
  assert.equal(settingsFromEnv({ ...seed, LOCAL_AS: undefined }).localAs, 64512);
});

test('ROUTER_PORT: negative = no listening, 0 = 179, else that port', () => {
  assert.equal(settingsFromEnv({ ...seed, ROUTER_PORT: '-1' }).listenPort, -1);
  assert.equal(settingsFromEnv({ ...seed, ROUTER_PORT: '0' }).listenPort, 179);
  assert.equal(settingsFromEnv({ ...seed, ROUTER_PORT: '1790' }).listenPort, 1790);
});

test('several peers, one ASN or one each; BGPLB_NAME moves the socket', () => {
  const s = settingsFromEnv({ ...seed, PEER_ADDRESS: '10.0.0.1, 2001:db8::1', PEER_AS: '64512,64513', BGPLB_NAME: 'lb2' });
  assert.deepEqual(s.peers, [{ address: '10.0.0.1', asn: 64512 }, { address: '2001:db8::1', asn: 64513 }]);
  assert.equal(s.socketPath, '/run/docker/plugins/lb2.sock');
  assert.deepEqual(settingsFromEnv({ ...seed, PEER_ADDRESS: '10.0.0.1,10.0.0.2' }).peers.map((p) => p.asn), [64512, 64512]);
  assert.equal(settingsFromEnv({ ...seed, BGPLB_SOCKET: '/tmp/x.sock', BGPLB_NAME: 'y' }).socketPath, '/tmp/x.sock');
});

test('bad values are refused with the variable named', () => {
  const bad: Array<[Record<string, string | undefined>, RegExp]> = [
    [{ ROUTER_ID: undefined }, /^ConfigError: ROUTER_ID: is required/],
    [{ ROUTER_ID: 'host1' }, /^ConfigError: ROUTER_ID: "host1" is not an IPv4 address/],
    [{ ROUTER_ID: '2001:db8::1' }, /^ConfigError: ROUTER_ID: .* not an IPv4 address/],
    [{ LOCAL_AS: 'x' }, /^ConfigError: LOCAL_AS: "x" is not an integer/],
    [{ LOCAL_AS: '0' }, /^ConfigError: LOCAL_AS: 0 is out of range/],
    [{ PEER_ADDRESS: '' }, /^ConfigError: PEER_ADDRESS: is required/],
    [{ PEER_ADDRESS: 'router' }, /^ConfigError: PEER_ADDRESS: "router" is not an IP address/],
    [{ PEER_ADDRESS: '10.0.0.1,10.0.0.1' }, /^ConfigError: PEER_ADDRESS: lists an address twice/],
    [{ PEER_AS: '' }, /^ConfigError: PEER_AS: is required/],
    [{ PEER_ADDRESS: '10.0.0.1,10.0.0.2,10.0.0.3', PEER_AS: '1,2' }, /^ConfigError: PEER_AS: 2 values for 3/],
    [{ PEER_PASSWORD: 'x'.repeat(81) }, /^ConfigError: PEER_PASSWORD: 81 bytes: a TCP MD5 key has at most 80/],
    [{ SIGUSR2_HANDLER: 'yes' }, /^ConfigError: SIGUSR2_HANDLER: "yes" is not true or false/],
    [{ GLOBAL_SCOPE: '1' }, /^ConfigError: GLOBAL_SCOPE: "1" is not true or false/],
    [{ ROUTER_PORT: '70000' }, /^ConfigError: ROUTER_PORT: 70000 is out of range/],
    [{ NEXT_HOP_V6: '10.0.0.1' }, /^ConfigError: NEXT_HOP_V6: "10.0.0.1" is not an IPv6 address/],
    [{ KERNEL_TABLE: '255' }, /^ConfigError: KERNEL_TABLE: 255 is the local table/],
    [{ BGPLB_NAME: '../x' }, /^ConfigError: BGPLB_NAME: "..\/x" is not a plugin name/],
    [{ HOLD_TIME: '2' }, /^ConfigError: HOLD_TIME: 2 is neither 0 nor at least 3/],
  ];
  for (const [env, re] of bad) assert.throws(() => settingsFromEnv({ ...seed, ...env }), re, JSON.stringify(env));
  assert.equal(settingsFromEnv({ ...seed, SIGUSR2_ACTION: 'none' }).stopAfterDrain, false);
  // PEER_PASSWORD: GoBGP's auth-password for every peer (TCP MD5 through the native addon).
  assert.equal(settingsFromEnv({ ...seed, PEER_PASSWORD: 's3cret' }).password, 's3cret');
  assert.equal(settingsFromEnv(seed).password, undefined);
});

const call = (name: string, body: Record<string, unknown>) => ipamHandlers[name]!(body, name);

test('RequestPool: the pool exactly as given; /32 and /128 only, with the original messages', () => {
  assert.deepEqual(call('IpamDriver.RequestPool', { Pool: '10.0.0.101/32', V6: false }), { PoolID: '10.0.0.101/32', Pool: '10.0.0.101/32', Data: null });
  assert.deepEqual(call('IpamDriver.RequestPool', { Pool: '2001:db8::1/64', V6: true, Options: { v6subnet: '2001:0db8:0000:1000::101/128' } }), {
    PoolID: '2001:0db8:0000:1000::101/128',
    Pool: '2001:0db8:0000:1000::101/128',
    Data: null,
  });
  assert.deepEqual(call('IpamDriver.RequestPool', { Pool: '', V6: false }), { PoolID: '0.0.0.0/32', Pool: '0.0.0.0/32', Data: null });
  assert.throws(() => call('IpamDriver.RequestPool', { Pool: '10.0.0.0/24', V6: false }), /^PluginError: only subnet mask \/32 is supported$/);
  assert.throws(() => call('IpamDriver.RequestPool', { V6: true, Options: { v6subnet: '2001:db8::/64' } }), /^PluginError: only subnet mask \/128 is supported$/);
  assert.throws(() => call('IpamDriver.RequestPool', { V6: true, Options: {} }), /^PluginError: IPv6 subnet is required$/);
  assert.throws(() => call('IpamDriver.RequestPool', { Pool: '10.0.0.1/33' }), /invalid CIDR address: 10\.0\.0\.1\/33/);
  assert.throws(() => parseCidr('10.0.0.1'), /invalid CIDR address: 10\.0\.0\.1/);
});

test('RequestAddress answers the pool for gateway and container alike; capabilities as the original', () => {
  assert.deepEqual(call('IpamDriver.RequestAddress', { PoolID: '10.0.0.101/32', Address: '10.0.0.7', Options: { RequestAddressType: 'com.docker.network.gateway' } }), {
    Address: '10.0.0.101/32',
    Data: null,
  });
  assert.deepEqual(call('IpamDriver.GetCapabilities', {}), { RequiresMACAddress: true, Scope: '', ConnectivityScope: '' });
  assert.deepEqual(call('IpamDriver.GetDefaultAddressSpaces', {}), { LocalDefaultAddressSpace: 'global', GlobalDefaultAddressSpace: 'global' });
  assert.equal(bridgeName('f9bb8454b1234567890'), 'bgplb-f9bb8454b');
});

test('in service: running, not paused, healthy or without a health check', () => {
  const c = (state: Partial<ContainerInspect['State']>): ContainerInspect =>
    ({ Id: 'x', Name: '/x', State: { Status: 'running', Running: true, ...state }, NetworkSettings: { Networks: {} } }) as ContainerInspect;
  assert.equal(inServiceState(c({})), true);
  assert.equal(inServiceState(c({ Health: { Status: 'healthy' } })), true);
  assert.equal(inServiceState(c({ Health: { Status: 'starting' } })), false);
  assert.equal(inServiceState(c({ Health: { Status: 'unhealthy' } })), false);
  assert.equal(inServiceState(c({ Paused: true })), false);
  assert.equal(inServiceState(c({ Running: false, Status: 'exited' })), false);
});

test('the bgplb CLI exits 2 with the variable named, before opening anything', () => {
  const r = spawnSync(process.execPath, [resolve('dist/src/cli/bgplb.js')], {
    env: { PATH: process.env.PATH, ROUTER_ID: '192.168.8.40', PEER_ADDRESS: 'router', PEER_AS: '64512', BGPLB_SOCKET: '/nonexistent/dir/x.sock' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /bgplb: invalid configuration: PEER_ADDRESS: "router" is not an IP address/);
});
