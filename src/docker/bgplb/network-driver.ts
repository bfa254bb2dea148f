/**
 * docker-bgp-lb's NetworkDriver endpoints (contract §2.4): same replies and error strings (the
 * network id in "endpoint does not exist" is the original's), same bridge and veth names. The
 * differences are bgpipe's choices (§2.14): endpoints are persisted, Leave removes only this
 * endpoint's routes, and a missing link on teardown is not an error (Docker only logs it).
 */
import type { Logger } from '../../util/log.js';
import type { LbBridges } from '../../dataplane/linux/lb-bridge.js';
import { PluginError, type PluginHandler, type PluginRequest } from '../plugin-server.js';
import type { EndpointRoutes } from './endpoint-routes.js';
import type { EndpointRecord, PluginState } from './state.js';

/** `bgplb-` + the first 9 characters of the network id: 15 characters, IFNAMSIZ − 1. */
export function bridgeName(networkId: string): string {
  return `bgplb-${networkId.slice(0, 9)}`;
}

function field(body: PluginRequest, key: string): string {
  const v = body[key];
  if (typeof v !== 'string' || v === '') throw new PluginError(`${key} is required`, 400);
  return v;
}

/** "10.0.0.101/32" → "10.0.0.101"; "" → undefined. */
function bare(address: unknown): string | undefined {
  if (typeof address !== 'string' || address === '') return undefined;
  return address.split('/')[0];
}

export interface DriverHooks {
  /** An endpoint was created or joined: the health gate may know its container soon. */
  endpointChanged(ep: EndpointRecord): void;
}

export class NetworkDriver {
  constructor(
    private readonly state: PluginState,
    private readonly bridges: LbBridges,
    private readonly routes: EndpointRoutes,
    private readonly scope: 'local' | 'global',
    private readonly log: Logger,
    private readonly hooks: DriverHooks,
  ) {}

  handlers(): Record<string, PluginHandler> {
    return {
      'NetworkDriver.GetCapabilities': () => ({ RequiresMACAddress: false, Scope: this.scope, ConnectivityScope: '' }),
      'NetworkDriver.CreateNetwork': (b) => this.createNetwork(b),
      'NetworkDriver.DeleteNetwork': (b) => this.deleteNetwork(b),
      'NetworkDriver.AllocateNetwork': () => null,
      'NetworkDriver.FreeNetwork': () => ({}),
      'NetworkDriver.CreateEndpoint': (b) => this.createEndpoint(b),
      'NetworkDriver.EndpointOperInfo': (b) => this.endpointOperInfo(b),
      'NetworkDriver.Join': (b) => this.join(b),
      'NetworkDriver.Leave': (b) => this.leave(b),
      'NetworkDriver.DeleteEndpoint': (b) => this.deleteEndpoint(b),
      'NetworkDriver.DiscoverNew': () => ({}),
      'NetworkDriver.DiscoverDelete': () => ({}),
      'NetworkDriver.ProgramExternalConnectivity': () => ({}),
      'NetworkDriver.RevokeExternalConnectivity': () => ({}),
    };
  }

  /** Re-create the bridges of saved networks (after a restart or a reboot). */
  async restoreBridges(): Promise<void> {
    for (const n of this.state.networks.values()) {
      try {
        await this.bridges.ensureBridge(n.bridge);
      } catch (e) {
        this.log.error({ network: n.id.slice(0, 12), bridge: n.bridge, error: (e as Error).message }, 'cannot restore the bridge of a saved network');
      }
    }
  }

  private async createNetwork(b: PluginRequest): Promise<object> {
    const id = field(b, 'NetworkID');
    if (this.state.networks.has(id)) throw new PluginError(`network ${id} exists`);
    const bridge = bridgeName(id);
    await this.bridges.ensureBridge(bridge);
    this.state.networks.set(id, { id, bridge });
    this.state.save();
    this.log.info({ network: id.slice(0, 12), bridge }, 'network created');
    return {};
  }

  private async deleteNetwork(b: PluginRequest): Promise<object> {
    const id = field(b, 'NetworkID');
    const net = this.state.networks.get(id);
    if (net === undefined) return {};
    for (const ep of this.state.endpointsOf(id)) {
      await this.routes.withdraw(ep, 'network deleted');
      this.state.endpoints.delete(ep.endpointId);
    }
    await this.bridges.deleteLink(net.bridge);
    this.state.networks.delete(id);
    this.state.save();
    this.log.info({ network: id.slice(0, 12), bridge: net.bridge }, 'network deleted');
    return {};
  }

  private async createEndpoint(b: PluginRequest): Promise<object> {
    const nid = field(b, 'NetworkID');
    const eid = field(b, 'EndpointID');
    if (!this.state.networks.has(nid)) throw new PluginError(`${nid} network does not exist`);
    const iface = (b['Interface'] ?? {}) as Record<string, unknown>;
    const ep: EndpointRecord = { networkId: nid, endpointId: eid, ipv4: bare(iface['Address']), ipv6: bare(iface['AddressIPv6']) };
    this.state.endpoints.set(eid, ep);
    this.state.save();
    this.hooks.endpointChanged(ep);
    return { Interface: null };
  }

  private endpoint(b: PluginRequest): EndpointRecord {
    const nid = field(b, 'NetworkID');
    const eid = field(b, 'EndpointID');
    if (!this.state.networks.has(nid)) throw new PluginError(`${nid} network does not exist`);
    const ep = this.state.endpoints.get(eid);
    if (ep === undefined || ep.networkId !== nid) throw new PluginError(`${nid} endpoint does not exist`);
    return ep;
  }

  private endpointOperInfo(b: PluginRequest): object {
    const ep = this.endpoint(b);
    return { Value: { ip_address: ep.ipv4 ?? '', mac_address: '', veth_outside: ep.vethOuter ?? '' } };
  }

  private async join(b: PluginRequest): Promise<object> {
    const ep = this.endpoint(b);
    const net = this.state.networks.get(ep.networkId)!;
    if (ep.vethOuter !== undefined) await this.bridges.deleteLink(ep.vethOuter);
    const { outer, inner } = await this.bridges.addVeth(net.bridge);
    ep.vethOuter = outer;
    this.state.save();
    this.hooks.endpointChanged(ep);
    return {
      InterfaceName: { SrcName: inner, DstPrefix: 'eth' },
      Gateway: '',
      GatewayIPv6: '',
      StaticRoutes: null,
      DisableGatewayService: false,
    };
  }

  private async leave(b: PluginRequest): Promise<object> {
    const ep = this.endpoint(b);
    ep.left = true;
    await this.routes.withdraw(ep, 'leave');
    if (ep.vethOuter !== undefined) await this.bridges.deleteLink(ep.vethOuter);
    ep.vethOuter = undefined;
    this.state.save();
    return {};
  }

  private async deleteEndpoint(b: PluginRequest): Promise<object> {
    const nid = field(b, 'NetworkID');
    const eid = field(b, 'EndpointID');
    const ep = this.state.endpoints.get(eid);
    if (ep === undefined || ep.networkId !== nid) return {};
    await this.forgetEndpoint(ep, 'endpoint deleted');
    return {};
  }

  /** Out of service, host veth deleted, record dropped (DeleteEndpoint, or Docker forgot it). */
  async forgetEndpoint(ep: EndpointRecord, why: string): Promise<void> {
    ep.left = true;
    await this.routes.withdraw(ep, why);
    if (ep.vethOuter !== undefined) await this.bridges.deleteLink(ep.vethOuter);
    this.state.endpoints.delete(ep.endpointId);
    this.state.save();
  }

  /**
   * Networks restored from the state file that Docker no longer has (removed while the plugin was
   * down: Docker's DeleteNetwork failed and it went on): their endpoints and bridges go. Only
   * restored ones are considered, never one created since start (Docker stores a new network
   * after CreateNetwork answers, so a list taken meanwhile would miss it).
   */
  async forgetGoneNetworks(restored: ReadonlySet<string>, existing: ReadonlySet<string>): Promise<void> {
    for (const id of restored) {
      const net = this.state.networks.get(id);
      if (net === undefined || existing.has(id)) continue;
      for (const ep of this.state.endpointsOf(id)) await this.forgetEndpoint(ep, 'network gone');
      await this.bridges.deleteLink(net.bridge);
      this.state.networks.delete(id);
      this.state.save();
      this.log.info({ network: id.slice(0, 12), bridge: net.bridge }, 'network removed while the plugin was down: forgotten');
    }
  }
}
