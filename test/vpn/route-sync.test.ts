/**
 * A plug or unplug re-syncs only its MAC's endpoints (instance.ts syncEndpoints): after every
 * step the routes handed to the sink must be exactly what a full recompute of the instance says,
 * which the test checks by running the full sync() and seeing it change nothing. The sink is a
 * recording fake: what is under test is the VPN layer's bookkeeping, not the RIB.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAttach, parseDetach } from '../../src/api/bagpipe/attach-request.js';
import { silentLogger } from '../../src/util/log.js';
import { DummyDataplaneDriver } from '../../src/vpn/dataplane.js';
import { VpnManager } from '../../src/vpn/manager.js';
import { routeKey } from '../../src/vpn/routes.js';
import type { JsonObject } from '../../src/vpn/types.js';
import type { PathAttributes } from '../../src/wire/attributes/types.js';
import { formatExtCommunity } from '../../src/wire/attributes/ext-communities.js';
import type { EvpnRoute } from '../../src/wire/nlri/evpn.js';
import type { Nlri } from '../../src/wire/nlri/types.js';

class Sink {
  readonly routes = new Map<string, { nlri: Nlri; attrs: PathAttributes }>();
  calls = 0;
  originate(family: number, nlri: Nlri, attrs: PathAttributes): void {
    this.calls++;
    this.routes.set(routeKey(family, nlri), { nlri, attrs });
  }
  withdraw(family: number, nlri: Nlri): void {
    this.calls++;
    assert.ok(this.routes.delete(routeKey(family, nlri)), `withdraw of a route not advertised: ${nlri.key}`);
  }
}

function setUp() {
  const sink = new Sink();
  const evpn = new DummyDataplaneDriver('192.0.2.1', ['vxlan']);
  const vpn = new VpnManager({
    localAs: 64512,
    localAddress: '192.0.2.1',
    enableRtc: false,
    drivers: { evpn, ipvpn: new DummyDataplaneDriver('192.0.2.1', ['mpls']) },
    sink,
    best: () => [],
    log: silentLogger(),
  });
  const body = (o: JsonObject): JsonObject => ({ vpn_instance_id: 'net', vpn_type: 'evpn', local_port: { linuxif: 'tap-1' }, import_rt: ['64512:10'], export_rt: ['64512:10'], ...o });
  /** Each step, then: a full recompute of every instance hands nothing new to the sink. */
  const step = async (what: 'attach' | 'detach', o: JsonObject) => {
    await (what === 'attach' ? vpn.attach(parseAttach(body(o))) : vpn.detach(parseDetach(body(o))));
    const before = sink.calls;
    for (const inst of vpn.instances.values()) inst.sync();
    assert.equal(sink.calls, before, `after ${what} ${JSON.stringify(o)}: the incremental sync left something for the full one`);
  };
  const type2 = () =>
    [...sink.routes.values()]
      .map((r) => r.nlri as EvpnRoute)
      .filter((n): n is EvpnRoute & { kind: 'mac-ip' } => n.kind === 'mac-ip')
      .map((n) => `${n.mac} ${n.ip ?? '-'}`)
      .sort();
  return { sink, vpn, evpn, step, type2 };
}

describe('incremental route sync of VPN instances', () => {
  it('EVI: wildcard replaced, one address at two prefix lengths, hash order of a MAC, whole-MAC detach', async () => {
    const { sink, step, type2 } = setUp();
    const m1 = '52:54:00:00:00:01';
    await step('attach', { mac_address: m1 });
    assert.deepEqual(type2(), [`${m1} -`]);
    // A plug with an IP replaces the MAC-only one (bagpipe-bgp).
    await step('attach', { mac_address: m1, ip_address: '10.0.0.1/24' });
    assert.deepEqual(type2(), [`${m1} 10.0.0.1`]);
    // The same address at another length: two endpoints, one type-2 route.
    await step('attach', { mac_address: m1, ip_address: '10.0.0.1/32' });
    await step('attach', { mac_address: '52:54:00:00:00:02', ip_address: '10.0.0.2/24', local_port: { linuxif: 'tap-2' } });
    await step('detach', { mac_address: m1, ip_address: '10.0.0.1/24' });
    assert.deepEqual(type2(), [`${m1} 10.0.0.1`, '52:54:00:00:00:02 10.0.0.2'], 'the /32 endpoint still wants the route');
    // A new hash order for the MAC changes the community on all its routes.
    await step('attach', { mac_address: m1, ip_address: '10.0.0.3/24', lb_consistent_hash_order: 7 });
    const orders = [...sink.routes.values()].filter((r) => (r.nlri as EvpnRoute & { mac?: string }).mac === m1).map((r) => r.attrs.extCommunities!.map(formatExtCommunity).join(' '));
    assert.equal(orders.length, 2);
    for (const o of orders) assert.equal(o, orders[0]);
    await step('detach', { mac_address: m1 });
    assert.deepEqual(type2(), ['52:54:00:00:00:02 10.0.0.2']);
    await step('detach', { mac_address: '52:54:00:00:00:02', ip_address: '10.0.0.2/24', local_port: { linuxif: 'tap-2' } });
    assert.equal(sink.routes.size, 0, 'the last detach removes the instance and its type-3');
  });

  it('VRF: endpoints come and go one at a time, the others untouched', async () => {
    const { sink, step } = setUp();
    const vrf = (i: number, o: JsonObject = {}) => ({ vpn_type: 'ipvpn', gateway_ip: '10.1.0.254', mac_address: `52:54:00:00:01:0${i}`, ip_address: `10.1.0.${i}/24`, local_port: { linuxif: `tap-${i}` }, ...o });
    for (let i = 1; i <= 4; i++) await step('attach', vrf(i));
    assert.equal(sink.routes.size, 4);
    const calls = sink.calls;
    await step('detach', vrf(2));
    assert.equal(sink.calls, calls + 1, 'one withdrawal, nothing re-sent');
    await step('attach', vrf(3, { local_pref: 200 }));
    assert.equal(sink.calls, calls + 2, 'one route re-sent');
    assert.equal([...sink.routes.values()].filter((r) => r.attrs.localPref === 200).length, 1);
    for (const i of [1, 3, 4]) await step('detach', vrf(i));
    assert.equal(sink.routes.size, 0);
  });

  it('names what each label is for, as bagpipe-bgp does, until it is released', async () => {
    const { vpn, step } = setUp();
    await step('attach', { mac_address: '52:54:00:00:03:01', ip_address: '10.3.0.1/24' });
    assert.deepEqual([...vpn.labels.entries().values()], ['Incoming traffic for EVI-1', "Incoming traffic for EVI-1, interface tap-1, endpoint ('52:54:00:00:03:01', '10.3.0.1/24')"]);
    await step('attach', { mac_address: '52:54:00:00:03:02', local_port: { linuxif: 'tap-2' } });
    assert.equal(vpn.labels.entries().get(18), "Incoming traffic for EVI-1, interface tap-2, endpoint ('52:54:00:00:03:02', None)");
    await step('detach', { mac_address: '52:54:00:00:03:01', ip_address: '10.3.0.1/24' });
    assert.deepEqual([...vpn.labels.entries().keys()], [16, 18]);
  });

  it('tells the dataplane a local port is free only with the unplug of its last endpoint', async () => {
    const { evpn: driver, step } = setUp();
    const ep = (i: number) => ({ mac_address: '52:54:00:00:02:01', ip_address: `10.2.0.${i}/24` });
    await step('attach', ep(1));
    await step('attach', ep(2)); // same MAC, same port tap-1, a second address
    await step('attach', { mac_address: '52:54:00:00:02:02', ip_address: '10.2.0.3/24', local_port: { linuxif: 'tap-2' } });
    const last = () => driver.calls.filter((c) => c.op === 'removeLocalPort').map((c) => `${(c.args as JsonObject).linuxif} ${(c.args as JsonObject).last}`);
    await step('detach', ep(1));
    assert.deepEqual(last(), ['tap-1 false'], 'tap-1 still carries 10.2.0.2');
    await step('detach', ep(2));
    assert.deepEqual(last(), ['tap-1 false', 'tap-1 true']);
    // A port plugged again after its last unplug is counted from zero.
    await step('attach', ep(1));
    await step('detach', ep(1));
    assert.deepEqual(last(), ['tap-1 false', 'tap-1 true', 'tap-1 true']);
  });
});
