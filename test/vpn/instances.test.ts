/**
 * VPN instances through the real daemon and its HTTP API (dummy dataplane): instance and
 * identifier allocation (reference §3.5), the consistency errors of §3.3/§3.4 with no trace
 * left, RT changes re-advertising the type-3 too, persistence across a restart with /ping
 * changed, and two bgpiped hosts with a third as route reflector exchanging EVPN and VPNv4
 * routes, imported only by the instance whose import RT matches.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseConfigText } from '../../src/config/load.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { settingsFromConfig } from '../../src/daemon/settings-from-config.js';
import { silentLogger } from '../../src/util/log.js';
import { L2VPN_EVPN, IPV4_VPN, RTC } from '../../src/wire/family.js';
import { formatExtCommunity } from '../../src/wire/attributes/ext-communities.js';
import type { DummyDataplaneDriver } from '../../src/vpn/dataplane.js';
import { AttachmentStore } from '../../src/vpn/store.js';
import type { EvpnRoute } from '../../src/wire/nlri/evpn.js';
import { speakerToml, testPort, waitUntil } from '../daemon/helpers.js';
import { apiHosts, getJson, post, request } from '../api/http-client.js';

const daemons: Daemon[] = [];
after(async () => {
  for (const d of daemons) await d.stop();
});

async function start(toml: string, stateDir?: string): Promise<Daemon> {
  const s = settingsFromConfig(parseConfigText(toml, 'test.toml'));
  const d = new Daemon({ ...s, vpn: { enableRtc: true, stateDir } }, silentLogger());
  await d.start();
  if (d.apiPort) apiHosts.set(d.apiPort, s.server.routerId);
  daemons.push(d);
  return d;
}

function lone(address: string, stateDir?: string): Promise<Daemon> {
  return start(speakerToml({ asn: 64512, routerId: address, address, port: testPort(), apiPort: 0, neighbors: [] }), stateDir);
}

const evpn = (o: Record<string, unknown> = {}) => ({
  vpn_instance_id: 'net-a',
  vpn_type: 'evpn',
  mac_address: '52:54:00:00:01:01',
  ip_address: '10.10.0.11/24',
  gateway_ip: '10.10.0.1',
  local_port: { linuxif: 'tap-e1' },
  import_rt: ['64512:10'],
  export_rt: ['64512:10'],
  ...o,
});

function localRoutes(d: Daemon, family: number) {
  return [...d.server.rib.destinations(family)].filter((x) => x.best && !x.best.peer).map((x) => x.best!);
}

describe('VPN instances on one host', () => {
  it('allocates names, labels and RDs as bagpipe-bgp, and advertises type-3, type-2 and RTC', async () => {
    const d = await lone('127.0.0.71');
    const port = d.apiPort!;
    assert.equal((await post(port, '/attach_localport', evpn())).status, 200);
    const inst = (await getJson(port, '/looking-glass/vpns/instances/net-a')).json as Record<string, unknown>;
    assert.equal(inst.name, 'EVI-1');
    assert.equal(inst.instance_type, 'EVI');
    assert.equal(inst.instance_dataplane_id, 16);
    assert.deepEqual(inst.route_targets, { import: ['target:64512:10'], export: ['target:64512:10'] });
    const ports = (await getJson(port, '/looking-glass/vpns/instances/net-a/ports')).json;
    assert.deepEqual(ports, {
      'tap-e1': { endpoints: [{ label: 17, mac_address: '52:54:00:00:01:01', ip_address: '10.10.0.11/24', local_pref: null, rd: ' rd 127.0.0.71:1', description: null, direction: 'both' }] },
    });
    await waitUntil('routes', () => localRoutes(d, L2VPN_EVPN).length === 2);
    const evpnRoutes = localRoutes(d, L2VPN_EVPN);
    const t3 = evpnRoutes.find((r) => (r.nlri as EvpnRoute).kind === 'inclusive-multicast')!;
    assert.deepEqual(t3.attributes.pmsiTunnel, { flags: 0, tunnelType: 6, label: 16, tunnelId: '127.0.0.71' });
    assert.deepEqual(t3.attributes.extCommunities!.map(formatExtCommunity), ['encap:vxlan', 'rt:64512:10']);
    assert.equal((t3.nlri as EvpnRoute & { rd: string }).rd, '127.0.0.71:0');
    const t2 = evpnRoutes.find((r) => (r.nlri as EvpnRoute).kind === 'mac-ip')!.nlri as EvpnRoute & { kind: 'mac-ip' };
    assert.equal(t2.mac, '52:54:00:00:01:01');
    assert.equal(t2.ip, '10.10.0.11');
    assert.deepEqual(t2.labels, [16]);
    assert.equal(localRoutes(d, RTC).length, 1);

    // Same endpoint again: 200, nothing new.
    assert.equal((await post(port, '/attach_localport', evpn())).status, 200);
    // Consistency errors (§3.3), with nothing consumed.
    let r = await post(port, '/attach_localport', evpn({ local_port: { linuxif: 'tap-other' } }));
    assert.equal(
      (r.json as { description: string }).description,
      "API error: Port information is not consistent. MAC address cannot be bound to two different ports. Previous plug for port tap-other ({'linuxif': 'tap-e1'} != {'linuxif': 'tap-other'})",
    );
    r = await post(port, '/attach_localport', evpn({ mac_address: '52:54:00:00:01:09', local_port: 'tap-e9' }));
    assert.equal((r.json as { description: string }).description, "API error: Inconsistent endpoint info: IP 10.10.0.11/24 already bound to a MAC address different from 52:54:00:00:01:09 ({'52:54:00:00:01:01'})");
    r = await post(port, '/attach_localport', evpn({ vpn_type: 'ipvpn' }));
    assert.equal(r.status, 400);
    r = await post(port, '/detach_localport', evpn({ vpn_instance_id: 'nope' }));
    assert.equal((r.json as { description: string }).description, 'API error: VPN nope could not be found');
    r = await post(port, '/detach_localport', evpn({ mac_address: '52:54:00:00:0f:0f', ip_address: '10.10.0.99/24' }));
    assert.equal((r.json as { description: string }).description, "API error: Endpoint ('52:54:00:00:0f:0f', '10.10.0.99/24') not plugged yet, can't unplug");
    r = await post(port, '/detach_localport', evpn({ mac_address: '52:54:00:00:0f:0f', ip_address: undefined }));
    assert.equal((r.json as { description: string }).description, "API error: Endpoint ('52:54:00:00:0f:0f', None) not plugged yet, can't unplug");

    // A second instance takes the next ids: nothing was consumed by the refused requests.
    assert.equal((await post(port, '/attach_localport', evpn({ vpn_instance_id: 'net-b', mac_address: '52:54:00:00:02:01', local_port: 'tap-e2', vni: 5000 }))).status, 200);
    const b = (await getJson(port, '/looking-glass/vpns/instances/net-b')).json as Record<string, unknown>;
    assert.equal(b.name, 'EVI-2');
    assert.equal(b.instance_dataplane_id, 5000);
    const bPorts = (await getJson(port, '/looking-glass/vpns/instances/net-b/ports')).json as Record<string, { endpoints: { label: number; rd: string }[] }>;
    assert.equal(bPorts['tap-e2']!.endpoints[0]!.label, 18);
    assert.equal(bPorts['tap-e2']!.endpoints[0]!.rd, ' rd 127.0.0.71:3');
    r = await post(port, '/attach_localport', evpn({ vpn_instance_id: 'net-c', mac_address: '52:54:00:00:03:01', local_port: 'tap-e3', vni: 5000 }));
    assert.equal((r.json as { description: string }).description, 'API error: A VPN instance using vni 5000 already exists.');
    assert.deepEqual((await getJson(port, '/looking-glass/vpns/instances_per_vni')).json, { '5000': { name: 'EVI-2', external_instance_id: 'net-b' } });
    const list = (await getJson(port, '/looking-glass/vpns/instances')).json as { id: string; href: string }[];
    assert.deepEqual(list.map((i) => i.id).sort(), ['net-a', 'net-b']);
    assert.equal(list[0]!.href, `http://127.0.0.71:${port}/looking-glass/vpns/instances/${list[0]!.id}`);
    const summary = (await getJson(port, '/looking-glass/summary')).json as Record<string, unknown>;
    assert.equal(summary.vpn_instances_count, 2);
    const nope = await request(port, 'GET', '/looking-glass/vpns/instances/zzz');
    assert.equal(JSON.parse(nope.text).description, `No such looking glass object: zzz at http://127.0.0.71:${port}/looking-glass/vpns/instances`);
    const myAs = await getJson(port, '/looking-glass/summary/version');
    assert.equal(myAs.status, 200);
  });

  it('re-advertises every route of the instance, type-3 included, when the export RTs change', async () => {
    const d = await lone('127.0.0.72');
    const port = d.apiPort!;
    await post(port, '/attach_localport', evpn());
    await post(port, '/attach_localport', evpn({ mac_address: '52:54:00:00:01:02', ip_address: '10.10.0.12/24', local_port: 'tap-e2', import_rt: ['64512:20'], export_rt: ['64512:20'] }));
    await waitUntil('new RTs', () => localRoutes(d, L2VPN_EVPN).every((r) => r.attributes.extCommunities!.map(formatExtCommunity).includes('rt:64512:20')));
    for (const r of localRoutes(d, L2VPN_EVPN)) assert.ok(!r.attributes.extCommunities!.map(formatExtCommunity).includes('rt:64512:10'));
    await waitUntil('RTC follows the import RTs', () => localRoutes(d, RTC).length === 1);
    // Detaching every endpoint removes the instance and withdraws everything.
    assert.equal((await post(port, '/detach_localport', evpn({ ip_address: undefined }))).status, 200);
    assert.equal((await post(port, '/detach_localport', evpn({ mac_address: '52:54:00:00:01:02', ip_address: '10.10.0.12/24', local_port: 'tap-e2' }))).status, 200);
    await waitUntil('withdrawn', () => localRoutes(d, L2VPN_EVPN).length === 0 && localRoutes(d, RTC).length === 0);
    assert.deepEqual((await getJson(port, '/looking-glass/vpns/instances')).json, []);
  });

  it('restores acknowledged attachments at restart from the state directory, with a new /ping', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bgpipe-state-'));
    const d1 = await lone('127.0.0.73', dir);
    await post(d1.apiPort!, '/attach_localport', evpn());
    await post(d1.apiPort!, '/attach_localport', { ...evpn({ vpn_type: 'ipvpn', vpn_instance_id: 'vrf-1', mac_address: '52:54:00:00:09:01', ip_address: '10.20.0.11/24', local_port: 'tap-v1', import_rt: ['64512:30'], export_rt: ['64512:30'] }) });
    const ping1 = (await request(d1.apiPort!, 'GET', '/ping')).text;
    assert.equal(new AttachmentStore(dir).load().length, 2, 'both on disk once acknowledged');
    await d1.stop();
    daemons.splice(daemons.indexOf(d1), 1);
    const d2 = await lone('127.0.0.73', dir);
    const ping2 = (await request(d2.apiPort!, 'GET', '/ping')).text;
    assert.notEqual(ping1, ping2);
    assert.match(ping2, /^\d+$/);
    const list = (await getJson(d2.apiPort!, '/looking-glass/vpns/instances')).json as { id: string; name: string }[];
    assert.deepEqual(list.map((i) => `${i.id}=${i.name}`).sort(), ['net-a=EVI-1', 'vrf-1=VRF-2']);
    await waitUntil('routes re-advertised', () => localRoutes(d2, IPV4_VPN).length === 1 && localRoutes(d2, L2VPN_EVPN).length === 2);
  });
});

describe('two hosts and a route reflector (in-process bgpiped on 127.0.0.x)', () => {
  it('exchange EVPN and VPNv4 routes; only the instance with the matching import RT imports them', async () => {
    const port = testPort();
    const families = ['l2vpn-evpn', 'l3vpn-ipv4-unicast', 'rtc'].map((f) => `[[neighbors.afi-safis]]\n[neighbors.afi-safis.config]\nafi-safi-name = "${f}"`).join('\n');
    const rr = await start(
      speakerToml({
        asn: 64512,
        routerId: '127.0.0.80',
        address: '127.0.0.80',
        port,
        neighbors: ['127.0.0.81', '127.0.0.82'].map((a) => ({ address: a, asn: 64512, passive: true, extra: `[neighbors.route-reflector.config]\nroute-reflector-client = true\nroute-reflector-cluster-id = "127.0.0.80"\n${families}` })),
      }),
    );
    const host = (a: string) => start(speakerToml({ asn: 64512, routerId: a, address: a, port, apiPort: 0, neighbors: [{ address: '127.0.0.80', asn: 64512, extra: families }] }));
    const h1 = await host('127.0.0.81');
    const h2 = await host('127.0.0.82');
    await waitUntil('sessions', () => rr.model.neighbors().every((n) => n.state === 'Established'), 20_000);

    const attach = (d: Daemon, o: Record<string, unknown>) => post(d.apiPort!, '/attach_localport', evpn(o));
    assert.equal((await attach(h1, { mac_address: '52:54:00:99:00:01', ip_address: '10.99.10.1/24', local_port: 'tap-c1' })).status, 200);
    assert.equal((await attach(h2, { mac_address: '52:54:00:99:00:02', ip_address: '10.99.10.2/24', local_port: 'tap-c2' })).status, 200);
    // On host 2, an instance with another import RT must not see host 1's routes.
    assert.equal((await attach(h2, { vpn_instance_id: 'net-z', mac_address: '52:54:00:99:00:09', ip_address: '10.99.90.2/24', local_port: 'tap-z2', import_rt: ['64512:99'], export_rt: ['64512:99'] })).status, 200);
    const ipvpn = (mac: string, ip: string, tap: string) => ({ vpn_type: 'ipvpn', vpn_instance_id: 'vrf-a', mac_address: mac, ip_address: ip, local_port: tap, import_rt: ['64512:30'], export_rt: ['64512:30'] });
    assert.equal((await attach(h1, ipvpn('52:54:00:98:00:01', '10.99.30.1/24', 'tap-v1'))).status, 200);
    assert.equal((await attach(h2, ipvpn('52:54:00:98:00:02', '10.99.30.2/24', 'tap-v2'))).status, 200);

    const dummy = (d: Daemon) => d.vpn.drivers.evpn as DummyDataplaneDriver;
    const dummyIp = (d: Daemon) => d.vpn.drivers.ipvpn as DummyDataplaneDriver;
    await waitUntil('host 2 net-a has host 1 MAC and flood entry', () => {
      const calls = dummy(h2).calls.filter((c) => c.instance === 'net-a');
      return calls.some((c) => c.op === 'addRemoteMac') && calls.some((c) => c.op === 'addFloodEntry');
    }, 20_000);
    const mac = dummy(h2).calls.find((c) => c.instance === 'net-a' && c.op === 'addRemoteMac')!.args;
    assert.deepEqual(mac, { mac: '52:54:00:99:00:01', ip: '10.99.10.1', nextHop: '127.0.0.81', vni: 16 });
    const flood = dummy(h2).calls.find((c) => c.instance === 'net-a' && c.op === 'addFloodEntry')!.args;
    assert.deepEqual(flood, { endpoint: '127.0.0.81', vni: 16 });
    await waitUntil('host 1 net-a has host 2 MAC', () => dummy(h1).calls.some((c) => c.instance === 'net-a' && c.op === 'addRemoteMac'), 20_000);
    await waitUntil('VRF routes both ways', () =>
      dummyIp(h1).calls.some((c) => c.op === 'addRemoteRoute') && dummyIp(h2).calls.some((c) => c.op === 'addRemoteRoute'), 20_000);
    const route = dummyIp(h2).calls.find((c) => c.op === 'addRemoteRoute')!.args as Record<string, unknown>;
    assert.equal(route.prefix, '10.99.30.1/32');
    assert.equal(route.nextHop, '127.0.0.81');
    // RT import proved: net-z (import 64512:99) got nothing from host 1.
    assert.ok(!dummy(h2).calls.some((c) => c.instance === 'net-z' && (c.op === 'addRemoteMac' || c.op === 'addFloodEntry')));
    const best = (await getJson(h2.apiPort!, '/looking-glass/vpns/instances/net-a/best_routes')).json as Record<string, unknown>;
    assert.ok(Object.keys(best).includes("('MAC', 52:54:00:99:00:01)"), JSON.stringify(best));

    // A detach on host 1 withdraws: host 2 removes the MAC.
    assert.equal((await post(h1.apiPort!, '/detach_localport', evpn({ mac_address: '52:54:00:99:00:01', ip_address: '10.99.10.1/24', local_port: 'tap-c1' }))).status, 200);
    await waitUntil('host 2 removed host 1 MAC', () => dummy(h2).calls.some((c) => c.instance === 'net-a' && c.op === 'removeRemoteMac'), 20_000);
  });
});
