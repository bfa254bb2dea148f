/**
 * [neighbors.graceful-restart.config] and [neighbors.afi-safis.mp-graceful-restart.config]: what
 * a session offers (RFC 4724 §3), GoBGP's configs as its documentation writes them, and the keys
 * bgpipe refuses.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfigText } from '../../src/config/load.js';
import { settingsFromConfig } from '../../src/daemon/settings-from-config.js';
import { IPV4_UNICAST, IPV6_UNICAST } from '../../src/wire/family.js';
import { errorOf, MINIMAL } from './fixtures.js';

const NEIGHBOR = '[[neighbors]]\n[neighbors.config]\n  neighbor-address = "10.0.255.1"\n  peer-as = 65001\n';
const offerOf = (text: string) => {
  const s = settingsFromConfig(parseConfigText(`${MINIMAL}\n${NEIGHBOR}${text}`, 'bgpiped.toml'));
  return { offer: s.server.neighbors[0]!.session.gracefulRestart, warnings: s.warnings };
};

test('not offered unless enabled; enabled offers every family with restart-time (default: the hold time, as GoBGP)', () => {
  assert.equal(offerOf('').offer, undefined);
  const { offer, warnings } = offerOf('[neighbors.graceful-restart.config]\n  enabled = true\n');
  assert.equal(offer?.restartTime, 90, 'the default hold time');
  const short = offerOf('[neighbors.timers.config]\n  hold-time = 30\n[neighbors.graceful-restart.config]\n  enabled = true\n');
  assert.equal(short.offer?.restartTime, 30, 'follows a configured hold time');
  assert.equal(offer?.families, undefined, 'every family of the session');
  assert.equal(offer?.restarting(), false, 'the server decides R and F');
  assert.deepEqual(warnings.filter((w) => /graceful/.test(w)), [], 'no "not implemented" warning any more');
});

test("GoBGP's restarting-speaker example: only the afi-safis with mp-graceful-restart are listed", () => {
  const { offer } = offerOf(
    [
      '[neighbors.graceful-restart.config]\n  enabled = true\n  restart-time = 90',
      '[[neighbors.afi-safis]]\n  afi-safi-name = "ipv4-unicast"\n  [neighbors.afi-safis.mp-graceful-restart.config]\n    enabled = true',
      '[[neighbors.afi-safis]]\n  afi-safi-name = "ipv6-unicast"',
    ].join('\n'),
  );
  assert.equal(offer?.restartTime, 90);
  assert.deepEqual(offer?.families, [IPV4_UNICAST]);
  assert.notDeepEqual(offer?.families, [IPV4_UNICAST, IPV6_UNICAST]);
});

test('restart-time beyond 12 bits is refused; the unimplemented GoBGP keys are named as ignored', () => {
  const gr = (line: string) => `[neighbors.graceful-restart.config]\n  enabled = true\n  ${line}\n`;
  assert.match(errorOf(`${MINIMAL}\n${NEIGHBOR}${gr('restart-time = 4096')}`), /neighbors\[0\]\.graceful-restart\.config\.restart-time/);
  for (const key of ['notification-enabled', 'long-lived-enabled', 'helper-only', 'deferral-time']) {
    const { warnings } = offerOf(gr(`${key} = ${key === 'deferral-time' ? 60 : 'true'}`));
    assert.ok(
      warnings.some((w) => w.includes(`neighbors[0].graceful-restart.config.${key}: not supported by bgpipe; ignored`)),
      `${key}: ${JSON.stringify(warnings)}`,
    );
  }
});
