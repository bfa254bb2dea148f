import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/config/load.js';
import { matchDynamicNeighbor } from '../../src/config/dynamic-neighbors.js';
import { IPV4_UNICAST, L2VPN_EVPN, family, AFI, SAFI } from '../../src/wire/family.js';
import { BLOG_RR, DOCKER_LB } from './fixtures.js';

test('the bagpipe EVPN blog route-reflector config loads with its afi-safi-name shorthand', () => {
  const c = parseConfigText(BLOG_RR, 'blog.toml');
  assert.equal(c.global.as, 64512);
  assert.equal(c.global.routerId, '192.0.2.30');
  assert.equal(c.global.port, 179);
  assert.deepEqual(c.global.localAddressList, ['0.0.0.0', '::']);
  assert.deepEqual(c.warnings, []);
  assert.deepEqual(c.neighbors.map((n) => n.neighborAddress), ['192.0.2.10', '192.0.2.20']);
  for (const n of c.neighbors) {
    assert.equal(n.peerAs, 64512);
    assert.equal(n.localAs, 64512);
    assert.deepEqual(n.routeReflector, { routeReflectorClient: true, routeReflectorClusterId: '192.0.2.30' });
    assert.deepEqual(n.families, [L2VPN_EVPN]);
    assert.equal(n.afiSafis[0]!.name, 'l2vpn-evpn');
    assert.deepEqual(n.timers, { holdTime: 90, keepaliveInterval: 30, connectRetry: 120, minimumAdvertisementInterval: 0 });
    assert.equal(n.transport.passiveMode, false);
    assert.equal(n.dynamic, false);
  }
});

test('the docker-bgp-lb config loads: flowspec is kept with a warning and not offered', () => {
  const c = parseConfigText(DOCKER_LB, 'lb.toml');
  assert.equal(c.neighbors.length, 0);
  assert.deepEqual(c.dynamicNeighbors, [{ prefix: '198.51.100.0/24', peerGroup: 'bgp-lb' }]);
  assert.equal(c.peerGroups[0]!.peerGroupName, 'bgp-lb');
  assert.equal(c.warnings.length, 1);
  assert.equal(c.warnings[0]!.keyPath, 'peer-groups[0].afi-safis[1].config.afi-safi-name');
  assert.match(c.warnings[0]!.message, /ipv4-flowspec.*not implemented/);

  const n = matchDynamicNeighbor(c, '198.51.100.40');
  assert.ok(n);
  assert.equal(n.neighborAddress, '198.51.100.40');
  assert.equal(n.peerAs, 65534);
  assert.equal(n.peerGroup, 'bgp-lb');
  assert.equal(n.dynamic, true);
  assert.deepEqual(n.families, [IPV4_UNICAST]);
  assert.deepEqual(
    n.afiSafis.map((a) => [a.family, a.implemented]),
    [
      [IPV4_UNICAST, true],
      [family(AFI.IPv4, SAFI.FlowSpec), false],
    ],
  );
});
