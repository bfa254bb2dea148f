/**
 * The health gate's decisions over a scripted Docker (inspect answers set by the test, kill
 * calls recorded) and recording bridges; the speaker is bgpipe's real one, not started (its
 * RIB holds what would be sent). The lab test proves the same against dockerd; this one covers
 * the cases a lab makes slow or awkward: a foreign container's SIGUSR2, repeated kill events,
 * drain-only, a restart ending a drain, two containers sharing one address.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../src/util/log.js';
import { EngineClient, EngineError, type ContainerInspect, type EngineEvent } from '../../src/docker/engine-client.js';
import { LbBridges } from '../../src/dataplane/linux/lb-bridge.js';
import { HealthGate } from '../../src/docker/bgplb/health-gate.js';
import { EndpointRoutes } from '../../src/docker/bgplb/endpoint-routes.js';
import { bgplbSpeaker } from '../../src/docker/bgplb/speaker.js';
import { PluginState } from '../../src/docker/bgplb/state.js';
import { settingsFromEnv } from '../../src/docker/bgplb/settings.js';

class ScriptedEngine extends EngineClient {
  readonly containers = new Map<string, ContainerInspect>();
  readonly kills: Array<[string, string]> = [];
  constructor() {
    super({ socketPath: '/nonexistent' });
  }
  override async inspectContainer(id: string): Promise<ContainerInspect> {
    const c = this.containers.get(id);
    if (c === undefined) throw new EngineError(404, `No such container: ${id}`, `/containers/${id}/json`);
    return structuredClone(c);
  }
  override async killContainer(id: string, signal: string): Promise<void> {
    this.kills.push([id, signal]);
  }
}

class RecordingBridges extends LbBridges {
  readonly routes = new Set<string>();
  override async addHostRoute(prefix: string, dev: string): Promise<void> {
    this.routes.add(`${prefix} dev ${dev}`);
  }
  override async deleteHostRoute(prefix: string, dev: string): Promise<boolean> {
    return this.routes.delete(`${prefix} dev ${dev}`);
  }
}

const NET = 'n'.repeat(64);

function setup(env: Record<string, string> = {}) {
  const settings = settingsFromEnv({ ROUTER_ID: '10.0.0.1', PEER_ADDRESS: '10.0.0.2', PEER_AS: '64512', SIGUSR2_HANDLER: 'true', ...env });
  const log = silentLogger();
  const engine = new ScriptedEngine();
  const bridges = new RecordingBridges();
  const speaker = bgplbSpeaker(settings, log);
  const state = new PluginState(undefined);
  state.networks.set(NET, { id: NET, bridge: 'bgplb-nnnnnnnnn' });
  const gate = new HealthGate(engine, state, new EndpointRoutes(state, bridges, speaker, log), { ...settings, drainDelayMs: 30 }, log);
  const container = (id: string, endpoint: string | undefined, health?: string, running = true): void => {
    engine.containers.set(id, {
      Id: id,
      Name: `/${id}`,
      State: { Status: running ? 'running' : 'exited', Running: running, ...(health ? { Health: { Status: health } } : {}) },
      NetworkSettings: { Networks: endpoint ? { lb: { NetworkID: NET, EndpointID: endpoint, IPAddress: '10.0.0.101', GlobalIPv6Address: '' } } : {} },
    });
  };
  const event = (id: string, Action: string, attrs: Record<string, string> = {}): void =>
    gate.onEvent({ Type: 'container', Action, Actor: { ID: id, Attributes: attrs }, time: 0, timeNano: 0 } as EngineEvent);
  const endpoint = (eid: string): void => {
    state.endpoints.set(eid, { networkId: NET, endpointId: eid, ipv4: '10.0.0.101', ipv6: '2001:db8::101' });
  };
  return { engine, bridges, speaker, state, gate, container, event, endpoint };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('healthy → advertised with host routes; unhealthy → withdrawn; recovered → again; died → withdrawn', async () => {
  const s = setup();
  s.endpoint('e1');
  s.container('c1', 'e1', 'starting');
  s.event('c1', 'start');
  await s.gate.idle();
  assert.deepEqual(s.speaker.prefixes(), [], 'starting is not in service');
  s.container('c1', 'e1', 'healthy');
  s.event('c1', 'health_status: healthy');
  await s.gate.idle();
  assert.deepEqual(s.speaker.prefixes(), ['10.0.0.101/32', '2001:db8::101/128']);
  assert.deepEqual([...s.bridges.routes].sort(), ['10.0.0.101/32 dev bgplb-nnnnnnnnn', '2001:db8::101/128 dev bgplb-nnnnnnnnn']);
  assert.equal(s.state.endpoints.get('e1')?.containerId, 'c1', 'the endpoint learnt its container from the inspect');
  s.container('c1', 'e1', 'unhealthy');
  s.event('c1', 'health_status: unhealthy');
  await s.gate.idle();
  assert.deepEqual(s.speaker.prefixes(), []);
  assert.equal(s.bridges.routes.size, 0);
  s.container('c1', 'e1', 'healthy');
  s.event('c1', 'health_status: healthy');
  await s.gate.idle();
  assert.deepEqual(s.speaker.prefixes(), ['10.0.0.101/32', '2001:db8::101/128']);
  s.container('c1', 'e1', undefined, false);
  s.event('c1', 'die');
  await s.gate.idle();
  assert.deepEqual(s.speaker.prefixes(), []);
});

test('SIGUSR2: withdrawn, one SIGTERM after the delay even for repeated kill events; a start ends the drain', async () => {
  const s = setup();
  s.endpoint('e1');
  s.container('c1', 'e1');
  s.event('c1', 'start');
  await s.gate.idle();
  assert.equal(s.speaker.prefixes().length, 2);
  s.event('c1', 'kill', { signal: '12' });
  s.event('c1', 'kill', { signal: '12' });
  await s.gate.idle();
  assert.deepEqual(s.speaker.prefixes(), [], 'withdrawn while the container still runs');
  assert.deepEqual(s.engine.kills, [], 'not yet: the delay first');
  s.event('c1', 'health_status: healthy');
  await s.gate.idle();
  assert.deepEqual(s.speaker.prefixes(), [], 'a draining container stays out of service');
  await sleep(80);
  assert.deepEqual(s.engine.kills, [['c1', 'SIGTERM']]);
  s.event('c1', 'start');
  await s.gate.idle();
  assert.equal(s.speaker.prefixes().length, 2, 'restarted: in service again');
});

test('SIGUSR2 to a container without an endpoint of ours: nothing withdrawn, no SIGTERM', async () => {
  const s = setup();
  s.container('other', undefined);
  s.event('other', 'kill', { signal: '12' });
  await s.gate.idle();
  await sleep(80);
  assert.deepEqual(s.engine.kills, []);
});

test('SIGUSR2_ACTION other than stop drains only; SIGUSR2_HANDLER off ignores the signal', async () => {
  const drainOnly = setup({ SIGUSR2_ACTION: 'none' });
  drainOnly.endpoint('e1');
  drainOnly.container('c1', 'e1');
  drainOnly.event('c1', 'start');
  drainOnly.event('c1', 'kill', { signal: '12' });
  await drainOnly.gate.idle();
  await sleep(80);
  assert.deepEqual(drainOnly.speaker.prefixes(), []);
  assert.deepEqual(drainOnly.engine.kills, []);

  const off = setup({ SIGUSR2_HANDLER: 'false' });
  off.endpoint('e1');
  off.container('c1', 'e1');
  off.event('c1', 'start');
  off.event('c1', 'kill', { signal: '12' });
  await off.gate.idle();
  await sleep(80);
  assert.equal(off.speaker.prefixes().length, 2, 'still in service');
  assert.deepEqual(off.engine.kills, []);
});

test('a container gone without DeleteEndpoint (the plugin was down): withdrawn and its endpoint forgotten', async () => {
  const s = setup();
  const forgotten: string[] = [];
  s.gate.forget = async (ep) => {
    forgotten.push(ep.endpointId);
    s.state.endpoints.delete(ep.endpointId);
  };
  s.endpoint('e1');
  s.container('c1', 'e1');
  s.event('c1', 'start');
  await s.gate.idle();
  assert.equal(s.speaker.prefixes().length, 2);
  s.engine.containers.delete('c1');
  s.gate.resync();
  await s.gate.idle();
  assert.deepEqual(s.speaker.prefixes(), []);
  assert.equal(s.bridges.routes.size, 0);
  assert.deepEqual(forgotten, ['e1']);
});

test('two containers of one LB network on one host: the address stays while either is in service', async () => {
  const s = setup();
  s.endpoint('e1');
  s.endpoint('e2');
  s.container('c1', 'e1');
  s.container('c2', 'e2');
  s.event('c1', 'start');
  s.event('c2', 'start');
  await s.gate.idle();
  s.container('c1', 'e1', undefined, false);
  s.event('c1', 'die');
  await s.gate.idle();
  assert.deepEqual(s.speaker.prefixes(), ['10.0.0.101/32', '2001:db8::101/128'], 'c2 still serves');
  assert.equal(s.bridges.routes.size, 2, 'and so do the host routes');
  s.engine.containers.delete('c2');
  s.event('c2', 'destroy');
  await s.gate.idle();
  assert.deepEqual(s.speaker.prefixes(), []);
  assert.equal(s.bridges.routes.size, 0);
});
