/**
 * Passive side: TCP listeners on the configured local addresses, handing each connection to
 * the neighbour it comes from — a configured one, or a dynamic one created for a
 * `dynamic-neighbors` prefix (GoBGP semantics). Anything else is refused.
 */
import net from 'node:net';
import type { Logger } from '../util/log.js';
import { normalizeAddress } from './connection.js';

export interface ListenerOwner {
  /** Find (or, for a dynamic neighbour, create) the peer for this connection; undefined refuses it. */
  peerFor(remoteAddress: string, localAddress: string): { accept(socket: net.Socket): void } | undefined;
}

export class Listener {
  private readonly servers: net.Server[] = [];

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
      this.log.info({ address, port }, 'listening for BGP connections');
    }
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
