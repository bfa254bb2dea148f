/**
 * When a container's address is in service (contract §2.6, §2.9, and the item 3/4).
 *
 * docker-bgp-lb polls each new endpoint every second and decides once. bgpipe follows Docker's
 * event stream and keeps deciding: an event about a container is only a trigger, the container
 * is inspected and the answer is recomputed from what Docker reports now:
 *
 *   in service  ⇔  running, not paused, healthy (or without a health check), not draining,
 *                  and the endpoint has not left
 *
 * so a container that turns unhealthy is withdrawn and re-advertised when it recovers, a stop
 * or death withdraws, and a resubscribed stream (or a plugin restart) converges by re-checking
 * every endpoint. Work per container is serialised, so two events cannot race.
 *
 * Graceful drain (SIGUSR2_HANDLER=true): a `kill` event with signal 12 marks the container
 * draining, which takes every endpoint of it on a network of ours (the networks Docker reports
 * for the container that this plugin created, not a hard-coded driver name) out of service;
 * then, with SIGUSR2_ACTION=stop, after DRAIN_DELAY the container gets SIGTERM through
 * POST /containers/{id}/kill (docker-bgp-lb's stop call loses its signal on Docker < 23).
 * A new start of the container ends the drain. Containers without an endpoint of ours are left
 * alone (docker-bgp-lb stops any container that gets SIGUSR2).
 */
import type { Logger } from '../../util/log.js';
import { EngineError, type ContainerInspect, type EngineClient, type EngineEvent } from '../engine-client.js';
import type { EndpointRoutes } from './endpoint-routes.js';
import type { EndpointRecord, PluginState } from './state.js';

/** Docker's kill event carries the signal number; SIGUSR2 is 12 on Linux. */
const SIGUSR2 = '12';

export interface GateOptions {
  readonly sigusr2Handler: boolean;
  readonly stopAfterDrain: boolean;
  readonly drainDelayMs: number;
}

export class HealthGate {
  private readonly queues = new Map<string, Promise<void>>();
  private readonly draining = new Set<string>();
  private readonly drainTimers = new Map<string, NodeJS.Timeout>();
  private closed = false;
  /** Set by the plugin: drop an endpoint whose container is gone without a DeleteEndpoint. */
  forget: ((ep: EndpointRecord, why: string) => Promise<void>) | undefined;

  constructor(
    private readonly engine: EngineClient,
    private readonly state: PluginState,
    private readonly routes: EndpointRoutes,
    private readonly opts: GateOptions,
    private readonly log: Logger,
  ) {}

  /** Container and network events of interest (the rest of the stream is not asked for). */
  static readonly containerActions = ['start', 'restart', 'die', 'stop', 'kill', 'destroy', 'pause', 'unpause', 'health_status'];

  onEvent(e: EngineEvent): void {
    if (e.Type === 'container') {
      const id = e.Actor.ID;
      if (e.Action === 'kill' && e.Actor.Attributes?.['signal'] === SIGUSR2 && this.opts.sigusr2Handler) {
        this.drain(id);
        return;
      }
      if (e.Action === 'start') this.endDrain(id);
      this.check(id, e.Action);
    } else if (e.Type === 'network' && (e.Action === 'connect' || e.Action === 'disconnect')) {
      const container = e.Actor.Attributes?.['container'];
      if (container !== undefined && this.state.networks.has(e.Actor.ID)) this.check(container, `network ${e.Action}`);
    }
  }

  /** An endpoint changed (created, joined): check its container if we know it. */
  endpointChanged(ep: EndpointRecord): void {
    if (ep.containerId !== undefined) this.check(ep.containerId, 'endpoint changed');
  }

  /**
   * Re-check every endpoint we hold (start, event stream reconnected). Endpoints whose container
   * is not known yet are looked up in their network's inspect.
   */
  resync(): void {
    const byNetwork = new Map<string, EndpointRecord[]>();
    for (const ep of this.state.endpoints.values()) {
      if (ep.containerId !== undefined) this.check(ep.containerId, 'resync');
      else byNetwork.set(ep.networkId, [...(byNetwork.get(ep.networkId) ?? []), ep]);
    }
    for (const [nid, eps] of byNetwork) {
      this.engine
        .inspectNetwork(nid)
        .then((net) => {
          for (const [cid, c] of Object.entries(net.Containers ?? {})) {
            const ep = eps.find((x) => x.endpointId === c.EndpointID);
            if (ep !== undefined) this.check(cid, 'resync');
          }
        })
        .catch((e: unknown) => this.log.warn({ network: nid.slice(0, 12), error: (e as Error).message }, 'resync: cannot inspect network'));
    }
  }

  /** Resolves when the work queued so far for every container is done (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.queues.values()]);
  }

  close(): void {
    this.closed = true;
    for (const t of this.drainTimers.values()) clearTimeout(t);
    this.drainTimers.clear();
  }

  /** Re-evaluate a container; resolves to the number of our endpoints it has (0 on error). */
  private check(containerId: string, why: string): Promise<number> {
    const prev = this.queues.get(containerId) ?? Promise.resolve();
    const next = prev.then(() => this.evaluate(containerId, why)).catch((e: unknown) => {
      this.log.error({ container: containerId.slice(0, 12), error: (e as Error).message }, 'health gate: cannot apply the container state');
      return 0;
    });
    const done = next.then(() => undefined);
    this.queues.set(containerId, done);
    void done.then(() => {
      if (this.queues.get(containerId) === done) this.queues.delete(containerId);
    });
    return next;
  }

  private async evaluate(containerId: string, why: string): Promise<number> {
    let info: ContainerInspect | undefined;
    try {
      info = await this.engine.inspectContainer(containerId);
    } catch (e) {
      if (!(e instanceof EngineError && e.status === 404)) throw e;
    }
    const eps = this.endpointsOf(containerId, info);
    if (eps.length === 0) return 0;
    if (info === undefined) {
      // Docker cleans an endpoint up (Leave, DeleteEndpoint) before the container is destroyed;
      // one still here missed it (the plugin was down then).
      for (const ep of eps) {
        await this.routes.withdraw(ep, 'container gone');
        await this.forget?.(ep, 'container gone');
      }
      this.endDrain(containerId);
      return eps.length;
    }
    const inService = inServiceState(info) && !this.draining.has(containerId);
    for (const ep of eps) {
      if (inService && ep.left !== true) await this.routes.advertise(ep);
      else if (this.routes.isAdvertised(ep.endpointId) || why === 'resync') await this.routes.withdraw(ep, reason(info, this.draining.has(containerId), why));
    }
    return eps.length;
  }

  /** Our endpoints of this container: those already tied to it, and those Docker now reports. */
  private endpointsOf(containerId: string, info: ContainerInspect | undefined): EndpointRecord[] {
    const out = new Set<EndpointRecord>();
    let changed = false;
    for (const n of Object.values(info?.NetworkSettings.Networks ?? {})) {
      const ep = this.state.endpoints.get(n.EndpointID);
      if (ep === undefined || ep.networkId !== n.NetworkID) continue;
      if (ep.containerId !== containerId) {
        ep.containerId = containerId;
        changed = true;
      }
      out.add(ep);
    }
    for (const ep of this.state.endpoints.values()) if (ep.containerId === containerId) out.add(ep);
    if (changed) this.state.save();
    return [...out];
  }

  private drain(containerId: string): void {
    if (this.closed) return;
    this.draining.add(containerId);
    this.log.info({ container: containerId.slice(0, 12) }, 'SIGUSR2: draining');
    void this.check(containerId, 'SIGUSR2 drain').then((endpoints) => {
      // Only containers on our networks: SIGUSR2 means something else to other programs
      // (log reopening), and docker-bgp-lb's SIGTERM to every such container is a hazard.
      if (endpoints === 0) {
        this.draining.delete(containerId);
        return;
      }
      if (!this.opts.stopAfterDrain || this.drainTimers.has(containerId) || this.closed) return;
      const t = setTimeout(() => {
        this.drainTimers.delete(containerId);
        this.engine
          .killContainer(containerId, 'SIGTERM')
          .then(() => this.log.info({ container: containerId.slice(0, 12) }, 'drained: SIGTERM sent'))
          .catch((e: unknown) => this.log.warn({ container: containerId.slice(0, 12), error: (e as Error).message }, 'drained: SIGTERM not delivered'));
      }, this.opts.drainDelayMs);
      this.drainTimers.set(containerId, t);
    });
  }

  private endDrain(containerId: string): void {
    this.draining.delete(containerId);
    const t = this.drainTimers.get(containerId);
    if (t !== undefined) clearTimeout(t);
    this.drainTimers.delete(containerId);
  }
}

/** Running, not paused, and healthy when it has a health check. */
export function inServiceState(c: ContainerInspect): boolean {
  if (!c.State.Running || c.State.Paused === true) return false;
  const health = c.State.Health?.Status;
  return health === undefined || health === '' || health === 'none' || health === 'healthy';
}

function reason(info: ContainerInspect, draining: boolean, why: string): string {
  if (draining) return 'draining (SIGUSR2)';
  if (!info.State.Running) return `container ${info.State.Status}`;
  if (info.State.Paused === true) return 'container paused';
  if (info.State.Health?.Status !== undefined) return `container ${info.State.Health.Status}`;
  return why;
}
