/**
 * RFC 4724 §4.2 in the RIB: a restarting peer's paths kept as stale, replaced by what its new
 * session sends, flushed by End-of-RIB (per family) or a timer (all families).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rib } from '../../src/rib/rib.js';
import type { BestPathChange, RibPeer } from '../../src/rib/types.js';
import { IPV4_UNICAST, IPV6_UNICAST } from '../../src/wire/family.js';
import { LOCAL_AS, ROUTER_ID, announce, attrs, flatten, peer, prefix, prefix6, seq, withdraw } from './helpers.js';

const N1 = prefix('10.1.0.0/16');
const N2 = prefix('10.2.0.0/16');
const N3 = prefix('10.3.0.0/16');
const V6 = prefix6(1);

function rib(...peers: RibPeer[]): { r: Rib; changes: BestPathChange[] } {
  const r = new Rib({ localAs: LOCAL_AS, routerId: ROUTER_ID });
  const changes: BestPathChange[] = [];
  r.onBestPathChange = (c) => changes.push(c);
  for (const p of peers) {
    r.addPeer(p);
    r.takeOutbound(p.id);
  }
  return { r, changes };
}

/** Peer 1's neighbour again, on a new session (new id, same address). */
const again = (id: number) => peer(id, { address: peer(1).address, peerAs: peer(1).peerAs, routerId: peer(1).routerId });

test('stale paths stay best, in the FIB and advertised; the other families go at once', () => {
  const { r, changes } = rib(peer(1), peer(2));
  r.receive(1, announce(attrs(), [N1, N2]));
  r.receive(1, announce(attrs({ nextHop: '2001:db8::1' }), [V6], IPV6_UNICAST));
  r.takeOutbound(2);
  changes.length = 0;
  r.retainStale(1, [IPV4_UNICAST]);
  const out = flatten(r.takeOutbound(2));
  assert.deepEqual([...out.withdrawn], [V6.key], 'only the family outside graceful restart is withdrawn');
  assert.equal(out.announced.size, 0);
  assert.deepEqual(changes.map((c) => [c.family, c.best]), [[IPV6_UNICAST, undefined]]);
  assert.equal(r.routeCount(IPV4_UNICAST), 2);
  const paths = [...r.destinations(IPV4_UNICAST)].map((d) => d.best!);
  assert.ok(paths.every((p) => r.isStale(p)), 'marked stale');
  assert.deepEqual([...r.staleFamilies(1)], [IPV4_UNICAST]);
  assert.equal(r.takeOutbound(1), undefined, 'the old session gets nothing');
});

test('End-of-RIB from the new session removes only the stale paths it did not send again', () => {
  const { r } = rib(peer(1), peer(2));
  r.receive(1, announce(attrs(), [N1, N2, N3]));
  r.takeOutbound(2);
  r.retainStale(1, [IPV4_UNICAST, IPV6_UNICAST]);
  assert.deepEqual([...r.staleFamilies(1)], [IPV4_UNICAST], 'families without paths are not held');
  r.addPeer(again(3), undefined, 1);
  const initial = r.takeOutbound(3)!;
  assert.deepEqual([initial.announced, initial.withdrawn], [[], []], 'its own stale paths are not sent back to it');
  // N1 unchanged, N2 with new attributes, N3 not sent again.
  r.receive(3, announce(attrs(), [N1]));
  r.receive(3, announce(attrs({ asPath: seq(65099, 7) }), [N2]));
  const during = flatten(r.takeOutbound(2));
  assert.equal(during.withdrawn.size, 0, 'nothing withdrawn before End-of-RIB');
  assert.deepEqual([...during.announced.keys()], [N2.key], 'N1 replaced by an equal path: nothing to send');
  const n1 = [...r.destinations(IPV4_UNICAST)].find((d) => d.nlri.key === N1.key)!;
  assert.equal(n1.paths.length, 1, 'the refreshed path replaced the stale one');
  assert.equal(n1.best!.peer!.id, 3);
  assert.ok(!r.isStale(n1.best!));
  assert.ok(r.isStale([...r.destinations(IPV4_UNICAST)].find((d) => d.nlri.key === N3.key)!.best!));
  assert.deepEqual([...r.flushStale(1, IPV4_UNICAST)], []);
  assert.deepEqual([...flatten(r.takeOutbound(2)).withdrawn], [N3.key]);
  assert.equal(r.routeCount(IPV4_UNICAST), 2);
  assert.equal(r.counters(3).get(IPV4_UNICAST)!.received, 2);
});

test('a withdrawal from the new session ends the stale path too', () => {
  const { r } = rib(peer(1), peer(2));
  r.receive(1, announce(attrs(), [N1, N2]));
  r.takeOutbound(2);
  r.retainStale(1, [IPV4_UNICAST]);
  r.addPeer(again(3), undefined, 1);
  r.receive(3, withdraw([N1]));
  assert.deepEqual([...flatten(r.takeOutbound(2)).withdrawn], [N1.key]);
  assert.equal(r.routeCount(IPV4_UNICAST), 1);
});

test('a timer flush removes every stale path and falls back to other paths', () => {
  const { r, changes } = rib(peer(1), peer(2), peer(4));
  r.receive(1, announce(attrs({ asPath: seq(65001) }), [N1, N2]));
  r.receive(2, announce(attrs({ asPath: seq(65002, 9) }), [N1]));
  r.takeOutbound(4);
  r.retainStale(1, [IPV4_UNICAST]);
  assert.equal(r.takeOutbound(4), undefined, 'stale paths stay best: nothing changes for others');
  changes.length = 0;
  r.flushStale(1);
  const out = flatten(r.takeOutbound(4));
  assert.deepEqual(out.announced.get(N1.key)!.asPath, seq(LOCAL_AS, 65002, 9));
  assert.deepEqual([...out.withdrawn], [N2.key]);
  assert.equal(changes.length, 2);
  assert.deepEqual([...r.staleFamilies(1)], []);
  assert.equal(r.routeCount(IPV4_UNICAST), 1);
});

/** Peer 1 sent N1 and N2, restarted as peer 3 and sent N1 again; peer 2 took everything. */
function restartedOnce(): Rib {
  const { r } = rib(peer(1), peer(2));
  r.receive(1, announce(attrs(), [N1, N2]));
  r.takeOutbound(2);
  r.retainStale(1, [IPV4_UNICAST]);
  r.addPeer(again(3), undefined, 1);
  r.receive(3, announce(attrs(), [N1]));
  return r;
}

test('the new session going down without graceful restart takes the stale paths with it', () => {
  const r = restartedOnce();
  r.removePeer(3);
  assert.deepEqual([...flatten(r.takeOutbound(2)).withdrawn].sort(), [N1.key, N2.key].sort());
  assert.equal(r.routeCount(IPV4_UNICAST), 0);
  assert.deepEqual([...r.staleFamilies(1)], []);
});

test('a second restart keeps the new session\'s paths as stale and drops the older generation', () => {
  const r = restartedOnce();
  r.retainStale(3, [IPV4_UNICAST]);
  assert.deepEqual([...flatten(r.takeOutbound(2)).withdrawn], [N2.key]);
  assert.deepEqual([...r.staleFamilies(1)], []);
  assert.deepEqual([...r.staleFamilies(3)], [IPV4_UNICAST]);
  assert.ok(r.isStale([...r.destinations(IPV4_UNICAST)][0]!.best!));
});
