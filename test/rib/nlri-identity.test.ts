// EVPN and VPN routes re-announced with a new label (a field outside the key, RFC 7432 §7)
// reach the peers we advertise them to; unchanged re-announcements stay duplicates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rib } from '../../src/rib/rib.js';
import { IPV4_VPN, L2VPN_EVPN, type Family } from '../../src/wire/family.js';
import { evpnRoute, type EvpnMacIp } from '../../src/wire/nlri/evpn.js';
import { vpnPrefix, type VpnPrefix } from '../../src/wire/nlri/vpn.js';
import type { Nlri } from '../../src/wire/nlri/types.js';
import { LOCAL_AS, ROUTER_ID, attrs, ipeer } from './helpers.js';

const FAMILIES = new Set<Family>([L2VPN_EVPN, IPV4_VPN]);

function macRoute(label: number): EvpnMacIp {
  return evpnRoute({ routeType: 2, rd: '65000:1', ethernetTag: 0, mac: '52:54:00:00:00:01', ip: '10.0.0.1', labels: [label] }) as EvpnMacIp;
}

function setup() {
  const rib = new Rib({ localAs: LOCAL_AS, routerId: ROUTER_ID });
  rib.addPeer(ipeer(1, { routeReflectorClient: true, families: FAMILIES }));
  rib.addPeer(ipeer(2, { routeReflectorClient: true, families: FAMILIES }));
  return rib;
}

function send(rib: Rib, family: Family, nlri: Nlri) {
  rib.receive(1, { announced: [{ family, attributes: attrs({ asPath: [], localPref: 100 }), nlri: [nlri] }], withdrawn: [], discarded: [] });
}

function announcedTo(rib: Rib, peerId: number, family: Family): Nlri[] {
  const out: Nlri[] = [];
  for (let b = rib.takeOutbound(peerId); b; b = rib.takeOutbound(peerId)) for (const a of b.announced) if (a.family === family) out.push(...a.nlri);
  return out;
}

test('an EVPN MAC/IP route re-announced with a new label is re-advertised with that label', () => {
  const rib = setup();
  send(rib, L2VPN_EVPN, macRoute(100));
  assert.deepEqual(announcedTo(rib, 2, L2VPN_EVPN).map((n) => (n as EvpnMacIp).labels), [[100]]);
  send(rib, L2VPN_EVPN, macRoute(200));
  assert.deepEqual(announcedTo(rib, 2, L2VPN_EVPN).map((n) => (n as EvpnMacIp).labels), [[200]]);
  const [dest] = [...rib.destinations(L2VPN_EVPN)];
  assert.deepEqual((dest!.nlri as EvpnMacIp).labels, [200], 'the table shows the label in force');
});

test('the same EVPN route with the same label again sends nothing', () => {
  const rib = setup();
  send(rib, L2VPN_EVPN, macRoute(100));
  announcedTo(rib, 2, L2VPN_EVPN);
  send(rib, L2VPN_EVPN, macRoute(100));
  assert.deepEqual(announcedTo(rib, 2, L2VPN_EVPN), []);
});

test('a VPN-IPv4 route re-announced with a new label is re-advertised with that label', () => {
  const rib = setup();
  send(rib, IPV4_VPN, vpnPrefix(IPV4_VPN, '65000:1', '10.1.0.0/24', [100]));
  announcedTo(rib, 2, IPV4_VPN);
  send(rib, IPV4_VPN, vpnPrefix(IPV4_VPN, '65000:1', '10.1.0.0/24', [300]));
  assert.deepEqual(announcedTo(rib, 2, IPV4_VPN).map((n) => (n as VpnPrefix).labels), [[300]]);
});
