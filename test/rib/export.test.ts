import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rib } from '../../src/rib/rib.js';
import { AttrSets, prependAsPath } from '../../src/rib/attr-set.js';
import { exportAttributes } from '../../src/rib/export-rules.js';
import { IPV4_UNICAST, IPV6_UNICAST } from '../../src/wire/family.js';
import type { RibPeer } from '../../src/rib/types.js';
import { LOCAL_AS, ROUTER_ID, announce, attrs, flatten, ipeer, peer, prefix, prefix6, seq } from './helpers.js';

const N = prefix('10.1.0.0/16');

function rib(...peers: RibPeer[]): Rib {
  const r = new Rib({ localAs: LOCAL_AS, routerId: ROUTER_ID });
  for (const p of peers) {
    r.addPeer(p);
    r.takeOutbound(p.id); // the (empty) initial table and its End-of-RIB
  }
  return r;
}

test('sends an eBGP route to another eBGP peer with our AS prepended, our next hop, and no MED or LOCAL_PREF', () => {
  const r = rib(peer(1), peer(2, { localAddress: '203.0.113.2' }));
  r.receive(1, announce(attrs({ asPath: seq(65001, 7), med: 30, localPref: 500, communities: [42] }), [N]));
  const a = flatten(r.takeOutbound(2)).announced.get(N.key)!;
  assert.deepEqual(a.asPath, seq(LOCAL_AS, 65001, 7));
  assert.equal(a.nextHop, '203.0.113.2');
  assert.equal(a.med, undefined);
  assert.equal(a.localPref, undefined);
  assert.deepEqual(a.communities, [42]);
});

test('never sends a route back to the peer it came from, and withdraws what that peer had', () => {
  const r = rib(peer(1), peer(2));
  r.receive(1, announce(attrs({ asPath: seq(65001) }), [N]));
  assert.equal(flatten(r.takeOutbound(1)).announced.size, 0);
  assert.equal(flatten(r.takeOutbound(2)).announced.size, 1);
  // Peer 2 now has a better path: peer 2 gets a withdrawal, peer 1 gets peer 2's path.
  r.setPolicy(2, { import: (_p, _f, _n, a) => ({ ...a, localPref: 300 }) });
  r.receive(2, announce(attrs({ asPath: seq(65002) }), [N]));
  assert.ok(flatten(r.takeOutbound(2)).withdrawn.has(N.key));
  assert.equal(flatten(r.takeOutbound(1)).announced.get(N.key)!.asPath[0]!.asns[0], LOCAL_AS);
});

test('sets LOCAL_PREF towards iBGP peers and keeps the next hop of an eBGP route', () => {
  const r = rib(peer(1), ipeer(2));
  r.receive(1, announce(attrs({ nextHop: '198.51.100.9', med: 5 }), [N]));
  const a = flatten(r.takeOutbound(2)).announced.get(N.key)!;
  assert.equal(a.localPref, 100);
  assert.equal(a.nextHop, '198.51.100.9');
  assert.equal(a.med, 5, 'MED goes to internal peers');
  assert.deepEqual(a.asPath, seq(65099), 'no prepend inside the AS');
});

test('next-hop-self peers get our address as next hop', () => {
  const r = rib(peer(1), ipeer(2, { nextHopSelf: true, localAddress: '10.9.9.9' }));
  r.receive(1, announce(attrs({ nextHop: '198.51.100.9' }), [N]));
  assert.equal(flatten(r.takeOutbound(2)).announced.get(N.key)!.nextHop, '10.9.9.9');
});

test('a local route with next hop 0.0.0.0 leaves with our address, to iBGP and eBGP alike', () => {
  const r = rib(ipeer(1, { localAddress: '10.0.0.254' }), peer(2, { localAddress: '203.0.113.2' }));
  r.originate(IPV4_UNICAST, N, attrs({ asPath: [], nextHop: '0.0.0.0', med: 7 }));
  const i = flatten(r.takeOutbound(1)).announced.get(N.key)!;
  assert.equal(i.nextHop, '10.0.0.254');
  assert.equal(i.localPref, 100);
  const e = flatten(r.takeOutbound(2)).announced.get(N.key)!;
  assert.equal(e.nextHop, '203.0.113.2');
  assert.deepEqual(e.asPath, seq(LOCAL_AS));
  assert.equal(e.med, 7, 'our own MED may go to a neighbouring AS');
});

test('an IPv6 route to an eBGP peer without an IPv6 local address gets the IPv4-mapped next hop', () => {
  const r = rib(peer(1), peer(2, { localAddress: '203.0.113.2' }), peer(3, { localAddress: '203.0.113.3', localAddressV6: '2001:db8::3' }));
  const n6 = prefix6(1);
  r.receive(1, announce(attrs({ nextHop: '2001:db8::1', nextHopLinkLocal: 'fe80::1' }), [n6], IPV6_UNICAST));
  const a2 = flatten(r.takeOutbound(2)).announced.get(n6.key)!;
  assert.equal(a2.nextHop, '::ffff:203.0.113.2');
  assert.equal(a2.nextHopLinkLocal, undefined);
  assert.equal(flatten(r.takeOutbound(3)).announced.get(n6.key)!.nextHop, '2001:db8::3');
});

test('does not pass an iBGP route to iBGP peers when neither is a client', () => {
  const r = rib(ipeer(1), ipeer(2), peer(3));
  r.receive(1, announce(attrs({ localPref: 100 }), [N]));
  assert.equal(r.takeOutbound(2), undefined);
  assert.equal(flatten(r.takeOutbound(3)).announced.size, 1, 'but to eBGP peers');
});

test("reflects a client's route to non-clients with ORIGINATOR_ID and CLUSTER_LIST", () => {
  const r = rib(ipeer(1, { routeReflectorClient: true, routerId: '10.0.0.1' }), ipeer(2), ipeer(3, { routeReflectorClient: true }));
  r.receive(1, announce(attrs({ localPref: 120 }), [N]));
  for (const target of [2, 3]) {
    const a = flatten(r.takeOutbound(target)).announced.get(N.key)!;
    assert.equal(a.originatorId, '10.0.0.1');
    assert.deepEqual(a.clusterList, [ROUTER_ID], 'cluster id defaults to our router id');
    assert.equal(a.localPref, 120);
  }
});

test("reflects a non-client's route to clients only, keeping an existing ORIGINATOR_ID", () => {
  const r = new Rib({ localAs: LOCAL_AS, routerId: ROUTER_ID, clusterId: '1.1.1.1' });
  for (const p of [ipeer(1), ipeer(2), ipeer(3, { routeReflectorClient: true })]) {
    r.addPeer(p);
    r.takeOutbound(p.id);
  }
  r.receive(1, announce(attrs({ localPref: 100, originatorId: '10.0.0.77', clusterList: ['2.2.2.2'] }), [N]));
  assert.equal(r.takeOutbound(2), undefined);
  const a = flatten(r.takeOutbound(3)).announced.get(N.key)!;
  assert.equal(a.originatorId, '10.0.0.77');
  assert.deepEqual(a.clusterList, ['1.1.1.1', '2.2.2.2']);
});

test('ORIGINATOR_ID and CLUSTER_LIST never leave the AS', () => {
  const r = rib(ipeer(1, { routeReflectorClient: true }), peer(2));
  r.receive(1, announce(attrs({ localPref: 100, originatorId: '10.0.0.77', clusterList: ['2.2.2.2'], med: 3 }), [N]));
  const a = flatten(r.takeOutbound(2)).announced.get(N.key)!;
  assert.equal(a.originatorId, undefined);
  assert.equal(a.clusterList, undefined);
  assert.equal(a.med, undefined, 'the MED came from another AS (non-empty AS_PATH)');
});

test('does not pass on optional non-transitive attributes it does not know', () => {
  const r = rib(peer(1), peer(2));
  const unknown = [
    { flags: 0xc0, code: 99, value: Buffer.from([1]) },
    { flags: 0x80, code: 98, value: Buffer.from([2]) },
  ];
  r.receive(1, announce(attrs({ unknown }), [N]));
  assert.deepEqual(flatten(r.takeOutbound(2)).announced.get(N.key)!.unknown?.map((u) => u.code), [99]);
});

test('export policy runs last and can reject or modify', () => {
  const r = rib(peer(1), peer(2), peer(3));
  r.setPolicy(2, { export: () => undefined });
  r.setPolicy(3, { export: (_p, _f, _n, a) => ({ ...a, communities: [7] }) });
  r.receive(1, announce(attrs(), [N]));
  assert.equal(r.takeOutbound(2), undefined);
  const a = flatten(r.takeOutbound(3)).announced.get(N.key)!;
  assert.deepEqual(a.communities, [7]);
  assert.deepEqual(a.asPath, seq(LOCAL_AS, 65099), 'the policy saw the attributes after the export rules');
});

test('the direct external build gives the very set the generic derivation gives, for every attribute', () => {
  const sets = new AttrSets();
  const target = peer(2, { localAddress: '203.0.113.2' });
  const bases = [
    attrs(),
    attrs({ asPath: seq(65001, 7), med: 30, localPref: 500, communities: [42, 43], atomicAggregate: true, aggregator: { asn: 65001, address: '10.0.0.1' } }),
    attrs({ nextHop: '2001:db8::1', nextHopLinkLocal: 'fe80::1', extCommunities: [0x0002fde900000064n], largeCommunities: [[65001, 1, 2]] }),
    attrs({ originatorId: '10.0.0.9', clusterList: ['10.0.0.8'], med: 5 }),
    attrs({ asPath: [] }),
  ];
  for (const [source, keepsMed] of [[peer(1), false], [ipeer(3), false], [undefined, true]] as const) {
    for (const b of bases) {
      const base = sets.intern(b);
      const family = base.nextHop.includes(':') ? IPV6_UNICAST : IPV4_UNICAST;
      const got = exportAttributes({ attrSets: sets, clusterId: ROUTER_ID }, family, base, source, target)!;
      // RFC 4271 §5.1.4: a MED learned from an internal peer whose path holds another AS is not ours to send.
      const med = keepsMed || (source !== undefined && source.peerAs === LOCAL_AS && base.asPath.length === 0) ? base.med : undefined;
      const want = sets.derive(base, {
        asPath: prependAsPath(base.asPath, LOCAL_AS),
        nextHop: family === IPV6_UNICAST ? '::ffff:203.0.113.2' : '203.0.113.2',
        nextHopLinkLocal: undefined,
        localPref: undefined,
        originatorId: undefined,
        clusterList: undefined,
        med,
      });
      assert.equal(got, want, JSON.stringify({ base, source: source?.id }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
    }
  }
});
