/**
 * TCP MD5 (RFC 2385) across reloads, with two bgpiped speakers in one process on 127.0.0.x and
 * the kernel doing the signing: a password added, changed or removed by SIGHUP reaches the
 * listening socket's keys and the sessions, so only matching sides ever establish.
 * Needs the native addon (build/Release/sockopt.node, `npm ci`).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Daemon } from '../../src/daemon/daemon.js';
import { speakerToml, startDaemon, testPort, waitUntil } from './helpers.js';

const running: Daemon[] = [];
after(async () => {
  await Promise.all(running.map((d) => d.stop()));
});

const state = (d: Daemon, peer: string) => d.model.neighbor(peer)?.state;

/** Asserts `peer` stays short of Established at `d` for `ms`. */
async function staysDown(d: Daemon, peer: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    assert.notEqual(state(d, peer), 'Established', `${peer} established without matching keys`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('TCP MD5 keys follow reloads', { timeout: 60_000 }, () => {
  it('a password added, changed and removed by reload: only matching keys establish', async () => {
    const port = testPort();
    const a = '127.0.0.71';
    const b = '127.0.0.72';
    // A waits (passive): what B can reach is decided by A's listening socket's keys.
    const aConf = (password?: string) =>
      speakerToml({ asn: 65001, routerId: '10.0.0.71', address: a, port, neighbors: [{ address: b, asn: 65002, passive: true, password }] });
    const bConf = (password?: string) =>
      speakerToml({ asn: 65002, routerId: '10.0.0.72', address: b, port, neighbors: [{ address: a, asn: 65001, password }] });
    let aToml = aConf('first');
    let bToml = bConf('first');
    const A = await startDaemon(aToml, () => aToml);
    running.push(A);
    const B = await startDaemon(bToml, () => bToml);
    running.push(B);
    await waitUntil('established with the same key', () => state(A, b) === 'Established' && state(B, a) === 'Established');

    aToml = aConf('second');
    assert.equal(A.reload(), true);
    await staysDown(A, b, 3000);

    bToml = bConf('second');
    assert.equal(B.reload(), true);
    await waitUntil('established once both have the new key', () => state(A, b) === 'Established' && state(B, a) === 'Established');

    // B drops its password first: A's listener still wants one.
    bToml = bConf(undefined);
    assert.equal(B.reload(), true);
    await waitUntil('A sees the Cease of B’s restart', () => state(A, b) !== 'Established');
    await staysDown(A, b, 3000);

    aToml = aConf(undefined);
    assert.equal(A.reload(), true);
    await waitUntil('established unsigned once the listener key is gone', () => state(A, b) === 'Established' && state(B, a) === 'Established');
  });
});
