import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AttrSets, attrHash, attrKey, prependAsPath, sameAttributes } from '../../src/rib/attr-set.js';
import { attrs, seq } from './helpers.js';

test('equal attribute sets from different UPDATEs intern to one frozen object', () => {
  const sets = new AttrSets();
  const a = sets.intern(attrs({ communities: [1, 2], med: 5 }));
  const b = sets.intern(attrs({ communities: [1, 2], med: 5 }));
  assert.equal(a, b);
  assert.ok(Object.isFrozen(a));
  assert.notEqual(sets.intern(attrs({ communities: [1, 3], med: 5 })), a);
});

test('an absent attribute and an empty one are different sets', () => {
  assert.notEqual(attrKey(attrs()), attrKey(attrs({ communities: [] })));
  assert.notEqual(attrKey(attrs({ med: 0 })), attrKey(attrs()));
});

test('unknown attributes are part of the key, byte for byte', () => {
  const u = (v: number) => attrs({ unknown: [{ flags: 0xc0, code: 99, value: Buffer.from([v]) }] });
  assert.equal(attrKey(u(1)), attrKey(u(1)));
  assert.notEqual(attrKey(u(1)), attrKey(u(2)));
});

test('derivations return interned objects and are done once per source set', () => {
  const sets = new AttrSets();
  const base = sets.intern(attrs({ asPath: seq(65001), localPref: 150 }));
  const p1 = sets.prependAs(base, 65000);
  assert.equal(sets.prependAs(base, 65000), p1);
  assert.deepEqual(p1.asPath, seq(65000, 65001));
  assert.equal(p1, sets.intern(attrs({ asPath: seq(65000, 65001), localPref: 150 })));
  assert.equal(sets.setNextHop(base, '192.0.2.1').nextHop, '192.0.2.1');
  const r = sets.reflect(base, '10.0.0.7', '10.255.0.1');
  assert.equal(r.originatorId, '10.0.0.7');
  assert.deepEqual(r.clusterList, ['10.255.0.1']);
  const rr = sets.reflect(r, '10.0.0.8', '10.255.0.2');
  assert.equal(rr.originatorId, '10.0.0.7', 'an existing ORIGINATOR_ID is kept');
  assert.deepEqual(rr.clusterList, ['10.255.0.2', '10.255.0.1']);
  const noLp = sets.setLocalPref(base, undefined);
  assert.equal('localPref' in noLp, false, 'a removed field is absent, not undefined');
  assert.equal(sets.setLocalPref(base, 150), base);
});

test('prepending opens a new AS_SEQUENCE when the first segment is a set or full', () => {
  assert.deepEqual(prependAsPath([{ type: 1, asns: [1, 2] }], 9), [{ type: 2, asns: [9] }, { type: 1, asns: [1, 2] }]);
  const full = Array.from({ length: 255 }, (_, i) => i + 1);
  const p = prependAsPath([{ type: 2, asns: full }], 9);
  assert.equal(p.length, 2);
  assert.deepEqual(prependAsPath([], 9), [{ type: 2, asns: [9] }]);
});

test('hash and field comparison agree with the canonical key on what is the same set', () => {
  const variants = [
    attrs(),
    attrs({ med: 0 }),
    attrs({ communities: [] }),
    attrs({ communities: [1, 2] }),
    attrs({ communities: [2, 1] }),
    attrs({ asPath: [{ type: 1, asns: [65099] }] }),
    attrs({ atomicAggregate: true }),
    attrs({ aggregator: { asn: 1, address: '10.0.0.1' } }),
    attrs({ extCommunities: [1n << 40n] }),
    attrs({ largeCommunities: [[1, 2, 3]] }),
    attrs({ clusterList: ['1.1.1.1'], originatorId: '10.0.0.1' }),
    attrs({ unknown: [{ flags: 0xc0, code: 99, value: Buffer.from([1]) }] }),
    attrs({ nextHop: '2001:db8::1', nextHopLinkLocal: 'fe80::1' }),
    // Two EVIs behind one next hop differ only in their PMSI tunnel label (the VNI).
    attrs({ pmsiTunnel: { flags: 0, tunnelType: 6, label: 100, tunnelId: '10.0.0.1' } }),
    attrs({ pmsiTunnel: { flags: 0, tunnelType: 6, label: 200, tunnelId: '10.0.0.1' } }),
  ];
  for (const a of variants) {
    for (const b of variants) assert.equal(sameAttributes(a, b), attrKey(a) === attrKey(b));
    // An equal set built separately (Buffers do not survive structuredClone: shared as they are).
    const { unknown, ...rest } = a;
    const twin = { ...structuredClone(rest), ...(unknown !== undefined ? { unknown } : {}) };
    assert.equal(attrHash(twin), attrHash(a));
    assert.ok(sameAttributes(twin, a));
  }
  const sets = new AttrSets();
  const interned = variants.map((a) => sets.intern(a));
  assert.equal(new Set(interned).size, variants.length);
  assert.equal(sets.intern(structuredClone(variants[3]!)), interned[3]);
  assert.deepEqual(Object.keys(interned[0]!), Object.keys(attrs()), 'interning adds no field');
});

test('an object already frozen elsewhere is copied', () => {
  const sets = new AttrSets();
  const frozen = Object.freeze(attrs({ med: 3 }));
  const a = sets.intern(frozen);
  assert.notEqual(a, frozen);
  assert.ok(sets.isInterned(a));
  assert.equal(sets.intern(attrs({ med: 3 })), a);
});
