import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig } from '../../src/config/load.js';
import { findNeighbor, matchDynamicNeighbor } from '../../src/config/dynamic-neighbors.js';
import { IPV4_UNICAST, IPV6_UNICAST } from '../../src/wire/family.js';

test('without -f bgpiped runs as AS 64512 on loopback, accepting any AS from 127.0.0.0/8', () => {
  const c = defaultConfig();
  assert.equal(c.source, '<defaults>');
  assert.equal(c.global.as, 64512);
  assert.equal(c.global.routerId, '127.0.0.1');
  assert.equal(c.global.port, 179);
  assert.deepEqual(c.global.localAddressList, ['127.0.0.1']);
  assert.deepEqual(c.api, { listenAddress: '127.0.0.1', port: 8082 });
  assert.equal(c.metrics.enabled, true);
  assert.deepEqual(c.warnings, []);
  assert.equal(c.neighbors.length, 0);

  const n = matchDynamicNeighbor(c, '127.0.0.2');
  assert.ok(n);
  assert.equal(n.peerAs, undefined, 'peer-as absent: accept what the peer says');
  assert.equal(n.peerGroup, 'loopback');
  assert.deepEqual(n.families, [IPV4_UNICAST, IPV6_UNICAST]);
  assert.equal(matchDynamicNeighbor(c, '192.0.2.1'), undefined);
  assert.equal(findNeighbor(c, '127.0.0.2'), undefined);
});
