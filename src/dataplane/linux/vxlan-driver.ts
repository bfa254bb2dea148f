/**
 * What the two Linux VXLAN drivers (evpn.ts, ipvpn.ts) share: the kernel link, the probe of
 * what the kernel offers (a missing feature makes the driver refuse attachments with the reason,
 * instead of failing later in the kernel), the MTU left for ports once VXLAN's overhead is taken
 * from the underlay, and the instance-wide lifecycle (release stale entries, clean shutdown,
 * looking-glass facts).
 */
import type { Logger } from '../../util/log.js';
import type { Json } from '../../vpn/types.js';
import { LinuxKernel, type KernelFeatures } from './kernel.js';
import { linksByName, underlayMtu, VXLAN_OVERHEAD, type JsonLink } from './links.js';
import { LinkMonitor } from './link-monitor.js';

export interface VxlanDriverOptions {
  readonly localAddress: string;
  readonly vxlanDstPort: number;
  readonly log: Logger;
  /** Seconds between re-reads of the kernel objects the driver owns (60); 0: only at start (and
   *  on link deletions). */
  readonly reconcileInterval?: number;
}

/** One instance's kernel objects, as the driver sees them. */
interface ManagedInstance {
  releaseStale(): void;
  cleanup(): void;
  /** Compares the kernel (links as read now) with what the instance needs and fixes only the
   *  difference; runs inside the kernel queue. */
  repair(links: Map<string, JsonLink>): Promise<void>;
}

/** A deletion burst (a bridge and its ports) is one repair pass, this long after its first event. */
const EVENT_SETTLE_MS = 200;

export abstract class VxlanDriver<K, I extends ManagedInstance> {
  readonly localAddress: string;
  readonly kernel: LinuxKernel;
  /** Why attachments are refused on this host; undefined when the driver can work. */
  unusable: string | undefined;
  mtu = 1500 - VXLAN_OVERHEAD;
  protected features: KernelFeatures | undefined;
  protected readonly instances = new Map<K, I>();
  private monitor: LinkMonitor | undefined;
  private timer: NodeJS.Timeout | undefined;
  private settle: NodeJS.Timeout | undefined;

  constructor(protected readonly o: VxlanDriverOptions) {
    this.localAddress = o.localAddress;
    this.kernel = new LinuxKernel(o.log);
  }

  /**
   * Probes the kernel; `missing` says what this driver lacks (undefined: nothing). Returns false
   * when the driver cannot work here, after logging why.
   */
  protected async probe(what: string, missing: (f: KernelFeatures) => string | undefined): Promise<boolean> {
    const f = (this.features = await LinuxKernel.probe());
    const lack = missing(f);
    if (lack !== undefined) {
      this.unusable = lack;
      this.o.log.error({ problems: f.problems }, `dataplane: ${what} attachments will be refused on this host`);
      return false;
    }
    this.mtu = (await underlayMtu(this.kernel, this.o.localAddress)) - VXLAN_OVERHEAD;
    return true;
  }

  releaseStale(): void {
    for (const instance of this.instances.values()) instance.releaseStale();
  }

  /**
   * After the reconcile at start: re-read the kernel every reconcileInterval seconds, and soon
   * after a link is deleted (`ip monitor link`), so that a device or port removed behind our back
   * is noticed, logged and, for the driver's own devices, made again with their entries.
   */
  protected watch(): void {
    if (this.monitor || this.unusable !== undefined) return;
    this.monitor = new LinkMonitor(() => {
      this.kernel.noteLinksChanged();
      this.repairSoon();
    }, this.o.log);
    this.monitor.start();
    const every = this.o.reconcileInterval ?? 60;
    if (every > 0) {
      this.timer = setInterval(() => this.repairAll(), every * 1000);
      this.timer.unref();
    }
  }

  private repairSoon(): void {
    if (this.settle !== undefined || this.instances.size === 0) return;
    this.settle = setTimeout(() => {
      this.settle = undefined;
      this.repairAll();
    }, EVENT_SETTLE_MS);
    this.settle.unref();
  }

  /** One reconcile pass over every live instance, queued after the commands already queued. */
  repairAll(): Promise<void> {
    this.kernel.enqueue('periodic reconcile', async () => {
      if (this.instances.size === 0) return;
      const links = await linksByName(this.kernel);
      for (const instance of [...this.instances.values()]) await instance.repair(links);
    });
    return this.kernel.idle();
  }

  async shutdown(): Promise<void> {
    this.monitor?.close();
    clearInterval(this.timer);
    clearTimeout(this.settle);
    for (const instance of [...this.instances.values()]) instance.cleanup();
    await this.kernel.idle();
    this.kernel.close();
  }

  info(): { [key: string]: Json } {
    const problems = this.features?.problems ?? [];
    return {
      vxlan_dst_port: this.o.vxlanDstPort,
      mtu: this.mtu,
      kernel_features: problems.length === 0 ? 'bridge, vxlan, ip rule' : problems.join('; '),
      kernel_errors: this.kernel.failures.slice(-10),
    };
  }
}

/**
 * Ports an instance has attached that are gone from the kernel (a container stopped without a
 * detach, someone deleted the veth): logged once when they go and once when they come back (the
 * repair then plugs them again); the looking glass lists them.
 */
export class MissingPorts {
  private readonly gone = new Set<string>();

  constructor(
    private readonly log: Logger,
    private readonly instance: string,
  ) {}

  /** Whether the port exists in `links`, logging a change. */
  present(port: string, links: Map<string, JsonLink>): boolean {
    const here = links.has(port);
    if (!here && !this.gone.has(port)) {
      this.gone.add(port);
      this.log.warn({ instance: this.instance, port }, `dataplane: port ${port} attached to ${this.instance} is gone from the kernel (deleted behind bgpiped's back, or its container stopped): it stays attached until detached, and is plugged again if it comes back`);
    } else if (here && this.gone.delete(port)) {
      this.log.info({ instance: this.instance, port }, `dataplane: port ${port} attached to ${this.instance} is back in the kernel: plugged again`);
    }
    return here;
  }

  forget(port: string): void {
    this.gone.delete(port);
  }

  list(): string[] {
    return [...this.gone].sort();
  }
}
