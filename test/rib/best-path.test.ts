import { test } from 'node:test';
import assert from 'node:assert/strict';
import { comparePaths, decide, neighbourAs, type Candidate } from '../../src/rib/best-path.js';
import { asPathCount as asPathLength } from '../../src/wire/attributes/as-path.js';
import { AttrSets } from '../../src/rib/attr-set.js';
import { LocRib } from '../../src/rib/loc-rib.js';
import { ACCEPTED, EBGP, ELIGIBLE } from '../../src/rib/path.js';
import type { PathAttributes } from '../../src/wire/attributes/types.js';
import { IPV4_UNICAST } from '../../src/wire/family.js';
import type { RibPeer } from '../../src/rib/types.js';
import { attrs, ipeer, peer, prefix, seq } from './helpers.js';

const N = prefix('10.0.0.0/24');
let sequence = 0;

function flagsOf(from: RibPeer | undefined): number {
  const ebgp = from !== undefined && from.peerAs !== from.localAs;
  return ACCEPTED | ELIGIBLE | (ebgp ? EBGP : 0);
}

function path(a: PathAttributes, from: RibPeer | undefined, s = ++sequence): Candidate {
  return { attributes: a, peer: from, sequence: s, flags: flagsOf(from) };
}

/** A table with one destination, N, and its paths as rows (source slot i + 1 for the i-th). */
function table(paths: [PathAttributes, RibPeer | undefined][]): { loc: LocRib; id: number; rows: number[] } {
  const sets = new AttrSets();
  const peers: (RibPeer | undefined)[] = [undefined];
  const loc = new LocRib(IPV4_UNICAST, sets, peers);
  const id = loc.obtain(N);
  const rows = paths.map(([a, from]) => {
    peers.push(from);
    const attr = sets.internId(a);
    return loc.addPath(id, peers.length - 1, attr, attr, ++sequence, flagsOf(from), undefined);
  });
  return { loc, id, rows };
}

/** The better of two paths, whichever order they are given in. */
function better(a: Candidate, b: Candidate): Candidate {
  const ab = comparePaths(a, b) < 0 ? a : b;
  const ba = comparePaths(b, a) < 0 ? b : a;
  assert.equal(ab, ba, 'the comparator must be antisymmetric here');
  return ab;
}

test('prefers higher LOCAL_PREF, 100 when absent', () => {
  const a = path(attrs({ localPref: 200, asPath: seq(1, 2, 3) }), ipeer(1));
  const b = path(attrs({ asPath: seq(1) }), ipeer(2));
  assert.equal(better(a, b), a);
  const c = path(attrs({ localPref: 99, asPath: seq(1) }), ipeer(3));
  assert.equal(better(b, c), b);
});

test('prefers a locally originated path over a learned one', () => {
  const local = path(attrs({ asPath: seq(1, 2, 3, 4), nextHop: '0.0.0.0' }), undefined);
  const learned = path(attrs({ asPath: seq(1) }), peer(1));
  assert.equal(better(local, learned), local);
});

test('prefers the shorter AS_PATH, an AS_SET counting one and confederation segments none', () => {
  assert.equal(asPathLength([{ type: 2, asns: [1, 2] }, { type: 1, asns: [3, 4, 5] }]), 3);
  assert.equal(asPathLength([{ type: 3, asns: [64512, 64513] }, { type: 2, asns: [1] }]), 1);
  const a = path(attrs({ asPath: [{ type: 2, asns: [1] }, { type: 1, asns: [7, 8, 9] }] }), peer(1));
  const b = path(attrs({ asPath: seq(1, 2, 3) }), peer(2));
  assert.equal(better(a, b), a);
});

test('prefers the lower ORIGIN', () => {
  const a = path(attrs({ origin: 1 }), peer(1));
  const b = path(attrs({ origin: 0 }), peer(2));
  assert.equal(better(a, b), b);
});

test('prefers lower MED only between routes from the same neighbour AS', () => {
  const p1 = peer(1, { peerAs: 65010 });
  const p2 = peer(2, { peerAs: 65010 });
  const p3 = peer(3, { peerAs: 65020 });
  // Same neighbour AS: MED decides even though b is older.
  const b = path(attrs({ asPath: seq(65010, 1), med: 50 }), p1);
  const a = path(attrs({ asPath: seq(65010, 2), med: 10 }), p2);
  assert.equal(better(a, b), a);
  // Different neighbour AS: MED is not compared; the older eBGP path wins (RFC 5004).
  const c = path(attrs({ asPath: seq(65020, 2), med: 0 }), p3);
  assert.equal(better(b, c), b);
  // A missing MED is the lowest value.
  const d = path(attrs({ asPath: seq(65010, 3) }), peer(4, { peerAs: 65010 }));
  assert.equal(better(a, d), d);
});

test('neighbour AS skips confederation segments and is our own AS for internal routes', () => {
  assert.equal(neighbourAs(attrs({ asPath: [{ type: 3, asns: [64512] }, { type: 2, asns: [65010, 1] }] })), 65010);
  assert.equal(neighbourAs(attrs({ asPath: [] })), 0);
  assert.equal(neighbourAs(attrs({ asPath: [{ type: 1, asns: [1, 2] }] })), 0);
});

test('prefers eBGP over iBGP', () => {
  const i = path(attrs(), ipeer(1), 1);
  const e = path(attrs(), peer(2), 2);
  assert.equal(better(i, e), e);
});

test('prefers the oldest of two eBGP paths (RFC 5004)', () => {
  const newer = path(attrs(), peer(1), 20);
  const older = path(attrs(), peer(9), 10);
  assert.equal(better(newer, older), older);
});

test('prefers the lowest router id, ORIGINATOR_ID standing in for it when present', () => {
  const a = path(attrs(), ipeer(1, { routerId: '10.0.0.9' }));
  const b = path(attrs(), ipeer(2, { routerId: '10.0.0.10' }));
  assert.equal(better(a, b), a, 'numeric, not textual, order');
  const c = path(attrs({ originatorId: '10.0.0.1', clusterList: ['1.1.1.1'] }), ipeer(3, { routerId: '10.0.0.200' }));
  assert.equal(better(a, c), c);
});

test('prefers the shorter CLUSTER_LIST, then the lower peer address', () => {
  const a = path(attrs({ originatorId: '10.0.0.1', clusterList: ['1.1.1.1', '2.2.2.2'] }), ipeer(1));
  const b = path(attrs({ originatorId: '10.0.0.1', clusterList: ['3.3.3.3'] }), ipeer(2));
  assert.equal(better(a, b), b);
  const c = path(attrs({ originatorId: '10.0.0.1' }), ipeer(30, { address: '192.0.2.30' }));
  const d = path(attrs({ originatorId: '10.0.0.1' }), ipeer(4, { address: '192.0.2.4' }));
  assert.equal(better(c, d), d, 'numeric address order');
});

test('keeps equal eBGP paths from the same neighbour AS as multipath, capped at maxPaths', () => {
  const mk = (id: number, as: number): [PathAttributes, RibPeer] => [attrs({ asPath: seq(as, 1) }), peer(id, { peerAs: as })];
  // Inserted newest first: a is the oldest, so the best of the equal eBGP paths (RFC 5004).
  const { loc, id, rows } = table([mk(1, 65010), mk(2, 65010), mk(3, 65010), mk(4, 65020), [attrs({ asPath: seq(65010, 1) }), ipeer(5)]]);
  const [a, b, c] = rows;
  decide(loc, id, { ebgp: true, ibgp: false, maxPaths: 2 });
  assert.equal(loc.bestOf(id), a);
  assert.deepEqual(loc.multipathOf(id), [a, b]);
  decide(loc, id, { ebgp: true, ibgp: false, maxPaths: 8 });
  assert.deepEqual(loc.multipathOf(id), [a, b, c], 'not the other neighbour AS, not iBGP');
});

test('a destination with one path needs no comparison and keeps no multipath set', () => {
  const { loc, id, rows } = table([[attrs(), peer(1)]]);
  decide(loc, id, { ebgp: true, ibgp: true, maxPaths: 8 });
  assert.equal(loc.bestOf(id), rows[0]);
  assert.equal(loc.multipathOf(id).length, 0);
});

test('a removed best path counts as a change even when its row is reused at once', () => {
  const { loc, id, rows } = table([[attrs(), peer(1)]]);
  decide(loc, id, undefined);
  loc.removePath(id, rows[0]!);
  const again = loc.addPath(id, 1, loc.paths.attr[rows[0]!]!, loc.paths.recv[rows[0]!]!, ++sequence, flagsOf(peer(1)), undefined);
  assert.equal(again, rows[0], 'the free row is reused');
  assert.notEqual(decide(loc, id, undefined), 0);
});
