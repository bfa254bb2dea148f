/**
 * Container links and their host routes, for a routed container network driver (bgpipe-l3): the
 * only file of the Docker L3 driver that touches the kernel. Every call answers with the kernel's
 * verdict (ip-command.ts), because Docker's Join must fail — and roll back — when the link could
 * not be made.
 *
 * Two ways to plug a container in, both routed (no bridge, no proxy ARP):
 *
 *  - ipvlan L3 (or L2): one ipvlan slave of the parent interface per container; the kernel's
 *    ipvlan code delivers by IP address. Needs CONFIG_IPVLAN (probeIpvlan tells).
 *  - routed veth (the fallback, Calico's model): one veth pair per container. The host end holds
 *    the link-local gateway address itself (169.254.1.1/32 scope link, on every host end), so it
 *    answers the container's ARP for its gateway as an ordinary local address — no proxy_arp,
 *    no fixed MAC, no neighbour entry to write into the container. The host reaches the
 *    container through a `/32 dev <host end> scope link` route. (Calico enables proxy_arp on
 *    its cali* ends to answer for 169.254.1.1; holding the address does the same without it.)
 *
 * Routes made here carry a protocol number of their own (`proto P`), so that listing and deleting
 * them can never touch a route someone else made, nor the FIB's proto bgp routes.
 */
import { writeFileSync } from 'node:fs';
import { IpCommand, type IpCommandError } from './ip-command.js';

/** One route of ours, as listed back. */
export interface OwnRoute {
  readonly prefix: string;
  readonly type: 'unicast' | 'blackhole';
  readonly dev?: string;
}

const PROBE_LINK = 'bgpipe-prb-ivl';

export class ContainerLinks {
  private readonly ip: IpCommand;

  constructor(
    /** Route protocol number of the routes this driver makes (not 186: the FIB's). */
    readonly protocol: number,
    ipPath = 'ip',
  ) {
    this.ip = new IpCommand(ipPath);
  }

  /**
   * Is ipvlan there? Tried for real: an ipvlan L3 slave of `parent` is made and deleted again
   * (this kernel has no modules to ask about). Undefined when it works, else why not.
   */
  async probeIpvlan(parent: string): Promise<string | undefined> {
    await this.ip.deleteLink(PROBE_LINK).catch(() => undefined); // left by a crash mid-probe
    try {
      await this.ip.run(['link', 'add', PROBE_LINK, 'link', parent, 'type', 'ipvlan', 'mode', 'l3']);
    } catch (e) {
      return (e as IpCommandError).kernelMessage ?? (e as Error).message;
    }
    await this.ip.deleteLink(PROBE_LINK).catch(() => undefined);
    return undefined;
  }

  async linkExists(name: string): Promise<boolean> {
    return this.ip.linkExists(name);
  }

  /**
   * A veth pair: `host` stays here, up, holding `gateway`/32 (scope link, so it is never
   * chosen as a source address for other routes); `peer` is left down for Docker to move into
   * the container. Both ends get `mtu`. Undone if any step fails.
   */
  async createRoutedVeth(host: string, peer: string, mtu: number, gateway: string): Promise<void> {
    await this.ip.run(['link', 'add', host, 'mtu', String(mtu), 'type', 'veth', 'peer', 'name', peer, 'mtu', String(mtu)]);
    try {
      await this.ip.run(['addr', 'add', `${gateway}/32`, 'dev', host, 'scope', 'link']);
      await this.ip.run(['link', 'set', host, 'up']);
    } catch (e) {
      await this.deleteLink(host);
      throw e;
    }
  }

  /** An ipvlan slave of `parent` in `mode` (l2 or l3), for Docker to move into the container. */
  async createIpvlan(name: string, parent: string, mode: 'l2' | 'l3', mtu: number): Promise<void> {
    await this.ip.run(['link', 'add', name, 'link', parent, 'mtu', String(mtu), 'type', 'ipvlan', 'mode', mode]);
  }

  /** Deletes a link (a veth's peer goes with it); a link already gone is no error. */
  async deleteLink(name: string): Promise<void> {
    await this.ip.deleteLink(name);
  }

  /** `<prefix> dev <dev> scope link proto P`: the host's way to a container. */
  async addDeviceRoute(prefix: string, dev: string): Promise<void> {
    await this.ip.run(['route', 'add', prefix, 'dev', dev, 'scope', 'link', 'proto', String(this.protocol)]);
  }

  /** `blackhole <prefix> proto P`: addresses of our subnet no container holds go nowhere (no
   *  loop through the default route and back). Container /32s are more specific. */
  async addBlackhole(prefix: string): Promise<void> {
    await this.ip.run(['route', 'add', 'blackhole', prefix, 'proto', String(this.protocol)]);
  }

  /** Deletes our route for `prefix` (only ours: the protocol is part of the match); gone is fine. */
  async deleteRoute(route: OwnRoute): Promise<void> {
    const args = ['route', 'del', ...(route.type === 'blackhole' ? ['blackhole'] : []), route.prefix, 'proto', String(this.protocol)];
    if (route.dev !== undefined) args.push('dev', route.dev);
    await this.ip.runUnlessGone(args);
  }

  /** Every IPv4 route of our protocol in the main table. */
  async ownRoutes(): Promise<OwnRoute[]> {
    const routes = await this.ip.json<{ dst: string; type?: string; dev?: string }>(['-4', 'route', 'show', 'table', 'main', 'proto', String(this.protocol)]);
    return routes.map((r) => ({
      prefix: r.dst.includes('/') ? r.dst : `${r.dst}/32`,
      type: r.type === 'blackhole' ? 'blackhole' : 'unicast',
      ...(r.dev !== undefined ? { dev: r.dev } : {}),
    }));
  }

  /** A routed host forwards: net.ipv4.ip_forward=1 in this (the host's) namespace. */
  enableForwarding(): void {
    writeFileSync('/proc/sys/net/ipv4/ip_forward', '1');
  }
}
