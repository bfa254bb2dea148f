/**
 * Connection collision (RFC 4271 §6.8), made deterministic: bgpiped connects out to a listener
 * the test holds while the test also connects in, so bgpiped has two connections to one peer
 * in OpenSent. When the peer's OPEN arrives, the speaker with the lower BGP Identifier must
 * close the connection it initiated, with Cease / Connection Collision Resolution (6/7).
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import type { Daemon } from '../../src/daemon/daemon.js';
import { encodeKeepalive } from '../../src/wire/keepalive.js';
import { MessageType } from '../../src/wire/messages.js';
import { RawSpeaker, speakerToml, startDaemon, testPort, waitUntil } from './helpers.js';

const cleanup: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function collide(peerRouterId: string): Promise<{ outgoing: RawSpeaker; incoming: RawSpeaker; daemon: Daemon }> {
  const port = testPort();
  const us = '127.0.0.91';
  const them = '127.0.0.92';
  let outgoing: RawSpeaker | undefined;
  const server = net.createServer((socket) => {
    outgoing = new RawSpeaker(socket);
  });
  await new Promise<void>((resolve) => server.listen(port, them, resolve));
  cleanup.push(() => server.close());
  const daemon = await startDaemon(
    speakerToml({ asn: 65000, routerId: '10.0.0.91', address: us, port, neighbors: [{ address: them, asn: 65010 }] }),
  );
  cleanup.push(() => daemon.stop());
  await waitUntil('bgpiped connects out and sends OPEN', () => outgoing?.received.includes(MessageType.Open) === true);
  const socket = net.connect({ host: us, port, localAddress: them });
  await new Promise((resolve) => socket.once('connect', resolve));
  const incoming = new RawSpeaker(socket);
  cleanup.push(() => incoming.close(), () => outgoing?.close());
  await waitUntil('bgpiped answers the incoming connection with OPEN', () => incoming.received.includes(MessageType.Open));
  // Both connections are in OpenSent at bgpiped; our OPEN on each reveals the collision.
  outgoing!.sendOpen(65010, peerRouterId);
  incoming.sendOpen(65010, peerRouterId);
  return { outgoing: outgoing!, incoming, daemon };
}

const isCollisionCease = (s: RawSpeaker) => s.notifications.some((n) => n.code === 6 && n.subcode === 7);

describe('connection collision detection', { concurrency: false, timeout: 30_000 }, () => {
  it('with the higher BGP Identifier on the peer, bgpiped closes the connection it initiated', async () => {
    const { outgoing, incoming, daemon } = await collide('10.0.0.200');
    await waitUntil('Cease 6/7 on bgpiped’s outgoing connection', () => isCollisionCease(outgoing));
    assert.equal(isCollisionCease(incoming), false);
    incoming.send(encodeKeepalive());
    await waitUntil('established on the incoming connection', () => daemon.model.neighbor('127.0.0.92')?.state === 'Established');
  });

  it('with the lower BGP Identifier on the peer, bgpiped keeps the connection it initiated', async () => {
    const { outgoing, incoming, daemon } = await collide('10.0.0.1');
    await waitUntil('Cease 6/7 on the incoming connection', () => isCollisionCease(incoming));
    assert.equal(isCollisionCease(outgoing), false);
    outgoing.send(encodeKeepalive());
    await waitUntil('established on the outgoing connection', () => daemon.model.neighbor('127.0.0.92')?.state === 'Established');
  });
});
