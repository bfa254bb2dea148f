import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BgpError } from '../../src/wire/errors.js';
import { IPV4_UNICAST, IPV6_UNICAST, L2VPN_EVPN } from '../../src/wire/family.js';
import { decodeOpen, encodeOpen } from '../../src/wire/open.js';
import type { Capability } from '../../src/wire/capabilities.js';
import type { OpenMessage } from '../../src/wire/messages.js';
import { bodyOf, hex } from './helpers.js';

const ALL: Capability[] = [
  { code: 1, family: IPV4_UNICAST },
  { code: 1, family: L2VPN_EVPN },
  { code: 2 },
  { code: 128, raw: Buffer.alloc(0) },
  { code: 6 },
  { code: 64, restarting: true, notification: true, restartTime: 120, families: [{ family: IPV4_UNICAST, forwardingPreserved: true }, { family: IPV6_UNICAST, forwardingPreserved: false }] },
  { code: 65, asn: 4200000001 },
  { code: 69, families: [{ family: IPV4_UNICAST, direction: 3 }] },
  { code: 70 },
  { code: 73, hostname: 'edge-1', domain: 'example.net' },
  { code: 5, raw: hex('0001 0001 0002') },
  { code: 71, raw: hex('0001 01 80 000e10') },
];

function open(capabilities: Capability[]): OpenMessage {
  return { version: 4, myAs: 23456, holdTime: 90, bgpId: '192.0.2.1', capabilities };
}

function openError(body: Buffer): BgpError {
  try {
    decodeOpen(body);
  } catch (e) {
    assert.ok(e instanceof BgpError);
    return e;
  }
  assert.fail('expected BgpError');
}

test('OPEN with every capability round-trips', () => {
  const m = encodeOpen(open(ALL));
  assert.deepEqual(decodeOpen(bodyOf(m).body), open(ALL));
});

test('graceful restart flags R and N, restart time and per-family F bit are on the wire', () => {
  const m = encodeOpen(open([ALL[5]!]));
  assert.deepEqual(m.subarray(19 + 10 + 2), hex('40 0a c078 0001 01 80 0002 01 00'));
});

test('FQDN capability is length-prefixed hostname then domain', () => {
  const m = encodeOpen(open([{ code: 73, hostname: 'vm', domain: '' }]));
  assert.deepEqual(m.subarray(19 + 10 + 2), hex('49 04 02 766d 00'));
});

test('capabilities that need more than 255 octets use RFC 9072 extended parameters', () => {
  const many: Capability[] = [];
  for (let i = 0; i < 70; i++) many.push({ code: 1, family: (1 << 8) | (i + 1) });
  const m = encodeOpen(open(many));
  const body = bodyOf(m).body;
  assert.equal(body[9], 255);
  assert.equal(body[10], 255);
  assert.deepEqual(decodeOpen(body), open(many));
});

test('a known capability with a malformed value is kept raw', () => {
  const o = decodeOpen(hex('04 fde9 005a c0000201 06 02 04 01 02 0001'));
  assert.deepEqual(o.capabilities, [{ code: 1, raw: hex('0001') }]);
});

test('version other than 4 is (2,1) with version 4 as data', () => {
  const e = openError(hex('03 fde9 005a c0000201 00'));
  assert.equal(e.code, 2);
  assert.equal(e.subcode, 1);
  assert.deepEqual(e.data, hex('0004'));
});

test('hold time 1 or 2 is Unacceptable Hold Time (2,6); 0 and 3 are fine', () => {
  assert.equal(openError(hex('04 fde9 0001 c0000201 00')).subcode, 6);
  assert.equal(openError(hex('04 fde9 0002 c0000201 00')).subcode, 6);
  assert.equal(decodeOpen(hex('04 fde9 0000 c0000201 00')).holdTime, 0);
  assert.equal(decodeOpen(hex('04 fde9 0003 c0000201 00')).holdTime, 3);
});

test('BGP Identifier 0.0.0.0 is Bad BGP Identifier (2,3)', () => {
  assert.equal(openError(hex('04 fde9 005a 00000000 00')).subcode, 3);
});

test('an optional parameter other than capabilities is (2,4)', () => {
  assert.equal(openError(hex('04 fde9 005a c0000201 03 01 01 00')).subcode, 4);
});

test('optional parameter lengths that do not add up are an OPEN error', () => {
  assert.equal(openError(hex('04 fde9 005a c0000201 05 02 02 0200')).code, 2);
  assert.equal(openError(hex('04 fde9 005a c0000201 04 02 03 0200')).code, 2);
  assert.equal(openError(hex('04 fde9 005a c0000201 04 02 02 0205')).code, 2);
});
