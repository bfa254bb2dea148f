import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IPV4_UNICAST, IPV6_UNICAST, L2VPN_EVPN } from '../../src/wire/family.js';
import { decodeUpdate, encodeAttributes, encodeEndOfRib, encodeUpdates, encodeWithdrawals, UpdateWriter } from '../../src/wire/update.js';
import { parsePrefix } from '../../src/wire/nlri/prefix.js';
import type { PathAttributes } from '../../src/wire/attributes/types.js';
import type { CodecContext } from '../../src/wire/messages.js';
import { bodyOf, EBGP2, EBGP4, IBGP4 } from './helpers.js';

const v4 = (n: number) => parsePrefix(IPV4_UNICAST, `10.${(n >> 8) & 255}.${n & 255}.0/24`);
const v6 = (n: number) => parsePrefix(IPV6_UNICAST, `2001:db8:${n.toString(16)}::/48`);

const FULL: PathAttributes = {
  origin: 1,
  asPath: [{ type: 2, asns: [65001, 4200000100] }, { type: 1, asns: [65010, 65011] }],
  nextHop: '10.99.0.1',
  med: 50,
  localPref: 300,
  atomicAggregate: true,
  aggregator: { asn: 4200000100, address: '10.99.0.9' },
  communities: [0xfde80001, 0xffffff01],
  extCommunities: [0x0002fde800000064n],
  largeCommunities: [[65000, 1, 2]],
  originatorId: '10.0.0.7',
  clusterList: ['10.0.0.8'],
  unknown: [{ flags: 0xe0, code: 99, value: Buffer.from('abcd', 'hex') }],
};

function decodeAll(messages: Buffer[], ctx: CodecContext) {
  return messages.map((m) => decodeUpdate(bodyOf(m).body, ctx));
}

test('an IPv4 announcement with every attribute round-trips (iBGP, 4-octet AS)', () => {
  const msgs = encodeUpdates({ family: IPV4_UNICAST, attributes: FULL, nlri: [v4(1), v4(2)] }, IBGP4);
  assert.equal(msgs.length, 1);
  const [u] = decodeAll(msgs, IBGP4);
  assert.deepEqual(u!.announced, [{ family: IPV4_UNICAST, attributes: FULL, nlri: [v4(1), v4(2)] }]);
  assert.deepEqual(u!.withdrawn, []);
  assert.deepEqual(u!.discarded, []);
});

test('an IPv6 announcement with a link-local next hop round-trips through MP_REACH_NLRI, first attribute', () => {
  const attributes: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: '2001:db8::1', nextHopLinkLocal: 'fe80::1', med: 7 };
  const msgs = encodeUpdates({ family: IPV6_UNICAST, attributes, nlri: [v6(1), v6(2)] }, EBGP4);
  assert.equal(msgs[0]![23], 0x80); // RFC 7606 §5.1: MP_REACH_NLRI first
  assert.equal(msgs[0]![24], 14);
  const [u] = decodeAll(msgs, EBGP4);
  assert.deepEqual(u!.announced, [{ family: IPV6_UNICAST, attributes, nlri: [v6(1), v6(2)] }]);
});

test('towards a 2-octet speaker the path survives through AS_TRANS and AS4_PATH', () => {
  const [u] = decodeAll(encodeUpdates({ family: IPV4_UNICAST, attributes: FULL, nlri: [v4(1)] }, { ...EBGP2, ibgp: true }), { ...EBGP2, ibgp: true });
  assert.deepEqual(u!.announced[0]!.attributes, FULL);
});

test('many NLRI are split into messages of at most 4096 octets, every prefix once', () => {
  const nlri = Array.from({ length: 3000 }, (_, i) => v4(i));
  const msgs = encodeUpdates({ family: IPV4_UNICAST, attributes: FULL, nlri }, IBGP4);
  assert.ok(msgs.length > 1);
  for (const m of msgs) assert.ok(m.length <= 4096);
  assert.ok(msgs[0]!.length > 4096 - 4);
  const keys = decodeAll(msgs, IBGP4).flatMap((u) => u.announced[0]!.nlri.map((n) => n.key));
  assert.deepEqual(keys, nlri.map((n) => n.key));
});

test('with extended messages up to 65535 octets are used', () => {
  const nlri = Array.from({ length: 20000 }, (_, i) => v6(i));
  const ctx = { ...EBGP4, extendedMessage: true };
  const msgs = encodeUpdates({ family: IPV6_UNICAST, attributes: { ...FULL, nextHop: '2001:db8::1' }, nlri }, ctx);
  for (const m of msgs) assert.ok(m.length <= 65535 && m.length > 4096);
  assert.equal(decodeAll(msgs, ctx).reduce((n, u) => n + u.announced[0]!.nlri.length, 0), nlri.length);
});

test('withdrawals use the Withdrawn Routes field for IPv4 and MP_UNREACH_NLRI otherwise, split as needed', () => {
  const w4 = Array.from({ length: 2000 }, (_, i) => v4(i));
  const m4 = encodeWithdrawals({ family: IPV4_UNICAST, nlri: w4 }, EBGP4);
  assert.ok(m4.length > 1);
  assert.deepEqual(decodeAll(m4, EBGP4).flatMap((u) => u.withdrawn[0]!.nlri), w4);
  const w6 = [v6(1), v6(2)];
  const [u6] = decodeAll(encodeWithdrawals({ family: IPV6_UNICAST, nlri: w6 }, EBGP4), EBGP4);
  assert.deepEqual(u6!.withdrawn, [{ family: IPV6_UNICAST, nlri: w6 }]);
  assert.equal(u6!.endOfRib, undefined);
});

test('End-of-RIB markers are recognised for IPv4 and MP families', () => {
  assert.equal(encodeEndOfRib(IPV4_UNICAST).length, 23);
  for (const f of [IPV4_UNICAST, IPV6_UNICAST, L2VPN_EVPN]) {
    const u = decodeUpdate(bodyOf(encodeEndOfRib(f)).body, EBGP4);
    assert.equal(u.endOfRib, f);
    assert.deepEqual(u.announced, []);
    assert.deepEqual(u.withdrawn, []);
  }
});

test('an UpdateWriter batch holds, back to back, the messages encodeUpdates/encodeWithdrawals/encodeEndOfRib make one by one', () => {
  const ctx = IBGP4;
  const w4 = { family: IPV4_UNICAST, nlri: Array.from({ length: 1200 }, (_, i) => v4(i)) };
  const w6 = { family: IPV6_UNICAST, nlri: [v6(7)] };
  const a4 = { family: IPV4_UNICAST, attributes: FULL, nlri: Array.from({ length: 1500 }, (_, i) => v4(i)) };
  // Attributes of ~90 octets (IPv4) and of over 200 (IPv6: 40 more communities), copied into each message.
  const a6 = { family: IPV6_UNICAST, attributes: { ...FULL, nextHop: '2001:db8::1', communities: Array.from({ length: 42 }, (_, i) => 0xfde90000 + i) }, nlri: [v6(1), v6(2)] };
  const one = [...encodeWithdrawals(w4, ctx), ...encodeWithdrawals(w6, ctx), ...encodeUpdates(a4, ctx), ...encodeUpdates(a6, ctx), encodeEndOfRib(IPV6_UNICAST)];
  const w = new UpdateWriter();
  w.withdraw(w4, ctx);
  w.withdraw(w6, ctx);
  w.announce(a4, ctx);
  w.announce(a6, ctx);
  w.endOfRib(IPV6_UNICAST);
  assert.equal(w.messages, one.length);
  assert.deepEqual(w.take(), Buffer.concat(one));
  assert.equal(w.messages, 0);
  assert.equal(w.take(), undefined, 'nothing written since');
  // Every message frames and decodes: the withdrawals, then the announcements, then End-of-RIB.
  const decoded = decodeAll(one, ctx);
  assert.deepEqual(decoded.flatMap((u) => u.withdrawn.flatMap((x) => x.nlri)), [...w4.nlri, ...w6.nlri]);
  assert.deepEqual(decoded.flatMap((u) => u.announced.flatMap((x) => x.nlri)), [...a4.nlri, ...a6.nlri]);
  for (const u of decoded) for (const x of u.announced) assert.deepEqual(x.attributes, x.family === IPV4_UNICAST ? a4.attributes : a6.attributes);
  assert.equal(decoded.at(-1)!.endOfRib, IPV6_UNICAST);
});

test('an UpdateWriter never writes over a batch it handed out, also when a batch outgrows its buffer', () => {
  const ctx = { ...EBGP4, extendedMessage: true };
  const w = new UpdateWriter();
  const small = { family: IPV4_UNICAST, attributes: FULL, nlri: [v4(1), v4(2)] };
  w.announce(small, ctx);
  const first = w.take()!;
  const firstCopy = Buffer.from(first);
  // ~420 kB of IPv6 routes in one batch: more than the writer's buffer, moved as it grows.
  const big = { family: IPV6_UNICAST, attributes: { ...FULL, nextHop: '2001:db8::1' }, nlri: Array.from({ length: 60000 }, (_, i) => v6(i)) };
  w.announce(big, ctx);
  w.announce(small, ctx);
  const second = w.take()!;
  assert.deepEqual(first, firstCopy);
  assert.deepEqual(second, Buffer.concat([...encodeUpdates(big, ctx), ...encodeUpdates(small, ctx)]));
  assert.deepEqual(first, firstCopy);
});

test('an UpdateWriter drops a batch that failed half-way on discard, and goes on cleanly', () => {
  const w = new UpdateWriter();
  w.announce({ family: IPV4_UNICAST, attributes: FULL, nlri: [v4(1)] }, EBGP4);
  const huge = { ...FULL, communities: Array.from({ length: 1100 }, (_, i) => i) }; // 4400 octets
  assert.throws(() => w.announce({ family: IPV4_UNICAST, attributes: huge, nlri: [v4(2)] }, EBGP4), /does not fit in a message/);
  w.discard();
  assert.equal(w.take(), undefined);
  w.withdraw({ family: IPV4_UNICAST, nlri: [v4(3)] }, EBGP4);
  assert.deepEqual(w.take(), Buffer.concat(encodeWithdrawals({ family: IPV4_UNICAST, nlri: [v4(3)] }, EBGP4)));
});

test('encodeAttributes gives fresh bytes equal for equal inputs and different for another context', () => {
  const a = encodeAttributes(FULL, IPV4_UNICAST, IBGP4);
  const b = encodeAttributes(FULL, IPV4_UNICAST, IBGP4);
  assert.notEqual(a, b);
  assert.deepEqual(a, b);
  assert.notDeepEqual(encodeAttributes(FULL, IPV4_UNICAST, EBGP2), a);
});
