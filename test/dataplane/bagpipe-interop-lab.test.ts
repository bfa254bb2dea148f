/**
 * A bgpiped host and a real bagpipe-bgp 17 host (Debian python3-networking-bagpipe, its `linux`
 * EVPN driver, linux_vxlan) put their containers on one EVPN instance and ping each other over
 * VXLAN:
 *
 *     fabric ns: bridge br0 10.99.0.1/24, bgpiped route reflector (hold time 90: bagpipe-bgp
 *       │        drops a session of 30 s or less)
 *       ├─ h1 10.99.0.11  bgpiped --config-file (INI, linux drivers) ── veth tap-c1 ── c1 10.99.10.1
 *       └─ h2 10.99.0.12  bagpipe-bgp (linux_vxlan)                   ── veth tap-c2 ── c2 10.99.10.2
 *
 * Each container is attached through its own host's REST API (`POST /attach_localport`, the body
 * the networking-bagpipe agent sends). bagpipe-bgp runs with the test's modprobe shim on its PATH
 * only (lib/bagpipe.ts): nothing outside the lab is touched. bgpiped forces VNI 5000, bagpipe-bgp
 * allocates its own (its first label, 16): each side's fdb entries must carry the other's VNI,
 * and tshark on the fabric must see each direction's ICMP inside VXLAN with the receiver's VNI.
 * The lab (vpn-lab.ts) removes every namespace, link and process, also on failure.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../interop/lib/netns.js';
import { startBagpipe, type BagpipeBgp } from '../interop/lib/bagpipe.js';
import { waitUntil } from '../daemon/helpers.js';
import { VpnLab, type Container, type Host } from './vpn-lab.js';

const RT = ['64512:10'];
const BGPIPED_VNI = 5000;

interface JsonFdb {
  mac: string;
  dst?: string;
  vni?: number;
}

describe('EVPN/VXLAN dataplane: a bgpiped host and a real bagpipe-bgp host (linux_vxlan) ping each other\'s containers', { timeout: 240_000 }, () => {
  let lab: VpnLab;
  let h1: Host, h2: Host;
  let bp: BagpipeBgp;
  let c1: Container, c2: Container;

  before(async () => {
    lab = await VpnLab.create('bpevpn', 2, { holdTime: 90, foreign: [2] });
    [h1, h2] = lab.hosts as [Host, Host];
    bp = await startBagpipe(h2.lab, { localAddress: h2.address, peers: ['10.99.0.1'], asn: 64512, apiPort: 8082, evpnDriver: 'linux' });
    c1 = await lab.container('bpevc1', h1, { port: 'tap-c1', mac: '52:54:00:99:00:01', ip: '10.99.10.1/24' });
    c2 = await lab.container('bpevc2', h2, { port: 'tap-c2', mac: '52:54:00:99:00:02', ip: '10.99.10.2/24' });
  });

  after(async () => {
    await lab?.destroy();
  });

  const fdb = async (h: Host, dev: string) => JSON.parse((await run('bridge', ['-n', h.lab.name, '-json', 'fdb', 'show', 'dev', dev])).stdout) as JsonFdb[];
  const remote = async (h: Host) => (await fdb(h, 'vxlan--net-a')).filter((e) => e.dst !== undefined).map((e) => `${e.mac} ${e.dst} ${e.vni}`).sort();
  const bagpipeVni = async () => {
    const inst = (await bp.lg('vpns/instances/net-a')) as { instance_dataplane_id?: number } | undefined;
    assert.ok(inst?.instance_dataplane_id !== undefined, `bagpipe-bgp's instance net-a: ${JSON.stringify(inst)}`);
    return inst.instance_dataplane_id;
  };
  const common = { vpn_type: 'evpn', vpn_instance_id: 'net-a', import_rt: RT, export_rt: RT, gateway_ip: '10.99.10.254' };
  const logs = async () => `${await lab.logs()}\n---- bagpipe-bgp ----\n${(await bp.logs()).split('\n').filter((l) => / (WARNING|ERROR) |Traceback|Error/.test(l)).slice(-40).join('\n')}`;

  it('both attach through their REST API; the sessions come up; ping crosses both ways', async () => {
    await bp.waitEstablished('10.99.0.1', 60_000);
    await lab.attach(c1, { ...common, vni: BGPIPED_VNI });
    // bagpipe-bgp never sets a port up (the networking-bagpipe agent or the CNI plugin does).
    await run('ip', ['-n', h2.lab.name, 'link', 'set', c2.port, 'up']);
    await bp.attach({ ...common, mac_address: c2.mac, ip_address: c2.ip, local_port: { linuxif: c2.port } });
    await lab.pingable(c1, '10.99.10.2', 20_000).catch(async (e: Error) => assert.fail(`${e.message}\n${await logs()}`));
    await lab.pingable(c2, '10.99.10.1', 10_000).catch(async (e: Error) => assert.fail(`${e.message}\n${await logs()}`));
  });

  it('each side\'s fdb carries the other\'s VTEP and VNI; bagpipe-bgp made its usual objects', async () => {
    const vni = await bagpipeVni();
    assert.notEqual(vni, BGPIPED_VNI);
    assert.deepEqual(await remote(h1), [`00:00:00:00:00:00 10.99.0.12 ${vni}`, `52:54:00:99:00:02 10.99.0.12 ${vni}`]);
    assert.deepEqual(await remote(h2), [`00:00:00:00:00:00 10.99.0.11 ${BGPIPED_VNI}`, `52:54:00:99:00:01 10.99.0.11 ${BGPIPED_VNI}`]);
    // bagpipe-bgp's linux_vxlan objects on h2, bgpiped's on h1: the same names and flags.
    for (const h of [h1, h2]) {
      const [vx] = JSON.parse((await run('ip', ['-n', h.lab.name, '-json', '-d', 'link', 'show', 'vxlan--net-a'])).stdout) as { master?: string; linkinfo: { info_data: { local: string; port: number; learning: boolean; proxy: boolean } } }[];
      const d = vx!.linkinfo.info_data;
      assert.deepEqual({ local: d.local, port: d.port, learning: d.learning, proxy: d.proxy, master: vx!.master }, { local: h.address, port: 4789, learning: false, proxy: true, master: 'evpn---net-a' }, h.address);
    }
    // ARP is answered locally on both sides (the vxlan proxy flag + a permanent neighbour).
    assert.match((await run('ip', ['-n', h1.lab.name, 'neigh', 'show', 'dev', 'vxlan--net-a'])).stdout, /10\.99\.10\.2 lladdr 52:54:00:99:00:02 PERMANENT/);
    assert.match((await run('ip', ['-n', h2.lab.name, 'neigh', 'show', 'dev', 'vxlan--net-a'])).stdout, /10\.99\.10\.1 lladdr 52:54:00:99:00:01 PERMANENT/);
  });

  it('full-size frames for the 1450 MTU cross both ways unfragmented (bagpipe-bgp leaves its vxlan at 1500)', async () => {
    // 1422 + 8 (ICMP) + 20 (IP) = 1450, the MTU bgpiped gives the port (underlay 1500 − 50).
    await c1.lab.exec('ping', ['-c', '2', '-W', '2', '-M', 'do', '-s', '1422', '10.99.10.2']);
    await c2.lab.exec('ping', ['-c', '2', '-W', '2', '-M', 'do', '-s', '1422', '10.99.10.1']);
  });

  it('tshark on the fabric: ICMP inside VXLAN, each direction with the receiving host\'s VNI', async () => {
    const vni = await bagpipeVni();
    const { pairs, raw } = await lab.vxlanIcmp(async () => {
      await c1.lab.exec('ping', ['-c', '3', '-i', '0.2', '10.99.10.2']);
      await c2.lab.exec('ping', ['-c', '3', '-i', '0.2', '10.99.10.1']);
    });
    assert.deepEqual(pairs, [`10.99.0.11 ${BGPIPED_VNI}`, `10.99.0.12 ${vni}`], `tshark: ${raw}`);
  });

  it('IPv6 endpoints (type 2 routes carrying an IPv6 address): ping -6 both ways, ND answered locally', async () => {
    // bagpipe-bgp tracks type 2 routes by MAC alone: a second route for a MAC (its IPv6 next to
    // its IPv4) becomes an alternative, and no neighbour entry is made for its address. So the
    // IPv6 endpoints here are other containers (MACs) on their own EVI.
    const c3 = await lab.container('bpevc3', h1, { port: 'tap-c3', mac: '52:54:00:99:00:03', ip: 'fd00:10::3/64' });
    const c4 = await lab.container('bpevc4', h2, { port: 'tap-c4', mac: '52:54:00:99:00:04', ip: 'fd00:10::4/64' });
    const v6 = { ...common, vpn_instance_id: 'net-6', import_rt: ['64512:11'], export_rt: ['64512:11'], gateway_ip: 'fd00:10::ffff' };
    await lab.attach(c3, v6);
    await run('ip', ['-n', h2.lab.name, 'link', 'set', c4.port, 'up']);
    await bp.attach({ ...v6, mac_address: c4.mac, ip_address: c4.ip, local_port: { linuxif: c4.port } });
    await lab.pingable(c3, 'fd00:10::4', 20_000).catch(async (e: Error) => assert.fail(`${e.message}\n${await logs()}`));
    await lab.pingable(c4, 'fd00:10::3', 10_000);
    assert.match((await run('ip', ['-n', h1.lab.name, 'neigh', 'show', 'dev', 'vxlan--net-6'])).stdout, /fd00:10::4 lladdr 52:54:00:99:00:04 PERMANENT/);
    assert.match((await run('ip', ['-n', h2.lab.name, 'neigh', 'show', 'dev', 'vxlan--net-6'])).stdout, /fd00:10::3 lladdr 52:54:00:99:00:03 PERMANENT/);
  });

  it('a detach on the bagpipe-bgp side withdraws: bgpiped drops its entries', async () => {
    // bagpipe-bgp answers this detach with 500 (its linux driver's pyroute2 bug, reference §7.1)
    // after the withdrawal has gone out: what matters here is bgpiped's side.
    await bp.api('POST', '/detach_localport', { vpn_type: 'evpn', vpn_instance_id: 'net-a', mac_address: c2.mac, ip_address: c2.ip, local_port: { linuxif: c2.port } });
    await waitUntil('bgpiped to drop the MAC of c2', async () => !(await remote(h1)).some((e) => e.startsWith(c2.mac)), 15_000);
    assert.doesNotMatch((await run('ip', ['-n', h1.lab.name, 'neigh', 'show', 'dev', 'vxlan--net-a'])).stdout, /10\.99\.10\.2/);
    // (No "ping stops" here: bagpipe-bgp's failed detach leaves c2's port in its bridge and its
    // type 3 route in place, so unknown unicast still floods to h2 and reaches c2, as L2 should.)
  });

  it('a detach on the bgpiped side withdraws: bagpipe-bgp drops its entries', async () => {
    await lab.attach(c1, { vpn_type: 'evpn', vpn_instance_id: 'net-a' }, '/detach_localport');
    await waitUntil('bagpipe-bgp to drop the entries of h1', async () => (await remote(h2)).length === 0, 15_000).catch(async (e: Error) => assert.fail(`${e.message}: ${(await remote(h2)).join(', ')}\n${await logs()}`));
    assert.deepEqual((await lab.links(h1, 'evpn---', 'vxlan--')).sort(), ['evpn---net-6', 'vxlan--net-6']);
  });
});
