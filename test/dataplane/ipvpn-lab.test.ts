/**
 * IP VPN over VXLAN without VRF devices or MPLS, with real packets (src/dataplane/linux/ipvpn.ts):
 * two hosts each running bgpiped with `[DATAPLANE_DRIVER_IPVPN] dataplane_driver = linux`, a
 * bgpiped route reflector, containers as namespaces (a /24 and a default route via the gateway)
 * attached through the REST API. Kernel objects: a routing table and ip rules per VRF, a vxlan
 * device, proxy ARP on the ports, routes `via VTEP onlink`, permanent neighbour and fdb entries.
 * The lab (vpn-lab.ts) removes every namespace, link and process, also on failure.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../interop/lib/netns.js';
import { labFetch } from '../interop/lib/http.js';
import { waitUntil } from '../daemon/helpers.js';
import { vrfTable } from '../../src/dataplane/linux/names.js';
import { VpnLab, type Container } from './vpn-lab.js';

const RT = ['64512:30'];

describe('IP VPN dataplane: containers on two bgpiped hosts ping each other through a VRF made of ip rules, a table and vxlan', { timeout: 120_000 }, () => {
  let lab: VpnLab;
  let c1: Container, c2: Container;

  before(async () => {
    lab = await VpnLab.create('ipvpn');
    const [h1, h2] = lab.hosts as [NonNullable<(typeof lab.hosts)[0]>, NonNullable<(typeof lab.hosts)[1]>];
    c1 = await lab.container('ipvpnc1', h1, { port: 'tap-v1', mac: '52:54:00:30:00:01', ip: '10.30.0.1/24', gateway: '10.30.0.254' });
    c2 = await lab.container('ipvpnc2', h2, { port: 'tap-v2', mac: '52:54:00:30:00:02', ip: '10.30.0.2/24', gateway: '10.30.0.254' });
  });

  after(async () => {
    await lab?.destroy();
  });

  const body = { vpn_type: 'ipvpn', vpn_instance_id: 'vrf-a', gateway_ip: '10.30.0.254', import_rt: RT, export_rt: RT };

  it('attach builds table, rules, vxlan and routes; the VPN routes carry VXLAN and router MAC communities; ping crosses', async () => {
    await lab.attach(c1, body);
    await lab.attach(c2, body);
    await lab.pingable(c1, '10.30.0.2');
    await lab.pingable(c2, '10.30.0.1');

    const h1 = c1.host;
    const table = String(vrfTable('vrf-a'));
    const rules = (await run('ip', ['-n', h1.lab.name, 'rule', 'show'])).stdout;
    assert.match(rules, new RegExp(`iif tap-v1 lookup ${table}`));
    assert.match(rules, new RegExp(`iif ipvpn--vrf-a lookup ${table}`));
    const routes = (await run('ip', ['-n', h1.lab.name, 'route', 'show', 'table', table])).stdout;
    assert.match(routes, /10\.30\.0\.1 dev tap-v1 proto bgp/);
    assert.match(routes, /10\.30\.0\.2 via 10\.99\.0\.12 dev ipvpn--vrf-a proto bgp onlink/);
    assert.equal((await run('ip', ['netns', 'exec', h1.lab.name, 'cat', '/proc/sys/net/ipv4/conf/tap-v1/proxy_arp'])).stdout.trim(), '1');

    const lg = await labFetch(h1.lab, 8082, 'GET', '/looking-glass/vpns/instances/vrf-a/received_routes', undefined, { accept: 'application/json' });
    const text = JSON.stringify(lg.json);
    assert.match(text, /encap:VXLAN|VXLAN/i, text);
    assert.match(text, /mac|router/i, text);
  });

  it('detach stops the traffic and removes the VRF: no ipvpn-- link, rule or table route left', async () => {
    const [h1, h2] = [c1.host, c2.host];
    const r = await labFetch(h2.lab, 8082, 'POST', '/detach_localport', { vpn_type: 'ipvpn', vpn_instance_id: 'vrf-a', mac_address: c2.mac, ip_address: c2.ip, local_port: { linuxif: 'tap-v2' } }, { accept: 'application/json' });
    assert.equal(r.status, 200, r.body);
    const table = String(vrfTable('vrf-a'));
    await waitUntil('h2 to remove its VRF', async () => (await lab.links(h2, 'ipvpn--')).length === 0, 10_000);
    assert.doesNotMatch((await run('ip', ['-n', h2.lab.name, 'rule', 'show'])).stdout, new RegExp(`lookup ${table}`));
    assert.equal((await run('ip', ['-n', h2.lab.name, 'route', 'show', 'table', table]).catch(() => ({ stdout: '' }))).stdout.trim(), '');
    await waitUntil('h1 to drop the route to 10.30.0.2', async () => !(await run('ip', ['-n', h1.lab.name, 'route', 'show', 'table', table])).stdout.includes('10.30.0.2'), 10_000);
    assert.ok(await lab.cannotPing(c1, '10.30.0.2'));

    const exit = await h1.proc!.stop(10_000);
    assert.equal(exit.code, 0);
    assert.deepEqual(await lab.links(h1, 'ipvpn--'), []);
    assert.doesNotMatch((await run('ip', ['-n', h1.lab.name, 'rule', 'show'])).stdout, new RegExp(`lookup ${table}`));
  });
});
