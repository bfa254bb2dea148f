/**
 * bgpiped in the middle of real daemons, in one network namespace made by the test:
 *   - as a route reflector (RFC 4456) for gobgpd, FRR, BIRD and ExaBGP clients: each client sees
 *     the others' routes with ORIGINATOR_ID = the originating client and CLUSTER_LIST = [ours];
 *   - choosing the best path as RFC 4271 §9.1.2 says when two real peers (gobgpd and FRR, iBGP)
 *     send the same prefixes, and passing only the winner on to an eBGP observer (BIRD).
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
  type Lab,
} from './lib/index.js';
import { bgpipedToml } from './bgpiped-config.js';

const AS = 65000;
const RR = '10.99.0.1';
const CLUSTER = '10.99.0.100';

async function labWith(name: string, hosts: number[]): Promise<Lab> {
  const lab = await createLab(name);
  for (const i of hosts) {
    await lab.addAddress(`10.99.0.${i}`);
    await lab.addAddress(`fd00:99::${i}`);
  }
  return lab;
}

describe('bgpiped with several real peers', { concurrency: 1, timeout: 180_000 }, () => {
  let lab: Lab | undefined;
  after(async () => {
    await lab?.destroy();
  });

  it('reflects routes between gobgpd, FRR, BIRD and ExaBGP clients with ORIGINATOR_ID and CLUSTER_LIST', async () => {
    lab = await labWith('rr', [1, 2, 3, 4, 5]);
    const clients = ['10.99.0.2', '10.99.0.3', '10.99.0.4', '10.99.0.5'];
    const bgpiped = await startBgpiped(lab, {
      configToml: bgpipedToml({
        asn: AS,
        routerId: RR,
        listen: [RR, 'fd00:99::1'],
        neighbors: clients.map((address) => ({ address, asn: AS, passive: true, routeReflectorClient: true, clusterId: CLUSTER })),
      }),
      apiPort: 8082,
    });
    const toRr = [{ address: RR, asn: AS }];
    const [gobgp, frr, bird, exa] = await Promise.all([
      startGobgpd(lab, { routerId: '10.99.0.2', asn: AS, listenAddress: ['10.99.0.2'], neighbors: toRr }),
      startFrr(lab, { routerId: '10.99.0.3', asn: AS, listenAddress: ['10.99.0.3'], neighbors: toRr }),
      startBird(lab, { routerId: '10.99.0.4', asn: AS, listenAddress: ['10.99.0.4', 'fd00:99::4'], neighbors: toRr }),
      startExabgp(lab, { routerId: '10.99.0.5', asn: AS, listenAddress: '10.99.0.5', neighbors: toRr }),
    ]);
    await Promise.all(clients.map((a) => bgpiped.waitEstablished(a, 30_000)));

    await gobgp.addRoute('ipv4-unicast', '10.5.2.0/24', { nextHop: '10.99.0.2', localPref: 220, communities: ['65000:52'] });
    await frr.addRoute('ipv4-unicast', '10.5.3.0/24', { localPref: 230, med: 3 });
    await bird.addRoute('ipv4-unicast', '10.5.4.0/24', { localPref: 240 });
    await exa.addRoute('ipv6-unicast', '2001:db8:55::/48', { nextHop: 'fd00:99::5', localPref: 250 });

    const reflected = (originatorId: string, localPref: number) => ({ originatorId, clusterList: [CLUSTER], localPref, asPath: [] as number[] });
    for (const d of [frr, bird, exa]) {
      expectRoute(await waitForRoute(d, 'ipv4-unicast', '10.5.2.0/24'), { ...reflected('10.99.0.2', 220), nextHop: '10.99.0.2', communities: ['65000:52'] }, d.label);
    }
    for (const d of [gobgp, bird, exa]) {
      expectRoute(await waitForRoute(d, 'ipv4-unicast', '10.5.3.0/24'), { ...reflected('10.99.0.3', 230), nextHop: '10.99.0.3', med: 3 }, d.label);
    }
    for (const d of [gobgp, frr, exa]) {
      expectRoute(await waitForRoute(d, 'ipv4-unicast', '10.5.4.0/24'), { ...reflected('10.99.0.4', 240), nextHop: '10.99.0.4' }, d.label);
    }
    for (const d of [gobgp, bird]) {
      expectRoute(await waitForRoute(d, 'ipv6-unicast', '2001:db8:55::/48'), { ...reflected('10.99.0.5', 250), nextHop: 'fd00:99::5' }, d.label);
    }
    // Never reflected back to the client it came from (it would see its own route twice).
    const own = (await gobgp.routes('ipv4-unicast')).filter((r) => r.prefix === '10.5.2.0/24');
    assert.equal(own.length, 1, `gobgpd holds only its own 10.5.2.0/24: ${JSON.stringify(own)}`);

    // A withdrawal from one client reaches all the others.
    await frr.deleteRoute('ipv4-unicast', '10.5.3.0/24');
    await Promise.all([gobgp, bird, exa].map((d) => waitForNoRoute(d, 'ipv4-unicast', '10.5.3.0/24')));
    await lab.destroy();
    lab = undefined;
  });

  it('chooses the best path per RFC 4271 §9.1.2 between gobgpd and FRR and advertises only the winner', async () => {
    lab = await labWith('best', [1, 2, 3, 4]);
    const GOBGP = '10.99.0.2'; // lower router id than FRR
    const FRR = '10.99.0.3';
    const OBSERVER = '10.99.0.4';
    const bgpiped = await startBgpiped(lab, {
      configToml: bgpipedToml({
        asn: AS,
        routerId: RR,
        listen: [RR],
        neighbors: [
          { address: GOBGP, asn: AS, passive: true },
          { address: FRR, asn: AS, passive: true },
          { address: OBSERVER, asn: 65004, passive: true },
        ],
      }),
      apiPort: 8082,
    });
    const toUs = [{ address: RR, asn: AS }];
    const [gobgp, frr, bird] = await Promise.all([
      startGobgpd(lab, { routerId: GOBGP, asn: AS, listenAddress: [GOBGP], neighbors: toUs }),
      startFrr(lab, { routerId: FRR, asn: AS, listenAddress: [FRR], neighbors: toUs }),
      startBird(lab, { routerId: OBSERVER, asn: 65004, listenAddress: [OBSERVER], neighbors: [{ address: RR, asn: AS }] }),
    ]);
    await Promise.all([GOBGP, FRR, OBSERVER].map((a) => bgpiped.waitEstablished(a, 30_000)));

    // Each case: what gobgpd and FRR send (origin set explicitly: gobgp's CLI defaults to incomplete), and who must win. Communities tell the winner apart
    // at the observer, which only sees bgpiped's choice.
    const cases = [
      { prefix: '10.7.1.0/24', step: '1. highest LOCAL_PREF', gobgp: { localPref: 200 }, frr: { localPref: 100 }, winner: GOBGP },
      { prefix: '10.7.2.0/24', step: '3. shortest AS_PATH', gobgp: { asPath: [65100, 65101] }, frr: { asPath: [65100] }, winner: FRR },
      { prefix: '10.7.3.0/24', step: '4. lowest ORIGIN', gobgp: { origin: 'incomplete' as const }, frr: { origin: 'igp' as const }, winner: FRR },
      { prefix: '10.7.4.0/24', step: '5. lowest MED (same neighbour AS)', gobgp: { med: 50 }, frr: { med: 10 }, winner: FRR },
      { prefix: '10.7.5.0/24', step: '9. lowest router id', gobgp: {}, frr: {}, winner: GOBGP },
    ];
    for (const c of cases) {
      await gobgp.addRoute('ipv4-unicast', c.prefix, { nextHop: GOBGP, localPref: 100, origin: 'igp', communities: ['65000:2'], ...c.gobgp });
      await frr.addRoute('ipv4-unicast', c.prefix, { localPref: 100, origin: 'igp', communities: ['65000:3'], ...c.frr });
    }
    for (const c of cases) {
      const loser = c.winner === GOBGP ? FRR : GOBGP;
      // Both paths are in bgpiped's RIB; only the winner is marked best.
      await waitForRoute(bgpiped, 'ipv4-unicast', c.prefix, { from: loser });
      const best = await waitForRoute(bgpiped, 'ipv4-unicast', c.prefix, { from: c.winner });
      assert.equal(best.best, true, `${c.step}: ${c.prefix} from ${c.winner} should be best: ${JSON.stringify(best)}`);
      const other = (await bgpiped.routes('ipv4-unicast')).find((r) => r.prefix === c.prefix && r.from === loser);
      assert.equal(other?.best, false, `${c.step}: ${c.prefix} from ${loser} should not be best`);
      const seen = await waitForRoute(bird, 'ipv4-unicast', c.prefix);
      assert.deepEqual(seen.communities, [c.winner === GOBGP ? '65000:2' : '65000:3'], `${c.step}: the observer sees the winner`);
    }
    // The winner withdraws: the other path takes over at the observer.
    await frr.deleteRoute('ipv4-unicast', '10.7.2.0/24');
    await waitForRoute(bird, 'ipv4-unicast', '10.7.2.0/24', { match: (r) => r.communities.includes('65000:2') });
  });
});
