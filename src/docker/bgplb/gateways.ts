/**
 * Gateway bridges (contract §2.8): a Docker network labelled `bgplb_advertise=true` (a plain
 * bridge network with masquerade off, so containers reach out without NAT) has each of its
 * subnets announced with its own prefix length, and withdrawn when the network is destroyed.
 * Like v1.8 and unlike v0.6 this is live (network create/destroy events), so the seed README's
 * order — plugin first, bridge second — works; every (re)connection of the event stream
 * re-reads the labelled networks, so nothing created or removed in between is missed.
 */
import type { Logger } from '../../util/log.js';
import { EngineError, type EngineClient, type EngineEvent, type NetworkInspect } from '../engine-client.js';
import type { Announcer } from '../embedded-speaker.js';

export const ADVERTISE_LABEL = 'bgplb_advertise';

export class Gateways {
  /** network id → announced subnets. */
  private readonly announced = new Map<string, string[]>();

  constructor(
    private readonly engine: EngineClient,
    private readonly speaker: Announcer,
    private readonly log: Logger,
  ) {}

  onEvent(e: EngineEvent): void {
    if (e.Type !== 'network') return;
    if (e.Action === 'create') {
      this.engine
        .inspectNetwork(e.Actor.ID)
        .then((n) => this.apply(n))
        .catch((err: unknown) => {
          if (!(err instanceof EngineError && err.status === 404)) this.log.warn({ network: e.Actor.ID.slice(0, 12), error: (err as Error).message }, 'gateway: cannot inspect new network');
        });
    } else if (e.Action === 'destroy') {
      this.drop(e.Actor.ID);
    }
  }

  /** Re-read every labelled network: announce new ones, withdraw the ones gone. */
  async sync(): Promise<void> {
    const nets = await this.engine.listNetworks({ label: [`${ADVERTISE_LABEL}=true`] });
    const seen = new Set<string>();
    for (const n of nets) {
      if (!labelled(n)) continue;
      seen.add(n.Id);
      // The list has IPAM config; inspect only when it lacks it.
      this.apply(n.IPAM?.Config ? n : await this.engine.inspectNetwork(n.Id));
    }
    for (const id of [...this.announced.keys()]) if (!seen.has(id)) this.drop(id);
  }

  private apply(n: NetworkInspect): void {
    if (!labelled(n) || this.announced.has(n.Id)) return;
    const subnets = (n.IPAM?.Config ?? []).map((c) => c.Subnet).filter((s): s is string => typeof s === 'string' && s !== '');
    this.announced.set(n.Id, subnets);
    for (const s of subnets) {
      try {
        this.speaker.advertise(owner(n.Id), s);
      } catch (e) {
        this.log.warn({ network: n.Name, subnet: s, error: (e as Error).message }, 'gateway: subnet not advertised');
      }
    }
    this.log.info({ network: n.Name, subnets }, 'gateway network advertised');
  }

  private drop(id: string): void {
    const subnets = this.announced.get(id);
    if (subnets === undefined) return;
    this.announced.delete(id);
    for (const s of subnets) this.speaker.withdraw(owner(id), s);
    this.log.info({ network: id.slice(0, 12), subnets }, 'gateway network withdrawn');
  }
}

function labelled(n: NetworkInspect): boolean {
  return n.Labels?.[ADVERTISE_LABEL] === 'true';
}

function owner(id: string): string {
  return `gateway:${id}`;
}
