import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BgpError } from '../../src/wire/errors.js';
import { IPV6_UNICAST, L2VPN_EVPN } from '../../src/wire/family.js';
import { encodeKeepalive } from '../../src/wire/keepalive.js';
import { decodeNotification, encodeNotification, encodeShutdownNotification } from '../../src/wire/notification.js';
import { decodeRouteRefresh, encodeRouteRefresh } from '../../src/wire/route-refresh.js';
import { bodyOf, hex } from './helpers.js';

test('KEEPALIVE is a bare 19-octet header of type 4', () => {
  assert.deepEqual(encodeKeepalive(), hex('ffffffffffffffffffffffffffffffff 0013 04'));
});

test('NOTIFICATION round-trips code, subcode and data', () => {
  const m = encodeNotification(3, 2, hex('400f00'));
  const n = decodeNotification(bodyOf(m).body);
  assert.deepEqual(n, { code: 3, subcode: 2, data: hex('400f00') });
});

test('shutdown communication (RFC 9003) round-trips UTF-8', () => {
  const n = decodeNotification(bodyOf(encodeShutdownNotification(2, 'maintenance — back at 10:00')).body);
  assert.equal(n.code, 6);
  assert.equal(n.subcode, 2);
  assert.equal(n.communication, 'maintenance — back at 10:00');
});

test('shutdown communication is cut to 255 octets at a character boundary', () => {
  const m = encodeShutdownNotification(4, 'é'.repeat(200));
  const n = decodeNotification(bodyOf(m).body);
  assert.equal(n.data[0], 254);
  assert.equal(n.communication, 'é'.repeat(127));
});

test('a malformed shutdown communication is left in data, not extracted', () => {
  assert.equal(decodeNotification(hex('0602 05 6869')).communication, undefined); // overruns
  assert.equal(decodeNotification(hex('0602 02 c328')).communication, undefined); // not UTF-8
  assert.equal(decodeNotification(hex('0603 02 6869')).communication, undefined); // subcode 3
  assert.equal(decodeNotification(hex('0604 02 6869')).communication, 'hi');
});

test('ROUTE-REFRESH round-trips family and RFC 7313 subtype', () => {
  const m = encodeRouteRefresh(IPV6_UNICAST, 1);
  assert.deepEqual(m.subarray(19), hex('0002 01 01'));
  assert.deepEqual(decodeRouteRefresh(bodyOf(m).body), { family: IPV6_UNICAST, subtype: 1 });
  assert.deepEqual(decodeRouteRefresh(bodyOf(encodeRouteRefresh(L2VPN_EVPN)).body), { family: L2VPN_EVPN, subtype: 0 });
});

test('ROUTE-REFRESH of a wrong length is (7,1) carrying the whole message (RFC 7313 §5)', () => {
  const body = hex('0001 01 01 00');
  assert.throws(
    () => decodeRouteRefresh(body),
    (e: unknown) => e instanceof BgpError && e.code === 7 && e.subcode === 1 && e.data.length === 24 && e.data[18] === 5,
  );
});
