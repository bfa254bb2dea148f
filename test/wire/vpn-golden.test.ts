/** VPN family UPDATEs captured from gobgpd 3.10.0 (fixtures/README.md, capture/run3.sh): EVPN,
 *  VPN-IPv4/IPv6 and RTC decode to the fields gobgp was told, and re-encode to gobgp's bytes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IPV4_VPN, IPV6_VPN, L2VPN_EVPN, RTC } from '../../src/wire/family.js';
import { decodeUpdate, encodeUpdates, encodeWithdrawals } from '../../src/wire/update.js';
import { nlriCodec } from '../../src/wire/nlri/registry.js';
import type { EvpnRoute } from '../../src/wire/nlri/evpn.js';
import type { VpnPrefix } from '../../src/wire/nlri/vpn.js';
import type { RtcRoute } from '../../src/wire/nlri/rtc.js';
import { formatExtCommunity, macMobilitySequence, routerMacOf, esiLabelOf, hasDefaultGateway, routeTarget, encapsulationsOf } from '../../src/wire/attributes/ext-communities.js';
import { formatEsi } from '../../src/wire/nlri/esi.js';
import { vniOf } from '../../src/wire/nlri/labels.js';
import type { UpdateMessage } from '../../src/wire/messages.js';
import { bodyOf, fixture, IBGP4 } from './helpers.js';

function update(name: string): UpdateMessage {
  return decodeUpdate(bodyOf(fixture(name)).body, IBGP4);
}

/** The attributes of an UPDATE message in ascending type code order, as gobgp writes them
 *  (bgpipe puts MP_REACH_NLRI first, RFC 7606 §5.1); everything else untouched. */
function inCodeOrder(msg: Buffer): Buffer {
  const wl = msg.readUInt16BE(19);
  const aStart = 21 + wl + 2;
  const aEnd = aStart + msg.readUInt16BE(21 + wl);
  const attrs: { code: number; bytes: Buffer }[] = [];
  for (let o = aStart; o < aEnd; ) {
    const ext = msg[o]! & 0x10;
    const len = ext ? msg.readUInt16BE(o + 2) + 4 : msg[o + 2]! + 3;
    attrs.push({ code: msg[o + 1]!, bytes: msg.subarray(o, o + len) });
    o += len;
  }
  attrs.sort((a, b) => a.code - b.code);
  return Buffer.concat([msg.subarray(0, aStart), ...attrs.map((a) => a.bytes), msg.subarray(aEnd)]);
}

function reencodes(name: string, u: UpdateMessage): void {
  const out = [...u.announced.flatMap((a) => encodeUpdates(a, IBGP4)), ...u.withdrawn.flatMap((w) => encodeWithdrawals(w, IBGP4))];
  assert.equal(out.length, 1, name);
  assert.deepEqual(inCodeOrder(out[0]!).toString('hex'), fixture(name).toString('hex'), name);
}

function evpn(name: string): { route: EvpnRoute; u: UpdateMessage } {
  const u = update(name);
  assert.equal(u.treatAsWithdraw, undefined);
  assert.equal(u.announced.length, 1);
  assert.equal(u.announced[0]!.family, L2VPN_EVPN);
  assert.equal(u.announced[0]!.attributes.nextHop, '10.99.0.1');
  reencodes(name, u);
  return { route: u.announced[0]!.nlri[0] as EvpnRoute, u };
}

const format = (f: number, n: unknown) => nlriCodec(f)!.format(n as never);

test('gobgp EVPN MAC/IP route: fields, VNI in the label, route target and VXLAN encapsulation', () => {
  const { route, u } = evpn('gobgp-update-evpn-macadv');
  assert.deepEqual({ ...route, key: undefined }, { kind: 'mac-ip', routeType: 2, key: undefined, rd: '65000:1', esi: '00:00:00:00:00:00:00:00:00:00', ethernetTag: 0, mac: 'aa:bb:cc:dd:ee:ff', ip: '10.0.0.1', labels: [100] });
  assert.equal(vniOf(route.kind === 'mac-ip' ? route.labels[0]! : -1), 100);
  assert.equal(format(L2VPN_EVPN, route), '[type:macadv][rd:65000:1][etag:0][mac:aa:bb:cc:dd:ee:ff][ip:10.0.0.1]');
  const a = u.announced[0]!.attributes;
  assert.deepEqual(a.extCommunities, [routeTarget('65000:1'), 0x030c000000000008n]);
  assert.deepEqual(encapsulationsOf(a), [8]);
  assert.equal(macMobilitySequence(a), undefined);
  assert.equal(a.localPref, 100);
});

test('gobgp EVPN Inclusive Multicast route with a PMSI tunnel (ingress replication, VNI 100)', () => {
  const { route, u } = evpn('gobgp-update-evpn-multicast-pmsi');
  assert.equal(format(L2VPN_EVPN, route), '[type:multicast][rd:65000:1][etag:0][ip:10.99.0.1]');
  assert.deepEqual(u.announced[0]!.attributes.pmsiTunnel, { flags: 0, tunnelType: 6, label: 100, tunnelId: '10.99.0.1' });
  assert.equal(u.announced[0]!.attributes.unknown, undefined);
});

test('gobgp EVPN Ethernet A-D route with an LACP ESI and an ESI label community', () => {
  const { route, u } = evpn('gobgp-update-evpn-ad-esi-label');
  assert.equal(format(L2VPN_EVPN, route), '[type:A-D][rd:65000:1][esi:ESI_LACP | system mac aa:bb:cc:dd:ee:01, port key 1][etag:0]');
  assert.ok(route.kind === 'ethernet-ad');
  assert.deepEqual(route.labels, [200]);
  assert.deepEqual(esiLabelOf(u.announced[0]!.attributes), { label: 300, singleActive: false });
});

test('gobgp EVPN MAC-only route with two labels, a MAC-based ESI and a router MAC', () => {
  const { route, u } = evpn('gobgp-update-evpn-macadv-two-labels-rmac');
  assert.ok(route.kind === 'mac-ip');
  assert.equal(route.ip, undefined);
  assert.deepEqual(route.labels, [101, 102]);
  assert.equal(route.ethernetTag, 10);
  assert.equal(formatEsi(route.esi), 'ESI_MAC | system mac aa:bb:cc:dd:ee:03, local discriminator 9');
  assert.equal(format(L2VPN_EVPN, route), '[type:macadv][rd:65000:2][etag:10][mac:aa:bb:cc:dd:ee:02][ip:<nil>]');
  assert.equal(routerMacOf(u.announced[0]!.attributes), 'aa:bb:cc:00:00:09');
});

test('gobgp EVPN MAC/IP route with an MSTP ESI and the default gateway community (sent twice by gobgp)', () => {
  const { route, u } = evpn('gobgp-update-evpn-macadv-default-gateway');
  assert.ok(route.kind === 'mac-ip');
  assert.equal(formatEsi(route.esi), 'ESI_MSTP | bridge mac aa:bb:cc:dd:ee:06, priority 32768');
  const a = u.announced[0]!.attributes;
  assert.ok(hasDefaultGateway(a));
  assert.deepEqual(a.extCommunities!.map(formatExtCommunity), ['rt:65000:1', 'default-gateway', 'default-gateway']);
});

test('gobgp EVPN MAC/IPv6 route with a router-ID ESI', () => {
  const { route } = evpn('gobgp-update-evpn-macadv-ipv6');
  assert.ok(route.kind === 'mac-ip');
  assert.equal(route.ip, '2001:db8::4');
  assert.equal(formatEsi(route.esi), 'ESI_ROUTERID | router id 10.99.0.1, local discriminator 7');
});

test('gobgp EVPN Ethernet Segment route with an arbitrary ESI and an IPv4-address RD', () => {
  const { route } = evpn('gobgp-update-evpn-es');
  assert.equal(format(L2VPN_EVPN, route), '[type:esi][rd:10.99.0.1:1][esi:ESI_ARBITRARY | 11:22:33:44:55:66:77:88:99][ip:10.99.0.1]');
});

test('gobgp EVPN IP Prefix routes (RFC 9136), IPv4 with an AS ESI and 4-octet-AS RD, and IPv6', () => {
  const v4 = evpn('gobgp-update-evpn-prefix-ipv4');
  assert.ok(v4.route.kind === 'ip-prefix');
  assert.deepEqual([v4.route.rd, v4.route.prefix, v4.route.gateway, v4.route.labels], ['4200000000:7', '10.20.0.0/24', '10.99.0.1', [5000]]);
  assert.equal(formatEsi(v4.route.esi), 'ESI_AS | as 65000, local discriminator 5');
  assert.equal(routerMacOf(v4.u.announced[0]!.attributes), 'aa:bb:cc:00:00:01');
  const v6 = evpn('gobgp-update-evpn-prefix-ipv6');
  assert.equal(format(L2VPN_EVPN, v6.route), '[type:Prefix][rd:65000:1][etag:0][prefix:2001:db8:20::/64]');
  assert.ok(v6.route.kind === 'ip-prefix' && v6.route.gateway === '::');
});

test('gobgp VPN-IPv4 routes with RD types 0, 1 and 2: label 100 with bottom of stack, next hop RD 0 + address', () => {
  for (const [name, text, rt] of [
    ['gobgp-update-vpnv4-rd0', '65000:1:10.1.0.0/24', 'rt:65000:1'],
    ['gobgp-update-vpnv4-rd1', '192.0.2.1:5:10.3.0.0/25', 'rt:192.0.2.1:5'],
    ['gobgp-update-vpnv4-rd2', '4200000000:7:10.4.0.0/24', 'rt:4200000000:7'],
  ] as const) {
    const u = update(name);
    const ann = u.announced[0]!;
    assert.equal(ann.family, IPV4_VPN);
    assert.equal(ann.attributes.nextHop, '10.99.0.1');
    const n = ann.nlri[0] as VpnPrefix;
    assert.deepEqual(n.labels, [100]);
    assert.equal(format(IPV4_VPN, n), text);
    assert.deepEqual(ann.attributes.extCommunities!.map(formatExtCommunity), [rt]);
    reencodes(name, u);
  }
});

test('gobgp VPN-IPv6 route over an IPv4 session: next hop ::ffff:10.99.0.1 after an RD of zero', () => {
  const u = update('gobgp-update-vpnv6');
  const ann = u.announced[0]!;
  assert.equal(ann.family, IPV6_VPN);
  assert.equal(ann.attributes.nextHop, '::ffff:10.99.0.1');
  assert.equal(format(IPV6_VPN, ann.nlri[0]), '65000:3:2001:db8:7::/48');
  assert.deepEqual((ann.nlri[0] as VpnPrefix).labels, [300]);
  reencodes('gobgp-update-vpnv6', u);
});

test('gobgp RTC routes for route targets of each type (96 bits, origin AS 65001)', () => {
  for (const [name, text] of [
    ['gobgp-update-rtc-as2', '65001:65000:1'],
    ['gobgp-update-rtc-ipv4', '65001:192.0.2.1:5'],
    ['gobgp-update-rtc-as4', '65001:4200000000:7'],
  ] as const) {
    const u = update(name);
    const ann = u.announced[0]!;
    assert.equal(ann.family, RTC);
    assert.equal(ann.attributes.nextHop, '10.99.0.1');
    const r = ann.nlri[0] as RtcRoute;
    assert.equal(r.length, 96);
    assert.equal(r.originAs, 65001);
    assert.equal(format(RTC, r), text);
    reencodes(name, u);
  }
});

test('gobgp withdrawals of EVPN, VPN-IPv4 and RTC routes re-encode byte for byte, keys equal the announced ones', () => {
  for (const [w, a] of [
    ['gobgp-withdraw-evpn-macadv', 'gobgp-update-evpn-macadv'],
    ['gobgp-withdraw-evpn-multicast', 'gobgp-update-evpn-multicast-pmsi'],
    ['gobgp-withdraw-evpn-ad', 'gobgp-update-evpn-ad-esi-label'],
    ['gobgp-withdraw-vpnv4', 'gobgp-update-vpnv4-rd0'],
    ['gobgp-withdraw-rtc-as2', 'gobgp-update-rtc-as2'],
  ] as const) {
    const u = update(w);
    assert.equal(u.withdrawn.length, 1, w);
    assert.equal(u.withdrawn[0]!.nlri[0]!.key, update(a).announced[0]!.nlri[0]!.key, w);
    reencodes(w, u);
  }
});
