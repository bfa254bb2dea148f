import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/config/load.js';
import { diffConfig } from '../../src/config/diff.js';
import { MINIMAL } from './fixtures.js';

const nb = (addr: string, extra = '') => `[[neighbors]]\n[neighbors.config]\nneighbor-address = "${addr}"\npeer-as = 65001\n${extra}`;
const load = (t: string) => parseConfigText(t, 'x.toml');

test('reload adds, removes and changes only the neighbours that differ', () => {
  const old = load(`${MINIMAL}${nb('192.0.2.2')}${nb('192.0.2.3')}${nb('192.0.2.4')}`);
  const next = load(`${MINIMAL}${nb('192.0.2.2')}${nb('192.0.2.4', '[neighbors.timers.config]\nhold-time = 30\n')}${nb('192.0.2.5')}`);
  const d = diffConfig(old, next);
  assert.deepEqual(d.added.map((n) => n.neighborAddress), ['192.0.2.5']);
  assert.deepEqual(d.removed.map((n) => n.neighborAddress), ['192.0.2.3']);
  assert.deepEqual(d.changed.map((n) => n.neighborAddress), ['192.0.2.4']);
  assert.equal(d.changed[0]!.timers.holdTime, 30);
  assert.equal(d.globalChanged, false);
  assert.equal(d.policyChanged, false);
});

test('an identical config is no change at all', () => {
  const t = `${MINIMAL}${nb('192.0.2.2')}`;
  const d = diffConfig(load(t), load(t));
  assert.deepEqual([d.added, d.removed, d.changed, d.globalChanged, d.policyChanged, d.staticRoutesChanged, d.dynamicNeighborsChanged], [[], [], [], false, false, false, false]);
});

test('editing a peer group changes its members; editing global is reported as such', () => {
  const group = (as: number) => `[[peer-groups]]\n[peer-groups.config]\npeer-group-name = "g"\npeer-as = ${as}\n`;
  const member = `[[neighbors]]\n[neighbors.config]\nneighbor-address = "192.0.2.9"\npeer-group = "g"\n`;
  const d = diffConfig(load(`${MINIMAL}${group(1)}${member}${nb('192.0.2.2')}`), load(`${MINIMAL}${group(2)}${member}${nb('192.0.2.2')}`));
  assert.deepEqual(d.changed.map((n) => n.neighborAddress), ['192.0.2.9']);
  assert.equal(d.dynamicNeighborsChanged, true);
  const g = diffConfig(load(MINIMAL), load(MINIMAL.replace('192.0.2.1"', '192.0.2.99"')));
  assert.equal(g.globalChanged, true);
});

test('policy and static-route edits are reported without touching neighbours', () => {
  const d = diffConfig(
    load(`${MINIMAL}${nb('192.0.2.2')}`),
    load(`${MINIMAL}${nb('192.0.2.2')}[[policy-definitions]]\nname = "p"\n[[static-routes]]\nprefix = "10.0.0.0/8"\n`),
  );
  assert.deepEqual([d.changed.length, d.policyChanged, d.staticRoutesChanged], [0, true, true]);
});
