/**
 * Unicast NLRI left packed (prefix.ts PackedPrefixes): what the daemon's sessions decode with
 * CodecContext.packUnicast and what its send loop writes from the RIB must be exactly what the
 * object path decodes and writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BgpError } from '../../src/wire/errors.js';
import { IPV4_UNICAST, IPV6_UNICAST, L2VPN_EVPN } from '../../src/wire/family.js';
import { decodeUpdate, encodeUpdates, encodeWithdrawals, UpdateWriter } from '../../src/wire/update.js';
import type { Prefix } from '../../src/wire/nlri/types.js';
import { ipv4UnicastCodec, ipv6UnicastCodec, PackedPrefixes, parsePrefix } from '../../src/wire/nlri/prefix.js';
import { PackedAnnouncement, PackedWithdrawal, nlriCount, type Announcement, type CodecContext, type UpdateMessage, type Withdrawal } from '../../src/wire/messages.js';
import type { PathAttributes } from '../../src/wire/attributes/types.js';
import { attr, EBGP2, EBGP4, fixture, fixtureNames, hex, IBGP4 } from './helpers.js';

const packedCtx = (c: CodecContext): CodecContext => ({ ...c, packUnicast: true });

/** An UpdateMessage with every packed list made into the objects the plain decoder gives. */
function unpacked(u: UpdateMessage): unknown {
  return {
    ...u,
    announced: u.announced.map((a) => ({ family: a.family, attributes: a.attributes, nlri: [...a.nlri] })),
    withdrawn: u.withdrawn.map((w) => ({ family: w.family, nlri: [...w.nlri] })),
  };
}

function outcome(body: Buffer, ctx: CodecContext): { update?: UpdateMessage; error?: string } {
  try {
    return { update: decodeUpdate(body, ctx) };
  } catch (e) {
    if (!(e instanceof BgpError)) throw e;
    return { error: `${e.code}/${e.subcode}: ${e.message}` };
  }
}

function mutations(src: Buffer, seed: number, count: number): Buffer[] {
  let s = seed;
  const r = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const b = Buffer.from(src);
    const at = Math.floor(r() * b.length);
    if (r() < 0.5) b[at] = Math.floor(r() * 256);
    else b[at] = b[at]! ^ (1 << Math.floor(r() * 8));
    out.push(r() < 0.2 ? b.subarray(0, Math.floor(r() * b.length)) : b);
  }
  return out;
}

const ATTRS: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: '10.0.0.1', communities: [1] };
const v4 = (n: number) => parsePrefix(IPV4_UNICAST, `10.${(n >> 8) & 255}.${n & 255}.0/24`);
const v6 = (n: number) => parsePrefix(IPV6_UNICAST, `2001:db8:${n.toString(16)}::/48`);

function seeds(): Buffer[] {
  const many4 = Array.from({ length: 40 }, (_, i) => v4(i));
  const hosts = [parsePrefix(IPV4_UNICAST, '0.0.0.0/0'), parsePrefix(IPV4_UNICAST, '192.0.2.1/32'), parsePrefix(IPV4_UNICAST, '192.0.2.128/25')];
  return [
    ...encodeUpdates({ family: IPV4_UNICAST, attributes: ATTRS, nlri: [...many4, ...hosts] }, EBGP4),
    ...encodeUpdates({ family: IPV6_UNICAST, attributes: { ...ATTRS, nextHop: '2001:db8::1', nextHopLinkLocal: 'fe80::1' }, nlri: [v6(1), v6(2), parsePrefix(IPV6_UNICAST, '::/0')] }, EBGP4),
    ...encodeWithdrawals({ family: IPV4_UNICAST, nlri: many4 }, EBGP4),
    ...encodeWithdrawals({ family: IPV6_UNICAST, nlri: [v6(3), v6(4)] }, EBGP4),
    ...fixtureNames().filter((n) => n.includes('update') || n.includes('withdraw')).map(fixture),
  ].map((m) => m.subarray(19));
}

test('packed decoding gives what plain decoding gives, for 3000 mutated UPDATEs too: the same NLRI or the same error', () => {
  const contexts = [EBGP4, IBGP4, EBGP2];
  let packedSeen = 0;
  let errors = 0;
  let i = 0;
  for (const seed of seeds()) {
    for (const body of [seed, ...mutations(seed, 17 + i, 3000 / 8)]) {
      const ctx = contexts[i++ % contexts.length]!;
      const plain = outcome(body, ctx);
      const packed = outcome(body, packedCtx(ctx));
      assert.equal(packed.error, plain.error, `body ${body.toString('hex')}`);
      if (plain.error !== undefined) {
        errors++;
        continue;
      }
      const u = packed.update!;
      for (const x of [...u.announced, ...u.withdrawn]) {
        if (x.family !== IPV4_UNICAST && x.family !== IPV6_UNICAST) continue;
        // A list joined from two fields (treat-as-withdraw) is objects; every other is packed.
        if (x.packed !== undefined) {
          packedSeen++;
          assert.equal(nlriCount(x), x.nlri.length);
          // The octets themselves are the keys (host bits clear): the RIB reads them, not `nlri`.
          assert.equal(x.packed.octets.toString('latin1'), x.nlri.map((p) => p.key).join(''));
        }
      }
      assert.deepEqual(unpacked(u), unpacked(plain.update!), `body ${body.toString('hex')}`);
    }
  }
  assert.ok(packedSeen > 100, `packed lists seen: ${packedSeen}`);
  assert.ok(errors > 100, `errors seen: ${errors}`);
});

test('host bits past the length are cleared in a packed list (a copy: the message is left alone)', () => {
  // 10.1.2.3/24 sent with its host octet: the route is 10.1.2.0/24 (RFC 4271 §4.3).
  const nlri = hex('18 0a 01 02  20 c0 00 02 01');
  const body = Buffer.concat([hex('0000'), Buffer.from([0, 0]), nlri]);
  const attrs = Buffer.concat([attr(0x40, 1, '00'), attr(0x40, 2, '02 01 0000fde9'), attr(0x40, 3, '0a000001')]);
  body.writeUInt16BE(attrs.length, 2);
  const whole = Buffer.concat([body.subarray(0, 4), attrs, nlri]);
  const u = decodeUpdate(whole, packedCtx(EBGP4));
  const a = u.announced[0]!;
  assert.ok(a instanceof PackedAnnouncement);
  assert.deepEqual(a.packed.octets, hex('18 0a 01 02 20 c0 00 02 01'));
  assert.deepEqual(
    a.nlri.map((p) => ipv4UnicastCodec.format(p as Prefix)),
    ['10.1.2.0/24', '192.0.2.1/32'],
  );
  const dirty = Buffer.concat([whole.subarray(0, whole.length - nlri.length), hex('17 0a 01 03  20 c0 00 02 01')]);
  const d = decodeUpdate(dirty, packedCtx(EBGP4)).announced[0]!;
  assert.deepEqual(d.packed!.octets, hex('17 0a 01 02 20 c0 00 02 01'), '10.1.3.0/23 is 10.1.2.0/23');
  assert.equal(dirty[dirty.length - 6], 0x03, 'the message itself is not written');
});

test('other families stay objects with packUnicast', () => {
  const evpn = fixtureNames().find((n) => n.includes('evpn') && n.includes('update'));
  if (evpn === undefined) return assert.fail('no EVPN UPDATE fixture');
  const u = decodeUpdate(fixture(evpn).subarray(19), packedCtx(EBGP4));
  const a = u.announced.find((x) => x.family === L2VPN_EVPN);
  assert.ok(a !== undefined && a.packed === undefined && Array.isArray(a.nlri));
});

/** The packed form of a list of prefixes. */
function pack(family: number, nlri: readonly { key: string }[]): PackedPrefixes {
  // Offsets inside a larger buffer, as the RIB's batches are.
  const octets = Buffer.from('\xff\xff' + nlri.map((p) => p.key).join('') + '\xff', 'latin1');
  return new PackedPrefixes(family, octets, 2, octets.length - 1, nlri.length);
}

test('the UpdateWriter writes packed lists byte for byte as it writes objects, split across messages alike', () => {
  const a4: Announcement = { family: IPV4_UNICAST, attributes: ATTRS, nlri: Array.from({ length: 3000 }, (_, i) => v4(i)) };
  const a6: Announcement = { family: IPV6_UNICAST, attributes: { ...ATTRS, nextHop: '2001:db8::1' }, nlri: Array.from({ length: 700 }, (_, i) => v6(i)) };
  const w4: Withdrawal = { family: IPV4_UNICAST, nlri: Array.from({ length: 2000 }, (_, i) => v4(i)) };
  const w6: Withdrawal = { family: IPV6_UNICAST, nlri: Array.from({ length: 900 }, (_, i) => v6(i)) };
  for (const ctx of [EBGP4, { ...EBGP4, extendedMessage: true }]) {
    const plain = new UpdateWriter();
    const packed = new UpdateWriter();
    for (const a of [a4, a6]) {
      plain.announce(a, ctx);
      packed.announce(new PackedAnnouncement(a.family, a.attributes, pack(a.family, a.nlri)), ctx);
    }
    for (const w of [w4, w6]) {
      plain.withdraw(w, ctx);
      packed.withdraw(new PackedWithdrawal(w.family, pack(w.family, w.nlri)), ctx);
    }
    assert.ok(plain.messages >= 4, `${plain.messages} messages`);
    assert.equal(packed.messages, plain.messages);
    assert.deepEqual(packed.take(), plain.take());
  }
});

test('a PackedPrefixes list makes its objects once, on demand', () => {
  const p = pack(IPV6_UNICAST, [v6(1), v6(2)]);
  assert.equal(p.count, 2);
  const first = p.prefixes;
  assert.equal(p.prefixes, first);
  assert.deepEqual(first.map((x) => ipv6UnicastCodec.format(x)), ['2001:db8:1::/48', '2001:db8:2::/48']);
});
