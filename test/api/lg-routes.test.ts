/**
 * Route attributes in the looking glass read as bagpipe-bgp writes them (exabgp's reprs), the
 * strings taken from the real bagpipe-bgp 17's looking glass (test/interop/bagpipe-bgp.test.ts):
 * the same route shows the same text in both daemons' `received_routes`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exaExtCommunities, exaPmsiTunnel, lgRoute } from '../../src/api/bagpipe/lg-routes.js';
import { encapsulation, macMobility, routeTarget } from '../../src/wire/attributes/ext-communities.js';
import { Origin } from '../../src/wire/attributes/types.js';
import { L2VPN_EVPN } from '../../src/wire/family.js';
import { evpnRoute } from '../../src/wire/nlri/evpn.js';
import { consistentHashSortOrder } from '../../src/vpn/routes.js';

describe("looking glass: route attributes as bagpipe-bgp's exabgp writes them", () => {
  it('extended communities: target/encap/consistentHashSortOrder names, sorted by value, [ ] only around several', () => {
    // bgpiped sends encap, RT, order; bagpipe-bgp 17 shows "[ target:64512:20 encap:VXLAN consistentHashSortOrder:0 ]".
    assert.equal(exaExtCommunities([encapsulation(8), routeTarget('64512:20'), consistentHashSortOrder(0)]), '[ target:64512:20 encap:VXLAN consistentHashSortOrder:0 ]');
    assert.equal(exaExtCommunities([encapsulation(10), routeTarget('64512:30')]), '[ target:64512:30 encap:MPLS ]');
    assert.equal(exaExtCommunities([routeTarget('64512:30')]), 'target:64512:30');
    assert.equal(exaExtCommunities([routeTarget('10.0.0.1:5'), routeTarget('4200000000:7')]), '[ target:10.0.0.1:5 target:4200000000L:7 ]');
    assert.equal(exaExtCommunities([macMobility(3, true)]), 'mac-mobility:3:sticky');
  });

  it('PMSI tunnel: pmsi:<type>:<flags>:<MPLS label>(<raw label field>):<endpoint>', () => {
    assert.equal(exaPmsiTunnel({ flags: 0, tunnelType: 6, label: 16, tunnelId: '10.99.0.12' }), 'pmsi:ingressreplication:0:1(16):10.99.0.12');
    assert.equal(exaPmsiTunnel({ flags: 1, tunnelType: 6, label: 0, tunnelId: '10.99.0.12' }), 'pmsi:ingressreplication:1:0:10.99.0.12');
  });

  it("a received type 3 route's attributes, as bagpipe-bgp shows the same route", () => {
    const nlri = evpnRoute({ routeType: 3, rd: '10.99.0.11:0', ethernetTag: 0, ip: '10.99.0.11' });
    const attrs = {
      origin: Origin.Igp,
      asPath: [],
      nextHop: '10.99.0.11',
      localPref: 100,
      extCommunities: [encapsulation(8), routeTarget('64512:10')],
      pmsiTunnel: { flags: 0, tunnelType: 6, label: 16, tunnelId: '10.99.0.11' },
      originatorId: '10.99.0.11',
      clusterList: ['10.99.0.1'],
    };
    const lg = lgRoute({ family: L2VPN_EVPN, nlri, attrs, source: 'BGP-10.99.0.1' }, 'http://h/looking-glass');
    const route = lg['evpn:multicast::10.99.0.11:0:0:10.99.0.11'] as { attributes: Record<string, string> };
    assert.deepEqual(route.attributes, {
      'extended-community': '[ target:64512:10 encap:VXLAN ]',
      'local-preference': '100',
      'pmsi-tunnel': 'pmsi:ingressreplication:0:1(16):10.99.0.11',
      'originator-id': '10.99.0.11',
      'cluster-list': '[ 10.99.0.1 ]',
    });
  });
});
