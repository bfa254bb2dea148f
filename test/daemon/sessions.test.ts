/**
 * bgpiped speakers in one process, on 127.0.0.x loopback addresses: sessions, collisions,
 * dynamic neighbours, reloads, RFC 7606 on a live session, hold timer, prefix limit.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Daemon } from '../../src/daemon/daemon.js';
import { encodeUpdates } from '../../src/wire/update.js';
import { IPV4_UNICAST } from '../../src/wire/family.js';
import { parsePrefix } from '../../src/wire/nlri/prefix.js';
import { RawSpeaker, speakerToml, startDaemon, testPort, waitUntil } from './helpers.js';

const running: Daemon[] = [];
const speakers: RawSpeaker[] = [];
after(async () => {
  for (const s of speakers) s.close();
  await Promise.all(running.map((d) => d.stop()));
});

async function daemon(toml: string, reread?: () => string): Promise<Daemon> {
  const d = await startDaemon(toml, reread);
  running.push(d);
  return d;
}

const state = (d: Daemon, peer: string) => d.model.neighbor(peer)?.state;
const prefixes = (d: Daemon) => (d.model.rib('ipv4-unicast') ?? []).map((x) => x.prefix);

function update(prefix: string, attrs: { origin?: number; nextHop?: string; asPath?: number[] } = {}): Buffer {
  const [message] = encodeUpdates(
    {
      family: IPV4_UNICAST,
      attributes: { origin: attrs.origin ?? 0, asPath: [{ type: 2, asns: attrs.asPath ?? [65010] }], nextHop: attrs.nextHop ?? '192.0.2.1' },
      nlri: [parsePrefix(IPV4_UNICAST, prefix)],
    },
    { as4: true, extendedMessage: false, ibgp: false },
  );
  return message!;
}

/** Replaces the first occurrence of `find` in a copy of `bytes`. */
function patch(bytes: Buffer, find: number[], replace: number[]): Buffer {
  const copy = Buffer.from(bytes);
  const at = copy.indexOf(Buffer.from(find));
  assert.ok(at >= 0, `pattern ${find} not in message`);
  Buffer.from(replace).copy(copy, at);
  return copy;
}

describe('bgpiped sessions', { concurrency: false, timeout: 60_000 }, () => {
  it('two speakers establish and exchange their routes, then a reload adds a neighbour without resetting the first', async () => {
    const port = testPort();
    const a = '127.0.0.11';
    const b = '127.0.0.12';
    const c = '127.0.0.13';
    const base = { asn: 65001, routerId: '10.0.0.11', address: a, port, statics: ['10.11.0.0/24'] };
    let aToml = speakerToml({ ...base, neighbors: [{ address: b, asn: 65002 }] });
    const A = await daemon(aToml, () => aToml);
    const B = await daemon(speakerToml({ asn: 65002, routerId: '10.0.0.12', address: b, port, neighbors: [{ address: a, asn: 65001 }], statics: ['10.12.0.0/24'] }));
    await waitUntil('A and B established', () => state(A, b) === 'Established' && state(B, a) === 'Established');
    await waitUntil('routes exchanged', () => prefixes(A).includes('10.12.0.0/24') && prefixes(B).includes('10.11.0.0/24'));
    const upSince = A.model.neighbor(b)!.uptimeSeconds;
    const openSent = A.model.neighbor(b)!.messages.sent.open;

    const C = await daemon(speakerToml({ asn: 65003, routerId: '10.0.0.13', address: c, port, neighbors: [{ address: a, asn: 65001 }] }));
    aToml = speakerToml({ ...base, neighbors: [{ address: b, asn: 65002 }, { address: c, asn: 65003 }] });
    assert.equal(A.reload(), true);
    await waitUntil('A and C established after reload', () => state(A, c) === 'Established' && state(C, a) === 'Established');
    await waitUntil('C learns B’s route through A', () => prefixes(C).includes('10.12.0.0/24'));
    assert.equal(state(A, b), 'Established');
    assert.equal(A.model.neighbor(b)!.messages.sent.open, openSent, 'no new OPEN to B: its session was kept');
    assert.ok((A.model.neighbor(b)!.uptimeSeconds ?? -1) >= (upSince ?? 0));

    // Removing B by reload: Cease to B, its routes withdrawn from C.
    aToml = speakerToml({ ...base, neighbors: [{ address: c, asn: 65003 }] });
    assert.equal(A.reload(), true);
    assert.equal(A.model.neighbor(b), undefined);
    await waitUntil('B’s route withdrawn at C', () => !prefixes(C).includes('10.12.0.0/24'));
    await waitUntil('B sees the Cease', () => B.model.neighbor(a)!.lastError.includes('Cease'));
  });

  it('a reload with an invalid file changes nothing', async () => {
    const port = testPort();
    let text = speakerToml({ asn: 65001, routerId: '10.0.0.21', address: '127.0.0.21', port, neighbors: [{ address: '127.0.0.22', asn: 65002 }] });
    const A = await daemon(text, () => text);
    text = text.replace('peer-as = 65002', 'peer-as = "not a number"');
    assert.equal(A.reload(), false);
    assert.equal(A.model.neighbors().length, 1);
    assert.equal(A.model.neighbor('127.0.0.22')!.peerAs, 65002);
  });

  it('resolves a connection collision: both sides connect at once and one session survives (RFC 4271 §6.8)', async () => {
    const port = testPort();
    const a = '127.0.0.31';
    const b = '127.0.0.32';
    const [A, B] = await Promise.all([
      daemon(speakerToml({ asn: 65001, routerId: '10.0.0.31', address: a, port, neighbors: [{ address: b, asn: 65002 }] })),
      daemon(speakerToml({ asn: 65002, routerId: '10.0.0.32', address: b, port, neighbors: [{ address: a, asn: 65001 }] })),
    ]);
    await waitUntil('established on both sides', () => state(A, b) === 'Established' && state(B, a) === 'Established');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(state(A, b), 'Established', 'still up after the losing connection was closed');
    assert.equal(state(B, a), 'Established');
    assert.equal(A.model.neighbors().length, 1);
  });

  it('accepts dynamic neighbours from a prefix, forgets them when they go, and refuses others', async () => {
    const port = testPort();
    const rr = '127.0.0.41';
    const A = await daemon(
      speakerToml({
        asn: 65000,
        routerId: '10.0.0.41',
        address: rr,
        port,
        neighbors: [],
        extra: [
          '[[peer-groups]]',
          '[peer-groups.config]',
          'peer-group-name = "hosts"',
          'peer-as = 65000',
          '[[dynamic-neighbors]]',
          '[dynamic-neighbors.config]',
          'prefix = "127.0.0.40/30"',
          'peer-group = "hosts"',
        ].join('\n'),
      }),
    );
    const B = await daemon(speakerToml({ asn: 65000, routerId: '10.0.0.42', address: '127.0.0.42', port, neighbors: [{ address: rr, asn: 65000 }], statics: ['10.42.0.0/24'] }));
    await waitUntil('dynamic neighbour established', () => state(A, '127.0.0.42') === 'Established');
    assert.equal(A.model.neighbor('127.0.0.42')!.dynamic, true);
    await waitUntil('its route learned', () => prefixes(A).includes('10.42.0.0/24'));

    // Outside 127.0.0.40/30: refused.
    const outsider = await RawSpeaker.connect({ host: rr, port, localAddress: '127.0.0.50', asn: 65000, routerId: '10.0.0.50' }).catch((e: Error) => e);
    if (outsider instanceof RawSpeaker) {
      speakers.push(outsider);
      assert.fail('a connection from outside the dynamic prefix got an OPEN');
    }
    assert.equal(A.model.neighbor('127.0.0.50'), undefined);

    await B.stop();
    await waitUntil('dynamic neighbour forgotten', () => A.model.neighbor('127.0.0.42') === undefined);
    assert.ok(!prefixes(A).includes('10.42.0.0/24'));
  });
});

describe('bgpiped facing malformed input (RFC 7606) on a live session', { concurrency: false, timeout: 60_000 }, () => {
  it('treats an UPDATE with a bad ORIGIN as a withdrawal and keeps the session; a broken attribute list resets only that session', async () => {
    const port = testPort();
    const us = '127.0.0.61';
    const A = await daemon(
      speakerToml({
        asn: 65000,
        routerId: '10.0.0.61',
        address: us,
        port,
        neighbors: [
          { address: '127.0.0.62', asn: 65010, passive: true },
          { address: '127.0.0.63', asn: 65011, passive: true },
        ],
      }),
    );
    const bad = await RawSpeaker.connect({ host: us, port, localAddress: '127.0.0.62', asn: 65010, routerId: '10.0.0.62' });
    const good = await RawSpeaker.connect({ host: us, port, localAddress: '127.0.0.63', asn: 65011, routerId: '10.0.0.63' });
    speakers.push(bad, good);
    await waitUntil('both established', () => state(A, '127.0.0.62') === 'Established' && state(A, '127.0.0.63') === 'Established');

    bad.send(update('10.62.0.0/24'));
    good.send(update('10.63.0.0/24', { asPath: [65011] }));
    await waitUntil('valid routes learned', () => prefixes(A).includes('10.62.0.0/24') && prefixes(A).includes('10.63.0.0/24'));

    // ORIGIN 5 is undefined (RFC 7606 §7.1): treat-as-withdraw, the session stays.
    bad.send(patch(update('10.62.0.0/24'), [0x40, 0x01, 0x01, 0x00], [0x40, 0x01, 0x01, 0x05]));
    await waitUntil('10.62.0.0/24 withdrawn', () => !prefixes(A).includes('10.62.0.0/24'));
    assert.equal(state(A, '127.0.0.62'), 'Established');
    assert.equal(bad.notifications.length, 0);

    // An attribute whose length runs past the attribute field: NOTIFICATION 3/1, session reset.
    const broken = update('10.62.1.0/24');
    bad.send(patch(broken, [0x40, 0x01, 0x01, 0x00], [0x40, 0x01, 0xf0, 0x00]));
    await waitUntil('NOTIFICATION received', () => bad.notifications.length > 0);
    assert.equal(bad.notifications[0]!.code, 3);
    assert.equal(bad.notifications[0]!.subcode, 1);
    await waitUntil('session down', () => state(A, '127.0.0.62') !== 'Established');
    // The other neighbour and its route are untouched.
    assert.equal(state(A, '127.0.0.63'), 'Established');
    assert.ok(prefixes(A).includes('10.63.0.0/24'));
  });

  it('closes a session whose peer goes silent with NOTIFICATION 4 (hold timer expired)', async () => {
    const port = testPort();
    const us = '127.0.0.71';
    const A = await daemon(
      speakerToml({
        asn: 65000,
        routerId: '10.0.0.71',
        address: us,
        port,
        neighbors: [{ address: '127.0.0.72', asn: 65010, passive: true, extra: '' }],
      }).replace('hold-time = 9', 'hold-time = 3'),
    );
    const silent = await RawSpeaker.connect({ host: us, port, localAddress: '127.0.0.72', asn: 65010, routerId: '10.0.0.72' });
    speakers.push(silent);
    await waitUntil('established', () => state(A, '127.0.0.72') === 'Established');
    await waitUntil('hold timer NOTIFICATION', () => silent.notifications.some((n) => n.code === 4), 8000);
    assert.match(A.model.neighbor('127.0.0.72')!.lastError, /hold timer/);
  });

  it('enforces max-prefixes with Cease subcode 1 (RFC 4486)', async () => {
    const port = testPort();
    const us = '127.0.0.81';
    const A = await daemon(
      speakerToml({
        asn: 65000,
        routerId: '10.0.0.81',
        address: us,
        port,
        neighbors: [
          {
            address: '127.0.0.82',
            asn: 65010,
            passive: true,
            extra: ['[[neighbors.afi-safis]]', '[neighbors.afi-safis.config]', 'afi-safi-name = "ipv4-unicast"', '[neighbors.afi-safis.prefix-limit.config]', 'max-prefixes = 2'].join('\n'),
          },
        ],
      }),
    );
    const peer = await RawSpeaker.connect({ host: us, port, localAddress: '127.0.0.82', asn: 65010, routerId: '10.0.0.82' });
    speakers.push(peer);
    await waitUntil('established', () => state(A, '127.0.0.82') === 'Established');
    for (const p of ['10.82.1.0/24', '10.82.2.0/24', '10.82.3.0/24']) peer.send(update(p));
    await waitUntil('Cease/MaxPrefixes', () => peer.notifications.some((n) => n.code === 6 && n.subcode === 1));
    await waitUntil('its routes gone', () => prefixes(A).length === 0);
  });
});
