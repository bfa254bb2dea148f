/**
 * bgpipe-l3's network driver: libnetwork's remote NetworkDriver API as Docker 20.10 sends it
 * (docker-plugins.md §1.5), over the IPAM of ipam.ts, the dataplane of dataplane.ts and the
 * embedded BGP speaker of bgp.ts.
 *
 * Behaviour fixed against the seed (§3.3–3.6): any number of networks, one subnet each, never
 * overlapping; the subnet is advertised at CreateNetwork and withdrawn at DeleteNetwork (the seed
 * never withdrew); per-container /32s on request; no MASQUERADE (routed means routed); only
 * routes this driver added are ever deleted (the seed purged every route of the host interface).
 */
import type { Logger } from '../../util/log.js';
import { PluginError, type PluginHandler, type PluginRequest } from '../plugin-server.js';
import type { Announcer } from '../embedded-speaker.js';
import type { L3Dataplane } from './dataplane.js';
import type { L3Ipam } from './ipam.js';
import type { L3State } from './state.js';

interface Endpoint {
  readonly id: string;
  /** The container's address without length. */
  readonly address: string;
  joined: boolean;
}

interface Network {
  readonly id: string;
  readonly subnet: string;
  readonly gateway: string;
  readonly endpoints: Map<string, Endpoint>;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
/** Who holds an announcement: a network its subnet, a container its /32. */
const networkOwner = (id: string): string => `network:${id}`;
const endpointOwner = (id: string): string => `endpoint:${id}`;

export class L3Driver {
  readonly networks = new Map<string, Network>();

  constructor(
    private readonly ipam: L3Ipam,
    private readonly dataplane: L3Dataplane,
    private readonly bgp: Announcer | undefined,
    private readonly hostRoutes: boolean,
    private readonly log: Logger,
    /** Called with the new state after every change Docker made (the state file). */
    private readonly save: (state: L3State) => void = () => undefined,
  ) {}

  /** Networks, endpoints and pools, as the state file holds them. */
  snapshot(): L3State {
    return {
      version: 1,
      pools: this.ipam.snapshot(),
      networks: [...this.networks.values()].map((n) => ({ id: n.id, subnet: n.subnet, gateway: n.gateway, endpoints: [...n.endpoints.values()].map((e) => ({ ...e })) })),
    };
  }

  /**
   * Takes back a previous run's networks: pools, the subnets' routes and advertisements, the
   * containers still plugged in (a container that went while we were down is forgotten); then
   * removes routes of ours that nothing accounts for.
   */
  async restore(state: L3State): Promise<void> {
    this.ipam.restore(state.pools);
    for (const n of state.networks) {
      const net: Network = { id: n.id, subnet: n.subnet, gateway: n.gateway, endpoints: new Map() };
      await this.dataplane.restoreNetwork(net.subnet);
      for (const e of n.endpoints) {
        const joined = e.joined && (await this.dataplane.restoreEndpoint(e.id, e.address));
        net.endpoints.set(e.id, { id: e.id, address: e.address, joined });
        if (joined && this.hostRoutes) this.bgp?.advertise(endpointOwner(e.id), `${e.address}/32`);
      }
      this.networks.set(net.id, net);
      this.bgp?.advertise(networkOwner(net.id), net.subnet);
    }
    await this.dataplane.removeLeftovers(this.snapshot().networks, this.log);
    if (state.networks.length > 0) this.log.info({ networks: this.describe() }, 'networks of the previous run restored');
  }

  /** Every call Docker makes, for the plugin server. */
  handlers(): Record<string, PluginHandler> {
    const ipam = this.ipam;
    // Calls that change what the state file holds save it before Docker hears the answer.
    const saved = (h: PluginHandler): PluginHandler => async (b, call) => {
      const reply = await h(b, call);
      try {
        this.save(this.snapshot());
      } catch (e) {
        // The change is made and Docker must hear so; the next change rewrites the whole file.
        this.log.error({ error: (e as Error).message, call }, 'cannot write the state file');
      }
      return reply;
    };
    return {
      'NetworkDriver.GetCapabilities': () => ({ Scope: 'local', ConnectivityScope: 'local' }),
      'NetworkDriver.CreateNetwork': saved((b) => this.createNetwork(b)),
      'NetworkDriver.DeleteNetwork': saved((b) => this.deleteNetwork(b)),
      'NetworkDriver.CreateEndpoint': saved((b) => this.createEndpoint(b)),
      'NetworkDriver.EndpointOperInfo': (b) => ({ Value: this.operInfo(b) }),
      'NetworkDriver.DeleteEndpoint': saved((b) => this.deleteEndpoint(b)),
      'NetworkDriver.Join': saved((b) => this.join(b)),
      'NetworkDriver.Leave': saved((b) => this.leave(b)),
      'NetworkDriver.ProgramExternalConnectivity': () => ({}),
      'NetworkDriver.RevokeExternalConnectivity': () => ({}),
      'NetworkDriver.DiscoverNew': () => ({}),
      'NetworkDriver.DiscoverDelete': () => ({}),
      'NetworkDriver.AllocateNetwork': () => ({ Options: {} }),
      'NetworkDriver.FreeNetwork': () => ({}),
      'IpamDriver.GetCapabilities': () => ipam.capabilities(),
      'IpamDriver.GetDefaultAddressSpaces': () => ipam.defaultAddressSpaces(),
      'IpamDriver.RequestPool': saved((b) => ipam.requestPool(b)),
      'IpamDriver.ReleasePool': saved((b) => ipam.releasePool(b)),
      'IpamDriver.RequestAddress': saved((b) => ipam.requestAddress(b)),
      'IpamDriver.ReleaseAddress': saved((b) => ipam.releaseAddress(b)),
    };
  }

  async createNetwork(b: PluginRequest): Promise<unknown> {
    const id = str(b.NetworkID);
    if (id === '') throw new PluginError('NetworkID is missing', 400);
    if (this.networks.has(id)) throw new PluginError(`network ${id} exists`);
    const v6 = Array.isArray(b.IPv6Data) ? b.IPv6Data : [];
    if (v6.length > 0) throw new PluginError('bgpipe-l3 routes IPv4 only: create the network without --ipv6');
    const v4 = (Array.isArray(b.IPv4Data) ? b.IPv4Data : []) as Record<string, unknown>[];
    if (v4.length !== 1) throw new PluginError(`one IPv4 subnet per network, got ${v4.length}`);
    const pool = this.ipam.pools.get(str(v4[0]!.Pool));
    if (pool === undefined) {
      throw new PluginError(`subnet ${str(v4[0]!.Pool)} was not allocated by this driver: create the network with --ipam-driver as well as --driver`);
    }
    this.checkOptions(b.Options);
    const net: Network = { id, subnet: pool.subnet.text, gateway: pool.gateway, endpoints: new Map() };
    await this.dataplane.createNetwork(net.subnet);
    this.networks.set(id, net);
    this.bgp?.advertise(networkOwner(net.id), net.subnet);
    this.log.info({ network: id.slice(0, 12), subnet: net.subnet, dataplane: this.dataplane.kind }, 'network created');
    return {};
  }

  async deleteNetwork(b: PluginRequest): Promise<unknown> {
    const net = this.networks.get(str(b.NetworkID));
    if (net === undefined) return {};
    for (const ep of [...net.endpoints.values()]) await this.removeEndpoint(net, ep);
    this.bgp?.withdraw(networkOwner(net.id), net.subnet);
    await this.dataplane.deleteNetwork(net.subnet);
    this.networks.delete(net.id);
    this.log.info({ network: net.id.slice(0, 12), subnet: net.subnet }, 'network deleted');
    return {};
  }

  createEndpoint(b: PluginRequest): unknown {
    const net = this.network(b);
    const eid = str(b.EndpointID);
    const iface = (b.Interface ?? {}) as Record<string, unknown>;
    const address = str(iface.Address).split('/')[0]!;
    if (address === '') throw new PluginError('the endpoint has no IPv4 address: the network needs --ipam-driver of this driver');
    if (str(iface.AddressIPv6) !== '') throw new PluginError('bgpipe-l3 routes IPv4 only');
    net.endpoints.set(eid, { id: eid, address, joined: false });
    return { Interface: null };
  }

  operInfo(b: PluginRequest): Record<string, string> {
    const net = this.network(b);
    const ep = net.endpoints.get(str(b.EndpointID));
    return ep === undefined ? {} : { dataplane: this.dataplane.kind, address: ep.address };
  }

  async deleteEndpoint(b: PluginRequest): Promise<unknown> {
    const net = this.networks.get(str(b.NetworkID));
    const ep = net?.endpoints.get(str(b.EndpointID));
    if (net !== undefined && ep !== undefined) await this.removeEndpoint(net, ep);
    return {};
  }

  async join(b: PluginRequest): Promise<unknown> {
    const net = this.network(b);
    const ep = net.endpoints.get(str(b.EndpointID));
    if (ep === undefined) throw new PluginError(`endpoint ${str(b.EndpointID)} does not exist`);
    const reply = await this.dataplane.join(ep.id, ep.address, net.gateway);
    ep.joined = true;
    if (this.hostRoutes) this.bgp?.advertise(endpointOwner(ep.id), `${ep.address}/32`);
    this.log.debug({ network: net.id.slice(0, 12), address: ep.address, link: reply.InterfaceName.SrcName }, 'container joined');
    return reply;
  }

  async leave(b: PluginRequest): Promise<unknown> {
    const net = this.network(b);
    const ep = net.endpoints.get(str(b.EndpointID));
    if (ep === undefined) throw new PluginError(`endpoint ${str(b.EndpointID)} does not exist`);
    await this.unplug(ep);
    return {};
  }

  /** Networks and their endpoints as the driver holds them (logs, tests). */
  describe(): { id: string; subnet: string; endpoints: string[] }[] {
    return [...this.networks.values()].map((n) => ({ id: n.id, subnet: n.subnet, endpoints: [...n.endpoints.values()].map((e) => e.address) }));
  }

  private async unplug(ep: Endpoint): Promise<void> {
    if (!ep.joined) return;
    if (this.hostRoutes) this.bgp?.withdraw(endpointOwner(ep.id), `${ep.address}/32`);
    await this.dataplane.leave(ep.id, ep.address);
    ep.joined = false;
  }

  private async removeEndpoint(net: Network, ep: Endpoint): Promise<void> {
    await this.unplug(ep);
    net.endpoints.delete(ep.id);
  }

  /**
   * `docker network create -o KEY=VALUE`. Docker 20.10 shows a local driver's network Options
   * exactly as the user gave them (a remote driver cannot add any), so the way to see the
   * dataplane in `docker network inspect` is to state it: `-o dataplane=veth` (or ipvlan) is
   * refused when this host cannot honour it, and then stays in the network's Options.
   */
  private checkOptions(options: unknown): void {
    const generic = ((options ?? {}) as Record<string, unknown>)['com.docker.network.generic'];
    for (const [key, value] of Object.entries((generic ?? {}) as Record<string, unknown>)) {
      if (key !== 'dataplane') throw new PluginError(`-o ${key}: unknown option (bgpipe-l3 takes -o dataplane=${this.dataplane.kind})`);
      const kind = this.dataplane.kind;
      const ok = value === kind || (value === 'ipvlan' && kind.startsWith('ipvlan'));
      if (!ok) throw new PluginError(`-o dataplane=${String(value)}: this host's dataplane is ${kind}${kind === 'veth' ? ' (no ipvlan in this kernel, or --dataplane veth)' : ''}`);
    }
  }

  private network(b: PluginRequest): Network {
    const net = this.networks.get(str(b.NetworkID));
    if (net === undefined) throw new PluginError(`network ${str(b.NetworkID)} does not exist`);
    return net;
  }
}
