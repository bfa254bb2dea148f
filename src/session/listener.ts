/**
 * Passive side: TCP listeners on the configured local addresses, handing each connection to
 * the neighbour it comes from — a configured one, or a dynamic one created for a
 * `dynamic-neighbors` prefix (GoBGP semantics). Anything else is refused.
 */
import net from 'node:net';
import type { Logger } from '../util/log.js';
import { normalizeAddress } from './connection.js';
import { setMd5Key, setMinTtl, socketFd } from './socket-options.js';

/** A TCP MD5 key (RFC 2385) the listening sockets hold for one neighbour or a dynamic-neighbors prefix. */
export interface Md5Key {
  readonly address: string;
  /** Set for a prefix (dynamic neighbours): TCP_MD5SIG_EXT. */
  readonly prefixLength?: number;
  readonly key: string;
}

const md5Id = (k: Md5Key) => `${k.address}/${k.prefixLength ?? 'host'}`;

export interface ListenerOwner {
  /** Find (or, for a dynamic neighbour, create) the peer for this connection; undefined refuses it. */
  peerFor(remoteAddress: string, localAddress: string): { accept(socket: net.Socket): void } | undefined;
}

export class Listener {
  private readonly servers: net.Server[] = [];
  private md5Keys = new Map<string, Md5Key>();
  private minTtl = 0;

  constructor(
    private readonly owner: ListenerOwner,
    private readonly log: Logger,
  ) {}

  /** Listens on each address; resolves once all are bound, rejects with the first bind error. */
  async listen(addresses: readonly string[], port: number): Promise<void> {
    for (const address of addresses) {
      const server = net.createServer({ noDelay: true }, (socket) => this.connection(socket));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        // '::' must not also claim IPv4, or it collides with a separate 0.0.0.0 listener.
        server.listen({ host: address, port, ipv6Only: address.includes(':') }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      server.on('error', (err) => this.log.error({ err, address }, 'listener error'));
      this.servers.push(server);
      for (const k of this.md5Keys.values()) this.applyKey(server, k, k.key);
      if (this.minTtl > 0) setMinTtl(socketFd(server)!, this.minTtl);
      this.log.info({ address, port }, 'listening for BGP connections');
    }
  }

  /**
   * Makes the listening sockets hold exactly these MD5 keys (start and reload): a neighbour with
   * a key can only connect with segments signed by it, and the kernel drops the rest unanswered.
   * Throws on the first key the kernel refuses.
   */
  setMd5Keys(keys: readonly Md5Key[]): void {
    const next = new Map(keys.map((k) => [md5Id(k), k]));
    for (const [id, old] of this.md5Keys) {
      if (!next.has(id)) for (const server of this.servers) this.applyKey(server, old, '');
    }
    for (const [id, k] of next) {
      if (this.md5Keys.get(id)?.key === k.key) continue;
      for (const server of this.servers) this.applyKey(server, k, k.key);
    }
    this.md5Keys = next;
  }

  /**
   * GTSM on the listening sockets themselves (0: off). IP_MINTTL is per socket: set on an
   * accepted one, it comes too late for what the peer sent right after the handshake (its OPEN
   * is already queued). On the listener the SYN itself is checked and accepted sockets inherit
   * it, but it then holds for every peer, so the caller sets it only when all of them use GTSM.
   */
  setMinTtl(minTtl: number): void {
    if (minTtl === this.minTtl) return;
    for (const server of this.servers) {
      const fd = socketFd(server);
      if (fd !== undefined) setMinTtl(fd, minTtl);
    }
    this.minTtl = minTtl;
  }

  private applyKey(server: net.Server, k: Md5Key, key: string): void {
    const fd = socketFd(server);
    const bound = server.address();
    if (fd === undefined || bound === null || typeof bound === 'string') return;
    // A listener only ever sees peers of its own family ('::' is bound IPv6-only).
    if ((bound.family === 'IPv6') !== net.isIPv6(k.address)) return;
    setMd5Key(fd, k.address, key, k.prefixLength);
  }

  /** Actual ports bound (port 0 in tests picks a free one). */
  ports(): number[] {
    return this.servers.map((s) => (s.address() as net.AddressInfo).port);
  }

  close(): void {
    for (const server of this.servers) server.close();
    this.servers.length = 0;
  }

  private connection(socket: net.Socket): void {
    const remote = normalizeAddress(socket.remoteAddress ?? '');
    const local = normalizeAddress(socket.localAddress ?? '');
    socket.on('error', () => undefined);
    const peer = this.owner.peerFor(remote, local);
    if (!peer) {
      this.log.info({ remote }, 'connection from unknown neighbour refused');
      socket.destroy();
      return;
    }
    peer.accept(socket);
  }
}
