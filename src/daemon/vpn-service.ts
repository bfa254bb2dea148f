/**
 * Wires the VPN instances into bgpiped: their routes go into the RIB as local routes, the
 * RIB's best-path changes come back to them, attachments are persisted in the state directory
 * and restored at start, and bagpipe-bgp's REST API and looking glass are served from them.
 */
import { recentWarnings } from '../util/log.js';
import type { Logger } from '../util/log.js';
import type { BgpipeModel } from '../api/model.js';
import { parseAttach } from '../api/bagpipe/attach-request.js';
import { lgInfo } from '../api/bagpipe/lg-tree.js';
import { lookingGlassRoot } from '../api/bagpipe/looking-glass.js';
import type { BagpipeBackend } from '../api/bagpipe/rest.js';
import type { BestPathChange, Route } from '../rib/types.js';
import type { Family } from '../wire/family.js';
import { DummyDataplaneDriver, type DataplaneDriver } from '../vpn/dataplane.js';
import { LinuxEvpnDriver } from '../dataplane/linux/evpn.js';
import { LinuxIpvpnDriver } from '../dataplane/linux/ipvpn.js';
import { IPV4_VPN, IPV6_VPN, L2VPN_EVPN } from '../wire/family.js';
import { VpnManager } from '../vpn/manager.js';
import { AttachmentStore } from '../vpn/store.js';
import type { JsonObject } from '../vpn/types.js';
import type { BgpServer } from './bgp-server.js';
import { VERSION } from './views.js';

export interface VpnSettings {
  /** BGP local address (RDs, type-3 originating IP); default: the router id. */
  readonly localAddress?: string;
  /** VXLAN source / route next hop, per driver; default: localAddress. */
  readonly evpnLocalAddress?: string;
  readonly ipvpnLocalAddress?: string;
  readonly enableRtc: boolean;
  /** undefined: attachments are kept in memory only (in-process tests). */
  readonly stateDir?: string;
  /** The configuration as bagpipe-bgp's sections, for the looking glass's /config. */
  readonly lgConfig?: JsonObject;
  /** `[DATAPLANE_DRIVER_EVPN|IPVPN] dataplane_driver`: dummy (default) or linux. */
  readonly evpnDriver?: 'dummy' | 'linux';
  readonly ipvpnDriver?: 'dummy' | 'linux';
  /** VXLAN UDP port (4789). */
  readonly evpnVxlanDstPort?: number;
  readonly ipvpnVxlanDstPort?: number;
  /** Seconds between re-reads of the kernel objects each Linux driver owns (60; 0 = only at start). */
  readonly evpnReconcileInterval?: number;
  readonly ipvpnReconcileInterval?: number;
  /** Seconds after start before remote entries not learnt again leave the kernel, unless every
   *  configured neighbour sent End-of-RIB for the VPN families first (60). */
  readonly staleTime?: number;
}

const VPN_FAMILIES: readonly Family[] = [L2VPN_EVPN, IPV4_VPN, IPV6_VPN];
const QUIET_MS = 2000;

export class VpnService {
  readonly manager: VpnManager;
  readonly drivers: { evpn: DataplaneDriver; ipvpn: DataplaneDriver };
  readonly backend: BagpipeBackend;
  private readonly store: AttachmentStore | undefined;
  private readonly settings: VpnSettings;
  private restoring = false;
  private staleTimer: NodeJS.Timeout | undefined;
  private staleReleased = false;
  private lastVpnChange = 0;
  private readonly waitingFor = new Set<string>();
  private readonly eor = new Map<string, Set<Family>>();

  constructor(
    server: BgpServer,
    model: BgpipeModel,
    settings: VpnSettings,
    private readonly log: Logger,
  ) {
    this.settings = settings;
    const rib = server.rib;
    const localAddress = settings.localAddress ?? server.settings.routerId;
    // bagpipe-bgp's dummy EVPN driver speaks VXLAN, its IP VPN one MPLS; both Linux drivers VXLAN.
    const evpnAddress = settings.evpnLocalAddress ?? localAddress;
    const ipvpnAddress = settings.ipvpnLocalAddress ?? localAddress;
    this.drivers = {
      evpn:
        settings.evpnDriver === 'linux'
          ? new LinuxEvpnDriver({ localAddress: evpnAddress, vxlanDstPort: settings.evpnVxlanDstPort ?? 4789, reconcileInterval: settings.evpnReconcileInterval, log })
          : new DummyDataplaneDriver(evpnAddress, ['vxlan']),
      ipvpn:
        settings.ipvpnDriver === 'linux'
          ? new LinuxIpvpnDriver({ localAddress: ipvpnAddress, vxlanDstPort: settings.ipvpnVxlanDstPort ?? 4789, reconcileInterval: settings.ipvpnReconcileInterval, log })
          : new DummyDataplaneDriver(ipvpnAddress, ['mpls']),
    };
    for (const n of server.settings.neighbors) if (!n.adminDown) this.waitingFor.add(n.session.peerAddress);
    this.store = settings.stateDir !== undefined ? new AttachmentStore(settings.stateDir) : undefined;
    const best = (f: Family): Iterable<Route> => bestRoutes(server, f);
    this.manager = new VpnManager({
      localAs: server.settings.localAs,
      localAddress,
      enableRtc: settings.enableRtc,
      drivers: this.drivers,
      sink: { originate: (f, n, a) => rib.originate(f, n, a), withdraw: (f, n) => rib.withdrawOriginated(f, n) },
      best,
      persist: this.store ? (changes) => (this.restoring ? Promise.resolve() : this.store!.commit(changes)) : undefined,
      log,
    });
    rib.watchBestPaths(VPN_FAMILIES, (c: BestPathChange) => {
      this.lastVpnChange = Date.now();
      this.manager.onBestPathChange(c);
    });
    let base = '';
    const root = lookingGlassRoot(
      {
        model,
        vpn: this.manager,
        drivers: this.drivers,
        config: () => settings.lgConfig ?? {},
        logs: () => recentWarnings().map((r) => ({ ...r })),
        best,
        startTime: new Date(server.startedAt),
        version: VERSION,
      },
      () => base,
    );
    this.backend = {
      attach: (r) => this.manager.attach(r),
      detach: (r) => this.manager.detach(r),
      lookingGlass: (path, b) => {
        base = b;
        return lgInfo(root, b, path);
      },
    };
  }

  /**
   * Probes the kernel for the drivers, re-applies the stored attachments, then lets the drivers
   * remove what they own and nobody needs. Remote entries found in the kernel stay until every
   * configured neighbour has sent End-of-RIB for the VPN families (RFC 4724 §2), or staleTime.
   */
  async start(): Promise<void> {
    const drivers = [...new Set([this.drivers.evpn, this.drivers.ipvpn])];
    for (const d of drivers) await d.start?.();
    await this.restore();
    for (const d of drivers) if (d.unusable === undefined) await d.reconcile?.();
    if (this.waitingFor.size === 0) this.releaseStale('no neighbours configured');
    else {
      this.staleTimer = setTimeout(() => this.releaseStale(`stale-time (${this.settings.staleTime ?? 60} s) elapsed`), (this.settings.staleTime ?? 60) * 1000);
      this.staleTimer.unref();
    }
  }

  /** A neighbour sent End-of-RIB: stale entries go once every configured one has, for the VPN
   *  families of its session. */
  endOfRib(address: string, family: Family, families: ReadonlySet<Family> | undefined): void {
    if (!VPN_FAMILIES.includes(family) || !this.waitingFor.has(address) || families === undefined) return;
    let got = this.eor.get(address);
    if (got === undefined) this.eor.set(address, (got = new Set()));
    got.add(family);
    if (!VPN_FAMILIES.every((f) => !families.has(f) || got.has(f))) return;
    this.waitingFor.delete(address);
    if (this.waitingFor.size === 0) this.releaseWhenQuiet();
  }

  /**
   * A route reflector may send the VPN End-of-RIB before it has applied our RT memberships
   * (RFC 4684 §6 asks it to wait; bgpiped as a reflector does not yet), and the routes then come
   * after it: the release waits until no VPN best path has changed for QUIET_MS as well.
   */
  private releaseWhenQuiet(): void {
    const left = this.lastVpnChange + QUIET_MS - Date.now();
    if (left <= 0) this.releaseStale('End-of-RIB from every configured neighbour, then no VPN change for 2 s');
    else setTimeout(() => this.releaseWhenQuiet(), left).unref();
  }

  private releaseStale(why: string): void {
    if (this.staleReleased) return;
    this.staleReleased = true;
    clearTimeout(this.staleTimer);
    // After the best-path changes already queued (the VPN manager hands them over in a microtask).
    setImmediate(() => {
      for (const d of new Set([this.drivers.evpn, this.drivers.ipvpn])) d.releaseStale?.();
      this.log.info({ why }, 'dataplane: stale remote entries released');
    });
  }

  /** Re-applies the stored attachments (their routes are re-advertised as sessions come up). */
  async restore(): Promise<void> {
    if (!this.store) return;
    const records = this.store.load();
    this.restoring = true;
    let restored = 0;
    try {
      for (const r of records) {
        try {
          await this.manager.attach(parseAttach(r));
          restored++;
        } catch (err) {
          this.log.error({ attachment: r, error: (err as Error).message }, 'stored attachment refused, dropped');
        }
      }
    } finally {
      this.restoring = false;
    }
    // One snapshot of what is in effect now: the journal folded in, refused attachments gone.
    await this.store.replace(this.manager.attachments());
    if (records.length) this.log.info({ attachments: restored, file: this.store.path }, 'attachments restored');
  }

  stop(): void {
    this.manager.stop();
  }

  /** Daemon stop: the drivers remove every kernel object they made (bagpipe-bgp's cleanup). */
  async shutdown(): Promise<void> {
    clearTimeout(this.staleTimer);
    await this.store?.close();
    for (const d of new Set([this.drivers.evpn, this.drivers.ipvpn])) await d.shutdown?.();
  }
}

function* bestRoutes(server: BgpServer, f: Family): Iterable<Route> {
  for (const d of server.rib.destinations(f)) if (d.best) yield d.best;
}
