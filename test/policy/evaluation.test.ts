import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/config/load.js';
import { compilePolicies } from '../../src/policy/compile.js';
import { ATTRS, exportPolicy, importPolicy, run } from './helpers.js';

const SETS = `[[defined-sets.prefix-sets]]
  prefix-set-name = "ten"
  [[defined-sets.prefix-sets.prefix-list]]
    ip-prefix = "10.0.0.0/8"
    masklength-range = "8..32"
[[defined-sets.prefix-sets]]
  prefix-set-name = "ten-one"
  [[defined-sets.prefix-sets.prefix-list]]
    ip-prefix = "10.1.0.0/16"
    masklength-range = "16..32"
`;

test('no policy and accepting defaults compile to undefined (the RIB fast path)', () => {
  assert.equal(importPolicy(''), undefined);
  assert.equal(exportPolicy(''), undefined);
});

test('a rejecting default with no policy rejects everything', () => {
  const fn = importPolicy('[global.apply-policy.config]\ndefault-import-policy = "reject-route"\n')!;
  assert.equal(run(fn, '10.0.0.0/24'), undefined);
  assert.equal(exportPolicy('[global.apply-policy.config]\ndefault-import-policy = "reject-route"\n'), undefined, 'export unaffected');
});

test('the first matching statement with a disposition decides; earlier actions accumulate', () => {
  const fn = importPolicy(`${SETS}
[[policy-definitions]]
  name = "p"
  [[policy-definitions.statements]]
    name = "tag-ten"
    [policy-definitions.statements.conditions.match-prefix-set]
      prefix-set = "ten"
    [policy-definitions.statements.actions.bgp-actions]
      set-local-pref = 50
  [[policy-definitions.statements]]
    name = "prefer-ten-one"
    [policy-definitions.statements.conditions.match-prefix-set]
      prefix-set = "ten-one"
    [policy-definitions.statements.actions]
      route-disposition = "accept-route"
    [policy-definitions.statements.actions.bgp-actions]
      set-med = "+1"
  [[policy-definitions.statements]]
    name = "drop-rest-of-ten"
    [policy-definitions.statements.conditions.match-prefix-set]
      prefix-set = "ten"
    [policy-definitions.statements.actions]
      route-disposition = "reject-route"
[global.apply-policy.config]
  import-policy-list = ["p"]
  default-import-policy = "accept-route"
`)!;
  assert.deepEqual(run(fn, '10.1.2.0/24'), { ...ATTRS, localPref: 50, med: 1 });
  assert.equal(run(fn, '10.2.0.0/24'), undefined);
  assert.equal(run(fn, '192.0.2.0/24'), ATTRS, 'nothing matched: default accept, attributes untouched');
});

test('a later statement sees the attributes rewritten by an earlier one', () => {
  const fn = importPolicy(`[[defined-sets.bgp-defined-sets.community-sets]]
  community-set-name = "tagged"
  community-list = ["65000:1"]
[[policy-definitions]]
  name = "p"
  [[policy-definitions.statements]]
    [policy-definitions.statements.actions.bgp-actions.set-community]
      options = "add"
      [policy-definitions.statements.actions.bgp-actions.set-community.set-community-method]
        communities-list = ["65000:1"]
  [[policy-definitions.statements]]
    [policy-definitions.statements.conditions.bgp-conditions.match-community-set]
      community-set = "tagged"
    [policy-definitions.statements.actions]
      route-disposition = "reject-route"
[global.apply-policy.config]
  import-policy-list = ["p"]
`)!;
  assert.equal(run(fn, '10.0.0.0/24'), undefined);
});

test('global policies run before the neighbour’s own; the neighbour default overrides the global one', () => {
  const toml = `${SETS}
[[policy-definitions]]
  name = "global-accept-ten-one"
  [[policy-definitions.statements]]
    [policy-definitions.statements.conditions.match-prefix-set]
      prefix-set = "ten-one"
    [policy-definitions.statements.actions]
      route-disposition = "accept-route"
[[policy-definitions]]
  name = "neighbor-reject-ten"
  [[policy-definitions.statements]]
    [policy-definitions.statements.conditions.match-prefix-set]
      prefix-set = "ten"
    [policy-definitions.statements.actions]
      route-disposition = "reject-route"
[global.apply-policy.config]
  import-policy-list = ["global-accept-ten-one"]
  default-import-policy = "accept-route"
`;
  const fn = importPolicy(toml, '[neighbors.apply-policy.config]\nimport-policy-list = ["neighbor-reject-ten"]\ndefault-import-policy = "reject-route"\n')!;
  assert.ok(run(fn, '10.1.0.0/24'), 'global accept decided first');
  assert.equal(run(fn, '10.2.0.0/24'), undefined, 'neighbour reject');
  assert.equal(run(fn, '192.0.2.0/24'), undefined, 'neighbour default reject');
});

test('older GoBGP route-disposition tables work: accept-route = false alone is no disposition', () => {
  const fn = importPolicy(`${SETS}
[[policy-definitions]]
  name = "p"
  [[policy-definitions.statements]]
    [policy-definitions.statements.conditions.match-prefix-set]
      prefix-set = "ten"
    [policy-definitions.statements.actions.route-disposition]
      reject-route = true
[global.apply-policy.config]
  import-policy-list = ["p"]
`)!;
  assert.equal(run(fn, '10.0.0.0/24'), undefined);
});

test('neighbours with the same policy lists share one compiled function', () => {
  const c = parseConfigText(
    `[global.config]\nas = 1\nrouter-id = "192.0.2.1"\n[global.apply-policy.config]\ndefault-import-policy = "reject-route"\n[[neighbors]]\n[neighbors.config]\nneighbor-address = "192.0.2.2"\n[[neighbors]]\n[neighbors.config]\nneighbor-address = "192.0.2.3"\n`,
    'x.toml',
  );
  const p = compilePolicies(c);
  assert.equal(p.importFor(c.neighbors[0]!), p.importFor(c.neighbors[1]!));
});
