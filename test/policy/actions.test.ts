import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommunity } from '../../src/config/community-text.js';
import { IPV6_UNICAST } from '../../src/wire/family.js';
import { ATTRS, exportPolicy, importPolicy, peer, prefix, run } from './helpers.js';

const c = (s: string) => parseCommunity(s)!;

/** A single accept statement with these bgp-actions, as the global import policy. */
function withActions(actions: string) {
  return importPolicy(`[[policy-definitions]]
  name = "p"
  [[policy-definitions.statements]]
    [policy-definitions.statements.actions]
      route-disposition = "accept-route"
    [policy-definitions.statements.actions.bgp-actions]
${actions}
[global.apply-policy.config]
  import-policy-list = ["p"]
`)!;
}

test('set-local-pref and set-med (absolute, +, -) return new attribute objects', () => {
  const lp = run(withActions('set-local-pref = 200'), '10.0.0.0/24')!;
  assert.equal(lp.localPref, 200);
  assert.notEqual(lp, ATTRS);
  assert.equal(ATTRS.localPref, undefined, 'input untouched');
  assert.equal(run(withActions('set-med = "100"'), '10.0.0.0/24')!.med, 100);
  assert.equal(run(withActions('set-med = 100'), '10.0.0.0/24')!.med, 100);
  assert.equal(run(withActions('set-med = "+10"'), '10.0.0.0/24', { ...ATTRS, med: 5 })!.med, 15);
  assert.equal(run(withActions('set-med = "-10"'), '10.0.0.0/24', { ...ATTRS, med: 15 })!.med, 5);
  assert.equal(run(withActions('set-med = "-10"'), '10.0.0.0/24', { ...ATTRS, med: 5 })!.med, 0, 'clamped at 0');
});

const setCommunity = (options: string, list: string) =>
  withActions(`      [policy-definitions.statements.actions.bgp-actions.set-community]
        options = "${options}"
        [policy-definitions.statements.actions.bgp-actions.set-community.set-community-method]
          communities-list = [${list}]`);

test('set-community add, remove (exact or regexp) and replace', () => {
  const start = { ...ATTRS, communities: [c('65000:1'), c('65001:2')] };
  assert.deepEqual(run(setCommunity('add', '"65000:9", "65000:1"'), '10.0.0.0/24', start)!.communities, [c('65000:1'), c('65001:2'), c('65000:9')]);
  assert.deepEqual(run(setCommunity('remove', '"65000:1"'), '10.0.0.0/24', start)!.communities, [c('65001:2')]);
  assert.deepEqual(run(setCommunity('remove', '"^6500[01]:.*$"'), '10.0.0.0/24', start)!.communities, undefined, 'empty list: attribute left out');
  assert.equal('communities' in run(setCommunity('remove', '"^6500[01]:.*$"'), '10.0.0.0/24', start)!, false);
  assert.deepEqual(run(setCommunity('replace', '"no-export"'), '10.0.0.0/24', start)!.communities, [0xffffff01]);
  assert.deepEqual(run(setCommunity('add', '"65000:9"'), '10.0.0.0/24')!.communities, [c('65000:9')]);
});

test('set-next-hop self uses our session address for the family; an address is taken as is', () => {
  const self = withActions('set-next-hop = "self"');
  assert.equal(run(self, '10.0.0.0/24')!.nextHop, '192.0.2.1');
  const v6 = prefix('2001:db8:5::/48');
  assert.equal(self(peer(), IPV6_UNICAST, v6.nlri, { ...ATTRS, nextHop: '2001:db8::2', nextHopLinkLocal: 'fe80::2' })!.nextHop, '2001:db8::1');
  assert.equal(self(peer(), IPV6_UNICAST, v6.nlri, { ...ATTRS, nextHop: '2001:db8::2', nextHopLinkLocal: 'fe80::2' })!.nextHopLinkLocal, undefined);
  assert.equal(run(withActions('set-next-hop = "198.51.100.7"'), '10.0.0.0/24')!.nextHop, '198.51.100.7');
});

test('set-as-path-prepend repeats an AS or the last (neighbour) AS', () => {
  const a = run(withActions('      [policy-definitions.statements.actions.bgp-actions.set-as-path-prepend]\n        as = 65000\n        repeat-n = 2'), '10.0.0.0/24')!;
  assert.deepEqual(a.asPath, [{ type: 2, asns: [65000, 65000, 65001, 65010] }]);
  const b = run(withActions('      [policy-definitions.statements.actions.bgp-actions.set-as-path-prepend]\n        as = "last-as"\n        repeat-n = 3'), '10.0.0.0/24')!;
  assert.deepEqual(b.asPath, [{ type: 2, asns: [65001, 65001, 65001, 65001, 65010] }]);
});

test('export policies run for the destination neighbour', () => {
  const fn = exportPolicy(`[[defined-sets.neighbor-sets]]
  neighbor-set-name = "them"
  neighbor-info-list = ["192.0.2.0/28"]
[[policy-definitions]]
  name = "tag"
  [[policy-definitions.statements]]
    [policy-definitions.statements.conditions.match-neighbor-set]
      neighbor-set = "them"
    [policy-definitions.statements.actions.bgp-actions]
      set-med = 7
[global.apply-policy.config]
  export-policy-list = ["tag"]
`)!;
  assert.equal(run(fn, '10.0.0.0/24', ATTRS, peer('192.0.2.3'))!.med, 7);
  assert.equal(run(fn, '10.0.0.0/24', ATTRS, peer('192.0.2.33'))!.med, undefined);
  assert.equal(run(fn, '10.0.0.0/24', ATTRS, undefined)!.med, undefined);
});
