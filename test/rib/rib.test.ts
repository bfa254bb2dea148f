import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rib } from '../../src/rib/rib.js';
import type { BestPathChange } from '../../src/rib/types.js';
import { IPV4_UNICAST, IPV6_UNICAST } from '../../src/wire/family.js';
import { LOCAL_AS, ROUTER_ID, announce, attrs, flatten, ipeer, peer, prefix, prefix6, rib, seq, withdraw } from './helpers.js';

const N1 = prefix('10.1.0.0/16');
const N2 = prefix('10.2.0.0/16');
const N3 = prefix('10.3.0.0/16');

test('a new peer gets the current table, then End-of-RIB per negotiated family', () => {
  const r = rib(peer(1));
  r.receive(1, announce(attrs(), [N1, N2]));
  r.addPeer(peer(2));
  const first = r.takeOutbound(2, 1)!;
  assert.equal(first.announced[0]!.nlri.length, 1);
  assert.deepEqual(first.endOfRib, [IPV6_UNICAST], 'the empty IPv6 table is complete at once');
  const second = r.takeOutbound(2)!;
  assert.equal(second.announced[0]!.nlri.length, 1);
  assert.deepEqual(second.endOfRib, [IPV4_UNICAST]);
  assert.equal(r.takeOutbound(2), undefined);
});

test('an empty table still gets End-of-RIB, and onOutbound says so', () => {
  const r = new Rib({ localAs: LOCAL_AS, routerId: ROUTER_ID });
  const calls: number[] = [];
  r.onOutbound = (id) => calls.push(id);
  r.addPeer(peer(1, { families: new Set([IPV4_UNICAST]) }));
  assert.deepEqual(calls, [1]);
  assert.deepEqual(r.takeOutbound(1), { announced: [], withdrawn: [], endOfRib: [IPV4_UNICAST] });
});

test('onOutbound is called once until the next takeOutbound', () => {
  const r = rib(peer(1), peer(2));
  const calls: number[] = [];
  r.onOutbound = (id) => calls.push(id);
  r.receive(1, announce(attrs(), [N1]));
  r.receive(1, announce(attrs(), [N2]));
  assert.deepEqual(calls, [2]);
  r.takeOutbound(2);
  r.receive(1, withdraw([N1]));
  assert.deepEqual(calls, [2, 2]);
});

test('onOutbound may take the batch straight away: the call that made the work is finished', () => {
  const r = rib(peer(1), peer(2));
  const got: number[] = [];
  r.onOutbound = (id) => got.push(flatten(r.takeOutbound(id)).announced.size);
  r.receive(1, announce(attrs(), [N1, N2]));
  assert.deepEqual(got, [2]);
});

test('withdraws a route from other peers when its only source withdraws it', () => {
  const r = rib(peer(1), peer(2));
  r.receive(1, announce(attrs(), [N1]));
  r.takeOutbound(2);
  r.receive(1, withdraw([N1]));
  assert.ok(flatten(r.takeOutbound(2)).withdrawn.has(N1.key));
  assert.equal(r.routeCount(IPV4_UNICAST), 0);
});

test('a peer going down drops its routes and falls back to the next best path', () => {
  const r = rib(peer(1), peer(2), peer(3));
  r.receive(1, announce(attrs({ asPath: seq(65001) }), [N1]));
  r.receive(2, announce(attrs({ asPath: seq(65002, 9) }), [N1, N2]));
  r.takeOutbound(3);
  r.removePeer(1);
  const out = flatten(r.takeOutbound(3));
  assert.deepEqual(out.announced.get(N1.key)!.asPath, seq(LOCAL_AS, 65002, 9));
  r.removePeer(2);
  assert.deepEqual([...flatten(r.takeOutbound(3)).withdrawn].sort(), [N1.key, N2.key].sort());
  assert.equal(r.routeCount(IPV4_UNICAST), 0);
  assert.equal(r.takeOutbound(1), undefined, 'a removed peer has nothing');
});

test('ignores an eBGP path with our AS in it but keeps it in Adj-RIB-In', () => {
  const r = rib(peer(1), peer(2));
  r.receive(1, announce(attrs({ asPath: seq(65001, LOCAL_AS, 7) }), [N1]));
  assert.equal(r.routeCount(IPV4_UNICAST), 0);
  assert.equal([...r.adjRibIn(1, IPV4_UNICAST)].length, 1);
  assert.deepEqual(r.counters(1).get(IPV4_UNICAST), { received: 1, accepted: 0, advertised: 0 });
  assert.equal(r.takeOutbound(2), undefined);
});

test('ignores a reflected path carrying our router id as ORIGINATOR_ID or our cluster id in CLUSTER_LIST', () => {
  const r = rib(ipeer(1), ipeer(2));
  r.receive(1, announce(attrs({ localPref: 100, originatorId: ROUTER_ID }), [N1]));
  r.receive(2, announce(attrs({ localPref: 100, originatorId: '10.0.0.50', clusterList: ['9.9.9.9', ROUTER_ID] }), [N2]));
  assert.equal(r.routeCount(IPV4_UNICAST), 0);
});

test('ignores LOCAL_PREF from an external peer (RFC 4271 §5.1.5)', () => {
  const r = rib(peer(1), ipeer(2));
  r.receive(1, announce(attrs({ localPref: 900 }), [N1]));
  const best = [...r.destinations(IPV4_UNICAST)][0]!.best!;
  assert.equal(best.attributes.localPref, undefined);
  assert.equal(flatten(r.takeOutbound(2)).announced.get(N1.key)!.localPref, 100);
});

test('import policy can reject or modify; Adj-RIB-In keeps what was received', () => {
  const r = rib(peer(1));
  r.setPolicy(1, { import: (_p, _f, n, a) => (n.key === N1.key ? undefined : { ...a, localPref: 250 }) });
  r.receive(1, announce(attrs({ communities: [5] }), [N1, N2]));
  const dests = [...r.destinations(IPV4_UNICAST)];
  assert.equal(dests.length, 1);
  assert.equal(dests[0]!.best!.attributes.localPref, 250);
  const adjIn = [...r.adjRibIn(1, IPV4_UNICAST)];
  assert.equal(adjIn.length, 2);
  assert.ok(adjIn.every((p) => p.attributes.localPref === undefined));
  assert.deepEqual(r.counters(1).get(IPV4_UNICAST), { received: 2, accepted: 1, advertised: 0 });
});

test('soft reconfiguration re-runs import from Adj-RIB-In and re-evaluates export', () => {
  const r = rib(peer(1), peer(2));
  r.setPolicy(1, { import: () => undefined });
  r.receive(1, announce(attrs(), [N1]));
  assert.equal(r.routeCount(IPV4_UNICAST), 0);
  r.setPolicy(1, {});
  assert.equal(r.routeCount(IPV4_UNICAST), 1);
  assert.equal(flatten(r.takeOutbound(2)).announced.size, 1);
  r.setPolicy(2, { export: () => undefined });
  assert.ok(flatten(r.takeOutbound(2)).withdrawn.has(N1.key));
  assert.deepEqual([...r.adjRibOut(2, IPV4_UNICAST)], []);
});

test('route refresh re-queues the whole table for that peer and family', () => {
  const r = rib(peer(1), peer(2));
  r.receive(1, announce(attrs(), [N1, N2]));
  r.takeOutbound(2);
  assert.equal(r.takeOutbound(2), undefined);
  r.refreshPeer(2, IPV4_UNICAST);
  assert.equal(flatten(r.takeOutbound(2)).announced.size, 2);
});

test('a repeated announcement changes nothing and sends nothing', () => {
  const r = rib(peer(1), peer(2));
  const changes: BestPathChange[] = [];
  r.onBestPathChange = (c) => changes.push(c);
  r.receive(1, announce(attrs({ communities: [1] }), [N1]));
  r.takeOutbound(2);
  r.receive(1, announce(attrs({ communities: [1] }), [N1]));
  assert.equal(changes.length, 1);
  assert.equal(r.takeOutbound(2), undefined);
});

test('routes sharing attributes leave in one announcement even from different UPDATEs', () => {
  const r = rib(peer(1), peer(2));
  r.receive(1, announce(attrs({ communities: [1] }), [N1]));
  r.receive(1, announce(attrs({ communities: [1] }), [N2]));
  const b = r.takeOutbound(2)!;
  assert.equal(b.announced.length, 1);
  assert.deepEqual(b.announced[0]!.nlri, [N1, N2]);
});

test('reports best path and multipath changes for the FIB', () => {
  const r = new Rib({ localAs: LOCAL_AS, routerId: ROUTER_ID, multipath: { ebgp: true } });
  const changes: BestPathChange[] = [];
  r.onBestPathChange = (c) => changes.push(c);
  r.addPeer(peer(1, { peerAs: 65010 }));
  r.addPeer(peer(2, { peerAs: 65010 }));
  r.receive(1, announce(attrs({ asPath: seq(65010), nextHop: '192.0.2.1' }), [N1]));
  r.receive(2, announce(attrs({ asPath: seq(65010), nextHop: '192.0.2.2' }), [N1]));
  assert.equal(changes.length, 2);
  assert.equal(changes[1]!.best!.peer!.id, 1, 'the older path stays best');
  assert.deepEqual(changes[1]!.multipath.map((p) => p.peer!.id), [1, 2]);
  r.receive(1, withdraw([N1]));
  assert.equal(changes[2]!.best!.peer!.id, 2);
  assert.equal(changes[2]!.multipath.length, 1);
  r.receive(2, withdraw([N1]));
  assert.equal(changes[3]!.best, undefined);
  assert.deepEqual(changes[3]!.multipath, []);
});

test('watchBestPaths hands each handler the changes of its families only, until stopped', () => {
  const r = rib(peer(1), peer(2));
  const v4: string[] = [];
  const v6: string[] = [];
  const stopV4 = r.watchBestPaths([IPV4_UNICAST], (c) => v4.push(`${c.family}:${c.best === undefined ? 'gone' : 'best'}`));
  r.watchBestPaths([IPV6_UNICAST], (c) => v6.push(`${c.family}:${c.best === undefined ? 'gone' : 'best'}`));
  const all: BestPathChange[] = [];
  r.onBestPathChange = (c) => all.push(c);
  r.receive(1, announce(attrs(), [N1]));
  r.receive(1, announce(attrs({ nextHop: '2001:db8::1' }), [prefix6(1)], IPV6_UNICAST));
  assert.deepEqual(v4, [`${IPV4_UNICAST}:best`]);
  assert.deepEqual(v6, [`${IPV6_UNICAST}:best`]);
  assert.equal(all.length, 2, 'onBestPathChange still sees every family');
  stopV4();
  r.receive(1, withdraw([N1]));
  assert.deepEqual(v4, [`${IPV4_UNICAST}:best`], 'no call after stop');
  assert.equal(all.length, 3);
  assert.equal(all[2]!.best, undefined);
});

test('a withdrawn local route leaves, and the looking glass shows the table', () => {
  const r = rib(peer(1));
  r.originate(IPV4_UNICAST, N1, attrs({ asPath: [], nextHop: '0.0.0.0' }));
  const d = [...r.destinations(IPV4_UNICAST)];
  assert.equal(d.length, 1);
  assert.equal(d[0]!.best!.peer, undefined);
  assert.equal(d[0]!.paths.length, 1);
  assert.equal(flatten(r.takeOutbound(1)).announced.size, 1);
  assert.equal([...r.adjRibOut(1, IPV4_UNICAST)].length, 1);
  assert.equal(r.counters(1).get(IPV4_UNICAST)!.advertised, 1);
  r.withdrawOriginated(IPV4_UNICAST, N1);
  assert.ok(flatten(r.takeOutbound(1)).withdrawn.has(N1.key));
  assert.equal(r.routeCount(IPV4_UNICAST), 0);
});

test('refuses a peer id that is already up and UPDATEs from unknown peers', () => {
  const r = rib(peer(1));
  assert.throws(() => r.addPeer(peer(1)), /already up/);
  assert.throws(() => r.receive(9, announce(attrs(), [N1])), /unknown peer 9/);
});

test('a destination that leaves the table while a route to it is queued leaves nothing behind for the next one', () => {
  // The Adj-RIB-Out columns are indexed by destination id, and ids are reused: a route queued
  // then withdrawn must not resurface under another NLRI.
  const r = new Rib({ localAs: LOCAL_AS, routerId: ROUTER_ID });
  for (const p of [peer(1), peer(2)]) {
    r.addPeer(p);
    r.takeOutbound(p.id);
  }
  r.receive(1, announce(attrs(), [N1]));
  r.receive(1, withdraw([N1]));
  r.receive(1, announce(attrs({ med: 9 }), [N2]));
  const b = flatten(r.takeOutbound(2));
  assert.deepEqual([...b.announced.keys()], [N2.key]);
  assert.equal(b.withdrawn.size, 0);
  // A sent route keeps its destination until its withdrawal has left, even with no path left.
  r.receive(1, withdraw([N2]));
  r.receive(1, announce(attrs(), [N3]));
  const c = flatten(r.takeOutbound(2));
  assert.deepEqual([...c.withdrawn], [N2.key]);
  assert.deepEqual([...c.announced.keys()], [N3.key]);
  assert.deepEqual([...r.adjRibOut(2, IPV4_UNICAST)].map((e) => e.nlri.key), [N3.key]);
  r.removePeer(2);
  assert.equal(r.routeCount(IPV4_UNICAST), 1);
});

test('Adj-RIB-In views and counters stay per peer when peers share destinations', () => {
  const r = rib(peer(1), peer(2), peer(3));
  r.setPolicy(2, { import: (_p, _f, n, a) => (n.key === N2.key ? undefined : a) });
  r.receive(1, announce(attrs({ asPath: seq(65001) }), [N1]));
  r.receive(2, announce(attrs({ asPath: seq(65002, 5) }), [N1, N2]));
  assert.deepEqual([...r.adjRibIn(1, IPV4_UNICAST)].map((p) => p.nlri.key), [N1.key]);
  assert.deepEqual([...r.adjRibIn(2, IPV4_UNICAST)].map((p) => p.nlri.key).sort(), [N1.key, N2.key].sort());
  assert.deepEqual(r.counters(2).get(IPV4_UNICAST), { received: 2, accepted: 1, advertised: 0 });
  assert.equal(r.routeCount(IPV4_UNICAST), 1, 'N2 is only in Adj-RIB-In');
  r.removePeer(1);
  assert.equal([...r.destinations(IPV4_UNICAST)][0]!.best!.peer!.id, 2);
  r.setPolicy(2, {});
  assert.equal(r.routeCount(IPV4_UNICAST), 2);
  r.receive(2, withdraw([N1, N2]));
  assert.equal(r.routeCount(IPV4_UNICAST), 0);
  assert.deepEqual([...r.adjRibIn(2, IPV4_UNICAST)], []);
});
