/**
 * What a VPN instance asks of the dataplane, per instance (bagpipe-bgp's VPNInstanceDataplane,
 * vpn/dataplane_drivers.py): local ports in and out, and the remote state learnt from BGP —
 * MAC/IP entries and flooding (ingress replication) destinations for an EVI (RFC 7432 §9, §11,
 * RFC 8365), routes for a VRF (RFC 4364 §9). Only the dummy driver lives here: it records the
 * calls, as bagpipe-bgp's DummyDataplaneDriver logs them. The Linux driver is its own module.
 */
import type { Json } from './types.js';

export interface RemoteMac {
  readonly mac: string;
  readonly ip: string | undefined;
  /** The remote VTEP (the route's next hop). */
  readonly nextHop: string;
  /** The VNI the remote end expects (the route's label field, RFC 8365 §5.1.3). */
  readonly vni: number;
}

export interface FloodEntry {
  /** PMSI tunnel endpoint (ingress replication, RFC 7432 §11.2). */
  readonly endpoint: string;
  readonly vni: number;
}

export interface RemoteRoute {
  /** `10.20.0.11/32`. */
  readonly prefix: string;
  readonly nextHop: string;
  readonly label: number;
  readonly lbConsistentHashOrder: number;
  /** The remote VTEP's MAC (RFC 9135 router's MAC community), when the route carries one. */
  readonly routerMac?: string | undefined;
}

export interface LocalPortPlug {
  readonly linuxif: string;
  readonly mac: string;
  readonly ip: string | undefined;
  /** The label (VRF) or VNI (EVI) traffic to this port arrives with. */
  readonly label: number;
}

export interface InstanceDataplane {
  addLocalPort(port: LocalPortPlug): void;
  removeLocalPort(port: LocalPortPlug, lastEndpoint: boolean): void;
  addRemoteMac(entry: RemoteMac): void;
  removeRemoteMac(entry: RemoteMac): void;
  addFloodEntry(entry: FloodEntry): void;
  removeFloodEntry(entry: FloodEntry): void;
  addRemoteRoute(entry: RemoteRoute): void;
  removeRemoteRoute(entry: RemoteRoute): void;
  /** The instance is gone: remove what is left. */
  cleanup(): void;
  /** The MAC remote hosts address routed traffic to (RFC 9135), advertised on the VPN routes
   *  as a router's MAC community; undefined when the driver needs none. */
  readonly routerMac?: string;
  /** The looking glass's `.../dataplane` extra fields. */
  info(): { [key: string]: Json };
}

export interface InstanceSettings {
  readonly instanceId: number;
  readonly externalId: string;
  readonly type: 'evpn' | 'ipvpn';
  /** VNI (EVI) or instance label (VRF). */
  readonly label: number;
  readonly gatewayIp: string | undefined;
  readonly linuxbr: string | undefined;
}

export interface DataplaneDriver {
  /** `DummyDataplaneDriver`, `LinuxVXLANDataplaneDriver`… (looking glass). */
  readonly name: string;
  /** Encapsulations it can carry, e.g. ['vxlan'] (advertised as RFC 9012 communities). */
  readonly encaps: readonly string[];
  readonly localAddress: string;
  /** The VNI is the instance's (one vxlan device per instance): every route of the instance
   *  carries the instance label, not a per-MAC one. */
  readonly vniPerInstance?: boolean;
  /** Why this driver cannot work on this host (a kernel feature is missing); attachments are
   *  then refused with this reason instead of failing in the kernel later. */
  readonly unusable?: string | undefined;
  createInstance(settings: InstanceSettings): InstanceDataplane;
  /** Before the stored attachments are restored: probe the kernel. */
  start?(): Promise<void>;
  /** After they are restored: remove what this driver owns in the kernel and no instance
   *  needs; remote entries not learnt again are removed later, by releaseStale(). */
  reconcile?(): Promise<void>;
  /** Remote entries found at start and not learnt again since go (End-of-RIB or a timer). */
  releaseStale?(): void;
  /** Daemon stop: remove every kernel object of the live instances and wait for it. */
  shutdown?(): Promise<void>;
  /** The looking glass's /vpns/dataplane/drivers extra fields. */
  info?(): { [key: string]: Json };
}

/** One recorded dataplane call. */
export interface DataplaneCall {
  readonly instance: string;
  readonly op: string;
  readonly args: Json;
}

/** The dummy driver's memory: the latest calls only, or a daemon left running with it would grow
 *  by every attach and every remote MAC forever. */
const KEEP_CALLS = 10_000;

/** Records the latest calls (tests read `calls`); forwards both ways, as bagpipe-bgp's dummy
 *  driver. */
export class DummyDataplaneDriver implements DataplaneDriver {
  readonly name = 'DummyDataplaneDriver';
  readonly calls: DataplaneCall[] = [];

  constructor(
    readonly localAddress: string,
    readonly encaps: readonly string[],
  ) {}

  createInstance(s: InstanceSettings): InstanceDataplane {
    const instance = s.externalId;
    // A shallow copy, as JSON would have it (no undefined members): every argument is a flat
    // record of strings and numbers.
    const rec = (op: string, args: object) => {
      if (this.calls.length >= KEEP_CALLS) this.calls.splice(0, KEEP_CALLS / 2);
      const copy: { [key: string]: Json } = {};
      for (const [k, v] of Object.entries(args)) if (v !== undefined) copy[k] = v as Json;
      this.calls.push({ instance, op, args: copy });
    };
    rec('createInstance', s);
    return {
      addLocalPort: (p) => rec('addLocalPort', p),
      removeLocalPort: (p, last) => rec('removeLocalPort', { ...p, last }),
      addRemoteMac: (e) => rec('addRemoteMac', e),
      removeRemoteMac: (e) => rec('removeRemoteMac', e),
      addFloodEntry: (e) => rec('addFloodEntry', e),
      removeFloodEntry: (e) => rec('removeFloodEntry', e),
      addRemoteRoute: (e) => rec('addRemoteRoute', e),
      removeRemoteRoute: (e) => rec('removeRemoteRoute', e),
      cleanup: () => rec('cleanup', {}),
      info: () => ({}),
    };
  }
}
