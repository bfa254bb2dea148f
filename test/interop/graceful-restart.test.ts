/**
 * Graceful restart (RFC 4724 §4.2), bgpiped as the receiving speaker, with FRR 8.4 bgpd as the
 * restarting one (`bgp graceful-restart`, `preserve-fw-state` for the F bit; its routes are
 * `network` lines of its config, so that they exist before its session comes up) and a gobgpd
 * observer that learns FRR's routes through bgpiped:
 *   - kill -9 of bgpd: bgpiped keeps FRR's routes (marked stale in its API) and the observer
 *     keeps them, with no UPDATE sent to it;
 *   - bgpd back with one route fewer: after its End-of-RIB only that one is withdrawn, in one
 *     UPDATE to the observer (the others are never withdrawn);
 *   - kill -9 again, no restart: when FRR's restart time runs out everything goes.
 *
 * Needs root and the Debian packages frr and gobgpd (scripts/setup-host.sh).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createLab, startBgpiped, startFrr, startGobgpd, waitForNoRoute, waitForRoute, waitFor, type Frr, type Lab } from './lib/index.js';
import { bgpipedToml } from './bgpiped-config.js';

const US = { v4: '10.97.0.1', asn: 65001 };
const FRR = { v4: '10.97.0.2', asn: 65002 };
const OBS = { v4: '10.97.0.3', asn: 65003 };
/** FRR's restart time: how long bgpiped keeps its routes while it is away. */
const RESTART_TIME = 8;
const PREFIXES = ['10.77.1.0/24', '10.77.2.0/24', '10.77.3.0/24'];

function startRestarter(lab: Lab, prefixes: string[]): Promise<Frr> {
  return startFrr(lab, {
    routerId: FRR.v4,
    asn: FRR.asn,
    listenAddress: [FRR.v4],
    neighbors: [{ address: US.v4, asn: US.asn, families: ['ipv4-unicast'] }],
    extraConfig: [
      `router bgp ${FRR.asn}`,
      ' bgp graceful-restart',
      ` bgp graceful-restart restart-time ${RESTART_TIME}`,
      ' bgp graceful-restart preserve-fw-state',
      ' address-family ipv4 unicast',
      ...prefixes.map((p) => `  network ${p}`),
      ' exit-address-family',
      '!',
    ].join('\n'),
  });
}

describe('graceful restart: bgpiped keeps a restarting FRR\'s routes', { concurrency: 1, timeout: 180_000 }, () => {
  let lab: Lab | undefined;
  after(async () => {
    await lab?.destroy();
  });

  it('keeps them through kill -9, withdraws only what FRR no longer sends after its End-of-RIB, and flushes when the restart time runs out', async () => {
    lab = await createLab('gr-h');
    for (const a of [US.v4, FRR.v4, OBS.v4]) await lab.addAddress(a);
    const bgpiped = await startBgpiped(lab, {
      configToml: bgpipedToml({
        asn: US.asn,
        routerId: US.v4,
        listen: [US.v4],
        neighbors: [
          { address: FRR.v4, asn: FRR.asn, localAddress: US.v4, families: ['ipv4-unicast'], gracefulRestartTime: 120 },
          { address: OBS.v4, asn: OBS.asn, localAddress: US.v4, families: ['ipv4-unicast'] },
        ],
      }),
      apiPort: 8082,
    });
    const observer = await startGobgpd(lab, {
      routerId: OBS.v4,
      asn: OBS.asn,
      listenAddress: [OBS.v4],
      neighbors: [{ address: US.v4, asn: US.asn, passive: true, families: ['ipv4-unicast'] }],
    });
    let frr = await startRestarter(lab, PREFIXES);
    await bgpiped.waitEstablished(FRR.v4, 20_000);
    for (const p of PREFIXES) await waitForRoute(observer, 'ipv4-unicast', p, { from: US.v4 });

    const updatesToObserver = async (): Promise<number> => {
      const r = await bgpiped.api('GET', `/bgpipe/v1/neighbors/${OBS.v4}`);
      return (r.json as { messages: { sent: Record<string, number> } }).messages.sent.update ?? 0;
    };
    const frrPaths = async () => (await bgpiped.ribPaths('ipv4-unicast')).filter((p) => p.source === FRR.v4);
    const before = await updatesToObserver();

    // kill -9: the TCP connection drops without a NOTIFICATION.
    frr.process.signal('SIGKILL');
    await waitFor(() => bgpiped.neighborState(FRR.v4), { what: 'bgpiped: session with FRR down', until: (s) => s !== 'established', timeoutMs: 15_000 });
    await new Promise((r) => setTimeout(r, 2000));
    const held = await frrPaths();
    assert.deepEqual(held.map((p) => p.prefix).sort(), PREFIXES, 'bgpiped keeps FRR\'s routes');
    assert.ok(held.every((p) => p.stale === true && p.best), 'marked stale, still best');
    for (const p of PREFIXES) await waitForRoute(observer, 'ipv4-unicast', p, { from: US.v4, timeoutMs: 1000 });
    assert.equal(await updatesToObserver(), before, 'nothing sent to the observer');

    // Back within the restart time, without 10.77.3.0/24.
    frr = await startRestarter(lab, PREFIXES.slice(0, 2));
    await bgpiped.waitEstablished(FRR.v4, 20_000);
    await waitForNoRoute(observer, 'ipv4-unicast', PREFIXES[2]!, { timeoutMs: 15_000 });
    await waitFor(frrPaths, { what: 'FRR\'s routes refreshed', until: (ps) => ps.length === 2 && ps.every((p) => p.stale === undefined), timeoutMs: 10_000 });
    for (const p of PREFIXES.slice(0, 2)) await waitForRoute(observer, 'ipv4-unicast', p, { from: US.v4, timeoutMs: 1000 });
    assert.equal(await updatesToObserver(), before + 1, 'one UPDATE to the observer: the withdrawal of 10.77.3.0/24');

    // kill -9 again and stay away: the restart time runs out.
    frr.process.signal('SIGKILL');
    await waitFor(() => bgpiped.neighborState(FRR.v4), { what: 'bgpiped: session with FRR down', until: (s) => s !== 'established', timeoutMs: 15_000 });
    const downAt = Date.now();
    assert.equal((await frrPaths()).length, 2, 'kept at first');
    for (const p of PREFIXES.slice(0, 2)) await waitForNoRoute(observer, 'ipv4-unicast', p, { timeoutMs: (RESTART_TIME + 10) * 1000 });
    const waited = (Date.now() - downAt) / 1000;
    assert.ok(waited >= RESTART_TIME - 2, `flushed after the restart time (${waited.toFixed(1)} s)`);
    assert.deepEqual(await frrPaths(), []);
  });
});
