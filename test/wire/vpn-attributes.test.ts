/** PMSI_TUNNEL and the route target / encapsulation / EVPN extended communities. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeUpdate, encodeAttributes } from '../../src/wire/update.js';
import { L2VPN_EVPN } from '../../src/wire/family.js';
import { formatAttributes } from '../../src/wire/attributes/registry.js';
import type { PathAttributes } from '../../src/wire/attributes/types.js';
import {
  DEFAULT_GATEWAY,
  encapsulation,
  encapsulationsOf,
  esiLabel,
  esiLabelOf,
  esImportRouteTarget,
  formatExtCommunity,
  hasDefaultGateway,
  isDefaultGateway,
  isEncapsulation,
  isMacMobility,
  isRouteTarget,
  isStickyMac,
  macMobility,
  macMobilityOf,
  macMobilitySequence,
  parseExtCommunity,
  routeTarget,
  routerMac,
  routerMacOf,
  routeTargets,
  TunnelType,
} from '../../src/wire/attributes/ext-communities.js';
import { evpnCodec, evpnRoute } from '../../src/wire/nlri/evpn.js';
import { AS_PATH_65001, attr, hex, IBGP4, ORIGIN_IGP, updateBody } from './helpers.js';

const BASE: PathAttributes = { origin: 0, asPath: [], nextHop: '10.99.0.1' };

/** An EVPN Inclusive Multicast announcement carrying `extra` attributes. */
function withAttrs(extra: Buffer[]) {
  const r = evpnRoute({ routeType: 3, rd: '65000:1', ethernetTag: 0, ip: '10.99.0.1' });
  const nlri = Buffer.alloc(evpnCodec.encodedLength(r));
  evpnCodec.encode(r, nlri, 0);
  const mp = attr(0x80, 14, Buffer.concat([hex('0019 46 04 0a630001 00'), nlri]));
  return decodeUpdate(updateBody('', [mp, ORIGIN_IGP, AS_PATH_65001, ...extra], ''), IBGP4);
}

test('PMSI_TUNNEL ingress replication decodes to the endpoint and leaves as optional transitive without Partial', () => {
  const u = withAttrs([attr(0xe0, 22, '00 06 000064 0a630001')]); // arrived with Partial set
  const a = u.announced[0]!.attributes;
  assert.deepEqual(a.pmsiTunnel, { flags: 0, tunnelType: 6, label: 100, tunnelId: '10.99.0.1' });
  const bytes = encodeAttributes(a, L2VPN_EVPN, IBGP4);
  assert.ok(bytes.toString('hex').endsWith('c01609' + '0006000064' + '0a630001'), bytes.toString('hex'));
  assert.deepEqual(formatAttributes(a).find(([n]) => n === 'PMSI_TUNNEL'), ['PMSI_TUNNEL', 'type: ingress-repl, label: 100, tunnel-id: 10.99.0.1']);
});

test('PMSI_TUNNEL with an IPv6 endpoint, and another tunnel type kept raw', () => {
  const v6 = withAttrs([attr(0xc0, 22, '01 06 0003e8 20010db8000000000000000000000001')]).announced[0]!.attributes;
  assert.deepEqual(v6.pmsiTunnel, { flags: 1, tunnelType: 6, label: 1000, tunnelId: '2001:db8::1' });
  const pim = { ...BASE, pmsiTunnel: { flags: 0, tunnelType: 3, label: 0, tunnelId: hex('0a630001e8000001') } };
  const u = withAttrs([hex(encodeAttributes(pim, L2VPN_EVPN, IBGP4).toString('hex').replace(/^.*(c016.*)$/, '$1'))]);
  assert.deepEqual(u.announced[0]!.attributes.pmsiTunnel, pim.pmsiTunnel);
});

test('a malformed PMSI_TUNNEL is treat-as-withdraw: the route cannot be flooded to', () => {
  for (const value of ['00 06 0000', '00 06 000064 0a6300']) {
    const u = withAttrs([attr(0xc0, 22, value)]);
    assert.match(u.treatAsWithdraw ?? '', /PMSI_TUNNEL/);
    assert.equal(u.withdrawn[0]!.family, L2VPN_EVPN);
  }
});

test('route targets of the three types from text, and what is one', () => {
  assert.equal(routeTarget('65000:100'), 0x0002fde800000064n);
  assert.equal(routeTarget('rt:192.0.2.1:5'), 0x0102c00002010005n);
  assert.equal(routeTarget('4200000000:7'), 0x0202fa56ea000007n);
  assert.equal(routeTarget('64086.59904:7'), 0x0202fa56ea000007n, 'asdot');
  for (const rt of ['65000:100', '192.0.2.1:5', '4200000000:7']) {
    assert.ok(isRouteTarget(routeTarget(rt)));
    assert.equal(formatExtCommunity(routeTarget(rt)), 'rt:' + rt);
  }
  assert.ok(!isRouteTarget(parseExtCommunity('soo:65000:1')));
  assert.ok(!isRouteTarget(encapsulation(8)));
  assert.throws(() => routeTarget('4200000000:65536'));
  const a = { ...BASE, extCommunities: [encapsulation(TunnelType.Vxlan), routeTarget('65000:1'), routeTarget('65000:2')] };
  assert.deepEqual(routeTargets(a), [routeTarget('65000:1'), routeTarget('65000:2')]);
  assert.deepEqual(encapsulationsOf(a), [8]);
  assert.ok(isEncapsulation(parseExtCommunity('encap:vxlan')));
});

test('MAC mobility: sequence number and sticky flag, the highest of several wins', () => {
  assert.equal(macMobility(5), 0x0600000000000005n);
  assert.equal(macMobility(5, true), 0x0600010000000005n);
  assert.equal(formatExtCommunity(macMobility(7, true)), 'mac-mobility:7:sticky');
  assert.equal(parseExtCommunity('mac-mobility:4294967295'), macMobility(0xffffffff));
  assert.ok(isMacMobility(macMobility(1)));
  assert.equal(macMobilitySequence(BASE), undefined);
  const a = { ...BASE, extCommunities: [macMobility(3), routeTarget('65000:1'), macMobility(9, true)] };
  assert.deepEqual(macMobilityOf(a), { sequence: 9, sticky: true });
  assert.equal(macMobilitySequence(a), 9);
  assert.ok(isStickyMac(a));
  assert.ok(!isStickyMac({ ...BASE, extCommunities: [macMobility(3)] }));
});

test("router's MAC, ES-import, ESI label and default gateway communities", () => {
  assert.equal(routerMac('aa:bb:cc:00:00:09'), 0x0603aabbcc000009n);
  assert.equal(formatExtCommunity(routerMac('AA-BB-CC-00-00-09')), 'rmac:aa:bb:cc:00:00:09');
  assert.equal(parseExtCommunity('rmac:aa:bb:cc:00:00:09'), routerMac('aa:bb:cc:00:00:09'));
  assert.equal(routerMacOf({ ...BASE, extCommunities: [routerMac('aa:bb:cc:00:00:09')] }), 'aa:bb:cc:00:00:09');
  assert.equal(formatExtCommunity(esImportRouteTarget('00:11:22:33:44:55')), 'es-import:00:11:22:33:44:55');
  assert.equal(esiLabel(300, true), 0x060101000000012cn);
  assert.equal(formatExtCommunity(esiLabel(300, true)), 'esi-label:300:single-active');
  assert.deepEqual(esiLabelOf({ ...BASE, extCommunities: [parseExtCommunity('esi-label:300')] }), { label: 300, singleActive: false });
  assert.equal(DEFAULT_GATEWAY, 0x030d000000000000n);
  assert.ok(isDefaultGateway(parseExtCommunity('default-gateway')));
  assert.ok(hasDefaultGateway({ ...BASE, extCommunities: [DEFAULT_GATEWAY] }));
  for (const text of ['mac-mobility:1', 'esi-label:1:single-active', 'rmac:00:00:00:00:00:01', 'es-import:00:00:00:00:00:01', 'default-gateway', 'encap:vxlan', 'rt:4200000000:7']) {
    assert.equal(formatExtCommunity(parseExtCommunity(text)), text);
  }
  for (const bad of ['rmac:aa:bb', 'mac-mobility:4294967296', 'esi-label:16777216']) assert.throws(() => parseExtCommunity(bad), /extended community/, bad);
});

test("bagpipe-bgp's consistent hash sort order community reads by name (order in octets 2–5)", () => {
  // As bagpipe-bgp sends it on its EVPN routes: type 0x03, subtype 0x14, order 0, reserved 0.
  assert.equal(formatExtCommunity(0x0314000000000000n), 'consistent-hash-sort-order:0');
  assert.equal(parseExtCommunity('consistent-hash-sort-order:7'), 0x0314000000070000n);
  assert.equal(formatExtCommunity(parseExtCommunity('consistent-hash-sort-order:4294967295')), 'consistent-hash-sort-order:4294967295');
  assert.equal(formatExtCommunity(0x0314000000000001n), '0x0314000000000001'); // reserved part set: raw
  assert.throws(() => parseExtCommunity('consistent-hash-sort-order:4294967296'), /extended community/);
});
