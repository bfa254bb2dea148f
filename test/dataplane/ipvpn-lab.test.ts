/**
 * IP VPN over VXLAN without VRF devices or MPLS, with real packets (src/dataplane/linux/ipvpn.ts):
 * three hosts each running bgpiped with `[DATAPLANE_DRIVER_IPVPN] dataplane_driver = linux`, a
 * bgpiped route reflector, containers as namespaces (a /24 and a default route via the gateway)
 * attached through the REST API. Kernel objects: a routing table and ip rules per VRF, a vxlan
 * device, proxy ARP on the ports, routes `via VTEP onlink`, permanent neighbour and fdb entries;
 * an address attached on two hosts (anycast) is one ECMP route on the third, and stays local on
 * the two.
 * The lab (vpn-lab.ts) removes every namespace, link and process, also on failure.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../interop/lib/netns.js';
import { labFetch } from '../interop/lib/http.js';
import { waitUntil } from '../daemon/helpers.js';
import { vrfTable } from '../../src/dataplane/linux/names.js';
import { VpnLab, type Container, type Host } from './vpn-lab.js';

const RT = ['64512:30'];

describe('IP VPN dataplane: containers on bgpiped hosts ping each other through a VRF made of ip rules, a table and vxlan', { timeout: 120_000 }, () => {
  let lab: VpnLab;
  let c1: Container, c2: Container, c3: Container;

  before(async () => {
    lab = await VpnLab.create('ipvpn', 3, { reconcileInterval: 2 });
    const [h1, h2, h3] = lab.hosts as [Host, Host, Host];
    c1 = await lab.container('ipvpnc1', h1, { port: 'tap-v1', mac: '52:54:00:30:00:01', ip: '10.30.0.1/24', gateway: '10.30.0.254' });
    c2 = await lab.container('ipvpnc2', h2, { port: 'tap-v2', mac: '52:54:00:30:00:02', ip: '10.30.0.2/24', gateway: '10.30.0.254' });
    c3 = await lab.container('ipvpnc3', h3, { port: 'tap-v3', mac: '52:54:00:30:00:03', ip: '10.30.0.3/24', gateway: '10.30.0.254' });
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

  it('IPv6 (VPN-IPv6 routes): endpoints with a /128 and a default route via fe80::1 ping -6 across; the VTEP stands as fe80::ffff:<IPv4> on the vxlan device', async () => {
    const [h1, h2] = [c1.host, c2.host];
    for (const [c, a] of [[c1, 'fd00:30::1'], [c2, 'fd00:30::2']] as const) {
      await run('ip', ['-n', c.lab.name, 'addr', 'add', `${a}/128`, 'dev', 'eth0', 'nodad']);
      await run('ip', ['-n', c.lab.name, '-6', 'route', 'add', 'default', 'via', 'fe80::1', 'dev', 'eth0']);
      await lab.attach(c, { ...body, ip_address: `${a}/128` });
    }
    await lab.pingable(c1, 'fd00:30::2');
    await lab.pingable(c2, 'fd00:30::1');
    const table = String(vrfTable('vrf-a'));
    const routes = (await run('ip', ['-n', h1.lab.name, '-6', 'route', 'show', 'table', table])).stdout;
    assert.match(routes, /fd00:30::1 dev tap-v1 proto bgp/);
    assert.match(routes, /fd00:30::2 via fe80::ffff:a63:c dev ipvpn--vrf-a proto bgp/);
    assert.match((await run('ip', ['-n', h1.lab.name, '-6', 'rule', 'show'])).stdout, new RegExp(`iif tap-v1 lookup ${table}`));
    assert.match((await run('ip', ['-n', h1.lab.name, '-6', 'neigh', 'show', 'dev', 'ipvpn--vrf-a'])).stdout, /fe80::ffff:a63:c lladdr \S+ PERMANENT/);
    // The other side's detach withdraws the VPN-IPv6 route.
    const r = await labFetch(h2.lab, 8082, 'POST', '/detach_localport', { vpn_type: 'ipvpn', vpn_instance_id: 'vrf-a', mac_address: c2.mac, ip_address: 'fd00:30::2/128', local_port: { linuxif: 'tap-v2' } }, { accept: 'application/json' });
    assert.equal(r.status, 200, r.body);
    await waitUntil('h1 to drop fd00:30::2', async () => !(await run('ip', ['-n', h1.lab.name, '-6', 'route', 'show', 'table', table])).stdout.includes('fd00:30::2'), 10_000);
    assert.ok(await lab.cannotPing(c1, 'fd00:30::2'));
    await lab.pingable(c1, '10.30.0.2');
  });

  it('the vxlan device deleted behind bgpiped\'s back comes back with its rule, entries and routes; a route deleted by hand comes back', async () => {
    const h1 = c1.host;
    const table = String(vrfTable('vrf-a'));
    await run('ip', ['-n', h1.lab.name, 'link', 'del', 'ipvpn--vrf-a']);
    await lab.pingable(c1, '10.30.0.2', 10_000);
    assert.match((await run('ip', ['-n', h1.lab.name, 'route', 'show', 'table', table])).stdout, /10\.30\.0\.2 via 10\.99\.0\.12 dev ipvpn--vrf-a proto bgp onlink/);
    await run('ip', ['-n', h1.lab.name, 'route', 'del', '10.30.0.1/32', 'table', table]);
    await waitUntil('the periodic reconcile to put the local route back', async () => /10\.30\.0\.1 dev tap-v1 proto bgp/.test((await run('ip', ['-n', h1.lab.name, 'route', 'show', 'table', table])).stdout), 10_000);
    await lab.pingable(c2, '10.30.0.1', 10_000);
    const warnings = await labFetch(h1.lab, 8082, 'GET', '/looking-glass/logs', undefined, { accept: 'application/json' });
    assert.match(warnings.body, /IP VPN vxlan device deleted or changed behind bgpiped's back/);
    assert.match(warnings.body, /the kernel differed from what the VRF needs: fixed/);
  });

  it('ECMP: one prefix advertised from two VTEPs (an anycast address on c2 and c3) is one multipath route; a withdrawal shrinks it', async () => {
    const table = String(vrfTable('vrf-a'));
    const h1 = c1.host;
    await lab.attach(c3, body);
    for (const c of [c2, c3]) {
      await run('ip', ['-n', c.lab.name, 'addr', 'add', '10.30.0.100/32', 'dev', 'eth0']);
      await lab.attach(c, { ...body, ip_address: '10.30.0.100/32' });
    }
    const anycast = async () => (await run('ip', ['-n', h1.lab.name, 'route', 'show', 'table', table, '10.30.0.100/32'])).stdout;
    await waitUntil('h1 to install the anycast prefix with two next hops', async () => /nexthop via 10\.99\.0\.12[^\n]*\n\s*nexthop via 10\.99\.0\.13/.test(await anycast()), 15_000)
      .catch(async (e: Error) => assert.fail(`${e.message}\n${await anycast()}\n${await lab.logs()}`));
    assert.match(await anycast(), /proto bgp/);
    assert.match(await anycast(), /nexthop via 10\.99\.0\.12 dev ipvpn--vrf-a weight 1 onlink/);
    // On h2 and h3 their own endpoint's /32 wins over the other's route for the same prefix.
    const local = async (c: Container) => (await run('ip', ['-n', c.host.lab.name, 'route', 'show', 'table', table, '10.30.0.100/32'])).stdout.trim();
    assert.match(await local(c2), /^10\.30\.0\.100 dev tap-v2 proto bgp/);
    assert.match(await local(c3), /^10\.30\.0\.100 dev tap-v3 proto bgp/);
    await lab.pingable(c1, '10.30.0.100');
    await lab.pingable(c1, '10.30.0.3');

    const detach = async (c: Container) => {
      const r = await labFetch(c.host.lab, 8082, 'POST', '/detach_localport', { vpn_type: 'ipvpn', vpn_instance_id: 'vrf-a', mac_address: c.mac, ip_address: '10.30.0.100/32', local_port: { linuxif: c.port } }, { accept: 'application/json' });
      assert.equal(r.status, 200, r.body);
    };
    await detach(c3);
    await waitUntil('h1 to keep only h2 for the anycast prefix', async () => /^10\.30\.0\.100 via 10\.99\.0\.12 dev ipvpn--vrf-a proto bgp onlink$/.test((await anycast()).trim()), 15_000)
      .catch(async (e: Error) => assert.fail(`${e.message}\n${await anycast()}`));
    // h3 no longer has the address: h2's route for it takes over there.
    await waitUntil('h3 to route the anycast prefix to h2', async () => /via 10\.99\.0\.12 dev ipvpn--vrf-a/.test(await local(c3)), 10_000);
    await lab.pingable(c1, '10.30.0.100');
    await detach(c2);
    await waitUntil('h1 to drop the anycast prefix', async () => (await anycast()).trim() === '', 15_000);
    assert.equal(await local(c2), '');
  });

  it('detach stops the traffic and removes the VRF: no ipvpn-- link, rule or table route left', async () => {
    const [h1, h2] = [c1.host, c2.host];
    const r = await labFetch(h2.lab, 8082, 'POST', '/detach_localport', { vpn_type: 'ipvpn', vpn_instance_id: 'vrf-a', mac_address: c2.mac, ip_address: c2.ip, local_port: { linuxif: 'tap-v2' } }, { accept: 'application/json' });
    assert.equal(r.status, 200, r.body);
    const table = String(vrfTable('vrf-a'));
    await waitUntil('h2 to remove its VRF', async () => (await lab.links(h2, 'ipvpn--')).length === 0, 10_000);
    assert.doesNotMatch((await run('ip', ['-n', h2.lab.name, 'rule', 'show'])).stdout, new RegExp(`lookup ${table}`));
    assert.doesNotMatch((await run('ip', ['-n', h2.lab.name, '-6', 'rule', 'show'])).stdout, new RegExp(`lookup ${table}`));
    assert.equal((await run('ip', ['-n', h2.lab.name, 'route', 'show', 'table', table]).catch(() => ({ stdout: '' }))).stdout.trim(), '');
    await waitUntil('h1 to drop the route to 10.30.0.2', async () => !(await run('ip', ['-n', h1.lab.name, 'route', 'show', 'table', table])).stdout.includes('10.30.0.2'), 10_000);
    assert.ok(await lab.cannotPing(c1, '10.30.0.2'));

    const exit = await h1.proc!.stop(10_000);
    assert.equal(exit.code, 0);
    assert.deepEqual(await lab.links(h1, 'ipvpn--'), []);
    assert.doesNotMatch((await run('ip', ['-n', h1.lab.name, 'rule', 'show'])).stdout, new RegExp(`lookup ${table}`));
    assert.doesNotMatch((await run('ip', ['-n', h1.lab.name, '-6', 'rule', 'show'])).stdout, new RegExp(`lookup ${table}`));
  });
});
