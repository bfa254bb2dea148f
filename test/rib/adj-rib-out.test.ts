import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdjRibOut } from '../../src/rib/adj-rib-out.js';
import { AttrSets } from '../../src/rib/attr-set.js';
import { IPV4_UNICAST } from '../../src/wire/family.js';
import type { Announcement, Withdrawal } from '../../src/wire/messages.js';
import { attrs, prefix } from './helpers.js';

const sets = new AttrSets();
const A = sets.intern(attrs({ med: 1 }));
const B = sets.intern(attrs({ med: 2 }));
const n1 = prefix('10.0.1.0/24');
const n2 = prefix('10.0.2.0/24');
const n3 = prefix('10.0.3.0/24');

function take(out: AdjRibOut, budget = Infinity): { announced: Announcement[]; withdrawn: Withdrawal[] } {
  const announced: Announcement[] = [];
  const withdrawn: Withdrawal[] = [];
  out.take(budget, announced, withdrawn);
  return { announced, withdrawn };
}

test('packs routes sharing attributes into one announcement', () => {
  const out = new AdjRibOut(IPV4_UNICAST, sets);
  out.announce(n1, A, false);
  out.announce(n2, B, false);
  out.announce(n3, A, false);
  const { announced, withdrawn } = take(out);
  assert.equal(withdrawn.length, 0);
  assert.equal(announced.length, 2);
  assert.equal(announced[0]!.attributes, A);
  assert.deepEqual(announced[0]!.nlri, [n1, n3]);
  assert.deepEqual(announced[1]!.nlri, [n2]);
  assert.equal(out.pending, 0);
  assert.equal(out.advertised, 3);
});

test('a route changing twice before it is sent leaves once, with the last attributes', () => {
  const out = new AdjRibOut(IPV4_UNICAST, sets);
  out.announce(n1, A, false);
  out.announce(n1, B, false);
  const { announced } = take(out);
  assert.equal(announced.length, 1);
  assert.equal(announced[0]!.attributes, B);
  assert.deepEqual(announced[0]!.nlri, [n1]);
});

test('a route announced then withdrawn before sending leaves nothing', () => {
  const out = new AdjRibOut(IPV4_UNICAST, sets);
  out.announce(n1, A, false);
  out.withdraw(n1);
  assert.equal(out.pending, 0);
  assert.deepEqual(take(out), { announced: [], withdrawn: [] });
  assert.deepEqual([...out.sent()], []);
});

test('a route that goes back to what was sent leaves nothing; withdrawing a sent route leaves once', () => {
  const out = new AdjRibOut(IPV4_UNICAST, sets);
  out.announce(n1, A, false);
  take(out);
  out.announce(n1, B, false);
  out.announce(n1, A, false);
  assert.equal(out.pending, 0);
  out.announce(n1, A, false);
  assert.equal(out.pending, 0, 'already sent');
  out.withdraw(n1);
  out.withdraw(n1);
  const { announced, withdrawn } = take(out);
  assert.equal(announced.length, 0);
  assert.deepEqual(withdrawn, [{ family: IPV4_UNICAST, nlri: [n1] }]);
  assert.equal(out.advertised, 0);
});

test('a forced announcement (route refresh) is queued even when already sent', () => {
  const out = new AdjRibOut(IPV4_UNICAST, sets);
  out.announce(n1, A, false);
  take(out);
  out.announce(n1, A, true);
  assert.deepEqual(take(out).announced[0]!.nlri, [n1]);
});

test('a budget splits the pending set, withdrawals first, and leaves the rest queued', () => {
  const out = new AdjRibOut(IPV4_UNICAST, sets);
  out.announce(n1, A, false);
  take(out);
  out.withdraw(n1);
  out.announce(n2, A, false);
  out.announce(n3, A, false);
  const first = take(out, 2);
  assert.deepEqual(first.withdrawn[0]!.nlri, [n1]);
  assert.deepEqual(first.announced[0]!.nlri, [n2]);
  assert.equal(out.pending, 1);
  assert.deepEqual(take(out).announced[0]!.nlri, [n3]);
});

test('shows the table as last sent', () => {
  const out = new AdjRibOut(IPV4_UNICAST, sets);
  out.announce(n1, A, false);
  out.announce(n2, B, false);
  take(out);
  out.announce(n2, A, false);
  assert.deepEqual(
    [...out.sent()].map((e) => [e.nlri, e.attributes]),
    [
      [n1, A],
      [n2, B],
    ],
  );
});
