/**
 * auth-password (TCP MD5, RFC 2385), ttl-security (GTSM, RFC 5082) and the eBGP TTL: what the
 * config accepts and refuses, and the key and TTLs each session and the listener get from it
 * (GoBGP's rules, pkg/server/fsm.go setPeerConnTTL).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfigText } from '../../src/config/load.js';
import { settingsFromConfig } from '../../src/daemon/settings-from-config.js';
import { errorOf, MINIMAL } from './fixtures.js';

const neighbor = (address: string, peerAs: number, config = '', tables = '') =>
  `[[neighbors]]\n[neighbors.config]\n  neighbor-address = "${address}"\n  peer-as = ${peerAs}\n${config}\n${tables}\n`;

const sessionOf = (text: string, address: string) => {
  const s = settingsFromConfig(parseConfigText(`${MINIMAL}\n${text}`, 'bgpiped.toml'));
  return s.server.neighbors.find((n) => n.session.peerAddress === address)!.session;
};

test('ttl-security and ebgp-multihop on one neighbour are refused, naming the key', () => {
  const text = `${MINIMAL}\n${neighbor('192.0.2.2', 65010, '', '[neighbors.ttl-security.config]\n  enabled = true\n[neighbors.ebgp-multihop.config]\n  enabled = true\n')}`;
  assert.equal(errorOf(text), 'bgpiped.toml: neighbors[0].ttl-security.config.enabled: ttl-security and ebgp-multihop are mutually exclusive');
});

test('ttl-min outside 1..255 and an empty or over-long password are refused', () => {
  assert.match(errorOf(`${MINIMAL}\n${neighbor('192.0.2.2', 65010, '', '[neighbors.ttl-security.config]\n  enabled = true\n  ttl-min = 0\n')}`), /neighbors\[0\]\.ttl-security\.config\.ttl-min: /);
  assert.equal(
    errorOf(`${MINIMAL}\n${neighbor('192.0.2.2', 65010, '  auth-password = ""')}`),
    'bgpiped.toml: neighbors[0].config.auth-password: expected 1..80 bytes (the TCP MD5 key limit), got 0',
  );
  assert.match(errorOf(`${MINIMAL}\n${neighbor('192.0.2.2', 65010, `  auth-password = "${'x'.repeat(81)}"`)}`), /auth-password: expected 1\.\.80 bytes .*got 81/);
});

test('the password becomes the session key and a listener key; a dynamic prefix gets a prefix key', () => {
  const text = `${MINIMAL}
${neighbor('192.0.2.2', 65010, '  auth-password = "s3cret"')}
${neighbor('2001:db8::2', 65010)}
[[peer-groups]]
[peer-groups.config]
  peer-group-name = "racks"
  peer-as = 65020
  auth-password = "rack-key"
[[dynamic-neighbors]]
[dynamic-neighbors.config]
  prefix = "198.51.100.0/24"
  peer-group = "racks"
`;
  const s = settingsFromConfig(parseConfigText(text, 'bgpiped.toml'));
  assert.equal(s.server.neighbors[0]!.session.md5Key, 's3cret');
  assert.equal(s.server.neighbors[1]!.session.md5Key, undefined);
  assert.deepEqual(s.server.md5Keys, [
    { address: '192.0.2.2', key: 's3cret' },
    { address: '198.51.100.0', prefixLength: 24, key: 'rack-key' },
  ]);
  assert.equal(s.server.dynamicNeighbor('198.51.100.7')!.session.md5Key, 'rack-key');
  assert.ok(!s.warnings.some((w) => /auth-password/.test(w)), s.warnings.join('\n'));
});

test('TTLs: eBGP 1, ebgp-multihop its multihop-ttl, ttl-security 255 with ttl-min, transport.ttl, iBGP the kernel default or transport.ttl', () => {
  const ours = 65000; // MINIMAL's AS
  assert.equal(new RegExp(`as = ${ours}`).test(MINIMAL), true, 'fixture AS');
  assert.deepEqual(pick(sessionOf(neighbor('192.0.2.2', 65010), '192.0.2.2')), { ttl: 1 });
  assert.deepEqual(pick(sessionOf(neighbor('192.0.2.2', 65010, '', '[neighbors.ebgp-multihop.config]\n  enabled = true\n  multihop-ttl = 3\n'), '192.0.2.2')), { ttl: 3 });
  assert.deepEqual(pick(sessionOf(neighbor('192.0.2.2', 65010, '', '[neighbors.ebgp-multihop.config]\n  enabled = true\n'), '192.0.2.2')), { ttl: 255 });
  assert.deepEqual(pick(sessionOf(neighbor('192.0.2.2', 65010, '', '[neighbors.ttl-security.config]\n  enabled = true\n'), '192.0.2.2')), { ttl: 255, minTtl: 255 });
  assert.deepEqual(pick(sessionOf(neighbor('192.0.2.2', 65010, '', '[neighbors.ttl-security.config]\n  enabled = true\n  ttl-min = 254\n'), '192.0.2.2')), { ttl: 255, minTtl: 254 });
  assert.deepEqual(pick(sessionOf(neighbor('192.0.2.2', 65010, '', '[neighbors.transport.config]\n  ttl = 7\n'), '192.0.2.2')), { ttl: 7 });
  assert.deepEqual(pick(sessionOf(neighbor('192.0.2.2', ours), '192.0.2.2')), {});
  assert.deepEqual(pick(sessionOf(neighbor('192.0.2.2', ours, '', '[neighbors.transport.config]\n  ttl = 9\n'), '192.0.2.2')), { ttl: 9 });
  // GoBGP: under ebgp-multihop, multihop-ttl wins over transport.ttl.
  const both = '[neighbors.transport.config]\n  ttl = 9\n[neighbors.ebgp-multihop.config]\n  enabled = true\n  multihop-ttl = 4\n';
  assert.deepEqual(pick(sessionOf(neighbor('192.0.2.2', 65010, '', both), '192.0.2.2')), { ttl: 4 });
});

function pick(s: { ttl?: number; minTtl?: number }): { ttl?: number; minTtl?: number } {
  return Object.fromEntries(Object.entries({ ttl: s.ttl, minTtl: s.minTtl }).filter(([, v]) => v !== undefined));
}

test('the listener gets GTSM only when every neighbour and dynamic group uses it, at the lowest ttl-min', () => {
  const ts = (min?: number) => `[neighbors.ttl-security.config]\n  enabled = true\n${min === undefined ? '' : `  ttl-min = ${min}\n`}`;
  const listenMin = (text: string) => settingsFromConfig(parseConfigText(`${MINIMAL}\n${text}`, 'bgpiped.toml')).server.listenMinTtl;
  assert.equal(listenMin(neighbor('192.0.2.2', 65010, '', ts())), 255);
  assert.equal(listenMin(neighbor('192.0.2.2', 65010, '', ts()) + neighbor('192.0.2.3', 65011, '', ts(254))), 254);
  assert.equal(listenMin(neighbor('192.0.2.2', 65010, '', ts()) + neighbor('192.0.2.3', 65011)), 0);
  const dynamic = '[[peer-groups]]\n[peer-groups.config]\n  peer-group-name = "g"\n[[dynamic-neighbors]]\n[dynamic-neighbors.config]\n  prefix = "198.51.100.0/24"\n  peer-group = "g"\n';
  assert.equal(listenMin(neighbor('192.0.2.2', 65010, '', ts()) + dynamic), 0);
  assert.equal(listenMin(''), 0);
});
