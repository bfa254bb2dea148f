import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BgpError } from '../../src/wire/errors.js';
import { IPV4_UNICAST, IPV6_UNICAST } from '../../src/wire/family.js';
import { ipv4UnicastCodec, ipv6UnicastCodec, formatPrefix, parsePrefix, prefixContains, prefixFromKey, prefixMatches } from '../../src/wire/nlri/prefix.js';
import { nlriCodec } from '../../src/wire/nlri/registry.js';
import { readIpv6, writeIpv6 } from '../../src/wire/ip.js';
import { hex } from './helpers.js';

test('the key of a prefix is its wire encoding', () => {
  const p = parsePrefix(IPV4_UNICAST, '10.1.0.0/24');
  assert.equal(p.key, '\x18\x0a\x01\x00');
  assert.equal(p.length, 24);
  assert.deepEqual(prefixFromKey(p.key), p);
});

test('a decoded key is the wire octets for every prefix length, IPv4 0–32 and IPv6 0–128', () => {
  for (const [codec, max] of [[ipv4UnicastCodec, 32], [ipv6UnicastCodec, 128]] as const) {
    // Each length twice, with other octets: keys of one length must not share anything.
    const wire: Buffer[] = [];
    for (let bits = 0; bits <= max; bits++) {
      for (const seed of [0x5a, 0xc3]) {
        const octets = Buffer.alloc(1 + ((bits + 7) >> 3));
        octets[0] = bits;
        for (let i = 1; i < octets.length; i++) octets[i] = (seed + i * 37) & 0xff;
        if (bits & 7) octets[octets.length - 1]! &= 0xff << (8 - (bits & 7));
        wire.push(octets);
      }
    }
    const field = Buffer.concat(wire);
    const decoded = codec.decode(field, 0, field.length);
    assert.deepEqual(
      decoded.map((p) => [p.key, p.length]),
      wire.map((w) => [w.toString('latin1'), w[0]]),
    );
  }
});

test('IPv4 and IPv6 prefixes round-trip through text and wire', () => {
  for (const [f, text] of [
    [IPV4_UNICAST, '0.0.0.0/0'],
    [IPV4_UNICAST, '10.4.0.0/25'],
    [IPV4_UNICAST, '192.0.2.1/32'],
    [IPV6_UNICAST, '::/0'],
    [IPV6_UNICAST, '2001:db8:1::/48'],
    [IPV6_UNICAST, '2001:db8::1/128'],
    [IPV6_UNICAST, 'fe80::/10'],
  ] as const) {
    const codec = nlriCodec(f)!;
    const p = codec.parse(text);
    assert.equal(codec.format(p), text);
    const buf = Buffer.alloc(codec.encodedLength(p));
    codec.encode(p, buf, 0);
    assert.deepEqual(codec.decode(buf, 0, buf.length), [p]);
  }
});

test('host bits past the length are cleared, on the wire and in text', () => {
  const [p] = ipv4UnicastCodec.decode(hex('17 0a0101'), 0, 4);
  assert.equal(formatPrefix(IPV4_UNICAST, p!), '10.1.0.0/23');
  assert.equal(p!.key, parsePrefix(IPV4_UNICAST, '10.1.1.0/23').key);
});

test('a prefix length beyond 32/128 or overrunning the field is Invalid Network Field', () => {
  assert.throws(() => ipv4UnicastCodec.decode(hex('21 0a010100 00'), 0, 6), (e: unknown) => e instanceof BgpError && e.subcode === 10);
  assert.throws(() => ipv4UnicastCodec.decode(hex('18 0a01'), 0, 3), (e: unknown) => e instanceof BgpError && e.subcode === 10);
  assert.throws(() => ipv6UnicastCodec.decode(hex('81'), 0, 1), (e: unknown) => e instanceof BgpError && e.subcode === 10);
});

test('bad prefix text is an Error naming it', () => {
  assert.throws(() => parsePrefix(IPV4_UNICAST, '10.0.0.0/33'), /10\.0\.0\.0\/33/);
  assert.throws(() => parsePrefix(IPV4_UNICAST, '10.0.0/8'), /10\.0\.0\/8/);
  assert.throws(() => parsePrefix(IPV6_UNICAST, '2001:db8:::/32'), /2001/);
});

test('prefixContains and prefixMatches implement exact and masklength-range matching', () => {
  const k = (t: string) => parsePrefix(IPV4_UNICAST, t).key;
  assert.ok(prefixContains(k('10.0.0.0/8'), k('10.1.2.0/24')));
  assert.ok(prefixContains(k('10.0.0.0/8'), k('10.0.0.0/8')));
  assert.ok(!prefixContains(k('10.0.0.0/8'), k('11.0.0.0/24')));
  assert.ok(!prefixContains(k('10.0.0.0/8'), k('0.0.0.0/0')));
  assert.ok(prefixContains(k('10.128.0.0/9'), k('10.200.0.0/16')));
  assert.ok(!prefixContains(k('10.128.0.0/9'), k('10.100.0.0/16')));
  assert.ok(prefixMatches(k('10.0.0.0/8'), k('10.0.0.0/8')));
  assert.ok(!prefixMatches(k('10.0.0.0/8'), k('10.1.0.0/16')));
  assert.ok(prefixMatches(k('10.0.0.0/8'), k('10.1.0.0/16'), 16, 24));
  assert.ok(!prefixMatches(k('10.0.0.0/8'), k('10.1.1.128/25'), 16, 24));
});

test('next hops: IPv4 4 octets, IPv6 16 or 32 with link-local', () => {
  const buf = Buffer.alloc(32);
  assert.equal(ipv4UnicastCodec.nextHopLength('10.0.0.1', undefined), 4);
  ipv4UnicastCodec.encodeNextHop('10.0.0.1', undefined, buf, 0);
  assert.deepEqual(ipv4UnicastCodec.decodeNextHop(buf, 0, 4), { nextHop: '10.0.0.1' });
  assert.equal(ipv6UnicastCodec.nextHopLength('2001:db8::1', 'fe80::1'), 32);
  ipv6UnicastCodec.encodeNextHop('2001:db8::1', 'fe80::1', buf, 0);
  assert.deepEqual(ipv6UnicastCodec.decodeNextHop(buf, 0, 32), { nextHop: '2001:db8::1', linkLocal: 'fe80::1' });
  assert.throws(() => ipv6UnicastCodec.decodeNextHop(buf, 0, 4), (e: unknown) => e instanceof BgpError && e.subcode === 9);
  ipv6UnicastCodec.encodeNextHop('10.0.0.1', undefined, buf, 0);
  assert.equal(ipv6UnicastCodec.decodeNextHop(buf, 0, 16).nextHop, '::ffff:10.0.0.1');
});

test('IPv6 text is RFC 5952 canonical', () => {
  const b = Buffer.alloc(16);
  for (const [input, out] of [
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:1:1:1:1:0:1', '2001:db8:1:1:1:1:0:1'],
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
  ]) {
    writeIpv6(input!, b, 0);
    assert.equal(readIpv6(b, 0), out);
  }
});
