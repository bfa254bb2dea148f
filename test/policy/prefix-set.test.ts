import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePrefixSet } from '../../src/policy/prefix-set.js';
import { L2VPN_EVPN } from '../../src/wire/family.js';
import { importPolicy, prefix, run } from './helpers.js';

const set = compilePrefixSet([
  { ipPrefix: '10.0.0.0/8', masklengthMin: 24, masklengthMax: 32 },
  { ipPrefix: '192.0.2.0/24', masklengthMin: 24, masklengthMax: 24 },
  { ipPrefix: '172.16.0.0/12', masklengthMin: 12, masklengthMax: 16 },
  { ipPrefix: '2001:db8::/32', masklengthMin: 48, masklengthMax: 64 },
]);
const m = (text: string) => {
  const { family, nlri } = prefix(text);
  return set.matches(family, nlri);
};

test('masklength-range matches prefixes inside ip-prefix whose length is in the range', () => {
  assert.equal(m('10.1.2.0/24'), true);
  assert.equal(m('10.1.2.128/25'), true);
  assert.equal(m('10.1.2.3/32'), true);
  assert.equal(m('10.1.0.0/16'), false, 'too short');
  assert.equal(m('10.0.0.0/8'), false, 'the covering prefix itself is outside 24..32');
  assert.equal(m('11.1.2.0/24'), false, 'outside 10/8');
  assert.equal(m('172.17.0.0/16'), true, 'inside 172.16/12 at a non-octet boundary');
  assert.equal(m('172.32.0.0/16'), false);
});

test('an entry without masklength-range matches only the prefix itself', () => {
  assert.equal(m('192.0.2.0/24'), true);
  assert.equal(m('192.0.2.0/25'), false);
  assert.equal(m('192.0.0.0/16'), false);
});

test('IPv6 entries match IPv6 routes only; non-unicast families never match', () => {
  assert.equal(m('2001:db8:1::/48'), true);
  assert.equal(m('2001:db8:1:2::/64'), true);
  assert.equal(m('2001:db8::/32'), false);
  assert.equal(m('2001:db9::/48'), false);
  assert.equal(set.matches(L2VPN_EVPN, prefix('10.1.2.0/24').nlri), false);
});

// Speed is a benchmark's business, not a test's: this one checks only that a large set answers right.
test('a large prefix set (65536 /24 entries with le 32) matches every covered /25 probe', () => {
  const entries = [];
  for (let i = 0; i < 65536; i++) entries.push({ ipPrefix: `10.${i >> 8}.${i & 255}.0/24`, masklengthMin: 24, masklengthMax: 32 });
  const big = compilePrefixSet(entries);
  const probes = Array.from({ length: 1000 }, (_, i) => prefix(`10.${i % 256}.${(i * 7) % 256}.${i % 2 ? 128 : 0}/25`));
  let hits = 0;
  for (const p of probes) if (big.matches(p.family, p.nlri)) hits++;
  assert.equal(hits, 1000);
  assert.equal(big.matches(prefix('10.1.2.0/23').family, prefix('10.1.2.0/23').nlri), false, 'shorter than the entries: no match');
  assert.equal(big.matches(prefix('11.0.0.0/24').family, prefix('11.0.0.0/24').nlri), false, 'outside every entry');
});

test('match-prefix-set any and invert through a compiled policy', () => {
  const sets = `[[defined-sets.prefix-sets]]
  prefix-set-name = "ten"
  [[defined-sets.prefix-sets.prefix-list]]
    ip-prefix = "10.0.0.0/8"
    masklength-range = "24..32"
`;
  const policy = (options: string) => `${sets}
[[policy-definitions]]
  name = "p"
  [[policy-definitions.statements]]
    [policy-definitions.statements.conditions.match-prefix-set]
      prefix-set = "ten"
      match-set-options = "${options}"
    [policy-definitions.statements.actions]
      route-disposition = "reject-route"
[global.apply-policy.config]
  import-policy-list = ["p"]
`;
  const any = importPolicy(policy('any'))!;
  assert.equal(run(any, '10.1.1.0/24'), undefined);
  assert.ok(run(any, '192.0.2.0/24'));
  const invert = importPolicy(policy('invert'))!;
  assert.ok(run(invert, '10.1.1.0/24'));
  assert.equal(run(invert, '192.0.2.0/24'), undefined);
});
