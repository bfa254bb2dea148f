/**
 * bgpiped against each real daemon — gobgpd 3.10, FRR 8.4 bgpd, BIRD 2.0.12, ExaBGP 4.2 — one
 * eBGP session over IPv4 in a network namespace made by the test, with bgpiped once active
 * (the real daemon passive) and once passive (the real daemon connects):
 *   - the session reaches Established;
 *   - bgpiped's IPv4 and IPv6 routes arrive with next hop, AS path, MED and communities;
 *   - the real daemon's IPv4 and IPv6 routes arrive in bgpiped's RIB with theirs;
 *   - withdrawals travel both ways (bgpiped's through a SIGHUP reload that drops a static route).
 *
 * Needs root and the Debian packages gobgpd, frr, bird2, exabgp (scripts/setup-host.sh).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  createLab,
  startBgpiped,
  startBird,
  startExabgp,
  startFrr,
  startGobgpd,
  waitForNoRoute,
  waitForRoute,
  expectRoute,
  type BgpDaemon,
  type Lab,
  type NeighborConfig,
} from './lib/index.js';
import { bgpipedToml } from './bgpiped-config.js';

const US = { v4: '10.99.0.1', v6: 'fd00:99::1', asn: 65001 };
const THEM = { v4: '10.99.0.2', v6: 'fd00:99::2', asn: 65002 };

type StartPeer = (lab: Lab, neighbor: NeighborConfig) => Promise<BgpDaemon>;

const PEERS: Record<string, StartPeer> = {
  gobgpd: (lab, n) => startGobgpd(lab, { routerId: THEM.v4, asn: THEM.asn, listenAddress: [THEM.v4, THEM.v6], neighbors: [n] }),
  frr: (lab, n) =>
    startFrr(lab, { routerId: THEM.v4, asn: THEM.asn, listenAddress: [THEM.v4, THEM.v6], ipv6NextHop: THEM.v6, neighbors: [n] }),
  bird: (lab, n) => startBird(lab, { routerId: THEM.v4, asn: THEM.asn, listenAddress: [THEM.v4, THEM.v6], neighbors: [n] }),
  exabgp: (lab, n) => startExabgp(lab, { routerId: THEM.v4, asn: THEM.asn, listenAddress: THEM.v4, neighbors: [n] }),
};

const STATICS = [
  { prefix: '10.9.1.0/24', med: 7, communities: ['65001:71'] },
  { prefix: '10.9.2.0/24' },
  { prefix: '2001:db8:9::/48', med: 8, communities: ['65001:81'] },
];

function ourConfig(passive: boolean, statics = STATICS): string {
  return bgpipedToml({
    asn: US.asn,
    routerId: US.v4,
    listen: [US.v4, US.v6],
    neighbors: [{ address: THEM.v4, asn: THEM.asn, passive, localAddress: US.v4 }],
    statics,
  });
}

function pairing(name: string, bgpipedPassive: boolean): void {
  const mode = bgpipedPassive ? 'passive' : 'active';
  describe(`bgpiped (${mode}) ↔ ${name}`, () => {
    let lab: Lab | undefined;
    after(async () => {
      await lab?.destroy();
    });

    it(`establishes with bgpiped ${mode}, carries IPv4 and IPv6 both ways, and withdraws both ways`, async () => {
      lab = await createLab(`${name.slice(0, 3)}-${mode.slice(0, 1)}`);
      for (const a of [US.v4, US.v6, THEM.v4, THEM.v6]) await lab.addAddress(a);
      const bgpiped = await startBgpiped(lab, { configToml: ourConfig(bgpipedPassive), apiPort: 8082 });
      // The real daemon is passive exactly when bgpiped is not, so the session proves the mode.
      const peer = await PEERS[name]!(lab, { address: US.v4, asn: US.asn, passive: !bgpipedPassive });
      await Promise.all([bgpiped.waitEstablished(THEM.v4), peer.waitEstablished(US.v4, 20_000)]);

      // bgpiped → peer
      expectRoute(
        await waitForRoute(peer, 'ipv4-unicast', '10.9.1.0/24', { from: US.v4 }),
        { nextHop: US.v4, asPath: [US.asn], med: 7, communities: ['65001:71'] },
        name,
      );
      expectRoute(
        await waitForRoute(peer, 'ipv6-unicast', '2001:db8:9::/48', { from: US.v4 }),
        { nextHop: US.v6, asPath: [US.asn], med: 8, communities: ['65001:81'] },
        name,
      );

      // peer → bgpiped
      // ExaBGP sends the AS_PATH it is given as is; the others prepend their own AS (eBGP).
      const asPath = name === 'exabgp' ? [THEM.asn, 65100] : [65100];
      await peer.addRoute('ipv4-unicast', '10.2.0.0/24', { nextHop: THEM.v4, med: 20, communities: ['65002:2'], asPath });
      await peer.addRoute('ipv6-unicast', '2001:db8:2::/48', { nextHop: THEM.v6, med: 21, communities: ['65002:21'] });
      expectRoute(
        await waitForRoute(bgpiped, 'ipv4-unicast', '10.2.0.0/24'),
        { nextHop: THEM.v4, asPath: [THEM.asn, 65100], med: 20, communities: ['65002:2'], best: true, from: THEM.v4 },
        'bgpiped',
      );
      expectRoute(
        await waitForRoute(bgpiped, 'ipv6-unicast', '2001:db8:2::/48'),
        { nextHop: THEM.v6, asPath: [THEM.asn], med: 21, communities: ['65002:21'], best: true, from: THEM.v4 },
        'bgpiped',
      );

      // withdrawals: the peer's, then ours by a reload that drops 10.9.2.0/24
      await peer.deleteRoute('ipv4-unicast', '10.2.0.0/24');
      await waitForNoRoute(bgpiped, 'ipv4-unicast', '10.2.0.0/24');
      await bgpiped.reload(ourConfig(bgpipedPassive, STATICS.filter((s) => s.prefix !== '10.9.2.0/24')));
      await waitForNoRoute(peer, 'ipv4-unicast', '10.9.2.0/24');
      // the reload kept the session: the rest is still there
      await waitForRoute(peer, 'ipv4-unicast', '10.9.1.0/24', { timeoutMs: 2000 });
      await waitForRoute(bgpiped, 'ipv6-unicast', '2001:db8:2::/48', { timeoutMs: 2000 });
      assert.equal(await bgpiped.neighborState(THEM.v4), 'established');
    });
  });
}

describe('bgpiped interop with real BGP daemons', { concurrency: 2, timeout: 300_000 }, () => {
  for (const name of Object.keys(PEERS)) {
    pairing(name, false);
    pairing(name, true);
  }
});
