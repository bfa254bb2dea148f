/** RFC 7606 outcomes, each from hand-made malformed bytes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BgpError } from '../../src/wire/errors.js';
import { IPV4_UNICAST, IPV6_UNICAST } from '../../src/wire/family.js';
import { decodeUpdate } from '../../src/wire/update.js';
import type { CodecContext, UpdateMessage } from '../../src/wire/messages.js';
import { AS_PATH_65001, attr, BASE_ATTRS, EBGP2, EBGP4, hex, IBGP4, NEXT_HOP_1, NLRI_10_1, ORIGIN_IGP, updateBody } from './helpers.js';

const MP_REACH_V6 = attr(0x80, 14, '0002 01 10 20010db8000000000000000000000001 00 30 20010db80001');

function decode(attrs: Buffer[], nlri = NLRI_10_1, ctx: CodecContext = EBGP4, withdrawn = ''): UpdateMessage {
  return decodeUpdate(updateBody(withdrawn, attrs, nlri), ctx);
}

function assertWithdrawn(u: UpdateMessage, why: RegExp): void {
  assert.match(u.treatAsWithdraw ?? '', why);
  assert.deepEqual(u.announced, []);
  assert.ok(u.withdrawn.length > 0, 'the announced NLRI are withdrawn');
}

function resetWith(fn: () => unknown, subcode: number): BgpError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof BgpError, String(e));
    assert.equal(e.code, 3);
    assert.equal(e.subcode, subcode);
    return e;
  }
  assert.fail('expected a session reset');
}

test('a valid UPDATE is announced', () => {
  const u = decode(BASE_ATTRS);
  assert.equal(u.treatAsWithdraw, undefined);
  assert.equal(u.announced[0]!.nlri.length, 1);
});

for (const [name, attrs, why] of [
  ['ORIGIN of length 2', [attr(0x40, 1, '0000'), AS_PATH_65001, NEXT_HOP_1], /ORIGIN/],
  ['ORIGIN value 3', [attr(0x40, 1, '03'), AS_PATH_65001, NEXT_HOP_1], /ORIGIN/],
  ['AS_PATH segment overrun', [ORIGIN_IGP, attr(0x40, 2, '02 02 0000fde9'), NEXT_HOP_1], /AS_PATH/],
  ['AS_PATH segment type 7', [ORIGIN_IGP, attr(0x40, 2, '07 01 0000fde9'), NEXT_HOP_1], /AS_PATH/],
  ['AS_PATH zero-length segment', [ORIGIN_IGP, attr(0x40, 2, '02 00'), NEXT_HOP_1], /AS_PATH/],
  ['AS_PATH underrun', [ORIGIN_IGP, attr(0x40, 2, '02 01 0000fde9 02'), NEXT_HOP_1], /AS_PATH/],
  ['NEXT_HOP of length 5', [ORIGIN_IGP, AS_PATH_65001, attr(0x40, 3, '0a63000100')], /NEXT_HOP/],
  ['NEXT_HOP 0.0.0.0', [ORIGIN_IGP, AS_PATH_65001, attr(0x40, 3, '00000000')], /NEXT_HOP/],
  ['NEXT_HOP multicast', [ORIGIN_IGP, AS_PATH_65001, attr(0x40, 3, 'e0000001')], /NEXT_HOP/],
  ['MED of length 2', [...BASE_ATTRS, attr(0x80, 4, '0001')], /MULTI_EXIT_DISC/],
  ['LOCAL_PREF of length 3 (iBGP)', [...BASE_ATTRS, attr(0x40, 5, '000064')], /LOCAL_PREF/],
  ['COMMUNITIES of length 5', [...BASE_ATTRS, attr(0xc0, 8, '0000000001')], /COMMUNITIES/],
  ['COMMUNITIES of length 0', [...BASE_ATTRS, attr(0xc0, 8, '')], /COMMUNITIES/],
  ['EXTENDED_COMMUNITIES of length 7', [...BASE_ATTRS, attr(0xc0, 16, '00000000000000')], /EXTENDED/],
  ['LARGE_COMMUNITY of length 8', [...BASE_ATTRS, attr(0xc0, 32, '0000000000000000')], /LARGE/],
  ['ORIGINATOR_ID of length 3 (iBGP)', [...BASE_ATTRS, attr(0x80, 9, '010203')], /ORIGINATOR_ID/],
  ['CLUSTER_LIST of length 6 (iBGP)', [...BASE_ATTRS, attr(0x80, 10, '010203040506')], /CLUSTER_LIST/],
  ['ORIGIN with the Optional flag', [attr(0xc0, 1, '00'), AS_PATH_65001, NEXT_HOP_1], /ORIGIN flags/],
  ['COMMUNITIES without the Transitive flag', [...BASE_ATTRS, attr(0x80, 8, '00000001')], /COMMUNITIES flags/],
  ['missing ORIGIN', [AS_PATH_65001, NEXT_HOP_1], /missing ORIGIN/],
  ['missing AS_PATH', [ORIGIN_IGP, NEXT_HOP_1], /missing AS_PATH/],
  ['missing NEXT_HOP with an NLRI field', [ORIGIN_IGP, AS_PATH_65001], /missing NEXT_HOP/],
] as const) {
  test(`treat-as-withdraw: ${name}`, () => {
    const u = decode([...attrs], NLRI_10_1, IBGP4);
    assertWithdrawn(u, why);
    assert.deepEqual(u.withdrawn, [{ family: IPV4_UNICAST, nlri: [{ key: '\x18\x0a\x01\x00', length: 24 }] }]);
  });
}

test('treat-as-withdraw moves MP_REACH_NLRI routes of that UPDATE to withdrawn too', () => {
  const u = decode([MP_REACH_V6, ORIGIN_IGP, attr(0x40, 2, '02 05 00')], '');
  assertWithdrawn(u, /AS_PATH/);
  assert.equal(u.withdrawn[0]!.family, IPV6_UNICAST);
});

test('withdrawals in the same UPDATE stay withdrawn alongside treat-as-withdraw', () => {
  const u = decode([attr(0x40, 1, '09'), AS_PATH_65001, NEXT_HOP_1], NLRI_10_1, EBGP4, '18 0a0200');
  assert.deepEqual(u.withdrawn[0]!.nlri.map((n) => n.key), ['\x18\x0a\x02\x00', '\x18\x0a\x01\x00']);
});

for (const [name, extra, code, ctx] of [
  ['ATOMIC_AGGREGATE of length 1', attr(0x40, 6, '00'), 6, EBGP4],
  ['AGGREGATOR of length 6 from a 4-octet speaker', attr(0xc0, 7, 'fde90a000001'), 7, EBGP4],
  ['AGGREGATOR of length 8 from a 2-octet speaker', attr(0xc0, 7, '0000fde90a000001'), 7, EBGP2],
  ['LOCAL_PREF from an external peer', attr(0x40, 5, '00000064'), 5, EBGP4],
  ['ORIGINATOR_ID from an external peer', attr(0x80, 9, '01020304'), 9, EBGP4],
  ['CLUSTER_LIST from an external peer', attr(0x80, 10, '01020304'), 10, EBGP4],
  ['AS4_PATH from a 4-octet speaker', attr(0xc0, 17, '02 01 0000fde9'), 17, EBGP4],
  ['AS4_PATH malformed', attr(0xc0, 17, '02 09 0000fde9'), 17, EBGP2],
  ['AS4_AGGREGATOR of length 6', attr(0xc0, 18, 'fde90a000001'), 18, EBGP2],
] as const) {
  test(`attribute discard: ${name}`, () => {
    const asPath = ctx.as4 ? AS_PATH_65001 : attr(0x40, 2, '02 01 fde9');
    const u = decode([ORIGIN_IGP, asPath, NEXT_HOP_1, extra], NLRI_10_1, ctx);
    assert.equal(u.treatAsWithdraw, undefined);
    assert.equal(u.announced.length, 1);
    assert.deepEqual(u.discarded.map((d) => d.code), [code]);
    const a = u.announced[0]!.attributes;
    assert.equal(a.atomicAggregate ?? a.aggregator ?? a.localPref ?? a.originatorId ?? a.clusterList, undefined);
  });
}

test('duplicate attributes: the first is kept, the others discarded', () => {
  const u = decode([...BASE_ATTRS, attr(0x80, 4, '00000001'), attr(0x80, 4, '00000002')]);
  assert.equal(u.announced[0]!.attributes.med, 1);
  assert.deepEqual(u.discarded, [{ code: 4, reason: 'duplicate attribute' }]);
});

test('a duplicated MP_REACH_NLRI or MP_UNREACH_NLRI resets the session (3,1)', () => {
  resetWith(() => decode([MP_REACH_V6, ORIGIN_IGP, AS_PATH_65001, MP_REACH_V6], ''), 1);
  const un = attr(0x80, 15, '0002 01');
  resetWith(() => decode([un, un], ''), 1);
});

test('a malformed MP_REACH_NLRI resets the session (3,9)', () => {
  resetWith(() => decode([attr(0x80, 14, '0002 01 10 2001'), ORIGIN_IGP, AS_PATH_65001], ''), 9); // next hop overrun
  resetWith(() => decode([attr(0x80, 14, '0002 01 04 0a000001 00 30 2001'), ORIGIN_IGP, AS_PATH_65001], ''), 9); // IPv6 next hop of 4
  resetWith(() => decode([attr(0x80, 14, '0002 01 10 20010db8000000000000000000000001 00 81 00'), ORIGIN_IGP, AS_PATH_65001], ''), 9); // /129
  resetWith(() => decode([attr(0x80, 15, '0002 01 40 2001'), ORIGIN_IGP, AS_PATH_65001], ''), 9); // unreach overrun
  resetWith(() => decode([attr(0x80, 15, '0002')], ''), 9);
});

test('NLRI or withdrawn routes that cannot be parsed reset the session (3,10)', () => {
  resetWith(() => decode(BASE_ATTRS, '21 0a010100 00'), 10);
  resetWith(() => decode(BASE_ATTRS, '18 0a01'), 10);
  resetWith(() => decode(BASE_ATTRS, NLRI_10_1, EBGP4, '20 0a'), 10);
});

test('inconsistent withdrawn or total attribute lengths are Malformed Attribute List (3,1)', () => {
  resetWith(() => decodeUpdate(hex('0010 0000'), EBGP4), 1);
  resetWith(() => decodeUpdate(hex('0000 0010 400101'), EBGP4), 1);
  resetWith(() => decodeUpdate(hex('00'), EBGP4), 1);
});

test('an attribute overrunning the attribute field resets the session (3,1) when no MP attribute came first', () => {
  resetWith(() => decode([ORIGIN_IGP, hex('4002ff 0201')]), 1);
  resetWith(() => decode([ORIGIN_IGP, hex('40')]), 1);
});

test('an attribute overrunning the attribute field after MP_REACH_NLRI is treat-as-withdraw (RFC 7606 §4)', () => {
  const u = decode([MP_REACH_V6, ORIGIN_IGP, hex('4002ff 0201')], '');
  assertWithdrawn(u, /overruns/);
  assert.equal(u.withdrawn[0]!.family, IPV6_UNICAST);
});

test('an unrecognized well-known attribute is (3,2) carrying the attribute', () => {
  const e = resetWith(() => decode([...BASE_ATTRS, attr(0x40, 99, 'abcd')]), 2);
  assert.deepEqual(e.data, hex('406302abcd'));
});

test('unknown optional attributes: transitive kept raw, non-transitive dropped', () => {
  const u = decode([...BASE_ATTRS, attr(0xc0, 99, 'abcd'), attr(0x80, 98, 'ef')]);
  assert.deepEqual(u.announced[0]!.attributes.unknown, [{ flags: 0xc0, code: 99, value: hex('abcd') }]);
});

test('each UPDATE gets its own NEXT_HOP, also after a run of one, and a bad one after a good one is treat-as-withdraw', () => {
  const nextHop = (h: string) => [ORIGIN_IGP, AS_PATH_65001, attr(0x40, 3, h)];
  const seen = ['0a630001', '0a630001', '0a630002', 'c0000201', '0a630001'].map((h) => decode(nextHop(h)).announced[0]!.attributes.nextHop);
  assert.deepEqual(seen, ['10.99.0.1', '10.99.0.1', '10.99.0.2', '192.0.2.1', '10.99.0.1']);
  assertWithdrawn(decode(nextHop('e0000001')), /NEXT_HOP 224\.0\.0\.1/);
  assert.equal(decode(nextHop('e0000001')).announced.length, 0);
  assert.equal(decode(nextHop('0a630001')).announced[0]!.attributes.nextHop, '10.99.0.1');
});

test('NEXT_HOP is ignored, errors and all, when the UPDATE has no NLRI field', () => {
  const u = decode([MP_REACH_V6, ORIGIN_IGP, AS_PATH_65001, attr(0x40, 3, '00000000')], '');
  assert.equal(u.treatAsWithdraw, undefined);
  assert.equal(u.announced[0]!.attributes.nextHop, '2001:db8::1');
});

test('an MP family without a codec (IPv4 flowspec) is left out and noted', () => {
  const u = decode([attr(0x80, 14, '0001 85 04 0a000001 00 00'), ORIGIN_IGP, AS_PATH_65001], '');
  assert.deepEqual(u.announced, []);
  assert.equal(u.discarded[0]!.code, 14);
});

test('from a 2-octet speaker AS_PATH and AS4_PATH merge, AGGREGATOR takes AS4_AGGREGATOR', () => {
  const u = decode(
    [ORIGIN_IGP, attr(0x40, 2, '02 03 fde9 fe4c 5ba0'), NEXT_HOP_1, attr(0xc0, 7, '5ba0 0a630009'), attr(0xc0, 17, '02 02 0000fe4c fa56ea64'), attr(0xc0, 18, 'fa56ea64 0a630009')],
    NLRI_10_1,
    EBGP2,
  );
  const a = u.announced[0]!.attributes;
  assert.deepEqual(a.asPath, [{ type: 2, asns: [65001, 65100, 4200000100] }]);
  assert.deepEqual(a.aggregator, { asn: 4200000100, address: '10.99.0.9' });
});

test('an AGGREGATOR with a real ASN makes AS4_PATH and AS4_AGGREGATOR ignored (RFC 6793 §4.2.3)', () => {
  const u = decode(
    [ORIGIN_IGP, attr(0x40, 2, '02 02 fde9 5ba0'), NEXT_HOP_1, attr(0xc0, 7, 'fe4c 0a630009'), attr(0xc0, 17, '02 01 fa56ea64'), attr(0xc0, 18, 'fa56ea64 0a630009')],
    NLRI_10_1,
    EBGP2,
  );
  const a = u.announced[0]!.attributes;
  assert.deepEqual(a.asPath, [{ type: 2, asns: [65001, 23456] }]);
  assert.deepEqual(a.aggregator, { asn: 65100, address: '10.99.0.9' });
});

test('RFC 7606 §3 h: attribute discard and treat-as-withdraw together give treat-as-withdraw', () => {
  const u = decode([...BASE_ATTRS, attr(0x40, 6, '00'), attr(0xc0, 8, '00')]);
  assertWithdrawn(u, /COMMUNITIES/);
});
