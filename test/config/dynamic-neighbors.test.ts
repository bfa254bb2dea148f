import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/config/load.js';
import { findNeighbor, matchDynamicNeighbor } from '../../src/config/dynamic-neighbors.js';
import { MINIMAL } from './fixtures.js';

const CONFIG = `${MINIMAL}
[[peer-groups]]
  [peer-groups.config]
    peer-group-name = "hosts"
    peer-as = 65001
[[peer-groups]]
  [peer-groups.config]
    peer-group-name = "lbs"
    peer-as = 65002
  [peer-groups.transport.config]
    passive-mode = true
[[peer-groups]]
  [peer-groups.config]
    peer-group-name = "v6"
[[dynamic-neighbors]]
  [dynamic-neighbors.config]
    prefix = "192.0.2.16/28"
    peer-group = "lbs"
[[dynamic-neighbors]]
  [dynamic-neighbors.config]
    prefix = "192.0.2.0/24"
    peer-group = "hosts"
[[dynamic-neighbors]]
  [dynamic-neighbors.config]
    prefix = "2001:db8::/32"
    peer-group = "v6"
[[neighbors]]
  [neighbors.config]
    neighbor-address = "192.0.2.1"
    peer-as = 65009
`;

test('the longest dynamic-neighbors prefix wins, whatever the order in the file', () => {
  const c = parseConfigText(CONFIG, 'x.toml');
  assert.equal(matchDynamicNeighbor(c, '192.0.2.17')!.peerGroup, 'lbs');
  assert.equal(matchDynamicNeighbor(c, '192.0.2.17')!.transport.passiveMode, true);
  assert.equal(matchDynamicNeighbor(c, '192.0.2.17')!.peerAs, 65002);
  assert.equal(matchDynamicNeighbor(c, '192.0.2.32')!.peerGroup, 'hosts');
  assert.equal(matchDynamicNeighbor(c, '192.0.2.32')!.peerAs, 65001);
  assert.equal(matchDynamicNeighbor(c, '192.0.3.1'), undefined);
});

test('IPv4-mapped IPv6 peers (dual-stack sockets) match IPv4 prefixes', () => {
  const n = matchDynamicNeighbor(parseConfigText(CONFIG, 'x.toml'), '::ffff:192.0.2.40');
  assert.equal(n!.neighborAddress, '192.0.2.40');
  assert.equal(n!.peerGroup, 'hosts');
});

test('IPv6 dynamic neighbours get ipv6-unicast by default and the canonical address', () => {
  const n = matchDynamicNeighbor(parseConfigText(CONFIG, 'x.toml'), '2001:DB8:0::5');
  assert.equal(n!.neighborAddress, '2001:db8::5');
  assert.equal(n!.peerAs, undefined);
  assert.deepEqual(n!.afiSafis.map((a) => a.name), ['ipv6-unicast']);
});

test('findNeighbor finds configured neighbours by any spelling of their address', () => {
  const c = parseConfigText(CONFIG, 'x.toml');
  assert.equal(findNeighbor(c, '::ffff:192.0.2.1')!.peerAs, 65009);
  assert.equal(findNeighbor(c, '192.0.2.2'), undefined);
});
