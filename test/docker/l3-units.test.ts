/**
 * bgpipe-l3's logic without a kernel: the command line (every bad value named), the flags → the
 * bgpiped TOML they stand for, and the IPAM (pools never overlap, /32 addresses and the
 * link-local gateway in L3, the subnet's length and a reserved gateway in L2).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseL3Options, driverName, L3OptionError } from '../../src/docker/l3/options.js';
import { bgpToml, l3DaemonSettings } from '../../src/docker/l3/bgp.js';
import { L3Ipam } from '../../src/docker/l3/ipam.js';
import { chooseDataplane, L3Dataplane, linkNames } from '../../src/docker/l3/dataplane.js';
import type { ContainerLinks } from '../../src/dataplane/linux/container-links.js';
import { parsePrefixText } from '../../src/config/address.js';
import { EMPTY_STATE, loadState, saveState } from '../../src/docker/l3/state.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BGP = ['--local-as', '65000', '--router-id', '192.168.1.248'];

function fails(argv: string[], re: RegExp): void {
  assert.throws(() => parseL3Options(argv), (e: unknown) => e instanceof L3OptionError && re.test(e.message), `${argv.join(' ')} should fail with ${re}`);
}

describe('bgpipe-l3 options', () => {
  it('takes the seed\'s flags in both spellings, with the seed\'s defaults except --mode', () => {
    const o = parseL3Options(['--host-interface', 'eth1', '--ipvlan-subnet=10.1.1.0/24', '--mode=l3', ...BGP, '--peer', '192.168.1.251']);
    assert.equal(o.hostInterface, 'eth1');
    assert.equal(o.defaultSubnet.text, '10.1.1.0/24');
    assert.equal(o.mode, 'l3');
    assert.equal(o.mtu, 1500);
    assert.equal(o.socketPath, '/run/docker/plugins/ipvlan.sock');
    assert.equal(driverName(o.socketPath), 'ipvlan');
    assert.deepEqual(o.bgp.peers, [{ address: '192.168.1.251', as: 65000 }]);
    const d = parseL3Options(BGP);
    assert.equal(d.mode, 'l3');
    assert.equal(d.defaultSubnet.text, '192.168.1.0/24');
    assert.equal(driverName(parseL3Options([...BGP, '-s', 'l3net']).socketPath), 'l3net');
    assert.equal(parseL3Options([...BGP, '-s', '/tmp/x/p.sock']).socketPath, '/tmp/x/p.sock');
  });

  it('names the option of every bad value', () => {
    fails(['--mode', 'l4', ...BGP], /^--mode: expected l2 or l3, got "l4"$/);
    fails(['--mtu', '67', ...BGP], /^--mtu: expected an integer 68\.\.65535, got 67$/);
    fails(['--mtu', 'big', ...BGP], /^--mtu: /);
    fails(['--ipvlan-subnet', '10.1.1.0', ...BGP], /^--ipvlan-subnet: expected an IPv4 CIDR/);
    fails(['--ipvlan-subnet', '2001:db8::/64', ...BGP], /^--ipvlan-subnet: only IPv4/);
    fails(['--ipvlan-subnet', '10.1.1.0/31', ...BGP], /^--ipvlan-subnet: a \/31 has no room/);
    fails(['--gateway', 'x', ...BGP], /^--gateway: expected an IPv4 address/);
    fails(['--host-interface', 'a/b', ...BGP], /^--host-interface: /);
    fails(['--dataplane', 'vxlan', ...BGP], /^--dataplane: expected auto, ipvlan or veth/);
    fails(['--mode', 'l2', '--dataplane', 'veth'], /^--dataplane: veth is routed/);
    fails(['--router-id', '1.2.3.4'], /^--local-as: required in l3 mode/);
    fails(['--local-as', '1'], /^--router-id: required in l3 mode/);
    fails(['--local-as', '0', '--router-id', '1.2.3.4'], /^--local-as: expected an integer 1\.\.4294967295/);
    fails([...BGP, '--peer', '10.0.0.2,x'], /^--peer: expected an integer/);
    fails([...BGP, '--peer', '10.0.0.2', '--peer', '10.0.0.2,65001'], /^--peer: 10\.0\.0\.2 given twice/);
    fails([...BGP, '--bgp-port', '70000'], /^--bgp-port: /);
    fails([...BGP, '--route-protocol', '186'], /^--route-protocol: 186 \(bgp\)/);
    fails(['--bgp-config', '/x.toml', '--local-as', '1'], /^--local-as: give the BGP settings either/);
    fails([...BGP, '--colour', 'blue'], /^--colour: Unknown option/);
    // l2 does no BGP: no AS needed.
    assert.equal(parseL3Options(['--mode', 'l2']).mode, 'l2');
  });

  it('turns the BGP flags into a bgpiped configuration: iBGP by default, multipath and [kernel] on, no API', () => {
    const o = parseL3Options([...BGP, '--peer', '192.168.1.251', '--peer', '192.168.1.1,65001', '--bgp-port=-1', '--hold-time', '9']);
    const toml = bgpToml(o);
    assert.match(toml, /\[kernel\]\nenabled = true/);
    const s = l3DaemonSettings(o);
    assert.equal(s.server.localAs, 65000);
    assert.equal(s.server.routerId, '192.168.1.248');
    assert.equal(s.server.listenPort, -1);
    assert.deepEqual(s.server.neighbors.map((n) => [n.session.peerAddress, n.session.peerAs, n.session.holdTime]), [['192.168.1.251', 65000, 9], ['192.168.1.1', 65001, 9]]);
    assert.ok(s.server.multipath?.ibgp);
    assert.equal(s.kernel?.protocol, 186);
    assert.equal(s.kernel?.table, 254);
    assert.equal(s.api, undefined);
  });
});

describe('bgpipe-l3 IPAM', () => {
  const l3 = () => new L3Ipam({ mode: 'l3', defaultSubnet: parsePrefixText('10.1.1.0/24')!, gateway: '169.254.1.1' });

  it('L3: a pool per subnet with the link-local gateway in Data, /32 addresses in order, reused after release', () => {
    const ipam = l3();
    assert.deepEqual(ipam.requestPool({ Pool: '10.1.2.0/24', V6: false }), { PoolID: '10.1.2.0/24', Pool: '10.1.2.0/24', Data: { 'com.docker.network.gateway': '169.254.1.1/32' } });
    assert.deepEqual(ipam.requestPool({ Pool: '', V6: false }), { PoolID: '10.1.1.0/24', Pool: '10.1.1.0/24', Data: { 'com.docker.network.gateway': '169.254.1.1/32' } });
    const a = (ipam.requestAddress({ PoolID: '10.1.2.0/24', Address: '' }) as { Address: string }).Address;
    const b = (ipam.requestAddress({ PoolID: '10.1.2.0/24', Address: '' }) as { Address: string }).Address;
    assert.deepEqual([a, b], ['10.1.2.1/32', '10.1.2.2/32']);
    ipam.releaseAddress({ PoolID: '10.1.2.0/24', Address: '10.1.2.1' });
    assert.deepEqual(ipam.requestAddress({ PoolID: '10.1.2.0/24', Address: '' }), { Address: '10.1.2.1/32', Data: {} });
    assert.deepEqual(ipam.requestAddress({ PoolID: '10.1.2.0/24', Address: '10.1.2.200' }), { Address: '10.1.2.200/32', Data: {} });
    assert.throws(() => ipam.requestAddress({ PoolID: '10.1.2.0/24', Address: '10.1.2.200' }), /already in use/);
    assert.throws(() => ipam.requestAddress({ PoolID: '10.1.2.0/24', Address: '10.1.3.1' }), /not a host address of 10\.1\.2\.0\/24/);
    assert.throws(() => ipam.requestAddress({ PoolID: '10.1.2.0/24', Address: '10.1.2.255' }), /not a host address/);
    // A gateway Docker asks for anyway (docker network create --gateway) must be ours.
    assert.throws(() => ipam.requestAddress({ PoolID: '10.1.2.0/24', Address: '10.1.2.254', Options: { RequestAddressType: 'com.docker.network.gateway' } }), /leave --gateway out/);
  });

  it('refuses overlapping pools, IPv6, sub-pools and a full pool', () => {
    const ipam = l3();
    ipam.requestPool({ Pool: '10.1.2.0/24' });
    assert.throws(() => ipam.requestPool({ Pool: '10.1.0.0/16' }), /10\.1\.0\.0\/16 overlaps 10\.1\.2\.0\/24/);
    assert.throws(() => ipam.requestPool({ Pool: '10.1.2.128/25' }), /overlaps/);
    assert.throws(() => ipam.requestPool({ Pool: '', V6: true }), /IPv4 only/);
    assert.throws(() => ipam.requestPool({ Pool: '10.7.0.0/24', SubPool: '10.7.0.0/25' }), /--ip-range/);
    ipam.releasePool({ PoolID: '10.1.2.0/24' });
    ipam.requestPool({ Pool: '10.1.0.0/16' });
    ipam.requestPool({ Pool: '10.8.0.0/30' });
    ipam.requestAddress({ PoolID: '10.8.0.0/30' });
    ipam.requestAddress({ PoolID: '10.8.0.0/30' });
    assert.throws(() => ipam.requestAddress({ PoolID: '10.8.0.0/30' }), /no free address left in 10\.8\.0\.0\/30/);
  });

  it('L2: addresses carry the subnet length, the gateway is the first address and reserved', () => {
    const ipam = new L3Ipam({ mode: 'l2', defaultSubnet: parsePrefixText('10.1.1.0/24')!, gateway: undefined });
    assert.deepEqual(ipam.requestPool({ Pool: '' }), { PoolID: '10.1.1.0/24', Pool: '10.1.1.0/24', Data: {} });
    assert.deepEqual(ipam.requestAddress({ PoolID: '10.1.1.0/24', Options: { RequestAddressType: 'com.docker.network.gateway' } }), { Address: '10.1.1.1/24', Data: {} });
    assert.deepEqual(ipam.requestAddress({ PoolID: '10.1.1.0/24' }), { Address: '10.1.1.2/24', Data: {} });
  });

  it('names links within IFNAMSIZ from the endpoint id', () => {
    const n = linkNames('3f80ed802a3c9047ff5bc5ed8880c4a30489c6317d3df989104865d80027760d');
    assert.deepEqual(n, { host: 'bl3h3f80ed802a3', container: 'bl3c3f80ed802a3' });
    assert.ok(n.host.length <= 15);
  });
});

describe('bgpipe-l3 state file', () => {
  it('round-trips the IPAM pools, starts empty without a file, and names a file that is not its own', (t) => {
    const dir = mkdtempSync(join(tmpdir(), `bgpl3-state-${process.pid}-`));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'sub', 'l3.json');
    assert.deepEqual(loadState(path), EMPTY_STATE);
    const ipam = new L3Ipam({ mode: 'l3', defaultSubnet: parsePrefixText('10.1.1.0/24')!, gateway: '169.254.1.1' });
    ipam.requestPool({ Pool: '10.1.2.0/24' });
    ipam.requestAddress({ PoolID: '10.1.2.0/24' });
    ipam.requestAddress({ PoolID: '10.1.2.0/24' });
    ipam.releaseAddress({ PoolID: '10.1.2.0/24', Address: '10.1.2.1' });
    const network = { id: 'n1', subnet: '10.1.2.0/24', gateway: '169.254.1.1', endpoints: [{ id: 'e1', address: '10.1.2.2', joined: true }] };
    saveState(path, { version: 1, pools: ipam.snapshot(), networks: [network] });
    const back = loadState(path);
    assert.deepEqual(back.networks, [network]);
    const again = new L3Ipam({ mode: 'l3', defaultSubnet: parsePrefixText('10.1.1.0/24')!, gateway: '169.254.1.1' });
    again.restore(back.pools);
    assert.deepEqual(again.requestAddress({ PoolID: '10.1.2.0/24' }), { Address: '10.1.2.1/32', Data: {} });
    assert.deepEqual(again.requestAddress({ PoolID: '10.1.2.0/24' }), { Address: '10.1.2.3/32', Data: {} });
    assert.throws(() => again.requestPool({ Pool: '10.1.2.0/25' }), /overlaps/);
    writeFileSync(path, '{"version":2}');
    assert.throws(() => loadState(path), (e: Error) => e.message.startsWith(`${path}: not a bgpipe-l3 state file`));
    writeFileSync(path, 'garbage');
    assert.throws(() => loadState(path), (e: Error) => e.message.startsWith(`${path}: not JSON`));
  });
});

/**
 * The ipvlan path cannot run on this kernel (no ipvlan): its decisions and Join replies are
 * checked here over a recording stand-in for ContainerLinks; only the lab proves real links.
 */
describe('bgpipe-l3 dataplane choice and Join replies (recording links)', () => {
  const silent = { warn: () => undefined } as unknown as Parameters<typeof chooseDataplane>[2];
  function fakeLinks(ipvlan: boolean, calls: string[] = []): ContainerLinks {
    return {
      linkExists: async (name: string) => name === 'eth1',
      probeIpvlan: async () => (ipvlan ? undefined : 'Error: Unknown device type.'),
      createIpvlan: async (name: string, parent: string, mode: string, mtu: number) => void calls.push(`ipvlan ${name} ${parent} ${mode} ${mtu}`),
      createRoutedVeth: async (host: string, peer: string, mtu: number, gw: string) => void calls.push(`veth ${host} ${peer} ${mtu} ${gw}`),
      addDeviceRoute: async (prefix: string, dev: string) => void calls.push(`route ${prefix} ${dev}`),
      enableForwarding: () => void calls.push('forwarding'),
      addBlackhole: async (prefix: string) => void calls.push(`blackhole ${prefix}`),
      deleteLink: async (name: string) => void calls.push(`del ${name}`),
      deleteRoute: async (r: { prefix: string }) => void calls.push(`unroute ${r.prefix}`),
    } as unknown as ContainerLinks;
  }
  const opts = (extra: string[]) => parseL3Options(['--host-interface', 'eth1', '--mtu', '9000', ...extra]);

  it('ipvlan where the kernel has it, routed veth where not, a clear error where neither fits', async () => {
    assert.equal(await chooseDataplane(opts(BGP), fakeLinks(true), silent), 'ipvlan-l3');
    assert.equal(await chooseDataplane(opts(['--mode', 'l2']), fakeLinks(true), silent), 'ipvlan-l2');
    assert.equal(await chooseDataplane(opts([...BGP, '--dataplane', 'veth']), fakeLinks(true), silent), 'veth');
    assert.equal(await chooseDataplane(opts(BGP), fakeLinks(false), silent), 'veth');
    await assert.rejects(chooseDataplane(opts(['--mode', 'l2']), fakeLinks(false), silent), /--mode l2 needs ipvlan and this kernel has no ipvlan \(ip link add type ipvlan: Error: Unknown device type\.\)/);
    await assert.rejects(chooseDataplane(opts([...BGP, '--dataplane', 'ipvlan']), fakeLinks(false), silent), /^Error: --dataplane ipvlan: this kernel has no ipvlan/);
    await assert.rejects(chooseDataplane(parseL3Options([...BGP, '--host-interface', 'eth9']), fakeLinks(true), silent), /--host-interface: no interface eth9/);
  });

  it('Join: ipvlan L3 answers a connected default route and no gateway bridge; L2 the gateway; veth the link-local gateway', async () => {
    const eid = 'abcdef0123456789'.repeat(4);
    const calls: string[] = [];
    const l3 = new L3Dataplane('ipvlan-l3', fakeLinks(true, calls), opts(BGP), '169.254.1.1');
    assert.deepEqual(await l3.join(eid, '10.1.1.5', ''), {
      InterfaceName: { SrcName: 'bl3cabcdef01234', DstPrefix: 'eth' }, Gateway: '', StaticRoutes: [{ Destination: '0.0.0.0/0', RouteType: 1, NextHop: '' }], DisableGatewayService: true,
    });
    const l2 = new L3Dataplane('ipvlan-l2', fakeLinks(true, calls), opts(['--mode', 'l2']), '');
    assert.deepEqual(await l2.join(eid, '10.1.1.5', '10.1.1.1'), { InterfaceName: { SrcName: 'bl3cabcdef01234', DstPrefix: 'eth' }, Gateway: '10.1.1.1', StaticRoutes: [], DisableGatewayService: false });
    await l2.createNetwork('10.1.1.0/24');
    const veth = new L3Dataplane('veth', fakeLinks(false, calls), opts(BGP), '169.254.1.1');
    assert.deepEqual(await veth.join(eid, '10.1.1.5', ''), {
      InterfaceName: { SrcName: 'bl3cabcdef01234', DstPrefix: 'eth' }, Gateway: '169.254.1.1', StaticRoutes: [{ Destination: '169.254.1.1/32', RouteType: 1, NextHop: '' }], DisableGatewayService: false,
    });
    await l3.leave(eid, '10.1.1.5');
    await veth.leave(eid, '10.1.1.5');
    assert.deepEqual(calls, [
      'ipvlan bl3cabcdef01234 eth1 l3 9000',
      'ipvlan bl3cabcdef01234 eth1 l2 9000',
      // l2 is not routed: no forwarding, no blackhole
      'veth bl3habcdef01234 bl3cabcdef01234 9000 169.254.1.1',
      'route 10.1.1.5/32 bl3habcdef01234',
      'del bl3cabcdef01234',
      'unroute 10.1.1.5/32',
      'del bl3habcdef01234',
    ]);
  });
});
