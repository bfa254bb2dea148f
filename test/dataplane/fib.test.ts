/**
 * The FIB logic (src/dataplane/fib.ts) over the dummy sink: what reaches the kernel for a given
 * sequence of best path changes — coalescing, ECMP sets, own routes, withdrawals, refused routes,
 * and the restart/reconcile rules (unchanged routes untouched, stale ones held until released).
 * No kernel here; test/dataplane/kernel-routes.test.ts does the same with real namespaces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DummyRouteSink } from '../../src/dataplane/dummy/routes.js';
import { Fib } from '../../src/dataplane/fib.js';
import { Rib } from '../../src/rib/rib.js';
import type { BestPathChange, RibPeer, Route } from '../../src/rib/types.js';
import { silentLogger } from '../../src/util/log.js';
import { IPV4_UNICAST, IPV6_UNICAST, type Family } from '../../src/wire/family.js';
import { parsePrefix } from '../../src/wire/nlri/prefix.js';
import { attrs, peer } from '../rib/helpers.js';

const METRIC = 20;

function route(family: Family, text: string, nextHop: string, from: RibPeer | undefined, seq = 0): Route {
  return { family, nlri: parsePrefix(family, text), attributes: attrs({ nextHop }), peer: from, sequence: seq };
}

/** A change whose best path is the first route and whose multipath set is all of them. */
function best(...routes: Route[]): BestPathChange {
  const r = routes[0]!;
  return { family: r.family, nlri: r.nlri, best: r, multipath: routes };
}

function gone(family: Family, text: string): BestPathChange {
  return { family, nlri: parsePrefix(family, text), best: undefined, multipath: [] };
}

async function newFib(sink = new DummyRouteSink(METRIC), holdStale = false): Promise<{ fib: Fib; sink: DummyRouteSink }> {
  const fib = new Fib({ sink, metric: METRIC, log: silentLogger(), flushDelayMs: 1 });
  await fib.start(holdStale);
  return { fib, sink };
}

const p1 = peer(1);
const p2 = peer(2);
const v4 = (text: string, nh: string, from: RibPeer | undefined = p1) => route(IPV4_UNICAST, text, nh, from);

test('coalesces changes per prefix: only the last state of a burst reaches the kernel', async () => {
  const { fib, sink } = await newFib();
  fib.change(best(v4('10.0.0.1/32', '192.0.2.1')));
  fib.change(best(v4('10.0.0.1/32', '192.0.2.2')));
  fib.change(best(v4('10.0.0.2/32', '192.0.2.1')));
  fib.change(gone(IPV4_UNICAST, '10.0.0.2/32'));
  await fib.settled();
  assert.deepEqual(sink.log, [{ op: 'add', prefix: '10.0.0.1/32', nexthops: ['192.0.2.2'], metric: METRIC }]);
  assert.equal(sink.flushes, 1);
  await fib.stop();
});

test('several equal-cost paths become one ECMP route; a change that keeps the next hops costs nothing', async () => {
  const { fib, sink } = await newFib();
  fib.change(best(v4('10.1.0.0/24', '192.0.2.9', p2), v4('10.1.0.0/24', '192.0.2.3', p1)));
  await fib.settled();
  assert.deepEqual(sink.log.at(-1), { op: 'add', prefix: '10.1.0.0/24', nexthops: ['192.0.2.3', '192.0.2.9'], metric: METRIC });
  const mark = sink.log.length;
  // Same set in another order (the best path moved to the other peer): nothing to do.
  fib.change(best(v4('10.1.0.0/24', '192.0.2.3', p1), v4('10.1.0.0/24', '192.0.2.9', p2)));
  await fib.settled();
  assert.deepEqual(sink.since(mark), []);
  // One path left: replaced in one operation, never removed and added.
  fib.change(best(v4('10.1.0.0/24', '192.0.2.3', p1)));
  await fib.settled();
  assert.deepEqual(sink.since(mark), [{ op: 'replace', prefix: '10.1.0.0/24', nexthops: ['192.0.2.3'], metric: METRIC }]);
  fib.change(gone(IPV4_UNICAST, '10.1.0.0/24'));
  await fib.settled();
  assert.deepEqual(sink.log.at(-1), { op: 'remove', prefix: '10.1.0.0/24', nexthops: [], metric: METRIC });
  assert.equal(sink.table.size, 0);
  await fib.stop();
});

test('routes this speaker originates are never installed, and a learned route that loses to one is removed', async () => {
  const { fib, sink } = await newFib();
  fib.change(best(route(IPV4_UNICAST, '10.2.0.0/24', '192.0.2.50', undefined)));
  fib.change(best(v4('10.3.0.0/24', '192.0.2.1')));
  await fib.settled();
  assert.deepEqual([...sink.table.keys()], ['10.3.0.0/24|20']);
  fib.change(best(route(IPV4_UNICAST, '10.3.0.0/24', '192.0.2.50', undefined), v4('10.3.0.0/24', '192.0.2.1')));
  await fib.settled();
  assert.equal(sink.table.size, 0);
  await fib.stop();
});

test('IPv6 prefixes and next hops are installed in canonical text', async () => {
  const { fib, sink } = await newFib();
  fib.change(best(route(IPV6_UNICAST, '2001:DB8:0:0::1/128', '2001:db8:0:0:0:0:0:a', p1)));
  await fib.settled();
  assert.deepEqual([...sink.table.values()], [{ prefix: '2001:db8::1/128', nexthops: ['2001:db8::a'], metric: METRIC }]);
  await fib.stop();
});

test('multipath sets from a real Rib with multipath on reach the sink as ECMP routes', async () => {
  const { fib, sink } = await newFib();
  const rib = new Rib({ localAs: 65000, routerId: '10.255.0.1', multipath: { ebgp: true } });
  rib.onBestPathChange = (c) => fib.change(c);
  const a = peer(1, { peerAs: 65010 });
  const b = peer(2, { peerAs: 65010 });
  rib.addPeer(a);
  rib.addPeer(b);
  const nlri = parsePrefix(IPV4_UNICAST, '10.9.0.0/24');
  const announce = (nextHop: string) => ({ announced: [{ family: IPV4_UNICAST, attributes: attrs({ nextHop, asPath: [{ type: 2, asns: [65010] }] }), nlri: [nlri] }], withdrawn: [], discarded: [] });
  rib.receive(a.id, announce('192.0.2.1'));
  rib.receive(b.id, announce('192.0.2.2'));
  await fib.settled();
  assert.deepEqual([...sink.table.values()], [{ prefix: '10.9.0.0/24', nexthops: ['192.0.2.1', '192.0.2.2'], metric: METRIC }]);
  rib.removePeer(a.id);
  await fib.settled();
  assert.deepEqual([...sink.table.values()], [{ prefix: '10.9.0.0/24', nexthops: ['192.0.2.2'], metric: METRIC }]);
  rib.removePeer(b.id);
  await fib.settled();
  assert.equal(sink.table.size, 0);
  await fib.stop();
});

test('restart: routes found in the table and learned again unchanged are not touched; stale ones wait for releaseStale', async () => {
  const sink = new DummyRouteSink(METRIC);
  sink.table.set('10.0.0.1/32|20', { prefix: '10.0.0.1/32', nexthops: ['192.0.2.1'], metric: METRIC });
  sink.table.set('10.0.0.2/32|20', { prefix: '10.0.0.2/32', nexthops: ['192.0.2.1', '192.0.2.2'], metric: METRIC });
  sink.table.set('10.0.0.3/32|20', { prefix: '10.0.0.3/32', nexthops: ['192.0.2.1'], metric: METRIC });
  sink.table.set('10.0.0.4/32|20', { prefix: '10.0.0.4/32', nexthops: ['192.0.2.1'], metric: METRIC });
  // Ours, from a configuration with another metric: stale too.
  sink.table.set('10.0.0.5/32|99', { prefix: '10.0.0.5/32', nexthops: ['192.0.2.1'], metric: 99 });
  const { fib } = await newFib(sink, true);
  assert.equal(fib.installedCount, 4);
  assert.equal(fib.staleCount, 4);
  fib.change(best(v4('10.0.0.1/32', '192.0.2.1')));
  fib.change(best(v4('10.0.0.2/32', '192.0.2.2', p2), v4('10.0.0.2/32', '192.0.2.1')));
  fib.change(best(v4('10.0.0.3/32', '192.0.2.7')));
  await fib.settled();
  assert.deepEqual(sink.log, [{ op: 'replace', prefix: '10.0.0.3/32', nexthops: ['192.0.2.7'], metric: METRIC }]);
  assert.ok(sink.table.has('10.0.0.4/32|20'), 'a stale route stays until released');
  fib.releaseStale('test');
  await fib.settled();
  assert.deepEqual(sink.log.slice(1).map((o) => `${o.op} ${o.prefix} ${o.metric}`).sort(), ['remove 10.0.0.4/32 20', 'remove 10.0.0.5/32 99']);
  assert.deepEqual([...sink.table.keys()].sort(), ['10.0.0.1/32|20', '10.0.0.2/32|20', '10.0.0.3/32|20']);
  await fib.stop();
});

test('without a stale hold, routes of ours nobody announces are removed at start', async () => {
  const sink = new DummyRouteSink(METRIC);
  sink.table.set('10.0.0.4/32|20', { prefix: '10.0.0.4/32', nexthops: ['192.0.2.1'], metric: METRIC });
  const { fib } = await newFib(sink, false);
  await fib.settled();
  assert.equal(sink.table.size, 0);
  await fib.stop();
});

test('a withdrawal of a prefix learned again after the restart removes it even while stale routes are held', async () => {
  const sink = new DummyRouteSink(METRIC);
  sink.table.set('10.0.0.1/32|20', { prefix: '10.0.0.1/32', nexthops: ['192.0.2.1'], metric: METRIC });
  const { fib } = await newFib(sink, true);
  fib.change(best(v4('10.0.0.1/32', '192.0.2.1')));
  fib.change(gone(IPV4_UNICAST, '10.0.0.1/32'));
  await fib.settled();
  assert.equal(sink.table.size, 0);
  await fib.stop();
});

test('reconcile fixes only the difference: a route removed or changed behind our back comes back, the rest is untouched', async () => {
  const { fib, sink } = await newFib();
  for (let i = 1; i <= 50; i++) fib.change(best(v4(`10.4.0.${i}/32`, '192.0.2.1')));
  await fib.settled();
  sink.table.delete('10.4.0.7/32|20');
  sink.table.set('10.4.0.8/32|20', { prefix: '10.4.0.8/32', nexthops: ['192.0.2.99'], metric: METRIC });
  sink.table.set('10.4.9.9/32|20', { prefix: '10.4.9.9/32', nexthops: ['192.0.2.99'], metric: METRIC });
  const mark = sink.log.length;
  fib.reconcile();
  await fib.settled();
  assert.deepEqual(
    sink.since(mark).map((o) => `${o.op} ${o.prefix} ${o.nexthops.join(',')}`).sort(),
    ['add 10.4.0.7/32 192.0.2.1', 'remove 10.4.9.9/32 ', 'replace 10.4.0.8/32 192.0.2.1'],
  );
  await fib.stop();
});

test('a route the kernel refuses is not retried on every change, but at the next reconcile', async () => {
  const sink = new DummyRouteSink(METRIC);
  sink.foreign.add('10.5.0.0/24'); // another protocol's route at our metric
  sink.unreachable.add('203.0.113.1');
  const { fib } = await newFib(sink);
  fib.change(best(v4('10.5.0.0/24', '192.0.2.1')));
  fib.change(best(v4('10.6.0.0/24', '203.0.113.1')));
  await fib.settled();
  assert.equal(fib.stats.failed, 2);
  const mark = sink.log.length;
  // Same next hops again (e.g. a MED change): not retried.
  fib.change(best(v4('10.5.0.0/24', '192.0.2.1')));
  await fib.settled();
  assert.deepEqual(sink.since(mark), []);
  // New next hops: tried again at once.
  fib.change(best(v4('10.6.0.0/24', '192.0.2.1')));
  await fib.settled();
  assert.deepEqual(sink.since(mark).map((o) => o.prefix), ['10.6.0.0/24']);
  sink.foreign.delete('10.5.0.0/24');
  fib.reconcile();
  await fib.settled();
  assert.deepEqual([...sink.table.keys()].sort(), ['10.5.0.0/24|20', '10.6.0.0/24|20']);
  await fib.stop();
});

test('a batch whose fate is unknown (the ip child died) is repaired by reading the table back', async () => {
  const { fib, sink } = await newFib();
  sink.failNextFlush = true;
  fib.change(best(v4('10.7.0.0/24', '192.0.2.1')));
  await fib.settled();
  assert.equal(sink.table.size, 0);
  fib.reconcile(); // what the retry timer does after a second
  await fib.settled();
  assert.deepEqual([...sink.table.keys()], ['10.7.0.0/24|20']);
  await fib.stop();
});

test('restart: an ECMP route keeps next hops not relearned yet until releaseStale, instead of shrinking and growing back', async () => {
  const sink = new DummyRouteSink(METRIC);
  sink.table.set('10.0.0.9/32|20', { prefix: '10.0.0.9/32', nexthops: ['192.0.2.1', '192.0.2.2'], metric: METRIC });
  const { fib } = await newFib(sink, true);
  const ops = () => sink.log.map((o) => `${o.op} ${o.prefix} ${o.nexthops.join(',')}`);
  fib.change(best(v4('10.0.0.9/32', '192.0.2.1')));
  await fib.settled();
  assert.deepEqual(ops(), [], 'the first session back does not shrink the ECMP route');
  fib.change(best(v4('10.0.0.9/32', '192.0.2.2', p2), v4('10.0.0.9/32', '192.0.2.1')));
  await fib.settled();
  assert.deepEqual(ops(), [], 'the second one brings it back to what is installed');
  fib.change(best(v4('10.0.0.9/32', '192.0.2.1')));
  fib.releaseStale('test');
  await fib.settled();
  assert.deepEqual(ops(), ['replace 10.0.0.9/32 192.0.2.1'], 'after End-of-RIB the route follows the RIB');
  await fib.stop();
});
