// EVPN MAC mobility (RFC 7432 §15.2) in the decision process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rib } from '../../src/rib/rib.js';
import { L2VPN_EVPN, type Family } from '../../src/wire/family.js';
import { evpnRoute } from '../../src/wire/nlri/evpn.js';
import { macMobility, routeTarget } from '../../src/wire/attributes/ext-communities.js';
import { LOCAL_AS, ROUTER_ID, attrs, ipeer } from './helpers.js';

const EVPN = new Set<Family>([L2VPN_EVPN]);

test('of two MAC/IP routes for one MAC, the higher mobility sequence wins over a higher LOCAL_PREF', () => {
  const rib = new Rib({ localAs: LOCAL_AS, routerId: ROUTER_ID });
  rib.addPeer(ipeer(1, { families: EVPN }));
  rib.addPeer(ipeer(2, { families: EVPN }));
  const route = evpnRoute({ routeType: 2, rd: '65000:1', ethernetTag: 0, mac: '52:54:00:00:00:01', ip: '10.0.0.1', labels: [100] });
  const rt = routeTarget('65000:10');
  rib.receive(1, {
    announced: [{ family: L2VPN_EVPN, attributes: attrs({ asPath: [], localPref: 200, extCommunities: [rt] }), nlri: [route] }],
    withdrawn: [],
    discarded: [],
  });
  rib.receive(2, {
    announced: [{ family: L2VPN_EVPN, attributes: attrs({ asPath: [], localPref: 100, extCommunities: [rt, macMobility(3)] }), nlri: [route] }],
    withdrawn: [],
    discarded: [],
  });
  const [dest] = [...rib.destinations(L2VPN_EVPN)];
  assert.equal(dest!.best!.peer!.id, 2, 'the moved MAC (sequence 3) is best');
});
