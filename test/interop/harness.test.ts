/**
 * Proves the interop harness against the real daemons alone (bgpiped is not
 * involved): for each of FRR bgpd, BIRD 2 and ExaBGP, one lab (network
 * namespace) with gobgpd on 10.99.0.1 / fd00:99::1 and the other daemon on
 * 10.99.0.2 / fd00:99::2, one eBGP session over IPv4 carrying IPv4 and IPv6
 * unicast. Routes go both ways and are read back through each receiver's
 * normalized routes(); a withdrawal is seen; then the lab is destroyed and
 * the namespace and every PID must be gone.
 *
 * Needs root (network namespaces) and the Debian packages gobgpd, frr, bird2,
 * exabgp. Without root, createLab() throws: the test fails, loudly.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  createLab,
  namespaceExists,
  parseBirdRoutes,
  pidExists,
  startBird,
  startExabgp,
  startFrr,
  startGobgpd,
  waitFor,
  waitForNoRoute,
  waitForRoute,
  expectRoute,
  type Announcement,
  type BgpDaemon,
  type Lab,
  type Route,
} from './lib/index.js';

const GOBGP = { v4: '10.99.0.1', v6: 'fd00:99::1', asn: 65001 };
const PEER = { v4: '10.99.0.2', v6: 'fd00:99::2', asn: 65002 };

type StartPeer = (lab: Lab) => Promise<BgpDaemon>;

/** The announcements both directions use; FRR and BIRD ignore nextHop (they send their own). */
function ann(nextHop: string, med: number, community: string, asPath?: number[]): Announcement {
  return { nextHop, med, communities: [community], ...(asPath !== undefined ? { asPath } : {}) };
}

function pairing(name: string, startPeer: StartPeer): void {
  describe(`gobgpd ↔ ${name}`, () => {
    let lab: Lab | undefined;
    after(async () => {
      await lab?.destroy(); // also on failure; process exit is the fallback
    });

    it('establishes, carries IPv4 and IPv6 both ways, withdraws, and cleans up', async (t) => {
      const t0 = Date.now();
      lab = await createLab(name);
      for (const a of [GOBGP.v4, GOBGP.v6, PEER.v4, PEER.v6]) await lab.addAddress(a);

      const gobgp = await startGobgpd(lab, {
        routerId: GOBGP.v4,
        asn: GOBGP.asn,
        listenAddress: [GOBGP.v4, GOBGP.v6],
        neighbors: [{ address: PEER.v4, asn: PEER.asn }],
      });
      const peer = await startPeer(lab);
      await Promise.all([gobgp.waitEstablished(PEER.v4), peer.waitEstablished(GOBGP.v4)]);

      // gobgpd → peer
      await gobgp.addRoute('ipv4-unicast', '10.1.0.0/24', ann(GOBGP.v4, 10, '65000:1', [65100]));
      await gobgp.addRoute('ipv6-unicast', '2001:db8:1::/48', ann(GOBGP.v6, 11, '65000:11'));
      const r4 = await waitForRoute(peer, 'ipv4-unicast', '10.1.0.0/24', { from: GOBGP.v4 });
      expectRoute(r4, { nextHop: GOBGP.v4, asPath: [GOBGP.asn, 65100], med: 10, communities: ['65000:1'], best: true }, name);
      const r6 = await waitForRoute(peer, 'ipv6-unicast', '2001:db8:1::/48', { from: GOBGP.v4 });
      expectRoute(r6, { nextHop: GOBGP.v6, asPath: [GOBGP.asn], med: 11, communities: ['65000:11'] }, name);

      // peer → gobgpd
      await peer.addRoute('ipv4-unicast', '10.2.0.0/24', ann(PEER.v4, 20, '65000:2'));
      await peer.addRoute('ipv6-unicast', '2001:db8:2::/48', ann(PEER.v6, 21, '65000:21'));
      const g4 = await waitForRoute(gobgp, 'ipv4-unicast', '10.2.0.0/24', { from: PEER.v4 });
      expectRoute(g4, { nextHop: PEER.v4, asPath: [PEER.asn], med: 20, communities: ['65000:2'], best: true }, 'gobgpd');
      const g6 = await waitForRoute(gobgp, 'ipv6-unicast', '2001:db8:2::/48', { from: PEER.v4 });
      expectRoute(g6, { nextHop: PEER.v6, asPath: [PEER.asn], med: 21, communities: ['65000:21'] }, 'gobgpd');

      // withdrawals, both ways
      await gobgp.deleteRoute('ipv4-unicast', '10.1.0.0/24');
      await peer.deleteRoute('ipv6-unicast', '2001:db8:2::/48');
      await waitForNoRoute(peer, 'ipv4-unicast', '10.1.0.0/24');
      await waitForNoRoute(gobgp, 'ipv6-unicast', '2001:db8:2::/48');
      // the other routes stay
      await waitForRoute(peer, 'ipv6-unicast', '2001:db8:1::/48', { timeoutMs: 1000 });
      await waitForRoute(gobgp, 'ipv4-unicast', '10.2.0.0/24', { timeoutMs: 1000 });

      // cleanup: namespace gone, every PID dead
      const pids = [...lab.pids, gobgp.pid, peer.pid];
      const nsName = lab.name;
      await lab.destroy();
      assert.equal(namespaceExists(nsName), false, `namespace ${nsName} still exists`);
      for (const pid of pids) assert.equal(pidExists(pid), false, `PID ${pid} still alive`);
      assert.equal(gobgp.alive || peer.alive, false);
      t.diagnostic(`gobgpd ↔ ${name}: ${Date.now() - t0} ms`);
    });
  });
}

/**
 * Four daemons in one namespace, each on its own address: FRR reflects
 * (iBGP, cluster-id 10.99.0.2) between gobgpd, BIRD and ExaBGP clients, so
 * ORIGINATOR_ID and CLUSTER_LIST parsing is checked for every receiver.
 */
function reflection(): void {
  describe('FRR route reflector with gobgpd, BIRD and ExaBGP clients in one namespace', () => {
    let lab: Lab | undefined;
    after(async () => {
      await lab?.destroy();
    });

    it('reflects with ORIGINATOR_ID and CLUSTER_LIST seen by every client', async (t) => {
      const t0 = Date.now();
      lab = await createLab('rr');
      const AS = 65000;
      const rr = '10.99.0.2';
      for (const i of [1, 2, 3, 4]) {
        await lab.addAddress(`10.99.0.${i}`);
        await lab.addAddress(`fd00:99::${i}`);
      }
      const client = { asn: AS };
      const labRef = lab;
      const [frr, gobgp, bird, exa] = await Promise.all([
        startFrr(labRef, {
          routerId: rr,
          asn: AS,
          clusterId: rr,
          listenAddress: [rr, 'fd00:99::2'],
          neighbors: ['10.99.0.1', '10.99.0.3', '10.99.0.4'].map((address) => ({ address, asn: AS, routeReflectorClient: true })),
        }),
        startGobgpd(labRef, { routerId: '10.99.0.1', listenAddress: ['10.99.0.1', 'fd00:99::1'], neighbors: [{ address: rr, ...client }], asn: AS }),
        startBird(labRef, { routerId: '10.99.0.3', listenAddress: ['10.99.0.3', 'fd00:99::3'], neighbors: [{ address: rr, ...client }], asn: AS }),
        startExabgp(labRef, { routerId: '10.99.0.4', listenAddress: '10.99.0.4', neighbors: [{ address: rr, ...client }], asn: AS }),
      ]);
      await Promise.all(['10.99.0.1', '10.99.0.3', '10.99.0.4'].map((a) => frr.waitEstablished(a)));

      await gobgp.addRoute('ipv4-unicast', '10.5.1.0/24', { nextHop: '10.99.0.1', localPref: 210, communities: ['65000:51'] });
      await bird.addRoute('ipv4-unicast', '10.5.3.0/24', { localPref: 230, med: 3 });
      await exa.addRoute('ipv6-unicast', '2001:db8:54::/48', { nextHop: 'fd00:99::4', localPref: 240 });

      const expect = (originatorId: string, localPref: number) => ({ originatorId, clusterList: [rr], localPref, asPath: [] as number[] });
      for (const d of [bird, exa]) {
        expectRoute(await waitForRoute(d, 'ipv4-unicast', '10.5.1.0/24'), { ...expect('10.99.0.1', 210), nextHop: '10.99.0.1', communities: ['65000:51'] }, d.label);
      }
      for (const d of [gobgp, exa]) {
        expectRoute(await waitForRoute(d, 'ipv4-unicast', '10.5.3.0/24'), { ...expect('10.99.0.3', 230), nextHop: '10.99.0.3', med: 3 }, d.label);
      }
      for (const d of [gobgp, bird]) {
        expectRoute(await waitForRoute(d, 'ipv6-unicast', '2001:db8:54::/48'), { ...expect('10.99.0.4', 240), nextHop: 'fd00:99::4' }, d.label);
      }
      // The reflector's own view: received from the client, no reflection attributes yet.
      expectRoute(await waitForRoute(frr, 'ipv4-unicast', '10.5.3.0/24'), { from: '10.99.0.3', localPref: 230, best: true }, frr.label);

      await exa.deleteRoute('ipv6-unicast', '2001:db8:54::/48');
      await Promise.all([gobgp, bird].map((d) => waitForNoRoute(d, 'ipv6-unicast', '2001:db8:54::/48')));

      const pids = labRef.pids;
      const nsName = labRef.name;
      await labRef.destroy();
      assert.equal(namespaceExists(nsName), false, `namespace ${nsName} still exists`);
      for (const pid of pids) assert.equal(pidExists(pid), false, `PID ${pid} still alive`);
      t.diagnostic(`route reflection, 4 daemons: ${Date.now() - t0} ms`);
    });
  });
}

describe('interop harness against real daemons', { concurrency: true, timeout: 120_000 }, () => {
  reflection();
  pairing('frr', (lab) =>
    startFrr(lab, {
      routerId: PEER.v4,
      asn: PEER.asn,
      listenAddress: [PEER.v4, PEER.v6],
      ipv6NextHop: PEER.v6,
      neighbors: [{ address: GOBGP.v4, asn: GOBGP.asn }],
    }),
  );
  pairing('bird', (lab) =>
    startBird(lab, {
      routerId: PEER.v4,
      asn: PEER.asn,
      listenAddress: [PEER.v4, PEER.v6],
      neighbors: [{ address: GOBGP.v4, asn: GOBGP.asn }],
    }),
  );
  pairing('exabgp', (lab) =>
    startExabgp(lab, {
      routerId: PEER.v4,
      asn: PEER.asn,
      listenAddress: PEER.v4,
      neighbors: [{ address: GOBGP.v4, asn: GOBGP.asn }],
    }),
  );
});

describe('harness helpers', () => {
  it('waitFor times out naming what it waited for and the last value seen', async () => {
    let n = 0;
    await assert.rejects(
      waitFor(() => ++n, { what: 'n to reach 1000', until: (v) => v >= 1000, timeoutMs: 100, intervalMs: 10 }),
      (e: Error) => /waiting for n to reach 1000/.test(e.message) && /last value: \d+/.test(e.message),
    );
  });

  it('parses BIRD alternative paths under one prefix', () => {
    const text = [
      'BIRD 2.0.12 ready.',
      'Table master4:',
      '10.1.0.0/24          unreachable [peer_a 17:52:00.586 from 10.99.0.1] * (100) [AS65101?]',
      '\tType: BGP univ',
      '\tBGP.as_path: 65001 65101',
      '\tBGP.next_hop: 10.99.0.1',
      '\tBGP.community: (65000,1) (65000,2)',
      '                     unreachable [peer_b 17:52:01.000 from 10.99.0.5] (100) [AS65105i]',
      '\tBGP.as_path: 65005 65105',
      '\tBGP.next_hop: 10.99.0.5',
    ].join('\n');
    const rs = parseBirdRoutes(text);
    assert.equal(rs.length, 2);
    expectRoute(rs[0] as Route, { prefix: '10.1.0.0/24', best: true, from: '10.99.0.1', asPath: [65001, 65101], communities: ['65000:1', '65000:2'] }, 'bird');
    expectRoute(rs[1] as Route, { prefix: '10.1.0.0/24', best: false, from: '10.99.0.5', nextHop: '10.99.0.5' }, 'bird');
  });
});
