/**
 * The native socket options on real kernel sockets over 127.0.0.x: TTLs read back as set, and
 * a listener's TCP MD5 keys decide who can connect (signed with the right key or not at all).
 * Needs the addon built (build/Release/sockopt.node, `npm ci`): without it these tests fail.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { Listener } from '../../src/session/listener.js';
import { activeSocket, getTtls, setMd5Key, socketFd, socketOptionsUnavailable } from '../../src/session/socket-options.js';
import { silentLogger } from '../../src/util/log.js';

const SERVER = '127.0.0.61';
const CLIENT = '127.0.0.62';
const OTHER = '127.0.0.63';

/** Connects with the given key (or none) and resolves whether the handshake completed in time. */
function tryConnect(port: number, localAddress: string, md5Key: string | undefined, host = SERVER, ms = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = md5Key === undefined ? new net.Socket() : activeSocket({ peerAddress: host, localAddress, md5Key });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), ms);
    socket.on('error', () => done(false));
    socket.connect(md5Key === undefined ? { host, port, localAddress } : { host, port }, () => done(true));
  });
}

describe('socket options (native addon)', () => {
  const listeners: Listener[] = [];
  after(() => listeners.forEach((l) => l.close()));

  it('the addon is built and loads', () => {
    assert.equal(socketOptionsUnavailable(), undefined);
  });

  it('an active socket carries its TTL and minimum TTL before it connects', () => {
    const socket = activeSocket({ peerAddress: SERVER, localAddress: CLIENT, ttl: 1, minTtl: 254 });
    try {
      assert.deepEqual(getTtls(socketFd(socket)!), { ttl: 1, minTtl: 254 });
    } finally {
      socket.destroy();
    }
  });

  it('a listener key admits only the peer signing with it, and a reload removing it admits it unsigned', async () => {
    const accepted: string[] = [];
    const listener = new Listener(
      {
        peerFor: (remote) => ({
          accept: (s: net.Socket) => {
            accepted.push(remote);
            s.destroy();
          },
        }),
      },
      silentLogger(),
    );
    listeners.push(listener);
    listener.setMd5Keys([{ address: CLIENT, key: 'right' }]);
    await listener.listen([SERVER], 0);
    const port = listener.ports()[0]!;

    assert.equal(await tryConnect(port, CLIENT, 'right'), true, 'signed with the key');
    assert.equal(await tryConnect(port, CLIENT, 'wrong'), false, 'signed with another key');
    assert.equal(await tryConnect(port, CLIENT, undefined), false, 'unsigned');
    // A peer the listener holds no key for must not sign either (RFC 2385 §3: the kernel drops it).
    assert.equal(await tryConnect(port, OTHER, 'right'), false, 'signed, from an address without a key');
    assert.equal(await tryConnect(port, OTHER, undefined), true, 'unsigned, from an address without a key');

    listener.setMd5Keys([{ address: CLIENT, key: 'changed' }]);
    assert.equal(await tryConnect(port, CLIENT, 'right'), false, 'old key after a change');
    assert.equal(await tryConnect(port, CLIENT, 'changed'), true, 'new key after a change');

    listener.setMd5Keys([]);
    assert.equal(await tryConnect(port, CLIENT, undefined), true, 'unsigned once the key is removed');

    // GTSM on the listener: loopback delivers TTL 64, so 255 refuses the SYN and 64 lets it in.
    listener.setMinTtl(255);
    assert.equal(await tryConnect(port, CLIENT, undefined), false, 'TTL 64 under a listener minimum of 255');
    listener.setMinTtl(64);
    assert.equal(await tryConnect(port, CLIENT, undefined), true, 'TTL 64 at a listener minimum of 64');
    listener.setMinTtl(0);
    assert.deepEqual(accepted, [CLIENT, OTHER, CLIENT, CLIENT, CLIENT]);
  });

  it('a prefix key (dynamic neighbours) covers every address in it', async () => {
    const listener = new Listener({ peerFor: () => ({ accept: (s: net.Socket) => s.destroy() }) }, silentLogger());
    listeners.push(listener);
    listener.setMd5Keys([{ address: '127.0.0.0', prefixLength: 26, key: 'group' }]);
    await listener.listen([SERVER], 0);
    const port = listener.ports()[0]!;
    assert.equal(await tryConnect(port, CLIENT, 'group'), true);
    assert.equal(await tryConnect(port, OTHER, undefined), false);
  });

  it('IPv6: a key for ::1 on an IPv6 listener admits only signed connections', async () => {
    const listener = new Listener({ peerFor: () => ({ accept: (s: net.Socket) => s.destroy() }) }, silentLogger());
    listeners.push(listener);
    // The IPv4 key must not reach the IPv6 listener (the kernel would refuse the family anyway).
    listener.setMd5Keys([{ address: '::1', key: 'six' }, { address: CLIENT, key: 'four' }]);
    await listener.listen(['::1'], 0);
    const port = listener.ports()[0]!;
    assert.equal(await tryConnect(port, '::1', 'six', '::1'), true);
    assert.equal(await tryConnect(port, '::1', undefined, '::1'), false);
    const socket = activeSocket({ peerAddress: '::1', ttl: 3, minTtl: 250 });
    try {
      assert.deepEqual(getTtls(socketFd(socket)!), { ttl: 3, minTtl: 250 });
    } finally {
      socket.destroy();
    }
  });

  it('removing a key a socket never had is not an error; a bad address is', () => {
    const socket = activeSocket({ peerAddress: SERVER });
    try {
      setMd5Key(socketFd(socket)!, '127.0.0.99', '');
      assert.throws(() => setMd5Key(socketFd(socket)!, 'not-an-address', 'x'), /not an IP address/);
    } finally {
      socket.destroy();
    }
  });
});
