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
import { underlayMtu, VXLAN_OVERHEAD } from './links.js';

export interface VxlanDriverOptions {
  readonly localAddress: string;
  readonly vxlanDstPort: number;
  readonly log: Logger;
}

/** One instance's kernel objects, as the driver sees them. */
interface ManagedInstance {
  releaseStale(): void;
  cleanup(): void;
}

export abstract class VxlanDriver<K, I extends ManagedInstance> {
  readonly localAddress: string;
  readonly kernel: LinuxKernel;
  /** Why attachments are refused on this host; undefined when the driver can work. */
  unusable: string | undefined;
  mtu = 1500 - VXLAN_OVERHEAD;
  protected features: KernelFeatures | undefined;
  protected readonly instances = new Map<K, I>();

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

  async shutdown(): Promise<void> {
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
