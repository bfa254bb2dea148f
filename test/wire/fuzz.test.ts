/** Mutated UPDATEs must come out as a result or a BgpError, never anything else. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BgpError } from '../../src/wire/errors.js';
import { IPV4_UNICAST, IPV6_UNICAST } from '../../src/wire/family.js';
import { decodeUpdate, encodeUpdates, encodeWithdrawals } from '../../src/wire/update.js';
import { decodeOpen } from '../../src/wire/open.js';
import { parsePrefix } from '../../src/wire/nlri/prefix.js';
import type { CodecContext } from '../../src/wire/messages.js';
import { EBGP2, EBGP4, fixture, fixtureNames, IBGP4 } from './helpers.js';

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seeds(): Buffer[] {
  const attributes = {
    origin: 0,
    asPath: [{ type: 2, asns: [65001, 4200000100] }, { type: 1, asns: [1, 2] }],
    nextHop: '10.99.0.1',
    med: 5,
    localPref: 100,
    atomicAggregate: true,
    aggregator: { asn: 4200000100, address: '10.0.0.1' },
    communities: [1, 2],
    extCommunities: [1n],
    largeCommunities: [[1, 2, 3] as const],
    originatorId: '1.1.1.1',
    clusterList: ['2.2.2.2'],
    unknown: [{ flags: 0xc0, code: 99, value: Buffer.from('ab', 'hex') }],
  };
  const nlri4 = [parsePrefix(IPV4_UNICAST, '10.0.0.0/8'), parsePrefix(IPV4_UNICAST, '192.0.2.128/25')];
  const nlri6 = [parsePrefix(IPV6_UNICAST, '2001:db8::/32')];
  return [
    ...encodeUpdates({ family: IPV4_UNICAST, attributes, nlri: nlri4 }, IBGP4),
    ...encodeUpdates({ family: IPV6_UNICAST, attributes: { ...attributes, nextHop: '2001:db8::1', nextHopLinkLocal: 'fe80::1' }, nlri: nlri6 }, EBGP2),
    ...encodeWithdrawals({ family: IPV6_UNICAST, nlri: nlri6 }, EBGP4),
    ...fixtureNames().filter((n) => n.includes('update') || n.includes('withdraw')).map(fixture),
  ].map((m) => m.subarray(19));
}

function mutate(src: Buffer, r: () => number): Buffer {
  let b = Buffer.from(src);
  const rounds = 1 + Math.floor(r() * 4);
  for (let k = 0; k < rounds; k++) {
    const op = r();
    const at = Math.floor(r() * b.length);
    if (op < 0.5) b[at] = Math.floor(r() * 256); // flip a byte
    else if (op < 0.65) b[at] = b[at]! ^ (1 << Math.floor(r() * 8)); // flip a bit
    else if (op < 0.8) b = b.subarray(0, at); // truncate
    else if (op < 0.9) b = Buffer.concat([b.subarray(0, at), Buffer.from([Math.floor(r() * 256)]), b.subarray(at)]); // insert
    else b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]); // delete
  }
  return b;
}

test('5000 mutated UPDATEs decode or throw BgpError, nothing else', () => {
  const r = rng(7606);
  const inputs = seeds();
  const contexts: CodecContext[] = [EBGP4, IBGP4, EBGP2];
  let errors = 0;
  for (let i = 0; i < 5000; i++) {
    const body = mutate(inputs[i % inputs.length]!, r);
    const ctx = contexts[i % contexts.length]!;
    try {
      const u = decodeUpdate(body, ctx);
      assert.ok(Array.isArray(u.announced) && Array.isArray(u.withdrawn) && Array.isArray(u.discarded));
    } catch (e) {
      if (!(e instanceof BgpError)) assert.fail(`iteration ${i}: ${String(e)} for ${body.toString('hex')}`);
      assert.equal(e.code, 3);
      errors++;
    }
  }
  assert.ok(errors > 0 && errors < 5000);
});

test('2000 mutated OPENs decode or throw BgpError, nothing else', () => {
  const r = rng(4271);
  const inputs = fixtureNames().filter((n) => n.includes('open')).map((n) => fixture(n).subarray(19));
  for (let i = 0; i < 2000; i++) {
    const body = mutate(inputs[i % inputs.length]!, r);
    try {
      decodeOpen(body);
    } catch (e) {
      if (!(e instanceof BgpError)) assert.fail(`iteration ${i}: ${String(e)} for ${body.toString('hex')}`);
    }
  }
});
