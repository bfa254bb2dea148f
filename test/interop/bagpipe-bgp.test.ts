/**
 * bgpiped with the real bagpipe-bgp 17 (Debian `python3-networking-bagpipe`, dummy dataplane
 * drivers), in one network namespace made here:
 *
 *     bagpipe-bgp BP (10.99.0.11) ──┐
 *                                   ├── bgpiped RR (10.99.0.1), route reflector, AS 64512
 *     bgpiped BG (10.99.0.12) ──────┘
 *
 * BP and BG are two hosts of the same cloud: BP is the daemon bgpipe replaces, BG is bgpiped
 * started with bagpipe-bgp's own INI (`--config-file`), as a host that switched binaries. Both
 * get attachments through the same REST API (`POST /attach_localport`), and each host's VPN
 * instances must import the other's routes through the route reflector:
 *
 *   - BP's EVPN type 2 (MAC/IP, VNI) and type 3 (inclusive multicast, ingress-replication PMSI),
 *     VPN-IPv4 and RTC routes in the RR's RIB with bagpipe-bgp's RD, MAC, IP, label and RT;
 *   - BG's routes in BP's VPN instances (its looking glass best_routes), and BP's in BG's
 *     (bgpiped's bagpipe-compatible looking glass received_routes);
 *   - RT constraint (RFC 4684): a route whose RT a host does not import is not sent to it by the
 *     RR, until the host starts importing it;
 *   - a detach on each side withdraws the routes on the other.
 *
 * What bagpipe-bgp refused on the way (lib/bagpipe.ts has the details):
 *   - a negotiated hold time of 30 s or less: it drops the session right after Established
 *     without a NOTIFICATION, logging `Exception while initiating connection: : AssertionError`
 *     (engine/bgp_peer_worker.py: `assert holdtime > 30`). The RR offers it 90 s.
 *   - (a warning only) `Peer does not advertise (ipv4,flow-vpn) capability`: the RR does not
 *     configure FlowSpec VPN, and bagpipe-bgp carries on with the other families.
 *
 * Needs root and python3-networking-bagpipe (scripts/setup-host.sh).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createLab,
  startBagpipe,
  startBgpiped,
  waitFor,
  type ApiPath,
  type BagpipeBgp,
  type BagpipeLgRoute,
  type Bgpiped,
  type Family,
  type Lab,
} from './lib/index.js';
import { bgpipedToml } from './bgpiped-config.js';

const AS = 64512;
const RR = '10.99.0.1';
const BP = '10.99.0.11';
const BG = '10.99.0.12';
const FAMILIES: Family[] = ['l2vpn-evpn', 'l3vpn-ipv4-unicast', 'rtc'];

/** An attachment as the networking-bagpipe agent sends it (reference §3.3). */
function attachment(vpnType: 'evpn' | 'ipvpn', id: string, mac: string, ip: string, rt: string, port: string) {
  return {
    vpn_type: vpnType,
    vpn_instance_id: id,
    mac_address: mac,
    ip_address: `${ip}/24`,
    gateway_ip: ip.replace(/\.\d+$/, '.254'),
    local_port: { linuxif: port },
    import_rt: [rt],
    export_rt: [rt],
  };
}

/** The RR's RIB keys (gobgp's text) for what a host attached. */
const key = {
  macadv: (rd: string, mac: string, ip: string) => `[type:macadv][rd:${rd}][etag:0][mac:${mac}][ip:${ip}]`,
  multicast: (rd: string, ip: string) => `[type:multicast][rd:${rd}][etag:0][ip:${ip}]`,
  vpnv4: (rd: string, prefix: string) => `${rd}:${prefix}`,
  rtc: (rt: string) => `${AS}:${rt}`,
};

/** bagpipe-bgp's looking-glass text (exabgp's repr) for the same routes (reference §3.5). */
const lgText = {
  macadv: (rd: string, mac: string, ip: string, vni: number) => `evpn:macadv::${rd}:-:0:${mac.toUpperCase()}/48:${ip}: label ${vni >> 4} (${vni})`,
  multicast: (rd: string, ip: string) => `evpn:multicast::${rd}:0:${ip}`,
  vpnv4: (prefix: string, label: number, nextHop: string, rd: string) => `${prefix} label ${label} next-hop ${nextHop} rd ${rd}`,
};

function expectFields<T extends object>(p: T, expected: Partial<T>, where: string): void {
  for (const [k, v] of Object.entries(expected)) assert.deepEqual(p[k as keyof T], v, `${where}: ${k}: ${JSON.stringify(p)}`);
}

describe('bgpiped with the real bagpipe-bgp: EVPN, VPN-IPv4, RT constraint through a bgpiped route reflector', { concurrency: 1, timeout: 120_000 }, () => {
  let lab: Lab;
  let rr: Bgpiped;
  let bp: BagpipeBgp;
  let bg: Bgpiped;

  before(async () => {
    lab = await createLab('bagpipe');
    for (const a of [RR, BP, BG]) await lab.addAddress(a);
    rr = await startBgpiped(lab, {
      configToml: bgpipedToml({
        asn: AS,
        routerId: RR,
        listen: [RR],
        // bagpipe-bgp only connects; bgpiped BG connects too (and would accept).
        neighbors: [BP, BG].map((address) => ({ address, asn: AS, passive: true, routeReflectorClient: true, clusterId: RR, holdTime: 90, families: FAMILIES })),
      }),
      apiPort: 8082,
    });
    [bp, bg] = await Promise.all([
      startBagpipe(lab, { localAddress: BP, peers: [RR], asn: AS, apiPort: 8091 }),
      // bagpipe-bgp's INI, unchanged but for the addresses: a host that switched binaries.
      startBgpiped(lab, {
        configIni: [
          '[BGP]', `local_address=${BG}`, `peers=${RR}`, `my_as=${AS}`, 'enable_rtc=True', 'bgp_port=179',
          '[API]', 'host=127.0.0.1', 'port=8092',
          '[DATAPLANE_DRIVER_IPVPN]', 'dataplane_driver=dummy',
          '[DATAPLANE_DRIVER_EVPN]', 'dataplane_driver=dummy', '',
        ].join('\n'),
        apiPort: 8092,
      }),
    ]);
  });

  after(async () => {
    await lab?.destroy();
  });

  // ----- readers and waits

  const ribAt = (d: Bgpiped, f: Family) => () => d.ribPaths(f);
  const adjOut = (neighbor: string, f: Family) => () => rr.ribPaths(f, { neighbor, table: 'out' });
  /** bgpiped's looking glass (bagpipe-bgp's shapes) of one instance. */
  const bgLg = async (id: string, which: 'received_routes' | 'best_routes'): Promise<Record<string, unknown[]>> => {
    const r = await bg.api('GET', `/looking-glass/vpns/instances/${id}/${which}`, undefined, { accept: 'application/json' });
    return r.status === 200 ? (r.json as Record<string, unknown[]>) : {};
  };

  async function waitPath(what: string, read: () => Promise<ApiPath[]>, prefix: string, source?: string): Promise<ApiPath> {
    const match = (p: ApiPath) => p.prefix === prefix && (source === undefined || p.source === source);
    const all = await waitFor(read, { what, until: (ps) => ps.some(match), timeoutMs: 15_000, diagnostics: () => lab.dumpLogs() });
    return all.find(match)!;
  }

  async function waitNoPath(what: string, read: () => Promise<ApiPath[]>, match: (p: ApiPath) => boolean): Promise<void> {
    await waitFor(read, { what: `no ${what}`, until: (ps) => !ps.some(match), timeoutMs: 15_000, diagnostics: () => lab.dumpLogs() });
  }

  /** Waits for a route in one of BP's instances (best_routes), by its looking-glass NLRI text. */
  async function waitBp(id: string, nlri: string, present = true): Promise<BagpipeLgRoute | undefined> {
    const routes = await waitFor(() => bp.instanceRoutes(id, 'best_routes'), {
      what: `${present ? '' : 'no '}${nlri} in bagpipe-bgp's ${id} best_routes`,
      until: (rs) => rs.some((r) => r.nlri === nlri) === present,
      timeoutMs: 15_000,
      diagnostics: () => lab.dumpLogs(),
    });
    return routes.find((r) => r.nlri === nlri);
  }

  /** Waits until an entry of BG's instance's received_routes is there (or gone). */
  async function waitBg(id: string, entry: string, present = true): Promise<Record<string, unknown>> {
    const all = await waitFor(() => bgLg(id, 'received_routes'), {
      what: `${present ? '' : 'no '}${entry} in bgpiped BG's ${id} received_routes`,
      until: (r) => (entry in r) === present,
      timeoutMs: 15_000,
      diagnostics: () => lab.dumpLogs(),
    });
    return (all[entry]?.[0] ?? {}) as Record<string, unknown>;
  }

  async function bgAttach(path: '/attach_localport' | '/detach_localport', body: Record<string, unknown>): Promise<void> {
    const r = await bg.api('POST', path, body, { accept: 'application/json' });
    assert.equal(r.status, 200, `bgpiped BG ${path}: ${r.body}`);
    assert.equal(r.body, 'null');
  }

  // ----- the tests

  it('sessions: bagpipe-bgp and bgpiped (bagpipe INI) are Established with the route reflector, RTC active', async () => {
    await Promise.all([rr.waitEstablished(BP, 30_000), rr.waitEstablished(BG, 30_000), bp.waitEstablished(RR, 30_000), bg.waitEstablished(RR, 30_000)]);
    const n = (await rr.api('GET', `/bgpipe/v1/neighbors/${BP}`)).json as { families: string[]; holdTime: number };
    assert.deepEqual([...n.families].sort(), [...FAMILIES].sort(), 'families negotiated with bagpipe-bgp');
    assert.equal(n.holdTime, 90);
    const peer = (await bp.lg(`bgp/peers/${RR}`)) as { rtc: { active: boolean }; active_families: string[]; as_info: { local: number; peer: number } };
    assert.equal(peer.rtc.active, true, `bagpipe-bgp: RTC active with the RR: ${JSON.stringify(peer)}`);
    for (const f of ['(ipv4, mpls-vpn)', '(l2vpn, evpn)', '(ipv4, rtc)']) assert.ok(peer.active_families.includes(f), `bagpipe-bgp active family ${f}: ${peer.active_families.join(' ')}`);
  });

  // bagpipe-bgp numbers deterministically from a fresh start (reference §3.5): EVI-1 takes RD
  // :0 and VNI 16, its endpoint RD :1 and label 17; VRF-2 takes RD :2 and label 18, its endpoint
  // RD :3 and label 19. bgpiped does the same, so BG's routes have the same numbers.
  const MAC_BP = '52:54:00:99:0a:01';
  const MAC_BG = '52:54:00:99:0b:02';

  it("bagpipe-bgp's attachments (evpn, ipvpn) → its type 2, type 3, VPN-IPv4 and RTC routes in the RR's RIB", async () => {
    await bp.attach(attachment('evpn', 'net-a', MAC_BP, '10.99.10.1', `${AS}:10`, 'tap-bp-a'));
    await bp.attach(attachment('ipvpn', 'vrf-a', '52:54:00:99:1a:01', '10.99.30.1', `${AS}:30`, 'tap-bp-v'));
    const evi = (await bp.lg('vpns/instances/net-a')) as { instance_dataplane_id: number; name: string };
    assert.deepEqual([evi.name, evi.instance_dataplane_id], ['EVI-1', 16], "bagpipe-bgp's numbering from a fresh start");
    const vrfPorts = (await bp.lg('vpns/instances/vrf-a/ports')) as Record<string, { endpoints: { label: number; rd: string }[] }>;
    assert.deepEqual(vrfPorts['tap-bp-v']?.endpoints.map((e) => e.label), [19]);

    const fromBp = { nextHop: BP, asPath: '', origin: 'i', localPref: 100, source: BP, best: true };
    const t2 = await waitPath('type 2 of BP at the RR', ribAt(rr, 'l2vpn-evpn'), key.macadv(`${BP}:0`, MAC_BP, '10.99.10.1'));
    expectFields(t2, { ...fromBp, labels: [16] }, 'type 2 from bagpipe-bgp');
    // bagpipe-bgp does not send the consistent-hash sort order community it builds (exabgp keeps
    // one EXTENDED_COMMUNITIES attribute per route, the first added).
    assert.deepEqual([...t2.extendedCommunities].sort(), ['encap:vxlan', `rt:${AS}:10`]);
    const t3 = await waitPath('type 3 of BP at the RR', ribAt(rr, 'l2vpn-evpn'), key.multicast(`${BP}:0`, BP));
    expectFields(t3, { ...fromBp, labels: [], pmsiTunnel: `type: ingress-repl, label: 16, tunnel-id: ${BP}` }, 'type 3 from bagpipe-bgp');
    assert.deepEqual([...t3.extendedCommunities].sort(), ['encap:vxlan', `rt:${AS}:10`]);
    const v4 = await waitPath('VPN-IPv4 of BP at the RR', ribAt(rr, 'l3vpn-ipv4-unicast'), key.vpnv4(`${BP}:2`, '10.99.30.1/32'));
    expectFields(v4, { ...fromBp, labels: [19] }, 'VPN-IPv4 from bagpipe-bgp');
    assert.deepEqual([...v4.extendedCommunities].sort(), ['encap:mpls', `rt:${AS}:30`]);
    for (const rt of ['10', '30']) {
      const rtc = await waitPath(`RTC ${AS}:${rt} of BP at the RR`, ribAt(rr, 'rtc'), key.rtc(`${AS}:${rt}`), BP);
      expectFields(rtc, { nextHop: BP, extendedCommunities: [] }, 'RTC from bagpipe-bgp');
    }
  });

  it("bgpiped BG's attachments → bagpipe-bgp imports them into its instances, and BG imports bagpipe-bgp's", async () => {
    await bgAttach('/attach_localport', attachment('evpn', 'net-a', MAC_BG, '10.99.10.2', `${AS}:10`, 'tap-bg-a'));
    await bgAttach('/attach_localport', attachment('ipvpn', 'vrf-a', '52:54:00:99:1b:02', '10.99.30.2', `${AS}:30`, 'tap-bg-v'));

    // bagpipe-bgp's EVI: BG's MAC/IP with its VNI, and BG as a flooding destination (PMSI).
    const t2 = await waitBp('net-a', lgText.macadv(`${BG}:0`, MAC_BG, '10.99.10.2', 16));
    expectFields(t2!, { nextHop: BG, routeTargets: [`target:${AS}:10`], source: `BGP-${RR}` }, "BG's type 2 at bagpipe-bgp");
    const t3 = await waitBp('net-a', lgText.multicast(`${BG}:0`, BG));
    expectFields(t3!, { nextHop: BG, routeTargets: [`target:${AS}:10`], pmsiTunnel: `pmsi:ingressreplication:0:1(16):${BG}` }, "BG's type 3 at bagpipe-bgp");
    const attrs = (t2!.raw as { attributes: Record<string, string> }).attributes;
    expectFields(attrs, { 'originator-id': BG, 'cluster-list': `[ ${RR} ]`, 'local-preference': '100' }, "BG's type 2 at bagpipe-bgp, reflected");
    assert.match(attrs['extended-community'] ?? '', /encap:VXLAN/);
    const keys = await bp.instanceRouteKeys('net-a', 'best_routes');
    assert.deepEqual(keys.sort(), [`('MAC', ${MAC_BG.toUpperCase()})`, `('Multicast', (${BG},  rd ${BG}:0))`].sort(), 'bagpipe-bgp tracks BG\'s type 2 and 3');
    // bagpipe-bgp's VRF: BG's /32 with its label.
    const v4 = await waitBp('vrf-a', lgText.vpnv4('10.99.30.2/32', 19, BG, `${BG}:2`));
    expectFields(v4!, { nextHop: BG, routeTargets: [`target:${AS}:30`] }, "BG's VPN-IPv4 at bagpipe-bgp");
    assert.deepEqual(await bp.instanceRouteKeys('vrf-a', 'best_routes'), ["'10.99.30.2/32'"]);

    // bgpiped BG's instances: bagpipe-bgp's routes, in bagpipe-bgp's looking-glass shapes.
    const macEntry = `('MAC', ${MAC_BP.toUpperCase()})`;
    const fromBp = await waitBg('net-a', macEntry);
    assert.deepEqual(Object.keys(fromBp), [lgText.macadv(`${BP}:0`, MAC_BP, '10.99.10.1', 16)]);
    // The same route reads the same in both looking glasses (exabgp's reprs): what BG shows of
    // BP's type 3 is what BP shows of BG's.
    const bpT3 = await waitBg('net-a', `('Multicast', (${BP},  rd ${BP}:0))`);
    const bpT3Attrs = (bpT3[lgText.multicast(`${BP}:0`, BP)] as { attributes: Record<string, string> }).attributes;
    const bgT3Attrs = (t3!.raw as { attributes: Record<string, string> }).attributes;
    expectFields(bpT3Attrs, {
      'extended-community': bgT3Attrs['extended-community'],
      'pmsi-tunnel': bgT3Attrs['pmsi-tunnel']?.replace(BG, BP),
      'originator-id': BP,
      'cluster-list': bgT3Attrs['cluster-list'],
    }, "bgpiped's looking glass of bagpipe-bgp's type 3");
    const vrfEntry = await waitBg('vrf-a', "'10.99.30.1/32'");
    assert.deepEqual(Object.keys(vrfEntry), [lgText.vpnv4('10.99.30.1/32', 19, BP, `${BP}:2`)]);
    assert.deepEqual(Object.keys(await bgLg('vrf-a', 'best_routes')), ["'10.99.30.1/32'"]);
  });

  it('RT constraint: the RR sends a host no route whose RT it does not import, until it imports it', async () => {
    // BP exports 64512:20 (net-b), BG exports 64512:40 (net-c); neither imports the other's.
    await bp.attach(attachment('evpn', 'net-b', '52:54:00:99:0a:20', '10.99.20.1', `${AS}:20`, 'tap-bp-b'));
    await bgAttach('/attach_localport', attachment('evpn', 'net-c', '52:54:00:99:0b:40', '10.99.40.2', `${AS}:40`, 'tap-bg-c'));
    // Both are the third instance of their host: EVI-3, RD :4 (reference §3.5).
    const netB = key.macadv(`${BP}:4`, '52:54:00:99:0a:20', '10.99.20.1');
    const netC = key.macadv(`${BG}:4`, '52:54:00:99:0b:40', '10.99.40.2');
    await waitPath('net-b type 2 of BP at the RR', ribAt(rr, 'l2vpn-evpn'), netB);
    await waitPath('net-c type 2 of BG at the RR', ribAt(rr, 'l2vpn-evpn'), netC);
    // Both RTC memberships reached the RR, so the RR's filters are settled for these RTs.
    await waitPath(`RTC ${AS}:20 of BP`, ribAt(rr, 'rtc'), key.rtc(`${AS}:20`), BP);
    await waitPath(`RTC ${AS}:40 of BG`, ribAt(rr, 'rtc'), key.rtc(`${AS}:40`), BG);
    const carries = (rt: string) => (p: ApiPath) => p.extendedCommunities.includes(`rt:${AS}:${rt}`);
    assert.deepEqual((await adjOut(BG, 'l2vpn-evpn')()).filter(carries('20')), [], 'RR → BG: nothing with 64512:20');
    assert.deepEqual((await adjOut(BP, 'l2vpn-evpn')()).filter(carries('40')), [], 'RR → BP: nothing with 64512:40');
    assert.deepEqual((await bg.ribPaths('l2vpn-evpn')).filter(carries('20')), [], 'BG holds nothing with 64512:20');
    const bpEvpn = (await bp.bgpRoutes())['l2vpn/evpn,*'] ?? [];
    assert.deepEqual(bpEvpn.filter((r) => r.routeTargets.includes(`target:${AS}:40`)).map((r) => r.nlri), [], 'bagpipe-bgp holds nothing with 64512:40');
    // ... while what they do import flows (the positive control of the same sessions).
    assert.ok((await adjOut(BG, 'l2vpn-evpn')()).some(carries('10')), 'RR → BG: net-a routes');

    // BG starts importing 64512:20: its RTC route brings BP's net-b routes, both ways.
    await bgAttach('/attach_localport', attachment('evpn', 'net-b', '52:54:00:99:0b:20', '10.99.20.2', `${AS}:20`, 'tap-bg-b'));
    await waitPath('net-b type 2 of BP at BG', ribAt(bg, 'l2vpn-evpn'), netB, RR);
    await waitBg('net-b', `('MAC', 52:54:00:99:0A:20)`);
    // BG's net-b is its EVI-4 (after net-c, EVI-3, took RD :4, VNI 20 and the endpoint's RD :5).
    await waitBp('net-b', lgText.macadv(`${BG}:6`, '52:54:00:99:0b:20', '10.99.20.2', 22));
  });

  it('detach on each side withdraws the routes on the other', async () => {
    // BP detaches its VRF port (the last: VRF-2 goes away) → gone from BG's VRF and the RR.
    await bp.detach({ vpn_type: 'ipvpn', vpn_instance_id: 'vrf-a', mac_address: '52:54:00:99:1a:01', ip_address: '10.99.30.1/24', local_port: { linuxif: 'tap-bp-v' } });
    await waitBg('vrf-a', "'10.99.30.1/32'", false);
    await waitNoPath('VPN-IPv4 of BP at the RR', ribAt(rr, 'l3vpn-ipv4-unicast'), (p) => p.source === BP);
    // BG detaches its EVPN port of net-a (the last: the EVI goes, type 3 included) → gone from BP's EVI.
    await bgAttach('/detach_localport', { vpn_type: 'evpn', vpn_instance_id: 'net-a', mac_address: MAC_BG, local_port: { linuxif: 'tap-bg-a' } });
    await waitBp('net-a', lgText.macadv(`${BG}:0`, MAC_BG, '10.99.10.2', 16), false);
    await waitBp('net-a', lgText.multicast(`${BG}:0`, BG), false);
    // BP's net-a and BG's vrf-a go too: nothing of either is left at the RR but net-b/net-c.
    await bp.detach({ vpn_type: 'evpn', vpn_instance_id: 'net-a', mac_address: MAC_BP, ip_address: '10.99.10.1/24', local_port: { linuxif: 'tap-bp-a' } });
    await bgAttach('/detach_localport', { vpn_type: 'ipvpn', vpn_instance_id: 'vrf-a', mac_address: '52:54:00:99:1b:02', ip_address: '10.99.30.2/24', local_port: { linuxif: 'tap-bg-v' } });
    await waitNoPath('net-a routes at the RR', ribAt(rr, 'l2vpn-evpn'), (p) => p.extendedCommunities.includes(`rt:${AS}:10`));
    await waitNoPath('VPN-IPv4 routes at the RR', ribAt(rr, 'l3vpn-ipv4-unicast'), () => true);
    // ... and their RTC memberships are withdrawn with the last importing instance.
    await waitNoPath(`RTC ${AS}:10 and ${AS}:30 at the RR`, ribAt(rr, 'rtc'), (p) => p.prefix === key.rtc(`${AS}:10`) || p.prefix === key.rtc(`${AS}:30`));
    assert.deepEqual(await bp.instanceRoutes('vrf-a'), [], "bagpipe-bgp's vrf-a is gone");
  });
});
