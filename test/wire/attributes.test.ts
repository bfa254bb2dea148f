import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IPV4_UNICAST } from '../../src/wire/family.js';
import { encodeAttributes } from '../../src/wire/update.js';
import { formatAttributes } from '../../src/wire/attributes/registry.js';
import { formatAsPath, mergeAs4Path, parseAsPath } from '../../src/wire/attributes/as-path.js';
import { formatCommunity, parseCommunity } from '../../src/wire/attributes/communities.js';
import { formatExtCommunity, parseExtCommunity } from '../../src/wire/attributes/ext-communities.js';
import { formatLargeCommunity, parseLargeCommunity } from '../../src/wire/attributes/large-communities.js';
import type { PathAttributes } from '../../src/wire/attributes/types.js';
import { EBGP2, EBGP4, hex } from './helpers.js';

const BASE: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: '10.99.0.1' };

/** The attribute bytes `a` encodes to, as hex, for a 4-octet-AS eBGP peer unless told. */
function bytes(a: Partial<PathAttributes>, ctx = EBGP4): string {
  return encodeAttributes({ ...BASE, ...a }, IPV4_UNICAST, ctx).toString('hex');
}
const BASE_HEX = '40010100' + '400206020100' + '00fde9' + '4003040a630001';

test('mandatory attributes encode in type code order', () => {
  assert.equal(bytes({}), BASE_HEX);
});

for (const [name, a, tail] of [
  ['MULTI_EXIT_DISC', { med: 10 }, '8004040000000a'],
  ['LOCAL_PREF', { localPref: 200 }, '400504000000c8'],
  ['ATOMIC_AGGREGATE', { atomicAggregate: true }, '400600'],
  ['AGGREGATOR (4-octet)', { aggregator: { asn: 4200000100, address: '10.99.0.9' } }, 'c00708fa56ea640a630009'],
  ['COMMUNITIES', { communities: [0xfde80001, 0xffffff01] }, 'c00808fde80001ffffff01'],
  ['ORIGINATOR_ID', { originatorId: '1.2.3.4' }, '80090401020304'],
  ['CLUSTER_LIST', { clusterList: ['1.1.1.1', '2.2.2.2'] }, '800a080101010102020202'],
  ['EXTENDED_COMMUNITIES', { extCommunities: [0x0002fde800000064n] }, 'c010080002fde800000064'],
  ['LARGE_COMMUNITY', { largeCommunities: [[65000, 1, 2]] as const }, 'c0200c0000fde80000000100000002'],
  ['unknown transitive, Partial set', { unknown: [{ flags: 0xc0, code: 99, value: hex('abcd') }] }, 'e06302abcd'],
] as const) {
  test(`${name} encodes after the mandatory attributes`, () => {
    assert.equal(bytes(a as Partial<PathAttributes>), BASE_HEX + tail);
  });
}

test('unknown non-transitive attributes are not re-advertised', () => {
  assert.equal(bytes({ unknown: [{ flags: 0x80, code: 99, value: hex('ab') }] }), BASE_HEX);
});

test('a value over 255 octets uses the Extended Length flag', () => {
  const communities = Array.from({ length: 70 }, (_, i) => 0xfde80000 + i);
  const h = bytes({ communities });
  assert.ok(h.includes('d008' + (280).toString(16).padStart(4, '0')));
});

test('towards a 2-octet speaker big ASNs become AS_TRANS with AS4_PATH and AS4_AGGREGATOR', () => {
  const a = { asPath: [{ type: 2, asns: [65001, 4200000100] }], aggregator: { asn: 4200000100, address: '10.99.0.9' } };
  assert.equal(
    bytes(a, EBGP2),
    '40010100' + '4002060202fde95ba0' + '4003040a630001' + 'c007065ba00a630009' + 'c0110a02020000fde9fa56ea64' + 'c01208fa56ea640a630009',
  );
  assert.equal(bytes({ asPath: [{ type: 2, asns: [65001] }] }, EBGP2), '40010100' + '4002040201fde9' + '4003040a630001');
});

test('a segment of more than 255 ASNs leaves as several segments', () => {
  const asns = Array.from({ length: 300 }, () => 65001);
  const h = bytes({ asPath: [{ type: 2, asns }] });
  assert.ok(h.startsWith('40010100' + '5002' + (2 + 255 * 4 + 2 + 45 * 4).toString(16).padStart(4, '0') + '02ff'));
});

test('RFC 6793 merge takes the leading ASNs of AS_PATH then AS4_PATH', () => {
  assert.deepEqual(
    mergeAs4Path([{ type: 2, asns: [65001, 65100, 23456, 23456] }], [{ type: 2, asns: [4200000100, 4200000200] }]),
    [{ type: 2, asns: [65001, 65100, 4200000100, 4200000200] }],
  );
  // AS4_PATH longer than AS_PATH: ignored.
  assert.deepEqual(mergeAs4Path([{ type: 2, asns: [23456] }], [{ type: 2, asns: [1, 2] }]), [{ type: 2, asns: [23456] }]);
  // A set counts as one.
  assert.deepEqual(
    mergeAs4Path([{ type: 2, asns: [65001] }, { type: 1, asns: [23456, 65002] }], [{ type: 1, asns: [4200000100, 65002] }]),
    [{ type: 2, asns: [65001] }, { type: 1, asns: [4200000100, 65002] }],
  );
});

test('AS paths format and parse as gobgp shows them', () => {
  const path = [
    { type: 3, asns: [65010, 65011] },
    { type: 2, asns: [65001, 4200000100] },
    { type: 1, asns: [65003, 65004] },
  ];
  assert.equal(formatAsPath(path), '(65010 65011) 65001 4200000100 {65003,65004}');
  assert.deepEqual(parseAsPath(formatAsPath(path)), path);
  assert.deepEqual(parseAsPath(''), []);
  assert.throws(() => parseAsPath('65001 x'), /65001 x/);
});

test('communities format and parse, with well-known names', () => {
  assert.equal(formatCommunity(0xfde80064), '65000:100');
  assert.equal(formatCommunity(0xffffff01), 'no-export');
  assert.equal(formatCommunity(0xffff029a), 'blackhole');
  assert.equal(parseCommunity('65000:100'), 0xfde80064);
  assert.equal(parseCommunity('no-advertise'), 0xffffff02);
  assert.equal(parseCommunity('4259840100'), 0xfde80064);
  assert.throws(() => parseCommunity('65536:1'), /65536:1/);
});

test('large communities format and parse', () => {
  assert.equal(formatLargeCommunity([4200000000, 1, 2]), '4200000000:1:2');
  assert.deepEqual(parseLargeCommunity('1:2:3'), [1, 2, 3]);
  assert.throws(() => parseLargeCommunity('1:2'), /1:2/);
});

test('extended communities format and parse: route targets, origins, encapsulation, hex', () => {
  for (const [text, value] of [
    ['rt:65000:100', 0x0002fde800000064n],
    ['soo:65000:7', 0x0003fde800000007n],
    ['rt:10.0.0.1:5', 0x01020a0000010005n],
    ['rt:4200000000:5', 0x0202fa56ea000005n],
    ['encap:vxlan', 0x030c000000000008n],
    ['0x8006000000000000', 0x8006000000000000n],
  ] as const) {
    assert.equal(parseExtCommunity(text), value, text);
    assert.equal(formatExtCommunity(value), text);
  }
  assert.throws(() => parseExtCommunity('rt:70000:70000'), /70000/);
});

test('formatAttributes lists what a route carries', () => {
  assert.deepEqual(formatAttributes({ ...BASE, med: 5, communities: [0xffffff01] }), [
    ['ORIGIN', 'i'],
    ['AS_PATH', '65001'],
    ['NEXT_HOP', '10.99.0.1'],
    ['MULTI_EXIT_DISC', '5'],
    ['COMMUNITIES', 'no-export'],
  ]);
});
