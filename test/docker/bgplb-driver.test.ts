/**
 * bgplb's NetworkDriver calls as Docker sends them (test-environment.md's appendix shapes), over
 * recording bridges: the original's replies and error strings, names, persistence, and the
 * clean-up of what Docker removed while the plugin was down.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/util/log.js';
import { LbBridges } from '../../src/dataplane/linux/lb-bridge.js';
import { EndpointRoutes } from '../../src/docker/bgplb/endpoint-routes.js';
import { NetworkDriver } from '../../src/docker/bgplb/network-driver.js';
import { bgplbSpeaker } from '../../src/docker/bgplb/speaker.js';
import { PluginState } from '../../src/docker/bgplb/state.js';
import { settingsFromEnv } from '../../src/docker/bgplb/settings.js';

class RecordingBridges extends LbBridges {
  readonly log: string[] = [];
  private n = 0;
  override async ensureBridge(name: string): Promise<void> {
    this.log.push(`bridge ${name}`);
  }
  override async deleteLink(name: string): Promise<boolean> {
    this.log.push(`del ${name}`);
    return true;
  }
  override async addVeth(bridge: string): Promise<{ outer: string; inner: string }> {
    this.n++;
    const pair = { outer: `veth0000000${this.n}`, inner: `vethffffff0${this.n}` };
    this.log.push(`veth ${pair.outer}/${pair.inner} on ${bridge}`);
    return pair;
  }
  override async addHostRoute(prefix: string, dev: string): Promise<void> {
    this.log.push(`route ${prefix} dev ${dev}`);
  }
  override async deleteHostRoute(prefix: string, dev: string): Promise<boolean> {
    this.log.push(`unroute ${prefix} dev ${dev}`);
    return true;
  }
}

const NID = 'f9bb8454b'.padEnd(64, '0');
const EID = 'e'.repeat(64);

function setup(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), `bgpt-bgplb-drv-${process.pid}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'state.json');
  const log = silentLogger();
  const state = new PluginState(file);
  const bridges = new RecordingBridges();
  const speaker = bgplbSpeaker(settingsFromEnv({ ROUTER_ID: '10.0.0.1', PEER_ADDRESS: '10.0.0.2', PEER_AS: '1' }), log);
  const routes = new EndpointRoutes(state, bridges, speaker, log);
  const changed: string[] = [];
  const driver = new NetworkDriver(state, bridges, routes, 'local', log, { endpointChanged: (ep) => changed.push(ep.endpointId) });
  const h = driver.handlers();
  const call = (name: string, body: Record<string, unknown> = {}) => Promise.resolve(h[name]!(body, name));
  return { file, state, bridges, speaker, routes, driver, call, changed };
}

test('capabilities, CreateNetwork (bridge bgplb-<9>), duplicate refused with the original text', async (t) => {
  const s = setup(t);
  assert.deepEqual(await s.call('NetworkDriver.GetCapabilities'), { RequiresMACAddress: false, Scope: 'local', ConnectivityScope: '' });
  const body = { NetworkID: NID, Options: { 'com.docker.network.generic': {} }, IPv4Data: [{ AddressSpace: 'global', Gateway: '10.0.0.101/32', Pool: '10.0.0.101/32' }], IPv6Data: [] };
  assert.deepEqual(await s.call('NetworkDriver.CreateNetwork', body), {});
  assert.deepEqual(s.bridges.log, ['bridge bgplb-f9bb8454b']);
  await assert.rejects(s.call('NetworkDriver.CreateNetwork', body), new RegExp(`^PluginError: network ${NID} exists$`));
  assert.deepEqual(JSON.parse(readFileSync(s.file, 'utf8')).networks, [{ id: NID, bridge: 'bgplb-f9bb8454b' }]);
});

test('endpoint calls: unknown network/endpoint errors as the original, Join reply, Leave and DeleteEndpoint', async (t) => {
  const s = setup(t);
  const ids = { NetworkID: NID, EndpointID: EID };
  await assert.rejects(s.call('NetworkDriver.CreateEndpoint', ids), new RegExp(`${NID} network does not exist`));
  await s.call('NetworkDriver.CreateNetwork', { NetworkID: NID });
  await assert.rejects(s.call('NetworkDriver.Join', ids), new RegExp(`${NID} endpoint does not exist`));
  await assert.rejects(s.call('NetworkDriver.Leave', ids), new RegExp(`${NID} endpoint does not exist`));
  assert.deepEqual(await s.call('NetworkDriver.DeleteEndpoint', ids), {}, 'unknown endpoint: success');
  assert.deepEqual(await s.call('NetworkDriver.DeleteNetwork', { NetworkID: 'x'.repeat(64) }), {}, 'unknown network: success');
  await assert.rejects(s.call('NetworkDriver.CreateEndpoint', { NetworkID: NID }), /EndpointID is required/);

  const created = await s.call('NetworkDriver.CreateEndpoint', {
    ...ids, Interface: { Address: '10.0.0.101/32', AddressIPv6: '2001:db8::101/128', MacAddress: '' }, Options: {},
  });
  assert.deepEqual(created, { Interface: null });
  const joined = await s.call('NetworkDriver.Join', { ...ids, SandboxKey: '/x', Options: {} });
  assert.deepEqual(joined, {
    InterfaceName: { SrcName: 'vethffffff01', DstPrefix: 'eth' }, Gateway: '', GatewayIPv6: '', StaticRoutes: null, DisableGatewayService: false,
  });
  assert.deepEqual(await s.call('NetworkDriver.EndpointOperInfo', ids), { Value: { ip_address: '10.0.0.101', mac_address: '', veth_outside: 'veth00000001' } });
  assert.deepEqual(s.changed, [EID, EID]);
  const saved = JSON.parse(readFileSync(s.file, 'utf8')) as { endpoints: unknown[] };
  assert.deepEqual(saved.endpoints, [{ networkId: NID, endpointId: EID, ipv4: '10.0.0.101', ipv6: '2001:db8::101', vethOuter: 'veth00000001' }]);

  await s.routes.advertise(s.state.endpoints.get(EID)!);
  s.bridges.log.length = 0;
  assert.deepEqual(await s.call('NetworkDriver.Leave', ids), {});
  assert.deepEqual(s.bridges.log, [
    'unroute 10.0.0.101/32 dev bgplb-f9bb8454b', 'unroute 2001:db8::101/128 dev bgplb-f9bb8454b', 'del veth00000001',
  ], 'only this endpoint\'s routes, then its veth');
  assert.deepEqual(s.speaker.prefixes(), []);
  assert.deepEqual(await s.call('NetworkDriver.DeleteEndpoint', ids), {});
  assert.equal(s.state.endpoints.size, 0);
  for (const c of ['ProgramExternalConnectivity', 'RevokeExternalConnectivity', 'DiscoverNew', 'DiscoverDelete', 'FreeNetwork']) {
    assert.deepEqual(await s.call(`NetworkDriver.${c}`, ids), {});
  }
  assert.equal(await s.call('NetworkDriver.AllocateNetwork', ids), null);
});

test('state reloads; networks Docker removed while the plugin was down are forgotten, new ones never', async (t) => {
  const s = setup(t);
  const other = 'a'.repeat(64);
  await s.call('NetworkDriver.CreateNetwork', { NetworkID: NID });
  await s.call('NetworkDriver.CreateNetwork', { NetworkID: other });
  await s.call('NetworkDriver.CreateEndpoint', { NetworkID: NID, EndpointID: EID, Interface: { Address: '10.0.0.101/32' } });
  const again = new PluginState(s.file);
  again.load();
  assert.deepEqual([...again.networks.keys()].sort(), [other, NID].sort());
  assert.equal(again.endpoints.get(EID)?.ipv4, '10.0.0.101');

  s.bridges.log.length = 0;
  // Docker knows only `other`; NID was restored from the file, `fresh` was created since.
  const fresh = 'b'.repeat(64);
  await s.call('NetworkDriver.CreateNetwork', { NetworkID: fresh });
  await s.driver.forgetGoneNetworks(new Set([NID, other]), new Set([other]));
  assert.deepEqual([...s.state.networks.keys()].sort(), [other, fresh].sort());
  assert.equal(s.state.endpoints.size, 0);
  assert.ok(s.bridges.log.includes('del bgplb-f9bb8454b'));
});

test('a state file as bgplb has always written it loads (endpoint fields, left ones too); one that is not its own is refused naming it', async (t) => {
  const s = setup(t);
  writeFileSync(s.file, `{
 "version": 1,
 "networks": [
  { "id": "${NID}", "bridge": "bgplb-f9bb8454b" }
 ],
 "endpoints": [
  { "networkId": "${NID}", "endpointId": "${EID}", "ipv4": "10.0.0.101", "ipv6": "2001:db8::101", "vethOuter": "veth0a1b2c3d", "containerId": "c1" },
  { "networkId": "${NID}", "endpointId": "${'d'.repeat(64)}", "ipv4": "10.0.0.101", "left": true }
 ]
}
`);
  const state = new PluginState(s.file);
  state.load();
  assert.deepEqual(state.networks.get(NID), { id: NID, bridge: 'bgplb-f9bb8454b' });
  assert.deepEqual(state.endpoints.get(EID), { networkId: NID, endpointId: EID, ipv4: '10.0.0.101', ipv6: '2001:db8::101', vethOuter: 'veth0a1b2c3d', containerId: 'c1' });
  assert.equal(state.endpoints.get('d'.repeat(64))?.left, true);
  state.save();
  const again = new PluginState(s.file);
  again.load();
  assert.deepEqual([...again.endpoints.values()], [...state.endpoints.values()]);
  writeFileSync(s.file, '{"version":1,"pools":[],"networks":[]}');
  assert.throws(() => new PluginState(s.file).load(), (e: Error) => e.message.startsWith(`${s.file}: not a bgplb state file`));
  writeFileSync(s.file, 'garbage');
  assert.throws(() => new PluginState(s.file).load(), (e: Error) => e.message.startsWith(`${s.file}: not JSON`));
});
