/**
 * TCP MD5 signatures (RFC 2385) and GTSM (RFC 5082) between bgpiped and FRR 8.4 bgpd, in a
 * network namespace made by the test (addresses on its lo: directly connected, TTL 255 arrives
 * as 255):
 *   - a matching password establishes with bgpiped active and with bgpiped passive;
 *   - a wrong password does not, and the kernel counts the MD5 failures (it drops the segments);
 *   - a peer without a password cannot reach a bgpiped neighbour that has one;
 *   - ttl-security (ttl-min 255) establishes with a peer sending TTL 255 (FRR ttl-security hops 1),
 *     and not with one sending eBGP's TTL 1: the kernel counts the drops (IP_MINTTL is set),
 *     with bgpiped active, and passive (the listener itself then drops the SYN);
 *   - bgpiped's eBGP sessions send TTL 1 (a peer wanting at least 64 drops them).
 * The kernel's counters (`nstat`, TcpExtTCPMD5* and TcpExtTCPMinTTLDrop) are read in the
 * namespace, so a check that passes by luck (a session down for another reason) cannot.
 *
 * Needs root, FRR and a built native addon (build/Release/sockopt.node: `npm ci` builds it).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLab, startBgpiped, startFrr, type Bgpiped, type BgpDaemon, type Lab, type NeighborConfig } from './lib/index.js';
import { bgpipedToml, type TestNeighbor } from './bgpiped-config.js';

const US = { v4: '10.99.0.1', asn: 65001 };
const THEM = { v4: '10.99.0.2', asn: 65002 };

interface Pair {
  lab: Lab;
  bgpiped: Bgpiped;
  frr: BgpDaemon;
}

/** `frrFirst`: FRR is up, its neighbour enabled (startFrr does `no neighbor shutdown` once FRR
 *  answers), before bgpiped starts, so FRR's ttl-security is configured from bgpiped's first SYN. */
async function pair(lab: Lab, ours: Partial<TestNeighbor>, theirs: Partial<NeighborConfig>, frrFirst = false): Promise<Pair> {
  for (const a of [US.v4, THEM.v4]) await lab.addAddress(a);
  const startOurs = () =>
    startBgpiped(lab, {
      configToml: bgpipedToml({
        asn: US.asn,
        routerId: US.v4,
        listen: [US.v4],
        neighbors: [{ address: THEM.v4, asn: THEM.asn, localAddress: US.v4, families: ['ipv4-unicast'], ...ours }],
      }),
      apiPort: 8082,
    });
  const startTheirs = () =>
    startFrr(lab, {
      routerId: THEM.v4,
      asn: THEM.asn,
      listenAddress: [THEM.v4],
      neighbors: [{ address: US.v4, asn: US.asn, families: ['ipv4-unicast'], ...theirs }],
    });
  if (frrFirst) {
    const frr = await startTheirs();
    return { lab, bgpiped: await startOurs(), frr };
  }
  const bgpiped = await startOurs();
  return { lab, bgpiped, frr: await startTheirs() };
}

/** The namespace's kernel counters (nstat -asz: absolute, zeros included). */
async function counters(lab: Lab): Promise<Record<string, number>> {
  // -s: do not write nstat's history file (shared by every namespace of the host).
  const { stdout } = await lab.exec('nstat', ['-asz', '--json']);
  const doc = JSON.parse(stdout) as { kernel: Record<string, number> };
  return doc.kernel;
}

/** Waits a while and asserts the session never came up on either side (or, with `frrOnly`,
 *  on FRR's side only). */
async function assertNeverEstablished(p: Pair, ms: number, frrOnly = false): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!frrOnly) assert.notEqual(await p.bgpiped.neighborState(THEM.v4), 'established', 'bgpiped reached Established');
    assert.notEqual(await p.frr.neighborState(US.v4), 'established', 'FRR reached Established');
    await new Promise((r) => setTimeout(r, 500));
  }
}

function labTest(name: string, body: (lab: Lab) => Promise<void>): void {
  it(name, async (t) => {
    const lab = await createLab(`md5-${name.slice(0, 6).replace(/\W/g, '')}`);
    t.after(() => lab.destroy());
    try {
      await body(lab);
    } catch (err) {
      console.error(await lab.dumpLogs());
      throw err;
    }
  });
}

describe('bgpiped ↔ FRR with TCP MD5 (RFC 2385)', () => {
  labTest('active: a matching password establishes', async (lab) => {
    const p = await pair(lab, { password: 'bgp-s3cret' }, { password: 'bgp-s3cret', passive: true });
    await Promise.all([p.bgpiped.waitEstablished(THEM.v4, 20_000), p.frr.waitEstablished(US.v4, 20_000)]);
    // The segments really were signed: the kernel knows of no unsigned one from a keyed peer.
    const c = await counters(lab);
    assert.equal(c.TcpExtTCPMD5NotFound ?? 0, 0);
    assert.equal(c.TcpExtTCPMD5Failure ?? 0, 0);
  });

  labTest('passive: a matching password establishes', async (lab) => {
    const p = await pair(lab, { password: 'bgp-s3cret', passive: true }, { password: 'bgp-s3cret' });
    await Promise.all([p.bgpiped.waitEstablished(THEM.v4, 20_000), p.frr.waitEstablished(US.v4, 20_000)]);
  });

  labTest('a wrong password does not establish: the kernel drops the segments', async (lab) => {
    const p = await pair(lab, { password: 'bgp-s3cret' }, { password: 'not-the-same' });
    await assertNeverEstablished(p, 6000);
    const c = await counters(lab);
    assert.ok((c.TcpExtTCPMD5Failure ?? 0) > 0, `expected MD5 failures, counters: ${JSON.stringify(c)}`);
    const logs = await p.bgpiped.logs();
    assert.doesNotMatch(logs, /"level":(50|60)/, 'bgpiped logged an error');
  });

  labTest('a peer without a password cannot connect to a neighbour that has one', async (lab) => {
    const p = await pair(lab, { password: 'bgp-s3cret', passive: true }, {});
    await assertNeverEstablished(p, 6000);
    const c = await counters(lab);
    assert.ok((c.TcpExtTCPMD5NotFound ?? 0) > 0, `expected unsigned segments dropped, counters: ${JSON.stringify(c)}`);
  });
});

describe('bgpiped ↔ FRR with GTSM (RFC 5082)', () => {
  labTest('ttl-security ttl-min 255 establishes with a directly connected peer sending TTL 255', async (lab) => {
    // (The kernel may count a few drops first: FRR answers from its listener with TTL 64 until
    // its neighbour config is applied, and bgpiped's IP_MINTTL rightly drops those SYN-ACKs.)
    const p = await pair(lab, { ttlMin: 255 }, { ttlSecurityHops: 1, passive: true });
    await Promise.all([p.bgpiped.waitEstablished(THEM.v4, 20_000), p.frr.waitEstablished(US.v4, 20_000)]);
  });

  // Every neighbour uses GTSM, so the listening socket has IP_MINTTL too: the SYN is dropped.
  // (FRR 8.4 without zebra never connects actively with ttl-security: no TTL-255 active peer here.)
  labTest('passive: ttl-security drops a peer sending TTL 1 from its SYN on', async (lab) => {
    const p = await pair(lab, { ttlMin: 255, passive: true }, {});
    await assertNeverEstablished(p, 6000);
    const c = await counters(lab);
    assert.ok((c.TcpExtTCPMinTTLDrop ?? 0) > 0, `expected IP_MINTTL drops, counters: ${JSON.stringify(c)}`);
  });

  labTest('ttl-security drops a peer sending eBGP TTL 1', async (lab) => {
    const p = await pair(lab, { ttlMin: 255 }, { passive: true });
    await assertNeverEstablished(p, 6000);
    const c = await counters(lab);
    assert.ok((c.TcpExtTCPMinTTLDrop ?? 0) > 0, `expected IP_MINTTL drops, counters: ${JSON.stringify(c)}`);
  });

  // FRR `ttl-security hops 192` accepts TTL 64 and up (256 - hops): the kernel's default TTL
  // would pass, so only bgpiped's eBGP TTL 1 makes FRR drop the segments.
  // Only FRR's side is asserted: a passive FRR sets IP_MINTTL on the connection after accept(),
  // so bgpiped's OPEN, sent right after the handshake, may already sit in the queue and be read
  // (CI, twice). FRR then answers OPEN and KEEPALIVE, and bgpiped reaches Established for a
  // moment, but its KEEPALIVE (TTL 1) meets the IP_MINTTL and is dropped: FRR never gets there.
  labTest('eBGP without ebgp-multihop sends TTL 1: a peer wanting TTL 64 drops it', async (lab) => {
    const p = await pair(lab, {}, { ttlSecurityHops: 192, passive: true }, true);
    await assertNeverEstablished(p, 6000, true);
    const c = await counters(lab);
    assert.ok((c.TcpExtTCPMinTTLDrop ?? 0) > 0, `expected IP_MINTTL drops at FRR, counters: ${JSON.stringify(c)}`);
  });
});
