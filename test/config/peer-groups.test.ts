import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/config/load.js';
import { IPV4_UNICAST, IPV6_UNICAST, L2VPN_EVPN } from '../../src/wire/family.js';
import { MINIMAL } from './fixtures.js';

const GROUPED = `${MINIMAL}
[[peer-groups]]
  [peer-groups.config]
    peer-group-name = "leaves"
    peer-as = 65100
    description = "leaf switches"
    next-hop-self = true
  [peer-groups.timers.config]
    hold-time = 9
    connect-retry = 0.1
  [peer-groups.transport.config]
    passive-mode = true
  [peer-groups.route-reflector.config]
    route-reflector-client = true
  [[peer-groups.afi-safis]]
    afi-safi-name = "l2vpn-evpn"
  [peer-groups.apply-policy.config]
    import-policy-list = ["p"]
    default-import-policy = "reject-route"

[[policy-definitions]]
  name = "p"
[[policy-definitions]]
  name = "q"

[[neighbors]]
  [neighbors.config]
    neighbor-address = "192.0.2.11"
    peer-group = "leaves"

[[neighbors]]
  [neighbors.config]
    neighbor-address = "192.0.2.12"
    peer-group = "leaves"
    peer-as = 65200
    description = "odd one"
  [neighbors.timers.config]
    keepalive-interval = 1
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
  [neighbors.apply-policy.config]
    import-policy-list = ["q"]

[[neighbors]]
  [neighbors.config]
    neighbor-address = "2001:DB8:0:0::1"
    peer-as = 65300
`;

test('a neighbour inherits every field its peer group sets', () => {
  const c = parseConfigText(GROUPED, 'g.toml');
  const n = c.neighbors[0]!;
  assert.equal(n.peerGroup, 'leaves');
  assert.equal(n.peerAs, 65100);
  assert.equal(n.localAs, 65000);
  assert.equal(n.description, 'leaf switches');
  assert.equal(n.nextHopSelf, true);
  assert.equal(n.transport.passiveMode, true);
  assert.equal(n.routeReflector.routeReflectorClient, true);
  assert.deepEqual(n.timers, { holdTime: 9, keepaliveInterval: 3, connectRetry: 0.1, minimumAdvertisementInterval: 0 });
  assert.deepEqual(n.families, [L2VPN_EVPN]);
  assert.deepEqual(n.applyPolicy, { importPolicyList: ['p'], exportPolicyList: [], defaultImportPolicy: 'reject-route' });
});

test('neighbour values win over the group, field by field; afi-safis replace the group list', () => {
  const n = parseConfigText(GROUPED, 'g.toml').neighbors[1]!;
  assert.equal(n.peerAs, 65200);
  assert.equal(n.description, 'odd one');
  assert.equal(n.nextHopSelf, true, 'not overridden: inherited');
  assert.deepEqual(n.timers, { holdTime: 9, keepaliveInterval: 1, connectRetry: 0.1, minimumAdvertisementInterval: 0 });
  assert.deepEqual(n.families, [IPV4_UNICAST]);
  assert.deepEqual(n.applyPolicy.importPolicyList, ['q']);
  assert.equal(n.applyPolicy.defaultImportPolicy, 'reject-route');
});

test('a neighbour without afi-safis gets the unicast family of its address; IPv6 is canonicalised', () => {
  const n = parseConfigText(GROUPED, 'g.toml').neighbors[2]!;
  assert.equal(n.neighborAddress, '2001:db8::1');
  assert.deepEqual(n.families, [IPV6_UNICAST]);
  assert.equal(n.peerGroup, undefined);
  assert.equal(n.nextHopSelf, false);
});

test('peer-as 0 means accept any AS, like an absent peer-as', () => {
  const c = parseConfigText(`${MINIMAL}[[neighbors]]\n[neighbors.config]\nneighbor-address = "192.0.2.2"\npeer-as = 0\n`, 'x.toml');
  assert.equal(c.neighbors[0]!.peerAs, undefined);
});

test('duplicate neighbours and peer groups are errors at the second one', () => {
  assert.throws(
    () => parseConfigText(`${MINIMAL}[[neighbors]]\n[neighbors.config]\nneighbor-address = "2001:db8::1"\n[[neighbors]]\n[neighbors.config]\nneighbor-address = "2001:DB8::0:1"\n`, 'x.toml'),
    /x\.toml: neighbors\[1\]\.config\.neighbor-address: duplicate neighbour 2001:db8::1/,
  );
  assert.throws(
    () => parseConfigText(`${MINIMAL}[[peer-groups]]\n[peer-groups.config]\npeer-group-name = "a"\n[[peer-groups]]\n[peer-groups.config]\npeer-group-name = "a"\n`, 'x.toml'),
    /peer-groups\[1\]\.config\.peer-group-name: duplicate peer group "a"/,
  );
});

test('GoBGP global knobs: listen port, multipath, apply-policy defaults, older listen-config spelling', () => {
  const c = parseConfigText(
    `[global.config]
  as = 65000
  router-id = "192.0.2.1"
  port = -1
[global.use-multiple-paths.config]
  enabled = true
[global.use-multiple-paths.ebgp.config]
  maximum-paths = 8
[global.apply-policy.config]
  default-export-policy = "reject-route"
`,
    'x.toml',
  );
  assert.equal(c.global.port, -1);
  assert.deepEqual(c.global.useMultiplePaths, { enabled: true, ebgpMaximumPaths: 8 });
  assert.equal(c.global.applyPolicy.defaultImportPolicy, 'accept-route');
  assert.equal(c.global.applyPolicy.defaultExportPolicy, 'reject-route');
  const legacy = parseConfigText(`${MINIMAL}[global.listen-config]\nport = 1790\nlocal-address-list = ["192.0.2.1"]\n`, 'x.toml');
  assert.equal(legacy.global.port, 1790);
  assert.deepEqual(legacy.global.localAddressList, ['192.0.2.1']);
});

test('static routes (bgpipe extension) are parsed with family, communities and next hop', () => {
  const c = parseConfigText(
    `${MINIMAL}[[static-routes]]\nprefix = "10.0.0.1/24"\nnext-hop = "192.0.2.1"\ncommunities = ["65000:1", "no-export"]\nmed = 5\nlocal-pref = 200\n[[static-routes]]\nprefix = "2001:db8:1::/48"\n`,
    'x.toml',
  );
  assert.deepEqual(c.staticRoutes[0], {
    prefix: '10.0.0.0/24',
    family: IPV4_UNICAST,
    nextHop: '192.0.2.1',
    communities: [65000 * 65536 + 1, 0xffffff01],
    largeCommunities: [],
    med: 5,
    localPref: 200,
  });
  assert.deepEqual(c.staticRoutes[1], { prefix: '2001:db8:1::/48', family: IPV6_UNICAST, communities: [], largeCommunities: [] });
});
