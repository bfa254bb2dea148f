/**
 * The RIB fed packed unicast NLRI (what the daemon's sessions decode) and asked for packed
 * batches (what its send loop writes) holds and sends exactly what it does with objects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IPV4_UNICAST, IPV6_UNICAST } from '../../src/wire/family.js';
import { decodeUpdate, encodeUpdates, encodeWithdrawals } from '../../src/wire/update.js';
import type { Announcement, CodecContext, Withdrawal } from '../../src/wire/messages.js';
import type { OutboundBatch } from '../../src/rib/types.js';
import { Rib } from '../../src/rib/rib.js';
import { attrs, peer, prefix, prefix6, LOCAL_AS, ROUTER_ID } from './helpers.js';

const CTX: CodecContext = { as4: true, extendedMessage: false, ibgp: false };

/** What a batch says, keys and attributes, however its NLRI are held. */
function summary(b: OutboundBatch | undefined): string[] {
  if (b === undefined) return [];
  const key = (x: { key: string }) => Buffer.from(x.key, 'latin1').toString('hex');
  return [
    ...b.withdrawn.map((w: Withdrawal) => `- ${w.family} ${w.nlri.map(key).join(',')}`),
    ...b.announced.map((a: Announcement) => `+ ${a.family} ${JSON.stringify(a.attributes)} ${a.nlri.map(key).join(',')}`),
  ];
}

test('packed UPDATEs in and packed batches out: the same table, the same routes sent', () => {
  const plain = new Rib({ localAs: LOCAL_AS, routerId: ROUTER_ID });
  const packed = new Rib({ localAs: LOCAL_AS, routerId: ROUTER_ID });
  for (const rib of [plain, packed]) {
    rib.addPeer(peer(1));
    rib.addPeer(peer(2));
    rib.takeOutbound(2);
  }
  const v4 = Array.from({ length: 500 }, (_, i) => prefix(`10.${i >> 8}.${i & 255}.0/24`));
  const v6 = Array.from({ length: 200 }, (_, i) => prefix6(i));
  const messages = [
    ...encodeUpdates({ family: IPV4_UNICAST, attributes: attrs({ communities: [1] }), nlri: v4 }, CTX),
    ...encodeUpdates({ family: IPV6_UNICAST, attributes: attrs({ nextHop: '2001:db8::1' }), nlri: v6 }, CTX),
    // Some change attributes, some go.
    ...encodeUpdates({ family: IPV4_UNICAST, attributes: attrs({ communities: [2] }), nlri: v4.slice(0, 100) }, CTX),
    ...encodeWithdrawals({ family: IPV4_UNICAST, nlri: v4.slice(400) }, CTX),
    ...encodeWithdrawals({ family: IPV6_UNICAST, nlri: v6.slice(0, 50) }, CTX),
  ].map((m) => m.subarray(19));
  for (const body of messages) {
    plain.receive(1, decodeUpdate(body, CTX));
    const u = decodeUpdate(body, { ...CTX, packUnicast: true });
    assert.ok([...u.announced, ...u.withdrawn].every((x) => x.packed !== undefined), 'the packed path is the one taken');
    packed.receive(1, u);
  }
  const keys = (rib: Rib, f: number) => [...rib.adjRibIn(1, f)].map((r) => `${r.nlri.key} ${JSON.stringify(r.attributes)}`).sort();
  for (const f of [IPV4_UNICAST, IPV6_UNICAST]) assert.deepEqual(keys(packed, f), keys(plain, f));
  assert.equal(keys(packed, IPV4_UNICAST).length, 400);
  assert.equal(keys(packed, IPV6_UNICAST).length, 150);
  // Several batches of at most 128 NLRI each, then the withdrawals after a second round.
  const drain = (rib: Rib, asPacked: boolean) => {
    const out: string[] = [];
    for (let b = rib.takeOutbound(2, 128, asPacked); b !== undefined; b = rib.takeOutbound(2, 128, asPacked)) {
      if (asPacked) for (const x of [...b.announced, ...b.withdrawn]) assert.ok(x.packed !== undefined);
      out.push(...summary(b));
    }
    return out;
  };
  const sentPlain = drain(plain, false);
  assert.ok(sentPlain.length > 5);
  assert.deepEqual(drain(packed, true), sentPlain);
  for (const rib of [plain, packed]) rib.receive(1, decodeUpdate(encodeWithdrawals({ family: IPV4_UNICAST, nlri: v4.slice(0, 10) }, CTX)[0]!.subarray(19), { ...CTX, packUnicast: rib === packed }));
  const gone = drain(plain, false);
  assert.equal(gone.length, 1);
  assert.deepEqual(drain(packed, true), gone);
});

test('a unicast table grows past the ids it starts with (loc-rib.ts UNICAST_RESERVE) and keeps every route', () => {
  const rib = new Rib({ localAs: LOCAL_AS, routerId: ROUTER_ID });
  rib.addPeer(peer(1));
  rib.addPeer(peer(2));
  rib.takeOutbound(2);
  const n = 300_000; // more than 2^18
  const nlri = Array.from({ length: n }, (_, i) => ({ key: String.fromCharCode(32, 100, (i >> 16) & 255, (i >> 8) & 255, i & 255), length: 32 }));
  const ctx = { ...CTX, packUnicast: true };
  for (const m of encodeUpdates({ family: IPV4_UNICAST, attributes: attrs({ communities: [1] }), nlri }, CTX)) rib.receive(1, decodeUpdate(m.subarray(19), ctx));
  assert.equal(rib.routeCount(IPV4_UNICAST), n);
  // Every key came through the growth intact: what peer 2 is sent is exactly what came in.
  const sent = new Set<string>();
  for (let b = rib.takeOutbound(2, 50_000, false); b !== undefined; b = rib.takeOutbound(2, 50_000, false)) for (const a of b.announced) for (const x of a.nlri) sent.add(x.key);
  assert.equal(sent.size, n);
  for (const i of [0, 1023, 262_143, 262_144, n - 1]) assert.ok(sent.has(nlri[i]!.key), `route ${i} sent`);
  for (const m of encodeWithdrawals({ family: IPV4_UNICAST, nlri: nlri.slice(0, 262_145) }, CTX)) rib.receive(1, decodeUpdate(m.subarray(19), ctx));
  assert.equal(rib.routeCount(IPV4_UNICAST), n - 262_145);
  assert.deepEqual([...rib.adjRibIn(1, IPV4_UNICAST)].map((r) => r.nlri.key).sort(), nlri.slice(262_145).map((x) => x.key).sort());
});
