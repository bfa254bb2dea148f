import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommunity, parseExtCommunity } from '../../src/config/community-text.js';
import { ATTRS, importPolicy, run } from './helpers.js';

const c = (s: string) => parseCommunity(s)!;

const SETS = `[[defined-sets.bgp-defined-sets.community-sets]]
  community-set-name = "cs"
  community-list = ["65000:100", "^65001:.*$"]
[[defined-sets.bgp-defined-sets.ext-community-sets]]
  ext-community-set-name = "rts"
  ext-community-list = ["rt:64512:80"]
[[defined-sets.bgp-defined-sets.large-community-sets]]
  large-community-set-name = "ls"
  large-community-list = ["65000:1:2"]
[global.apply-policy.config]
  import-policy-list = ["p"]
`;

function matcher(condition: string) {
  return importPolicy(`${SETS}
[[policy-definitions]]
  name = "p"
  [[policy-definitions.statements]]
    ${condition}
    [policy-definitions.statements.actions]
      route-disposition = "reject-route"
`)!;
}
const rejected = (fn: ReturnType<typeof matcher>, attrs: object) => run(fn, '10.0.0.0/24', { ...ATTRS, ...attrs }) === undefined;

test('community set any: an exact member or a regular expression member matches', () => {
  const fn = matcher('[policy-definitions.statements.conditions.bgp-conditions.match-community-set]\ncommunity-set = "cs"');
  assert.equal(rejected(fn, { communities: [c('65000:100')] }), true);
  assert.equal(rejected(fn, { communities: [c('65001:7')] }), true, 'regexp member');
  assert.equal(rejected(fn, { communities: [c('65000:101')] }), false);
  assert.equal(rejected(fn, {}), false, 'no communities');
});

test('community set all: the route must carry something for every member', () => {
  const fn = matcher('[policy-definitions.statements.conditions.bgp-conditions.match-community-set]\ncommunity-set = "cs"\nmatch-set-options = "all"');
  assert.equal(rejected(fn, { communities: [c('65000:100')] }), false);
  assert.equal(rejected(fn, { communities: [c('65000:100'), c('65001:1')] }), true);
});

test('community set invert: matches routes carrying none of the members', () => {
  const fn = matcher('[policy-definitions.statements.conditions.bgp-conditions.match-community-set]\ncommunity-set = "cs"\nmatch-set-options = "invert"');
  assert.equal(rejected(fn, { communities: [c('65000:100')] }), false);
  assert.equal(rejected(fn, { communities: [c('65002:1')] }), true);
  assert.equal(rejected(fn, {}), true);
});

test('extended and large community sets match their own attributes', () => {
  const ext = matcher('[policy-definitions.statements.conditions.bgp-conditions.match-ext-community-set]\next-community-set = "rts"');
  assert.equal(rejected(ext, { extCommunities: [parseExtCommunity('rt:64512:80')!] }), true);
  assert.equal(rejected(ext, { extCommunities: [parseExtCommunity('rt:64512:81')!] }), false);
  const large = matcher('[policy-definitions.statements.conditions.bgp-conditions.match-large-community-set]\nlarge-community-set = "ls"');
  assert.equal(rejected(large, { largeCommunities: [[65000, 1, 2]] }), true);
  assert.equal(rejected(large, { largeCommunities: [[65000, 1, 3]] }), false);
});

test('as-path sets use GoBGP regular expressions where _ is a delimiter', () => {
  const fn = importPolicy(`[[defined-sets.bgp-defined-sets.as-path-sets]]
  as-path-set-name = "via10"
  as-path-list = ["_65010$"]
[[policy-definitions]]
  name = "p"
  [[policy-definitions.statements]]
    [policy-definitions.statements.conditions.bgp-conditions.match-as-path-set]
      as-path-set = "via10"
    [policy-definitions.statements.actions]
      route-disposition = "reject-route"
[global.apply-policy.config]
  import-policy-list = ["p"]
`)!;
  assert.equal(run(fn, '10.0.0.0/24'), undefined, 'path 65001 65010 ends in 65010');
  assert.ok(run(fn, '10.0.0.0/24', { ...ATTRS, asPath: [{ type: 2, asns: [65001, 165010] }] }), '165010 is not 65010');
});
