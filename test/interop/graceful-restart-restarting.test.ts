/**
 * Graceful restart (RFC 4724 §4.1), bgpiped as the restarting speaker, gobgpd 3.10 as the
 * receiving one (`[neighbors.graceful-restart.config] enabled = true` and mp-graceful-restart on
 * its ipv4-unicast afi-safi):
 *   - kill -9 of bgpiped: gobgpd keeps bgpiped's routes;
 *   - bgpiped started again (same state dir: its restart marker says it did not stop cleanly)
 *     with one static route fewer: its OPEN has the R bit and the F bit for ipv4-unicast, the kept
 *     route is never missing at gobgpd (polled all along), and the dropped one is withdrawn once
 *     bgpiped's End-of-RIB arrives.
 *
 * Needs root and the Debian package gobgpd (scripts/setup-host.sh).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createLab, startBgpiped, startGobgpd, waitForNoRoute, waitForRoute, waitFor, type Bgpiped, type Lab } from './lib/index.js';
import { bgpipedToml } from './bgpiped-config.js';

const US = { v4: '10.96.0.1', asn: 65001 };
const PEER = { v4: '10.96.0.2', asn: 65002 };
const KEPT = '10.66.1.0/24';
const DROPPED = '10.66.2.0/24';

function ourConfig(prefixes: string[]): string {
  return bgpipedToml({
    asn: US.asn,
    routerId: US.v4,
    listen: [US.v4],
    neighbors: [{ address: PEER.v4, asn: PEER.asn, localAddress: US.v4, families: ['ipv4-unicast'], gracefulRestartTime: 60 }],
    statics: prefixes.map((prefix) => ({ prefix })),
  });
}

/** Protobuf fields of a message: field number → varint values or nested bytes (wire types 0, 2). */
function protoFields(buf: Buffer): Map<number, (number | Buffer)[]> {
  const out = new Map<number, (number | Buffer)[]>();
  let o = 0;
  const varint = (): number => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = buf[o++]!;
      v += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return v;
    }
  };
  while (o < buf.length) {
    const key = varint();
    let value: number | Buffer = varint(); // wire type 0: the value; 2: the length
    if ((key & 7) === 2) {
      const start = o;
      o += value;
      value = buf.subarray(start, o);
    }
    const list = out.get(key >>> 3) ?? [];
    list.push(value);
    out.set(key >>> 3, list);
  }
  return out;
}

/** gobgp's apipb.GracefulRestartCapability: { flags = 1, time = 2, tuples = 3 { family = 1 { afi = 1, safi = 2 }, flags = 2 } }. */
function gracefulRestartCap(base64: string): { flags: number; time: number; tuples: [number, number, number][] } {
  const f = protoFields(Buffer.from(base64, 'base64'));
  const tuples = (f.get(3) ?? []).map((t) => {
    const tf = protoFields(t as Buffer);
    const fam = protoFields((tf.get(1)?.[0] as Buffer | undefined) ?? Buffer.alloc(0));
    return [Number(fam.get(1)?.[0] ?? 0), Number(fam.get(2)?.[0] ?? 0), Number(tf.get(2)?.[0] ?? 0)] as [number, number, number];
  });
  return { flags: Number(f.get(1)?.[0] ?? 0), time: Number(f.get(2)?.[0] ?? 0), tuples };
}

describe('graceful restart: a peer keeps bgpiped\'s routes through its kill -9', { concurrency: 1, timeout: 180_000 }, () => {
  let lab: Lab | undefined;
  after(async () => {
    await lab?.destroy();
  });

  it('restarts with R and F set, no route missing at the peer, and the route it dropped withdrawn after its End-of-RIB', async () => {
    lab = await createLab('gr-r');
    for (const a of [US.v4, PEER.v4]) await lab.addAddress(a);
    const first = await startBgpiped(lab, { configToml: ourConfig([KEPT, DROPPED]), apiPort: 8082 });
    const stateDir = join(first.dir, 'state');
    const peer = await startGobgpd(lab, {
      routerId: PEER.v4,
      asn: PEER.asn,
      listenAddress: [PEER.v4],
      neighbors: [{ address: US.v4, asn: US.asn, passive: true, families: ['ipv4-unicast'] }],
      extraToml: ['  [neighbors.graceful-restart.config]', '    enabled = true', '    [neighbors.afi-safis.mp-graceful-restart.config]', '      enabled = true'].join('\n'),
    });
    await peer.waitEstablished(US.v4, 20_000);
    for (const p of [KEPT, DROPPED]) await waitForRoute(peer, 'ipv4-unicast', p, { from: US.v4 });

    // Poll the peer from now on: the kept route must never be missing.
    let polling = true;
    let polls = 0;
    const missing: string[] = [];
    const poller = (async () => {
      while (polling) {
        const routes = await peer.routes('ipv4-unicast');
        polls++;
        if (!routes.some((r) => r.prefix === KEPT)) missing.push(new Date().toISOString());
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    first.process.signal('SIGKILL');
    await waitFor(() => peer.neighborState(US.v4), { what: 'gobgpd: session with bgpiped down', until: (s) => s !== 'established', timeoutMs: 15_000 });
    let second: Bgpiped | undefined;
    try {
      second = await startBgpiped(lab, { configToml: ourConfig([KEPT]), apiPort: 8082, args: ['--state-dir', stateDir] });
      await peer.waitEstablished(US.v4, 20_000);
      const n = JSON.parse(await peer.cli(['-j', 'neighbor', US.v4])) as { state?: { remote_cap?: { type_url: string; value?: string }[] } };
      const cap = n.state?.remote_cap?.find((c) => c.type_url.endsWith('.GracefulRestartCapability'));
      assert.ok(cap?.value, `bgpiped's OPEN carries graceful restart: ${JSON.stringify(n.state?.remote_cap)}`);
      const gr = gracefulRestartCap(cap.value);
      assert.equal(gr.flags & 0x8, 0x8, `R bit: ${JSON.stringify(gr)}`);
      assert.equal(gr.time, 60);
      assert.deepEqual(gr.tuples, [[1, 1, 0x80]], 'ipv4-unicast with the F bit');
      await waitForNoRoute(peer, 'ipv4-unicast', DROPPED, { timeoutMs: 15_000 });
      await waitForRoute(peer, 'ipv4-unicast', KEPT, { from: US.v4, timeoutMs: 1000 });
    } finally {
      polling = false;
      await poller;
    }
    assert.ok(polls > 20, `polled ${polls} times`);
    assert.deepEqual(missing, [], `${KEPT} missing at gobgpd during the restart`);
    const logs = await second.logs();
    assert.match(logs, /did not stop cleanly/);
    assert.match(logs, /End-of-RIB received from every graceful-restart neighbour/);
  });
});
