// Route target constraint (RFC 4684) in the RIB: VPN routes go only to peers that asked for one
// of their route targets; a route reflector asks its RTC-capable clients for everything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rib } from '../../src/rib/rib.js';
import { IPV4_VPN, RTC, type Family } from '../../src/wire/family.js';
import { vpnPrefix } from '../../src/wire/nlri/vpn.js';
import { RTC_DEFAULT, rtcRoute } from '../../src/wire/nlri/rtc.js';
import { routeTarget } from '../../src/wire/attributes/ext-communities.js';
import type { Nlri } from '../../src/wire/nlri/types.js';
import type { UpdateMessage } from '../../src/wire/messages.js';
import { LOCAL_AS, ROUTER_ID, attrs, flatten, ipeer } from './helpers.js';

const VPN_FAMILIES = new Set<Family>([IPV4_VPN, RTC]);
const red = routeTarget('65000:10');
const blue = routeTarget('65000:20');
const redRoute = vpnPrefix(IPV4_VPN, '65000:1', '10.1.0.0/24', [100]);
const blueRoute = vpnPrefix(IPV4_VPN, '65000:2', '10.2.0.0/24', [200]);

function announce(family: Family, nlri: Nlri[], over = {}): UpdateMessage {
  return { announced: [{ family, attributes: attrs({ asPath: [], localPref: 100, ...over }), nlri }], withdrawn: [], discarded: [] };
}
function withdraw(family: Family, nlri: Nlri[]): UpdateMessage {
  return { announced: [], withdrawn: [{ family, nlri }], discarded: [] };
}
function vpnKeys(rib: Rib, peerId: number): Set<string> {
  const out = new Set<string>();
  for (let b = rib.takeOutbound(peerId); b; b = rib.takeOutbound(peerId)) {
    for (const a of b.announced) if (a.family === IPV4_VPN) for (const n of a.nlri) out.add(n.key);
  }
  return out;
}

/** An RR with a source client (1) sending red and blue routes, and a client (2) under test. */
function setup(client2Families = VPN_FAMILIES) {
  const rib = new Rib({ localAs: LOCAL_AS, routerId: ROUTER_ID });
  rib.addPeer(ipeer(1, { routeReflectorClient: true, families: VPN_FAMILIES }));
  rib.addPeer(ipeer(2, { routeReflectorClient: true, families: client2Families }));
  rib.receive(1, announce(IPV4_VPN, [redRoute], { extCommunities: [red] }));
  rib.receive(1, announce(IPV4_VPN, [blueRoute], { extCommunities: [blue] }));
  return rib;
}

test('a peer that negotiated RTC but asked for nothing gets no VPN route', () => {
  const rib = setup();
  assert.equal(vpnKeys(rib, 2).size, 0);
});

test('a peer receives only the VPN routes whose route target it asked for (RFC 4684 §4)', () => {
  const rib = setup();
  vpnKeys(rib, 2);
  rib.receive(2, announce(RTC, [rtcRoute(LOCAL_AS, red)]));
  assert.deepEqual([...vpnKeys(rib, 2)], [redRoute.key]);
});

test('withdrawing the membership withdraws the routes it let through', () => {
  const rib = setup();
  rib.receive(2, announce(RTC, [rtcRoute(LOCAL_AS, red)]));
  vpnKeys(rib, 2);
  rib.receive(2, withdraw(RTC, [rtcRoute(LOCAL_AS, red)]));
  const { withdrawn } = flatten(rib.takeOutbound(2));
  assert.ok(withdrawn.has(redRoute.key));
});

test('the default membership route asks for every VPN route', () => {
  const rib = setup();
  rib.receive(2, announce(RTC, [RTC_DEFAULT]));
  assert.deepEqual(vpnKeys(rib, 2), new Set([redRoute.key, blueRoute.key]));
});

test('a peer without RTC gets every VPN route', () => {
  const rib = setup(new Set<Family>([IPV4_VPN]));
  assert.deepEqual(vpnKeys(rib, 2), new Set([redRoute.key, blueRoute.key]));
});

test('a route reflector sends the default membership to RTC clients only, before any VPN route', () => {
  const rib = new Rib({ localAs: LOCAL_AS, routerId: ROUTER_ID });
  rib.addPeer(ipeer(1, { routeReflectorClient: true, families: VPN_FAMILIES }));
  rib.addPeer(ipeer(3, { routeReflectorClient: false, families: VPN_FAMILIES }));
  const first = rib.takeOutbound(1)!;
  assert.equal(first.announced[0]?.family, RTC, 'RTC first in the initial table');
  assert.ok(first.announced.some((a) => a.family === RTC && a.nlri.some((n) => n.key === RTC_DEFAULT.key)));
  const toNonClient = flatten(rib.takeOutbound(3));
  assert.equal(toNonClient.announced.has(RTC_DEFAULT.key), false);
});

test('a membership learned from one client is reflected to the others, so they send matching routes', () => {
  const rib = new Rib({ localAs: LOCAL_AS, routerId: ROUTER_ID });
  rib.addPeer(ipeer(1, { routeReflectorClient: true, families: VPN_FAMILIES }));
  rib.addPeer(ipeer(2, { routeReflectorClient: true, families: VPN_FAMILIES }));
  rib.takeOutbound(1);
  rib.receive(2, announce(RTC, [rtcRoute(LOCAL_AS, red)]));
  const toOne = flatten(rib.takeOutbound(1));
  assert.ok(toOne.announced.has(rtcRoute(LOCAL_AS, red).key));
});

test('our VPN End-of-RIB waits for the peer’s RTC End-of-RIB (RFC 4684 §6); RTC’s own does not', () => {
  const rib = new Rib({ localAs: LOCAL_AS, routerId: ROUTER_ID });
  rib.addPeer(ipeer(1, { families: VPN_FAMILIES }));
  const eors = (): Family[] => {
    const out: Family[] = [];
    for (let b = rib.takeOutbound(1); b; b = rib.takeOutbound(1)) out.push(...b.endOfRib);
    return out;
  };
  assert.deepEqual(eors(), [RTC]);
  rib.receive(1, announce(RTC, [rtcRoute(LOCAL_AS, red)]));
  assert.deepEqual(eors(), [], 'memberships may still be incomplete');
  rib.receive(1, { announced: [], withdrawn: [], discarded: [], endOfRib: RTC });
  assert.deepEqual(eors(), [IPV4_VPN]);
});

test('the daemon’s timer releases the VPN End-of-RIB of a peer that never sends one for RTC', () => {
  const rib = new Rib({ localAs: LOCAL_AS, routerId: ROUTER_ID });
  rib.addPeer(ipeer(1, { families: VPN_FAMILIES }));
  let notified = 0;
  rib.onOutbound = () => notified++;
  rib.takeOutbound(1);
  rib.rtcMembershipsComplete(1);
  assert.equal(notified, 1, 'the peer is told it has work');
  assert.deepEqual(rib.takeOutbound(1)?.endOfRib, [IPV4_VPN]);
});
