/**
 * bgpiped and the VPN families against real daemons, each lab one network namespace made here:
 *
 *   1. EVPN type 2 (MAC/IP with a VNI, route target, VXLAN encapsulation) and type 3 (inclusive
 *      multicast with an ingress-replication PMSI tunnel), and VPN-IPv4, both ways with gobgpd
 *      3.10 and FRR 8.4 (bgpd alone, no zebra), over eBGP:
 *
 *          gobgpd G1 (AS 65001) ── FRR (AS 65003) ── bgpiped (AS 65000) ── gobgpd G2 (AS 65004)
 *
 *      FRR cannot originate EVPN type 2/3 without zebra and a VNI, so it relays what G1 injects
 *      (G1 → FRR → bgpiped → G2); what G2 injects goes G2 → bgpiped → FRR → G1, and G1 shows the
 *      label and PMSI tunnel FRR got from bgpiped (FRR's JSON shows the VNI, not the PMSI). FRR
 *      originates VPN-IPv4 itself (`network P rd R label L` under `address-family ipv4 vpn`).
 *      The fields are checked on every hop: RD, MAC, IP, label/VNI, route targets, encapsulation,
 *      PMSI tunnel type/label/endpoint, next hop, AS_PATH. Then the label change and the
 *      withdrawals. `bgpipe rib -a evpn|vpnv4` (the CLI, inside the lab) prints the NLRI as gobgp
 *      does, and `-j` the API's JSON.
 *
 *   2. Route target constraint (RFC 4684), bgpiped as route reflector for gobgpd and ExaBGP:
 *      gobgpd C1 (EVPN, no RTC) injects red (RT 65000:100) and blue (RT 65000:200) MAC/IP routes;
 *      gobgpd C2 (RTC) imports red only through a VRF, so it sends one RTC route, and receives
 *      the red routes and no blue one, although bgpiped holds them; adding a blue VRF on C2 brings
 *      the blue routes, deleting it withdraws them. ExaBGP 4.2 negotiates RTC but cannot announce
 *      an RTC route, so it receives the default RTC route and no VPN route; its VPN-IPv4 routes
 *      reach C2 by their route target.
 *      Only C2 negotiates RTC among the gobgpd clients: gobgpd 3.10 panics on an RTC route from a
 *      peer that already sent it the default one (see lib/gobgpd.ts), and a route reflector sends
 *      the default to RTC clients and reflects the others' RTC routes.
 *
 * Needs root and the Debian packages gobgpd, frr, exabgp (scripts/setup-host.sh).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  createLab,
  startBgpiped,
  startExabgp,
  startFrr,
  startGobgpd,
  waitFor,
  type ApiPath,
  type Bgpiped,
  type Family,
  type FrrEvpnPath,
  type GobgpVpnPath,
  type Lab,
} from './lib/index.js';
import { bgpipedToml } from './bgpiped-config.js';

const US = '10.99.0.1';
const EVPN_VPN: Family[] = ['l2vpn-evpn', 'l3vpn-ipv4-unicast'];

async function labWith(name: string, hosts: number[]): Promise<Lab> {
  const lab = await createLab(name);
  for (const i of hosts) await lab.addAddress(`10.99.0.${i}`);
  return lab;
}

/** Poll `read` until a path satisfies `match`; the lab's logs on timeout. */
async function waitPath<T>(lab: Lab, what: string, read: () => Promise<T[]>, match: (p: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const all = await waitFor(read, { what, until: (ps) => ps.some(match), timeoutMs, diagnostics: () => lab.dumpLogs() });
  return all.find(match)!;
}

async function waitNoPath<T>(lab: Lab, what: string, read: () => Promise<T[]>, match: (p: T) => boolean, timeoutMs = 10_000): Promise<void> {
  await waitFor(read, { what: `no ${what}`, until: (ps) => !ps.some(match), timeoutMs, diagnostics: () => lab.dumpLogs() });
}

function expectFields<T extends object>(p: T, expected: Partial<T>, where: string): void {
  for (const [k, v] of Object.entries(expected)) {
    assert.deepEqual(p[k as keyof T], v, `${where}: ${k}: ${JSON.stringify(p)}`);
  }
}

/** The PMSI text bgpiped's API shows (as gobgp's CLI prints it). */
function pmsiText(label: number, endpoint: string): string {
  return `type: ingress-repl, label: ${label}, tunnel-id: ${endpoint}`;
}

/** Older builds of the API do not show the PMSI tunnel; when it does, it must be right. */
function expectPmsi(p: ApiPath, label: number, endpoint: string, where: string): void {
  if (p.pmsiTunnel !== undefined) assert.equal(p.pmsiTunnel, pmsiText(label, endpoint), `${where}: PMSI of ${p.prefix}`);
}

/** `node dist/src/cli/bgpipe.js --api … ARGS` inside the lab. */
async function bgpipe(lab: Lab, b: Bgpiped, args: string[]): Promise<string> {
  const cli = new URL('../../src/cli/bgpipe.js', import.meta.url).pathname;
  return (await lab.exec(process.execPath, [cli, '--api', `http://127.0.0.1:${b.apiPort}`, ...args])).stdout;
}

const macadv = (mac: string, ip: string, label: number, rd: string, rt: string) =>
  `macadv ${mac} ${ip} etag 0 label ${label} rd ${rd} rt ${rt} encap vxlan`;
const multicast = (ip: string, label: number, rd: string, rt: string) =>
  `multicast ${ip} etag 0 rd ${rd} rt ${rt} encap vxlan pmsi ingress-repl ${label} ${ip}`;
const evpnKey = {
  macadv: (rd: string, mac: string, ip: string) => `[type:macadv][rd:${rd}][etag:0][mac:${mac}][ip:${ip}]`,
  multicast: (rd: string, ip: string) => `[type:multicast][rd:${rd}][etag:0][ip:${ip}]`,
};

describe('bgpiped with real peers: EVPN, VPN-IPv4, RT constraint', { concurrency: 1, timeout: 180_000 }, () => {
  // Each test destroys its own lab, also on failure (a lab left running would keep the run alive).
  const labs: Lab[] = [];
  after(async () => {
    for (const l of labs) await l.destroy();
  });

  it('EVPN types 2 and 3 and VPN-IPv4 both ways with gobgpd and FRR, fields intact on every hop; bgpipe rib -a evpn', async () => {
    const lab = await labWith('vpn', [1, 2, 3, 4]);
    labs.push(lab);
    const G1 = '10.99.0.2';
    const FRR = '10.99.0.3';
    const G2 = '10.99.0.4';
    const bgpiped = await startBgpiped(lab, {
      configToml: bgpipedToml({
        asn: 65000,
        routerId: US,
        listen: [US],
        neighbors: [
          { address: FRR, asn: 65003, passive: true, families: EVPN_VPN },
          // bgpiped connects: gobgpd's own first attempt comes seconds late.
          { address: G2, asn: 65004, localAddress: US, families: EVPN_VPN },
        ],
      }),
      apiPort: 8082,
    });
    const [g1, frr, g2] = await Promise.all([
      startGobgpd(lab, { routerId: G1, asn: 65001, listenAddress: [G1], neighbors: [{ address: FRR, asn: 65003, passive: true, families: EVPN_VPN }] }),
      startFrr(lab, {
        routerId: FRR,
        asn: 65003,
        listenAddress: [FRR],
        neighbors: [
          { address: US, asn: 65000, families: EVPN_VPN },
          { address: G1, asn: 65001, families: EVPN_VPN },
        ],
        // VPN-IPv4 origination without zebra; the route-map gives it its route target.
        extraConfig: [
          'route-map VPN-RT permit 10',
          ' set extcommunity rt 65000:3001',
          '!',
          'router bgp 65003',
          ' address-family ipv4 vpn',
          '  network 10.31.0.0/24 rd 65003:1 label 3001 route-map VPN-RT',
          ' exit-address-family',
          '!',
        ].join('\n'),
      }),
      startGobgpd(lab, { routerId: G2, asn: 65004, listenAddress: [G2], neighbors: [{ address: US, asn: 65000, passive: true, families: EVPN_VPN }] }),
    ]);
    await Promise.all([bgpiped.waitEstablished(FRR, 30_000), bgpiped.waitEstablished(G2, 30_000), frr.waitEstablished(G1, 30_000)]);

    // Set A enters at G1 and reaches bgpiped through FRR; set B enters at G2.
    await g1.addRoute('l2vpn-evpn', macadv('aa:bb:cc:00:00:01', '10.20.0.1', 1001, '10.99.0.2:1', '65000:1001'), { nextHop: G1 });
    await g1.addRoute('l2vpn-evpn', multicast(G1, 1001, '10.99.0.2:1', '65000:1001'), { nextHop: G1 });
    await g1.addRoute('l3vpn-ipv4-unicast', '10.30.2.0/24 label 2002 rd 65001:1 rt 65000:2002', { nextHop: G1 });
    await g2.addRoute('l2vpn-evpn', macadv('aa:bb:cc:00:00:04', '10.20.0.4', 1004, '10.99.0.4:1', '65000:1004'), { nextHop: G2 });
    await g2.addRoute('l2vpn-evpn', multicast(G2, 1004, '10.99.0.4:1', '65000:1004'), { nextHop: G2 });
    await g2.addRoute('l3vpn-ipv4-unicast', '10.30.4.0/24 label 2004 rd 65004:1 rt 65000:2004', { nextHop: G2 });

    const A2 = evpnKey.macadv('10.99.0.2:1', 'aa:bb:cc:00:00:01', '10.20.0.1');
    const A3 = evpnKey.multicast('10.99.0.2:1', G1);
    const B2 = evpnKey.macadv('10.99.0.4:1', 'aa:bb:cc:00:00:04', '10.20.0.4');
    const B3 = evpnKey.multicast('10.99.0.4:1', G2);
    const evpnAt = () => bgpiped.ribPaths('l2vpn-evpn');
    const vpnAt = () => bgpiped.ribPaths('l3vpn-ipv4-unicast');

    // --- gobgpd → bgpiped (G2's set B)
    expectFields(await waitPath(lab, `${B2} at bgpiped`, evpnAt, (p) => p.prefix === B2), {
      nextHop: G2, asPath: '65004', extendedCommunities: ['rt:65000:1004', 'encap:vxlan'], source: G2, best: true,
    }, 'bgpiped from gobgpd');
    const b3 = await waitPath(lab, `${B3} at bgpiped`, evpnAt, (p) => p.prefix === B3);
    expectFields(b3, { nextHop: G2, asPath: '65004', extendedCommunities: ['rt:65000:1004', 'encap:vxlan'], source: G2 }, 'bgpiped from gobgpd');
    expectPmsi(b3, 1004, G2, 'bgpiped from gobgpd');
    expectFields(await waitPath(lab, 'VPN-IPv4 65004:1:10.30.4.0/24 at bgpiped', vpnAt, (p) => p.prefix === '65004:1:10.30.4.0/24'), {
      nextHop: G2, asPath: '65004', extendedCommunities: ['rt:65000:2004'], source: G2,
    }, 'bgpiped from gobgpd');

    // --- FRR → bgpiped: G1's set A relayed (FRR keeps an EVPN next hop over eBGP), FRR's own VPN-IPv4
    expectFields(await waitPath(lab, `${A2} at bgpiped`, evpnAt, (p) => p.prefix === A2), {
      nextHop: G1, asPath: '65003 65001', extendedCommunities: ['rt:65000:1001', 'encap:vxlan'], source: FRR,
    }, 'bgpiped from FRR');
    const a3 = await waitPath(lab, `${A3} at bgpiped`, evpnAt, (p) => p.prefix === A3);
    expectFields(a3, { nextHop: G1, asPath: '65003 65001', source: FRR }, 'bgpiped from FRR');
    expectPmsi(a3, 1001, G1, 'bgpiped from FRR');
    expectFields(await waitPath(lab, 'VPN-IPv4 65003:1:10.31.0.0/24 at bgpiped', vpnAt, (p) => p.prefix === '65003:1:10.31.0.0/24'), {
      nextHop: FRR, asPath: '65003', extendedCommunities: ['rt:65000:3001'], source: FRR,
    }, 'bgpiped from FRR');
    expectFields(await waitPath(lab, 'VPN-IPv4 65001:1:10.30.2.0/24 at bgpiped', vpnAt, (p) => p.prefix === '65001:1:10.30.2.0/24'), {
      nextHop: FRR, asPath: '65003 65001', extendedCommunities: ['rt:65000:2002'], source: FRR,
    }, 'bgpiped from FRR');

    // --- bgpiped → gobgpd: set A and FRR's VPN-IPv4 at G2, labels and PMSI as G1 and FRR sent them
    const evpnAtG2 = () => g2.vpnRoutes('l2vpn-evpn');
    const vpnAtG2 = () => g2.vpnRoutes('l3vpn-ipv4-unicast');
    const fromUs = { nextHop: US, from: US };
    expectFields<GobgpVpnPath>(await waitPath(lab, `${A2} at G2`, evpnAtG2, (p) => p.prefix === A2), {
      ...fromUs, rd: '10.99.0.2:1', mac: 'aa:bb:cc:00:00:01', ip: '10.20.0.1', etag: 0, labels: [1001],
      extCommunities: ['rt:65000:1001', 'encap:8'], asPath: [65000, 65003, 65001],
    }, 'gobgpd from bgpiped');
    expectFields<GobgpVpnPath>(await waitPath(lab, `${A3} at G2`, evpnAtG2, (p) => p.prefix === A3), {
      ...fromUs, rd: '10.99.0.2:1', ip: G1, extCommunities: ['rt:65000:1001', 'encap:8'], pmsi: { tunnelType: 6, label: 1001, tunnelId: G1 },
    }, 'gobgpd from bgpiped');
    expectFields<GobgpVpnPath>(await waitPath(lab, '65003:1:10.31.0.0/24 at G2', vpnAtG2, (p) => p.prefix === '65003:1:10.31.0.0/24'), {
      ...fromUs, rd: '65003:1', labels: [3001], extCommunities: ['rt:65000:3001'], asPath: [65000, 65003],
    }, 'gobgpd from bgpiped');
    expectFields<GobgpVpnPath>(await waitPath(lab, '65001:1:10.30.2.0/24 at G2', vpnAtG2, (p) => p.prefix === '65001:1:10.30.2.0/24'), {
      ...fromUs, rd: '65001:1', labels: [2002], extCommunities: ['rt:65000:2002'],
    }, 'gobgpd from bgpiped');

    // --- bgpiped → FRR: set B with its VNI, and G2's VPN-IPv4
    const evpnAtFrr = () => frr.evpnRoutes();
    expectFields<FrrEvpnPath>(await waitPath(lab, 'type 2 of set B at FRR', evpnAtFrr, (p) => p.rd === '10.99.0.4:1' && p.routeType === 2), {
      mac: 'aa:bb:cc:00:00:04', ip: '10.20.0.4', vni: 1004, extCommunities: 'RT:65000:1004 ET:8', nextHop: US, asPath: [65000, 65004], from: US,
    }, 'FRR from bgpiped');
    expectFields<FrrEvpnPath>(await waitPath(lab, 'type 3 of set B at FRR', evpnAtFrr, (p) => p.rd === '10.99.0.4:1' && p.routeType === 3), {
      ip: G2, extCommunities: 'RT:65000:1004 ET:8', nextHop: US, from: US,
    }, 'FRR from bgpiped');
    expectFields(await waitPath(lab, '65004:1 10.30.4.0/24 at FRR', () => frr.vpnRoutes(), (p) => p.rd === '65004:1' && p.prefix === '10.30.4.0/24'), {
      nextHop: US, asPath: '65000 65004', from: US,
    }, 'FRR from bgpiped');
    // ... and what FRR passed on to G1 still carries the label and PMSI tunnel bgpiped sent.
    const evpnAtG1 = () => g1.vpnRoutes('l2vpn-evpn');
    expectFields<GobgpVpnPath>(await waitPath(lab, `${B2} at G1`, evpnAtG1, (p) => p.prefix === B2), {
      labels: [1004], extCommunities: ['rt:65000:1004', 'encap:8'], asPath: [65003, 65000, 65004],
    }, 'gobgpd behind FRR');
    // FRR does not keep a received PMSI tunnel endpoint: it writes the next hop it got (bgpiped's
    // own address, eBGP) as the tunnel id. What bgpiped sent FRR still has G2's.
    const toFrr = await bgpiped.ribPaths('l2vpn-evpn', { neighbor: FRR, table: 'out' });
    const b3Out = toFrr.find((p) => p.prefix === B3);
    assert.ok(b3Out, `bgpiped's Adj-RIB-Out to FRR holds ${B3}: ${JSON.stringify(toFrr)}`);
    expectPmsi(b3Out, 1004, G2, "bgpiped's Adj-RIB-Out to FRR");
    expectFields<GobgpVpnPath>(await waitPath(lab, `${B3} at G1`, evpnAtG1, (p) => p.prefix === B3), {
      pmsi: { tunnelType: 6, label: 1004, tunnelId: US },
    }, 'gobgpd behind FRR');
    expectFields<GobgpVpnPath>(await waitPath(lab, '65004:1:10.30.4.0/24 at G1', () => g1.vpnRoutes('l3vpn-ipv4-unicast'), (p) => p.prefix === '65004:1:10.30.4.0/24'), {
      labels: [2004], extCommunities: ['rt:65000:2004'],
    }, 'gobgpd behind FRR');

    // --- bgpipe rib -a evpn: gobgp's NLRI text, one line per path; -j is the API's JSON
    const text = await bgpipe(lab, bgpiped, ['rib', '-a', 'evpn']);
    const gobgpKeys = (await g2.vpnRoutes('l2vpn-evpn')).map((p) => p.prefix);
    for (const key of [A2, A3, B2, B3]) {
      assert.ok(gobgpKeys.includes(key), `gobgp prints ${key} the same way`);
      assert.match(text, new RegExp(`^\\*> ${key.replace(/[[\]().]/g, '\\$&')}\\s+\\S+`, 'm'), `bgpipe rib -a evpn shows ${key}:\n${text}`);
    }
    assert.match(text, /\{Extcomms: rt:65000:1004, encap:vxlan\}/, text);
    assert.match(text, /^ {3}Network\s+Labels\s+Next Hop/m, `a Labels column, as gobgp prints:\n${text}`);
    const json = JSON.parse(await bgpipe(lab, bgpiped, ['-j', 'rib', '-a', 'evpn'])) as { prefix: string; paths: { source: string; labels: number[] }[] }[];
    assert.deepEqual(json.map((d) => d.prefix).sort(), [A2, A3, B2, B3].sort());
    // Type 2 carries its VNI in the NLRI; type 3 has no label field (its VNI is in the PMSI tunnel).
    for (const d of json) for (const p of d.paths) assert.equal(p.labels.length > 0, d.prefix.startsWith('[type:macadv]'), `labels of ${d.prefix} in the JSON`);
    assert.deepEqual(json.find((d) => d.prefix === B2)?.paths.map((p) => p.source), [G2]);
    const vpnText = await bgpipe(lab, bgpiped, ['rib', '-a', 'vpnv4']);
    const gobgpVpnKeys = (await g2.vpnRoutes('l3vpn-ipv4-unicast')).map((p) => p.prefix);
    for (const key of ['65003:1:10.31.0.0/24', '65001:1:10.30.2.0/24', '65004:1:10.30.4.0/24']) {
      assert.ok(gobgpVpnKeys.includes(key), `gobgp prints ${key} the same way`);
      assert.match(vpnText, new RegExp(`^\\*> ${key.replace(/\./g, '\\.')}\\s`, 'm'), `bgpipe rib -a vpnv4 shows ${key}:\n${vpnText}`);
    }

    // --- withdrawals both ways
    await g2.deleteRoute('l2vpn-evpn', macadv('aa:bb:cc:00:00:04', '10.20.0.4', 1004, '10.99.0.4:1', '65000:1004'));
    await g1.deleteRoute('l2vpn-evpn', multicast(G1, 1001, '10.99.0.2:1', '65000:1001'));
    await frr.vtysh('configure terminal', 'router bgp 65003', 'address-family ipv4 vpn', 'no network 10.31.0.0/24 rd 65003:1 label 3001');
    await waitNoPath(lab, `${B2} at FRR`, evpnAtFrr, (p) => p.rd === '10.99.0.4:1' && p.routeType === 2);
    await waitNoPath(lab, `${B2} at G1`, evpnAtG1, (p) => p.prefix === B2);
    await waitNoPath(lab, `${A3} at bgpiped`, evpnAt, (p) => p.prefix === A3);
    await waitNoPath(lab, `${A3} at G2`, evpnAtG2, (p) => p.prefix === A3);
    await waitNoPath(lab, '65003:1:10.31.0.0/24 at G2', vpnAtG2, (p) => p.prefix === '65003:1:10.31.0.0/24');
    // the rest stays
    await waitPath(lab, `${A2} at G2`, evpnAtG2, (p) => p.prefix === A2, 1000);
    await waitPath(lab, `${B3} at G1`, evpnAtG1, (p) => p.prefix === B3, 1000);
    await lab.destroy();
  });

  it('RT constraint as route reflector: an RTC client gets only the VPN routes it imports; ExaBGP negotiates RTC', async () => {
    const lab = await labWith('rtc', [1, 2, 3, 4]);
    labs.push(lab);
    const C1 = '10.99.0.2';
    const C2 = '10.99.0.3';
    const EXA = '10.99.0.4';
    const families: Record<string, Family[]> = {
      [C1]: ['l2vpn-evpn', 'l3vpn-ipv4-unicast'],
      [C2]: ['rtc', 'l2vpn-evpn', 'l3vpn-ipv4-unicast'],
      [EXA]: ['rtc', 'l3vpn-ipv4-unicast'],
    };
    const bgpiped = await startBgpiped(lab, {
      configToml: bgpipedToml({
        asn: 65000,
        routerId: US,
        listen: [US],
        neighbors: [C1, C2, EXA].map((address) => ({
          address, asn: 65000, passive: address === EXA, localAddress: US, routeReflectorClient: true, families: families[address],
        })),
      }),
      apiPort: 8082,
    });
    const toUs = (c: string) => [{ address: US, asn: 65000, passive: c !== EXA, families: families[c] }];
    const [c1, c2, exa] = await Promise.all([
      startGobgpd(lab, { routerId: C1, asn: 65000, listenAddress: [C1], neighbors: toUs(C1) }),
      startGobgpd(lab, { routerId: C2, asn: 65000, listenAddress: [C2], neighbors: toUs(C2) }),
      startExabgp(lab, { routerId: EXA, asn: 65000, listenAddress: EXA, neighbors: toUs(EXA) }),
    ]);
    await Promise.all([C1, C2, EXA].map((a) => bgpiped.waitEstablished(a, 30_000)));
    const exaFamilies = ((await bgpiped.api('GET', `/bgpipe/v1/neighbors/${EXA}`)).json as { families: string[] }).families;
    assert.ok(exaFamilies.includes('rtc'), `ExaBGP negotiated RTC: ${exaFamilies.join(', ')}`);

    // C2 imports red only: one RTC route 65000:65000:100 from it.
    await c2.cli(['vrf', 'add', 'red', 'rd', '10.99.0.3:100', 'rt', 'import', '65000:100', 'export', '65000:100']);
    // `vrf NAME rib add -a evpn` wants the RD and RTs again ("error: specify rd").
    await c2.cli(['vrf', 'red', 'rib', 'add', '-a', 'evpn', ...macadv('aa:bb:cc:00:03:00', '10.40.3.1', 300, '10.99.0.3:100', '65000:100').split(' '), 'nexthop', C2]);
    const RED1 = evpnKey.macadv('10.99.0.2:100', 'aa:bb:cc:00:01:00', '10.40.1.1');
    const BLUE1 = evpnKey.macadv('10.99.0.2:200', 'aa:bb:cc:00:02:00', '10.40.2.1');
    const RED2 = evpnKey.macadv('10.99.0.3:100', 'aa:bb:cc:00:03:00', '10.40.3.1');
    await c1.addRoute('l2vpn-evpn', macadv('aa:bb:cc:00:01:00', '10.40.1.1', 100, '10.99.0.2:100', '65000:100'), { nextHop: C1 });
    await c1.addRoute('l2vpn-evpn', macadv('aa:bb:cc:00:02:00', '10.40.2.1', 200, '10.99.0.2:200', '65000:200'), { nextHop: C1 });
    await exa.send(`announce route 10.42.1.0/24 rd ${EXA}:100 label 400 next-hop ${EXA} extended-community [target:65000:100]`);
    await exa.send(`announce route 10.42.2.0/24 rd ${EXA}:200 label 401 next-hop ${EXA} extended-community [target:65000:200]`);

    const evpnAt = () => bgpiped.ribPaths('l2vpn-evpn');
    // bgpiped holds every route, blue included, and C2's membership.
    for (const key of [RED1, BLUE1, RED2]) await waitPath(lab, `${key} at bgpiped`, evpnAt, (p) => p.prefix === key);
    await waitPath(lab, 'ExaBGP blue VPN-IPv4 at bgpiped', () => bgpiped.ribPaths('l3vpn-ipv4-unicast'), (p) => p.prefix === `${EXA}:200:10.42.2.0/24`);
    const rtc = await waitPath(lab, 'C2 RTC route at bgpiped', () => bgpiped.ribPaths('rtc'), (p) => p.source === C2);
    assert.equal(rtc.extendedCommunities.length, 0);
    assert.match(rtc.prefix, /65000:100/, `C2's membership: ${rtc.prefix}`);

    // C2: red from C1 (reflected, label and RT intact) and from ExaBGP; nothing blue.
    const evpnAtC2 = () => c2.vpnRoutes('l2vpn-evpn');
    const vpnAtC2 = () => c2.vpnRoutes('l3vpn-ipv4-unicast');
    expectFields<GobgpVpnPath>(await waitPath(lab, `${RED1} at C2`, evpnAtC2, (p) => p.prefix === RED1), {
      labels: [100], extCommunities: ['rt:65000:100', 'encap:8'], nextHop: C1, originatorId: C1, clusterList: [US],
    }, 'RTC client');
    expectFields<GobgpVpnPath>(await waitPath(lab, 'ExaBGP red at C2', vpnAtC2, (p) => p.prefix === `${EXA}:100:10.42.1.0/24`), {
      labels: [400], extCommunities: ['rt:65000:100'], nextHop: EXA,
    }, 'RTC client');
    assert.ok(!(await evpnAtC2()).some((p) => p.prefix === BLUE1), 'C2 does not import 65000:200: no blue EVPN route');
    assert.ok(!(await vpnAtC2()).some((p) => p.prefix.startsWith(`${EXA}:200:`)), 'C2 does not import 65000:200: no blue VPN-IPv4 route');
    // C1 did not negotiate RTC: it gets everything, C2's red route included.
    await waitPath(lab, `${RED2} at C1`, () => c1.vpnRoutes('l2vpn-evpn'), (p) => p.prefix === RED2);
    await waitPath(lab, 'ExaBGP blue at C1', () => c1.vpnRoutes('l3vpn-ipv4-unicast'), (p) => p.prefix === `${EXA}:200:10.42.2.0/24`);

    // ExaBGP (RTC, no membership of its own: 4.2 cannot announce one) was sent the default RTC
    // route, as a route reflector client, and C2's membership; and no VPN route.
    const exaRtc = await waitPath(lab, 'default RTC route to ExaBGP', () => bgpiped.ribPaths('rtc', { neighbor: EXA, table: 'out' }), (p) => p.source === 'local');
    assert.ok(exaRtc.prefix !== rtc.prefix, `default membership ${exaRtc.prefix}`);
    assert.deepEqual(await bgpiped.ribPaths('l3vpn-ipv4-unicast', { neighbor: EXA, table: 'out' }), []);
    assert.deepEqual(await bgpiped.ribPaths('l2vpn-evpn', { neighbor: C2, table: 'out' }).then((ps) => ps.filter((p) => p.prefix === BLUE1)), []);

    // C2 starts importing blue: its new RTC route brings the blue routes.
    await c2.cli(['vrf', 'add', 'blue', 'rd', '10.99.0.3:200', 'rt', 'import', '65000:200', 'export', '65000:200']);
    expectFields<GobgpVpnPath>(await waitPath(lab, `${BLUE1} at C2`, evpnAtC2, (p) => p.prefix === BLUE1), {
      labels: [200], extCommunities: ['rt:65000:200', 'encap:8'],
    }, 'RTC client after a new import');
    await waitPath(lab, 'ExaBGP blue at C2', vpnAtC2, (p) => p.prefix === `${EXA}:200:10.42.2.0/24`);
    // Not tested: the withdrawal when C2 drops the import. `gobgp vrf del blue` makes gobgpd 3.10
    // panic while it holds the default RTC route (nil pointer in table.(*Table).deleteRTCPathsByVrf,
    // table.go:112), and nothing else makes it withdraw an RTC route.
    await waitPath(lab, `${RED1} still at C2`, evpnAtC2, (p) => p.prefix === RED1, 1000);
    await lab.destroy();
  });

  it('passes on a new label for the same EVPN MAC/IP route (RFC 7432 keys type 2 without it)', async () => {
    const lab = await labWith('label', [1, 2, 3]);
    labs.push(lab);
    const G2 = '10.99.0.2';
    const G3 = '10.99.0.3';
    const neighbors = [G2, G3].map((address, i) => ({ address, asn: 65002 + i, localAddress: US, families: EVPN_VPN }));
    const bgpiped = await startBgpiped(lab, { configToml: bgpipedToml({ asn: 65000, routerId: US, listen: [US], neighbors }), apiPort: 8082 });
    const [g2, g3] = await Promise.all(
      neighbors.map((n) => startGobgpd(lab, { routerId: n.address, asn: n.asn, listenAddress: [n.address], neighbors: [{ address: US, asn: 65000, passive: true, families: EVPN_VPN }] })),
    );
    await Promise.all([G2, G3].map((a) => bgpiped.waitEstablished(a, 30_000)));
    const key = evpnKey.macadv('10.99.0.2:1', 'aa:bb:cc:00:00:02', '10.20.0.2');
    await g2!.addRoute('l2vpn-evpn', macadv('aa:bb:cc:00:00:02', '10.20.0.2', 1002, '10.99.0.2:1', '65000:1002'), { nextHop: G2 });
    await waitPath(lab, `${key} label 1002 at G3`, () => g3!.vpnRoutes('l2vpn-evpn'), (p) => p.prefix === key && p.labels[0] === 1002);
    await g2!.addRoute('l2vpn-evpn', macadv('aa:bb:cc:00:00:02', '10.20.0.2', 1003, '10.99.0.2:1', '65000:1002'), { nextHop: G2 });
    await waitPath(lab, `${key} label 1003 at G3`, () => g3!.vpnRoutes('l2vpn-evpn'), (p) => p.prefix === key && p.labels[0] === 1003, 5000);
    await lab.destroy();
  });
});
