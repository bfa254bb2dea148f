/**
 * How containers of bgpipe-l3 are plugged in, decided once at start:
 *
 *   ipvlan-l3   the seed's dataplane: an ipvlan L3 slave of --host-interface per container,
 *               default route through it (connected, no gateway)
 *   ipvlan-l2   --mode l2: an ipvlan L2 slave, default route via --gateway (no BGP)
 *   veth        routed veth per container (this kernel has no ipvlan): host end holds the
 *               link-local gateway, `<ip>/32 dev <host end>` on the host, default route via the
 *               link-local gateway in the container (see src/dataplane/linux/container-links.ts)
 *
 * BGP does not care which: the subnet is advertised either way. Every kernel call goes through
 * ContainerLinks; nothing here runs a command itself.
 */
import type { Logger } from '../../util/log.js';
import type { ContainerLinks, OwnRoute } from '../../dataplane/linux/container-links.js';
import { isThere } from '../../dataplane/linux/ip-command.js';
import type { L3Options } from './options.js';
import type { NetworkState } from './state.js';

export type DataplaneKind = 'ipvlan-l3' | 'ipvlan-l2' | 'veth';

/** What Join answers Docker (libnetwork remote API, docker-plugins.md §1.5). */
export interface JoinReply {
  InterfaceName: { SrcName: string; DstPrefix: string };
  Gateway: string;
  StaticRoutes: { Destination: string; RouteType: number; NextHop: string }[];
  DisableGatewayService: boolean;
}

/** Interface names hold 15 octets: a 4-character kind tag and 11 hex digits of the endpoint id. */
export function linkNames(endpointId: string): { host: string; container: string } {
  const id = endpointId.replace(/[^0-9a-f]/gi, '').slice(0, 11).padEnd(11, '0');
  return { host: `bl3h${id}`, container: `bl3c${id}` };
}

/** Picks the dataplane: ipvlan where the kernel has it (and --dataplane allows), else veth. */
export async function chooseDataplane(o: L3Options, links: ContainerLinks, log: Logger): Promise<DataplaneKind> {
  if (!(await links.linkExists(o.hostInterface))) {
    throw new Error(`--host-interface: no interface ${o.hostInterface} in this network namespace`);
  }
  if (o.dataplane === 'veth') return 'veth';
  const missing = await links.probeIpvlan(o.hostInterface);
  if (missing === undefined) return o.mode === 'l2' ? 'ipvlan-l2' : 'ipvlan-l3';
  const why = `this kernel has no ipvlan (ip link add type ipvlan: ${missing})`;
  if (o.mode === 'l2') throw new Error(`--mode l2 needs ipvlan and ${why}; use --mode l3 (routed veth)`);
  if (o.dataplane === 'ipvlan') throw new Error(`--dataplane ipvlan: ${why}; use --dataplane auto or veth`);
  log.warn({ reason: why }, 'ipvlan unavailable: containers get routed veth links instead');
  return 'veth';
}

/** A route or link that is there already is what a restore wants. */
async function mayExist(p: Promise<void>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (!isThere(e)) throw e;
  }
}

export class L3Dataplane {
  constructor(
    readonly kind: DataplaneKind,
    private readonly links: ContainerLinks,
    private readonly o: L3Options,
    /** L3: the link-local gateway; L2: the containers' gateway is the network's. */
    private readonly gateway: string,
  ) {}

  /** Network created: in L3 the subnet goes to a blackhole (container /32s are more specific). */
  async createNetwork(subnet: string): Promise<void> {
    if (this.kind === 'ipvlan-l2') return;
    this.links.enableForwarding();
    await this.links.addBlackhole(subnet);
  }

  async deleteNetwork(subnet: string): Promise<void> {
    if (this.kind === 'ipvlan-l2') return;
    await this.links.deleteRoute({ prefix: subnet, type: 'blackhole' });
  }

  /** Makes the container's link (and the host route to it); returns Join's reply. */
  async join(endpointId: string, address: string, l2Gateway: string): Promise<JoinReply> {
    const names = linkNames(endpointId);
    if (this.kind === 'veth') {
      await this.links.createRoutedVeth(names.host, names.container, this.o.mtu, this.gateway);
      try {
        await this.links.addDeviceRoute(`${address}/32`, names.host);
      } catch (e) {
        await this.links.deleteLink(names.host);
        throw e;
      }
      // Docker adds `169.254.1.1 dev eth0 scope link` (RouteType 1: connected) and then the
      // default route via it: a /32 address has no connected route to its gateway otherwise.
      return {
        InterfaceName: { SrcName: names.container, DstPrefix: 'eth' },
        Gateway: this.gateway,
        StaticRoutes: [{ Destination: `${this.gateway}/32`, RouteType: 1, NextHop: '' }],
        DisableGatewayService: false,
      };
    }
    await this.links.createIpvlan(names.container, this.o.hostInterface, this.kind === 'ipvlan-l2' ? 'l2' : 'l3', this.o.mtu);
    if (this.kind === 'ipvlan-l2') {
      return { InterfaceName: { SrcName: names.container, DstPrefix: 'eth' }, Gateway: l2Gateway, StaticRoutes: [], DisableGatewayService: false };
    }
    // ipvlan L3: a connected default route through the slave (the seed's reply), and no
    // docker_gwbridge (gopher-net's DisableGatewayService) since the default route is ours.
    return {
      InterfaceName: { SrcName: names.container, DstPrefix: 'eth' },
      Gateway: '',
      StaticRoutes: [{ Destination: '0.0.0.0/0', RouteType: 1, NextHop: '' }],
      DisableGatewayService: true,
    };
  }

  /**
   * After a restart: the network's routes as createNetwork made them (kept if still there), and
   * whether a joined container is still plugged in (its host end exists; its /32 is put back).
   */
  async restoreNetwork(subnet: string): Promise<void> {
    if (this.kind !== 'ipvlan-l2') await mayExist(this.createNetwork(subnet));
  }

  async restoreEndpoint(endpointId: string, address: string): Promise<boolean> {
    if (this.kind !== 'veth') return true; // the ipvlan slave is in the container: nothing on the host
    const { host } = linkNames(endpointId);
    if (!(await this.links.linkExists(host))) return false;
    await mayExist(this.links.addDeviceRoute(`${address}/32`, host));
    return true;
  }

  /**
   * Routes of our protocol that none of `networks` accounts for: left by a run whose state is
   * lost, or by a container that went while we were down. Only our protocol's routes are listed.
   */
  async removeLeftovers(networks: readonly NetworkState[], log: Logger): Promise<void> {
    const keep = new Set<string>();
    for (const n of networks) {
      keep.add(`blackhole ${n.subnet}`);
      for (const e of n.endpoints) if (e.joined) keep.add(`unicast ${e.address}/32 ${linkNames(e.id).host}`);
    }
    const key = (r: OwnRoute) => (r.type === 'blackhole' ? `blackhole ${r.prefix}` : `unicast ${r.prefix} ${r.dev ?? ''}`);
    const left = (await this.links.ownRoutes()).filter((r) => !keep.has(key(r)));
    if (left.length === 0) return;
    log.warn({ routes: left.map((r) => r.prefix) }, 'removing host routes of bgpipe-l3 that no known network accounts for');
    for (const r of left) await this.links.deleteRoute(r);
  }

  /** Removes what join made; a link or route already gone is fine. */
  async leave(endpointId: string, address: string): Promise<void> {
    const names = linkNames(endpointId);
    if (this.kind === 'veth') {
      await this.links.deleteRoute({ prefix: `${address}/32`, type: 'unicast', dev: names.host });
      await this.links.deleteLink(names.host);
    } else {
      // Docker moves the slave back to the host namespace when the sandbox goes, or it is gone.
      await this.links.deleteLink(names.container);
    }
  }
}
