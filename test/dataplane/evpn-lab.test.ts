/**
 * EVPN over VXLAN with real packets (src/dataplane/linux/evpn.ts): two hosts each running
 * bgpiped with the linux EVPN driver (bagpipe-bgp's INI, `linux_vxlan.LinuxVXLANDataplaneDriver`),
 * a bgpiped route reflector, containers as namespaces attached through the REST API. Kernel
 * objects: bridge, vxlan, veth, fdb and neighbour entries; `bridge monitor fdb` and tshark watch.
 * The lab (vpn-lab.ts) removes every namespace, link and process, also on failure.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { run } from '../interop/lib/netns.js';
import { labFetch } from '../interop/lib/http.js';
import { waitUntil } from '../daemon/helpers.js';
import { ifName } from '../../src/dataplane/linux/names.js';
import { VpnLab, type Container } from './vpn-lab.js';

const RT = ['64512:10'];

interface JsonFdb {
  mac: string;
  dst?: string;
  vni?: number;
  state?: string;
}

describe('EVPN/VXLAN dataplane: containers on two bgpiped hosts ping each other (bridge, vxlan, netns)', { timeout: 150_000 }, () => {
  let lab: VpnLab;
  let c1: Container, c2: Container;
  const children: ChildProcess[] = [];

  before(async () => {
    lab = await VpnLab.create('evpn', 2, { reconcileInterval: 2 });
    const [h1, h2] = lab.hosts as [NonNullable<(typeof lab.hosts)[0]>, NonNullable<(typeof lab.hosts)[1]>];
    c1 = await lab.container('evpnc1', h1, { port: 'tap-c1', mac: '52:54:00:99:00:01', ip: '10.99.10.1/24' });
    c2 = await lab.container('evpnc2', h2, { port: 'tap-c2', mac: '52:54:00:99:00:02', ip: '10.99.10.2/24' });
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await lab?.destroy();
  });

  const fdb = async (c: Container, dev: string) => JSON.parse((await run('bridge', ['-n', c.host.lab.name, '-json', 'fdb', 'show', 'dev', dev])).stdout) as JsonFdb[];

  it('names: bagpipe-bgp names when the id fits, distinct hashed names for long ids sharing a prefix', () => {
    assert.equal(ifName('evpn---', 'net-a'), 'evpn---net-a');
    assert.equal(ifName('vxlan--', 'net-a'), 'vxlan--net-a');
    const a = ifName('evpn---', 'tenant-blue-1');
    const b = ifName('evpn---', 'tenant-blue-2');
    assert.notEqual(a, b);
    for (const n of [a, b, ifName('vxlan--', 'x'.repeat(100)), ifName('vxlan--', 'a b/c')]) assert.ok(n.length <= 15 && /^[A-Za-z0-9_.-]+$/.test(n), n);
    assert.equal(ifName('evpn---', 'tenant-blue-1'), a, 'stable');
  });

  it('attach through the REST API builds bridge + vxlan (nolearning, proxy, dstport 4789, MTU) and ping crosses VXLAN', async () => {
    // h1's instance has a forced VNI, h2's an allocated one: each fdb entry carries the remote's.
    await lab.attach(c1, { vpn_type: 'evpn', vpn_instance_id: 'net-a', import_rt: RT, export_rt: RT, vni: 5000 });
    await lab.attach(c2, { vpn_type: 'evpn', vpn_instance_id: 'net-a', import_rt: RT, export_rt: RT });
    await lab.pingable(c1, '10.99.10.2');
    await lab.pingable(c2, '10.99.10.1');

    const { stdout } = await run('ip', ['-n', c1.host.lab.name, '-json', '-d', 'link', 'show', 'vxlan--net-a']);
    const [vx] = JSON.parse(stdout) as { mtu: number; master: string; linkinfo: { info_data: { id: number; local: string; port: number; learning: boolean; proxy: boolean } } }[];
    assert.deepEqual(
      { ...vx!.linkinfo.info_data, mtu: vx!.mtu, master: vx!.master },
      { ...vx!.linkinfo.info_data, id: 5000, local: '10.99.0.11', port: 4789, learning: false, proxy: true, mtu: 1450, master: 'evpn---net-a' },
    );
    const remote = (await fdb(c1, 'vxlan--net-a')).filter((e) => e.dst !== undefined).map((e) => `${e.mac} ${e.dst} ${e.vni}`).sort();
    assert.deepEqual(remote, ['00:00:00:00:00:00 10.99.0.12 16', '52:54:00:99:00:02 10.99.0.12 16']);
    const pinned = (await fdb(c1, 'tap-c1')).find((e) => e.mac === '52:54:00:99:00:01');
    assert.equal(pinned?.state, 'static');
    const neigh = await run('ip', ['-n', c1.host.lab.name, 'neigh', 'show', 'dev', 'vxlan--net-a']);
    assert.match(neigh.stdout, /10\.99\.10\.2 lladdr 52:54:00:99:00:02 PERMANENT/);
  });

  it('IPv6: a second endpoint per MAC (type 2 with an IPv6 address) gives a permanent ND entry; ping -6 crosses VXLAN', async () => {
    for (const [c, a] of [[c1, 'fd00:10::1'], [c2, 'fd00:10::2']] as const) {
      await run('ip', ['-n', c.lab.name, 'addr', 'add', `${a}/64`, 'dev', 'eth0', 'nodad']);
      await lab.attach(c, { vpn_type: 'evpn', vpn_instance_id: 'net-a', import_rt: RT, export_rt: RT, ip_address: `${a}/64` });
    }
    await lab.pingable(c1, 'fd00:10::2');
    await lab.pingable(c2, 'fd00:10::1');
    const neigh = (await run('ip', ['-n', c1.host.lab.name, 'neigh', 'show', 'dev', 'vxlan--net-a'])).stdout;
    // Both addresses of the remote MAC: ARP and ND answered by the vxlan proxy flag.
    assert.match(neigh, /10\.99\.10\.2 lladdr 52:54:00:99:00:02 PERMANENT/);
    assert.match(neigh, /fd00:10::2 lladdr 52:54:00:99:00:02 PERMANENT/);
    const { pairs, raw } = await lab.vxlanIcmp(() => c1.lab.exec('ping', ['-6', '-c', '3', '-i', '0.2', 'fd00:10::2']));
    assert.deepEqual(pairs, ['10.99.0.11 5000', '10.99.0.12 16'], `tshark: ${raw}`);
  });

  it('tshark on the fabric sees the ICMP inside VXLAN with the VNI of the receiving host', async () => {
    const { pairs, raw } = await lab.vxlanIcmp(() => c1.lab.exec('ping', ['-c', '3', '-i', '0.2', '10.99.10.2']));
    // Outer destination h2 → h2's VNI (16); replies to h1 → h1's forced VNI (5000).
    assert.deepEqual(pairs, ['10.99.0.11 5000', '10.99.0.12 16'], `tshark: ${raw}`);
  });

  it('kernel events: the vxlan device and the bridge deleted behind bgpiped\'s back come back with their entries; ping works again', async () => {
    const h1 = c1.host;
    for (const dev of ['vxlan--net-a', 'evpn---net-a']) {
      await run('ip', ['-n', h1.lab.name, 'link', 'del', dev]);
      await lab.pingable(c1, '10.99.10.2', 10_000);
      assert.deepEqual((await lab.links(h1, 'evpn---', 'vxlan--')).sort(), ['evpn---net-a', 'vxlan--net-a'], dev);
    }
    const remote = (await fdb(c1, 'vxlan--net-a')).filter((e) => e.dst !== undefined).map((e) => `${e.mac} ${e.dst} ${e.vni}`).sort();
    assert.deepEqual(remote, ['00:00:00:00:00:00 10.99.0.12 16', '52:54:00:99:00:02 10.99.0.12 16']);
    const [tap] = JSON.parse((await run('ip', ['-n', h1.lab.name, '-json', 'link', 'show', 'tap-c1'])).stdout) as { master?: string }[];
    assert.equal(tap?.master, 'evpn---net-a');
    const warnings = await labFetch(h1.lab, 8082, 'GET', '/looking-glass/logs', undefined, { accept: 'application/json' });
    assert.match(warnings.body, /EVPN devices deleted or changed behind bgpiped's back/);
  });

  it('periodic reconcile (reconcile_interval 2 s): a remote entry deleted by hand comes back, one added by hand goes', async () => {
    const h1 = c1.host;
    const ns = h1.lab.name;
    await run('bridge', ['-n', ns, 'fdb', 'del', '52:54:00:99:00:02', 'dev', 'vxlan--net-a', 'dst', '10.99.0.12', 'vni', '16', 'self']);
    await run('ip', ['-n', ns, 'neigh', 'del', '10.99.10.2', 'dev', 'vxlan--net-a']);
    await run('bridge', ['-n', ns, 'fdb', 'append', '00:00:00:00:00:00', 'dev', 'vxlan--net-a', 'dst', '10.99.0.99', 'self', 'permanent']);
    await waitUntil('the reconcile to put the fdb back as the routes say', async () => {
      const remote = (await fdb(c1, 'vxlan--net-a')).filter((e) => e.dst !== undefined).map((e) => `${e.mac} ${e.dst} ${e.vni}`).sort();
      return JSON.stringify(remote) === JSON.stringify(['00:00:00:00:00:00 10.99.0.12 16', '52:54:00:99:00:02 10.99.0.12 16']);
    }, 10_000);
    assert.match((await run('ip', ['-n', ns, 'neigh', 'show', 'dev', 'vxlan--net-a'])).stdout, /10\.99\.10\.2 lladdr 52:54:00:99:00:02 PERMANENT/);
    await lab.pingable(c1, '10.99.10.2');
  });

  it('an attached port deleted behind bgpiped\'s back is noticed: logged, and listed in the looking glass until detached', async () => {
    const h1 = c1.host;
    const c3 = await lab.container('evpnc3', h1, { port: 'tap-c3', mac: '52:54:00:99:00:03', ip: '10.99.10.3/24' });
    await lab.attach(c3, { vpn_type: 'evpn', vpn_instance_id: 'net-a', import_rt: RT, export_rt: RT });
    await lab.pingable(c2, '10.99.10.3');
    await run('ip', ['-n', h1.lab.name, 'link', 'del', 'tap-c3']);
    const dataplane = async () => (await labFetch(h1.lab, 8082, 'GET', '/looking-glass/vpns/instances/net-a/dataplane', undefined, { accept: 'application/json' })).json as { missing_ports?: string[] };
    await waitUntil('the looking glass to list tap-c3 as missing', async () => JSON.stringify((await dataplane()).missing_ports) === '["tap-c3"]', 10_000);
    const warnings = await labFetch(h1.lab, 8082, 'GET', '/looking-glass/logs', undefined, { accept: 'application/json' });
    assert.match(warnings.body, /port tap-c3 attached to net-a is gone from the kernel/);
    // Still attached (a detach is the client's call), and the detach of a port that is gone works.
    await lab.attach(c3, { vpn_type: 'evpn', vpn_instance_id: 'net-a' }, '/detach_localport');
    assert.deepEqual((await dataplane()).missing_ports, []);
  });

  it('kill -9 and restart: forwarding survives, the attachment comes back, no fdb entry is deleted or re-added', async () => {
    const h1 = c1.host;
    const ifindex = async () => (await run('ip', ['-n', h1.lab.name, '-o', 'link', 'show']).then((r) => r.stdout.split('\n').filter((l) => /evpn---|vxlan--/.test(l)).map((l) => l.split('@')[0]!.split(':').slice(0, 2).join(':')).sort()));
    const before = await ifindex();
    const events: string[] = [];
    const monitor = spawn('bridge', ['-n', h1.lab.name, 'monitor', 'fdb'], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(monitor);
    // The kernel probe at start makes and deletes a bridge of its own (bgpipe-prb-br): not an entry.
    monitor.stdout!.on('data', (d: Buffer) => events.push(...d.toString().split('\n').filter((l) => l !== '' && !/bgpipe-prb/.test(l))));
    const neighEvents: string[] = [];
    const nmon = spawn('ip', ['-n', h1.lab.name, 'monitor', 'neigh', 'dev', 'vxlan--net-a'], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(nmon);
    nmon.stdout!.on('data', (d: Buffer) => neighEvents.push(...d.toString().split('\n').filter(Boolean)));
    await new Promise((r) => setTimeout(r, 300));

    h1.proc!.signal('SIGKILL');
    await h1.proc!.exited;
    // No ping while h1 is down: without graceful restart the reflector withdraws h1's routes at
    // once (the kernel resets the dead process's TCP session), so h2 rightly drops its way back.
    await lab.startHost(h1);
    await waitUntil('the restarted bgpiped to release stale entries after End-of-RIB', async () => /stale remote entries released/.test(await lab.logs()), 30_000);
    await lab.pingable(c1, '10.99.10.2');
    await new Promise((r) => setTimeout(r, 500));
    monitor.kill('SIGKILL');
    nmon.kill('SIGKILL');

    const ports = await labFetch(h1.lab, 8082, 'GET', '/looking-glass/vpns/instances/net-a/ports', undefined, { accept: 'application/json' });
    assert.deepEqual(Object.keys(ports.json as object), ['tap-c1']);
    assert.deepEqual(events, [], `bridge monitor fdb saw changes:\n${events.join('\n')}`);
    assert.deepEqual(neighEvents.filter((e) => /PERMANENT|Deleted/.test(e)), [], neighEvents.join('\n'));
    assert.deepEqual(await ifindex(), before, 'the bridge and vxlan device are the same links (same ifindex)');
  });

  it('detach (no ip_address: every IP of the MAC) stops the traffic and cleans the kernel: no evpn---/vxlan-- link left; shutdown too', async () => {
    const [h1, h2] = [c1.host, c2.host];
    const r = await labFetch(h2.lab, 8082, 'POST', '/detach_localport', { vpn_type: 'evpn', vpn_instance_id: 'net-a', mac_address: c2.mac, local_port: { linuxif: 'tap-c2' } }, { accept: 'application/json' });
    assert.equal(r.status, 200, r.body);
    await waitUntil('h2 to remove its links', async () => (await lab.links(h2, 'evpn---', 'vxlan--')).length === 0, 10_000);
    await waitUntil('h1 to drop the remote entries of h2', async () => (await fdb(c1, 'vxlan--net-a')).every((e) => e.dst === undefined), 10_000);
    assert.ok(await lab.cannotPing(c1, '10.99.10.2'));
    assert.ok(await lab.cannotPing(c1, 'fd00:10::2'));
    const tap = JSON.parse((await run('ip', ['-n', h2.lab.name, '-json', 'link', 'show', 'tap-c2'])).stdout) as { master?: string }[];
    assert.equal(tap[0]?.master, undefined, 'the port left the bridge');

    // SIGTERM with an instance still attached: bgpiped removes what it made (bagpipe-bgp crashes here).
    assert.deepEqual((await lab.links(h1, 'evpn---', 'vxlan--')).sort(), ['evpn---net-a', 'vxlan--net-a']);
    const exit = await h1.proc!.stop(10_000);
    assert.equal(exit.code, 0);
    assert.deepEqual(await lab.links(h1, 'evpn---', 'vxlan--'), []);
  });
});
