/** Messages captured from gobgpd 3.10.0 (see fixtures/README.md). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IPV4_UNICAST, IPV6_UNICAST } from '../../src/wire/family.js';
import { decodeOpen, encodeOpen } from '../../src/wire/open.js';
import { decodeNotification } from '../../src/wire/notification.js';
import { decodeUpdate, encodeEndOfRib, encodeUpdates, encodeWithdrawals } from '../../src/wire/update.js';
import { encodeKeepalive } from '../../src/wire/keepalive.js';
import { formatPrefix } from '../../src/wire/nlri/prefix.js';
import type { Prefix } from '../../src/wire/nlri/types.js';
import type { CodecContext, UpdateMessage } from '../../src/wire/messages.js';
import { bodyOf, EBGP2, EBGP4, fixture } from './helpers.js';

function update(name: string, ctx: CodecContext): UpdateMessage {
  const m = bodyOf(fixture(name));
  assert.equal(m.type, 2);
  return decodeUpdate(m.body, ctx);
}

function prefixes(u: UpdateMessage, f = IPV4_UNICAST): string[] {
  return u.announced[0]!.nlri.map((n) => formatPrefix(f, n as Prefix));
}

/** Re-encoding what was decoded gives the same bytes (where gobgp's encoding is canonical). */
function reencodes(name: string, u: UpdateMessage, ctx: CodecContext): void {
  const out = [...u.announced.flatMap((a) => encodeUpdates(a, ctx)), ...u.withdrawn.flatMap((w) => encodeWithdrawals(w, ctx))];
  assert.deepEqual(out, [fixture(name)]);
}

/** Semantics survive a re-encode even where byte order differs from gobgp's. */
function roundTrips(u: UpdateMessage, ctx: CodecContext): void {
  const again = u.announced.flatMap((a) => encodeUpdates(a, ctx)).map((m) => decodeUpdate(bodyOf(m).body, ctx));
  assert.deepEqual(again.flatMap((x) => x.announced), u.announced);
}

test('gobgp OPENs decode and re-encode byte for byte', () => {
  for (const name of ['gobgp-open-as65001', 'gobgp-open-as4200000002', 'gobgp-open-graceful-restart']) {
    const open = decodeOpen(bodyOf(fixture(name)).body);
    assert.deepEqual(encodeOpen(open), fixture(name), name);
  }
  const b = decodeOpen(bodyOf(fixture('gobgp-open-as4200000002')).body);
  assert.equal(b.myAs, 23456);
  assert.equal(b.bgpId, '10.99.0.2');
  assert.equal(b.holdTime, 90);
  assert.deepEqual(b.capabilities.slice(0, 5), [
    { code: 2 },
    { code: 73, hostname: 'vm', domain: '' },
    { code: 1, family: IPV4_UNICAST },
    { code: 1, family: IPV6_UNICAST },
    { code: 65, asn: 4200000002 },
  ]);
  assert.equal(b.capabilities[5]!.code, 5);
  const gr = decodeOpen(bodyOf(fixture('gobgp-open-graceful-restart')).body).capabilities.find((c) => c.code === 64);
  assert.deepEqual(gr, { code: 64, restarting: false, notification: false, restartTime: 120, families: [{ family: IPV4_UNICAST, forwardingPreserved: false }, { family: IPV6_UNICAST, forwardingPreserved: false }] });
});

test('gobgp KEEPALIVE equals ours', () => {
  assert.deepEqual(encodeKeepalive(), fixture('keepalive'));
});

test('gobgp packed IPv4 UPDATE: four prefixes, one attribute set, same bytes again', () => {
  const u = update('gobgp-update-ipv4-packed', EBGP4);
  assert.deepEqual(prefixes(u), ['10.3.2.0/24', '10.4.0.0/25', '10.3.0.0/24', '10.3.1.0/24']);
  assert.deepEqual(u.announced[0]!.attributes, { origin: 2, asPath: [{ type: 2, asns: [65001] }], nextHop: '10.99.0.1' });
  reencodes('gobgp-update-ipv4-packed', u, EBGP4);
});

test('gobgp IPv4 UPDATE with MED and communities', () => {
  const u = update('gobgp-update-ipv4-med-communities', EBGP4);
  assert.deepEqual(prefixes(u), ['10.1.0.0/24']);
  const a = u.announced[0]!.attributes;
  assert.equal(a.med, 10);
  assert.deepEqual(a.communities, [0xfde80001, 0xffffff01]);
  reencodes('gobgp-update-ipv4-med-communities', u, EBGP4);
});

test('gobgp IPv4 UPDATE with AGGREGATOR and large communities (gobgp writes NEXT_HOP last)', () => {
  const u = update('gobgp-update-ipv4-aggregator-large', EBGP4);
  const a = u.announced[0]!.attributes;
  assert.deepEqual(a.asPath, [{ type: 2, asns: [65001, 65100, 4200000100] }]);
  assert.deepEqual(a.aggregator, { asn: 65100, address: '10.99.0.9' });
  assert.deepEqual(a.largeCommunities, [[65000, 1, 2], [65000, 3, 4]]);
  assert.deepEqual(prefixes(u), ['10.2.0.0/16']);
  roundTrips(u, EBGP4);
});

test('gobgp IPv6 UPDATEs via MP_REACH_NLRI (gobgp writes it last; we first, RFC 7606 §5.1)', () => {
  const u = update('gobgp-update-ipv6-med-communities', EBGP4);
  assert.equal(u.announced[0]!.family, IPV6_UNICAST);
  assert.deepEqual(prefixes(u, IPV6_UNICAST), ['2001:db8:1::/48']);
  const a = u.announced[0]!.attributes;
  assert.equal(a.nextHop, '2001:db8::1');
  assert.equal(a.med, 20);
  assert.deepEqual(a.communities, [0xfde80002]);
  roundTrips(u, EBGP4);
  assert.deepEqual(prefixes(update('gobgp-update-ipv6-2', EBGP4), IPV6_UNICAST), ['2001:db8:2::/64']);
});

test('gobgp withdrawals for IPv4 and IPv6 decode and re-encode byte for byte', () => {
  const w4 = update('gobgp-withdraw-ipv4', EBGP4);
  assert.deepEqual(w4.withdrawn.map((w) => w.family), [IPV4_UNICAST]);
  reencodes('gobgp-withdraw-ipv4', w4, EBGP4);
  const w6 = update('gobgp-withdraw-ipv6', EBGP4);
  assert.deepEqual(w6.withdrawn.map((w) => w.family), [IPV6_UNICAST]);
  reencodes('gobgp-withdraw-ipv6', w6, EBGP4);
});

test('gobgp to a 2-octet speaker: AS_TRANS, AS4_PATH and AS4_AGGREGATOR merge back', () => {
  const u = update('gobgp-update-ipv4-as4path-as4aggregator', EBGP2);
  const a = u.announced[0]!.attributes;
  assert.deepEqual(a.asPath, [{ type: 2, asns: [65001, 65100, 4200000100] }]);
  assert.deepEqual(a.aggregator, { asn: 4200000100, address: '10.99.0.9' });
  assert.deepEqual(a.communities, [0xfde80005]);
  assert.deepEqual(u.discarded, []);
  roundTrips(u, EBGP2);
  const v6 = update('gobgp-update-ipv6-as4path', EBGP2);
  assert.deepEqual(v6.announced[0]!.attributes.asPath, [{ type: 2, asns: [65001, 4200000100] }]);
  assert.equal(v6.announced[0]!.attributes.nextHop, '2001:db8::5');
  roundTrips(v6, EBGP2);
});

test('gobgp End-of-RIB markers are recognised and equal ours', () => {
  assert.equal(update('gobgp-eor-ipv4', EBGP2).endOfRib, IPV4_UNICAST);
  assert.equal(update('gobgp-eor-ipv6', EBGP2).endOfRib, IPV6_UNICAST);
  assert.deepEqual(encodeEndOfRib(IPV4_UNICAST), fixture('gobgp-eor-ipv4'));
  assert.deepEqual(encodeEndOfRib(IPV6_UNICAST), fixture('gobgp-eor-ipv6'));
});

test('gobgp shutdown NOTIFICATION carries its communication', () => {
  const n = decodeNotification(bodyOf(fixture('gobgp-notification-shutdown')).body);
  assert.deepEqual([n.code, n.subcode, n.communication], [6, 2, 'wiregold done']);
});
