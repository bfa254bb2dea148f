// What the struct-of-arrays RIB reuses (attribute-set ids, path rows, destination ids, source
// slots) must never let one route's state leak into another's, and what nothing uses must go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rib } from '../../src/rib/rib.js';
import { IPV4_UNICAST, IPV6_UNICAST } from '../../src/wire/family.js';
import { LOCAL_AS, ROUTER_ID, announce, attrs, flatten, peer, prefix, rib, withdraw } from './helpers.js';

const hosts = Array.from({ length: 300 }, (_, i) => prefix(`10.0.${i >> 8}.${i & 255}/32`));

test('an attribute set goes when its last route is withdrawn and sent, its export derivation with it', () => {
  const r = rib(peer(1), peer(2));
  r.receive(1, announce(attrs({ communities: [1] }), hosts));
  r.receive(1, announce(attrs({ communities: [2] }), [prefix('10.9.0.0/16')]));
  assert.equal(flatten(r.takeOutbound(2)).announced.size, hosts.length + 1);
  assert.equal(r.attributeSetCount, 4, 'two received sets, two derived for the eBGP peer');
  r.receive(1, withdraw(hosts));
  assert.equal(r.attributeSetCount, 3, 'the withdrawn set goes; its derivation is still what peer 2 has');
  assert.equal(flatten(r.takeOutbound(2)).withdrawn.size, hosts.length);
  assert.equal(r.attributeSetCount, 2, 'once the withdrawals are sent, the derivation goes too');
  r.removePeer(1);
  r.takeOutbound(2);
  assert.equal(r.attributeSetCount, 0);
});

test('a set whose id was freed and reused is announced with the new attributes', () => {
  const r = rib(peer(1), peer(2));
  const n = prefix('10.1.0.0/16');
  r.receive(1, announce(attrs({ med: 1 }), [n]));
  r.takeOutbound(2);
  r.receive(1, withdraw([n]));
  r.takeOutbound(2);
  // The med 1 set and its derivation were freed: the next sets may take their ids.
  r.receive(1, announce(attrs({ med: 7, communities: [1] }), [n]));
  const out = flatten(r.takeOutbound(2));
  assert.deepEqual(out.announced.get(n.key)?.communities, [1]);
});

test('a replaced path is re-advertised even when its row is reused at once', () => {
  const r = rib(peer(1), peer(2));
  const n = prefix('10.1.0.0/16');
  r.receive(1, announce(attrs({ communities: [1] }), [n]));
  r.takeOutbound(2);
  r.receive(1, announce(attrs({ communities: [2] }), [n]));
  assert.deepEqual(flatten(r.takeOutbound(2)).announced.get(n.key)?.communities, [2]);
});

test('a peer that takes a departed peer\'s slot is not mistaken for the source of its routes', () => {
  const r = rib(peer(1), peer(2));
  const n = prefix('10.1.0.0/16');
  r.receive(1, announce(attrs(), [n]));
  r.takeOutbound(2);
  r.removePeer(1);
  assert.deepEqual([...flatten(r.takeOutbound(2)).withdrawn], [n.key]);
  r.addPeer(peer(3));
  r.takeOutbound(3);
  r.receive(2, announce(attrs(), [n]));
  assert.equal(flatten(r.takeOutbound(3)).announced.size, 1, 'peer 3 gets peer 2\'s route');
  assert.deepEqual([...r.adjRibIn(3, IPV4_UNICAST)], [], 'and has nothing in Adj-RIB-In');
  assert.equal([...r.adjRibIn(2, IPV4_UNICAST)].length, 1);
});

test('a destination that leaves the table and comes back is advertised again', () => {
  const r = rib(peer(1), peer(2));
  r.receive(1, announce(attrs(), hosts));
  r.takeOutbound(2);
  r.receive(1, withdraw(hosts));
  r.takeOutbound(2);
  assert.equal(r.routeCount(IPV4_UNICAST), 0);
  const again = hosts.slice(0, 10).reverse();
  r.receive(1, announce(attrs({ med: 5 }), again));
  const out = flatten(r.takeOutbound(2));
  assert.deepEqual([...out.announced.keys()].sort(), again.map((p) => p.key).sort());
  assert.deepEqual(
    [...r.destinations(IPV4_UNICAST)].map((d) => d.nlri.key).sort(),
    again.map((p) => p.key).sort(),
  );
});

test('readers get fresh routes, with best and multipath among the very objects of paths', () => {
  const r = new Rib({ localAs: LOCAL_AS, routerId: ROUTER_ID, multipath: { ebgp: true } });
  const p1 = peer(1, { peerAs: 65010 });
  const p2 = peer(2, { peerAs: 65010 });
  r.addPeer(p1);
  r.addPeer(p2);
  const n = prefix('10.1.0.0/16');
  r.receive(1, announce(attrs({ asPath: [{ type: 2, asns: [65010] }] }), [n]));
  r.receive(2, announce(attrs({ asPath: [{ type: 2, asns: [65010] }], nextHop: '198.51.100.2' }), [n]));
  const [d] = [...r.destinations(IPV4_UNICAST)];
  assert.ok(d !== undefined);
  assert.equal(d.paths.length, 2);
  assert.ok(d.paths.includes(d.best!));
  assert.equal(d.multipath.length, 2);
  for (const m of d.multipath) assert.ok(d.paths.includes(m));
  assert.equal(d.nlri.key, n.key);
});

test('a set two peers send is cached per source, and goes with its derivations when both withdraw', () => {
  const r = rib(peer(1), peer(2), peer(3));
  r.receive(1, announce(attrs({ communities: [7] }), [hosts[0]!]));
  r.receive(3, announce(attrs({ communities: [7] }), [hosts[1]!]));
  assert.equal(flatten(r.takeOutbound(2)).announced.size, 2);
  r.takeOutbound(1);
  r.takeOutbound(3);
  assert.equal(r.attributeSetCount, 2, 'one received set, one derivation for every eBGP peer');
  r.receive(1, withdraw([hosts[0]!]));
  r.receive(3, withdraw([hosts[1]!]));
  for (const id of [1, 2, 3]) r.takeOutbound(id);
  assert.equal(r.attributeSetCount, 0);
  r.receive(3, announce(attrs({ communities: [8] }), [hosts[1]!]));
  assert.deepEqual(flatten(r.takeOutbound(2)).announced.get(hosts[1]!.key)?.communities, [8]);
});

test('unicast keys kept as bytes come back as the same keys, every IPv4 and IPv6 length', () => {
  const r = rib(peer(1), peer(2));
  const keys = (bits: number, octets: number): string[] =>
    Array.from({ length: bits + 1 }, (_, len) => {
      const n = (len + 7) >> 3;
      const bytes = Array.from({ length: n }, (_, i) => (0xa5 + 17 * i + len) & 0xff);
      if (len & 7) bytes[n - 1]! &= (0xff << (8 - (len & 7))) & 0xff;
      return String.fromCharCode(len, ...bytes.slice(0, Math.min(n, octets)));
    });
  for (const [family, bits, octets] of [
    [IPV4_UNICAST, 32, 4],
    [IPV6_UNICAST, 128, 16],
  ] as const) {
    const nlri = keys(bits, octets).map((key) => ({ key, length: key.charCodeAt(0) }));
    r.receive(1, announce(attrs(), nlri, family));
    const out = flatten(r.takeOutbound(2));
    assert.deepEqual([...out.announced.keys()].sort(), nlri.map((n) => n.key).sort());
    assert.deepEqual([...r.adjRibOut(2, family)].map((e) => e.nlri).sort((a, b) => (a.key < b.key ? -1 : 1)), [...nlri].sort((a, b) => (a.key < b.key ? -1 : 1)));
  }
});
