/**
 * Putting a container's address in service and taking it out (contract §2.5, §2.7): a host route
 * `<ip>/32` (and `/128`) on the network's bridge plus the BGP path. In service: local route
 * first, then the announcement (traffic drawn in must find its way); out of service: the
 * withdrawal first, then the local route (the drain's order).
 *
 * Several containers of one LB network on one host share the address (the IPAM hands out the
 * pool itself): the host route goes only when none of them is in service any more, and the
 * speaker counts owners the same way.
 */
import type { Logger } from '../../util/log.js';
import type { LbBridges } from '../../dataplane/linux/lb-bridge.js';
import type { Announcer } from '../embedded-speaker.js';
import type { EndpointRecord, PluginState } from './state.js';

export function endpointPrefixes(ep: EndpointRecord): string[] {
  const out: string[] = [];
  if (ep.ipv4 !== undefined && ep.ipv4 !== '0.0.0.0') out.push(`${ep.ipv4}/32`);
  if (ep.ipv6 !== undefined) out.push(`${ep.ipv6}/128`);
  return out;
}

export class EndpointRoutes {
  private readonly live = new Set<string>();

  constructor(
    private readonly state: PluginState,
    private readonly bridges: LbBridges,
    private readonly speaker: Announcer,
    private readonly log: Logger,
  ) {}

  isAdvertised(endpointId: string): boolean {
    return this.live.has(endpointId);
  }

  async advertise(ep: EndpointRecord): Promise<void> {
    const net = this.state.networks.get(ep.networkId);
    if (net === undefined || this.live.has(ep.endpointId)) return;
    for (const p of endpointPrefixes(ep)) await this.bridges.addHostRoute(p, net.bridge);
    this.live.add(ep.endpointId);
    for (const p of endpointPrefixes(ep)) this.speaker.advertise(owner(ep), p);
    this.log.info({ endpoint: ep.endpointId.slice(0, 12), container: ep.containerId?.slice(0, 12), prefixes: endpointPrefixes(ep) }, 'container in service');
  }

  /** Withdraw and remove our host routes (also when not known as advertised: after a restart,
   *  a route of the previous run may be left on the bridge). */
  async withdraw(ep: EndpointRecord, why: string): Promise<void> {
    const was = this.live.delete(ep.endpointId);
    for (const p of endpointPrefixes(ep)) this.speaker.withdraw(owner(ep), p);
    const net = this.state.networks.get(ep.networkId);
    if (net !== undefined) {
      const stillServed = new Set(
        this.state
          .endpointsOf(ep.networkId)
          .filter((o) => o.endpointId !== ep.endpointId && this.live.has(o.endpointId))
          .flatMap(endpointPrefixes),
      );
      for (const p of endpointPrefixes(ep)) if (!stillServed.has(p)) await this.bridges.deleteHostRoute(p, net.bridge);
    }
    if (was) this.log.info({ endpoint: ep.endpointId.slice(0, 12), container: ep.containerId?.slice(0, 12), why }, 'container out of service');
  }
}

function owner(ep: EndpointRecord): string {
  return `endpoint:${ep.endpointId}`;
}
