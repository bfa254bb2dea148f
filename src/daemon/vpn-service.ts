/**
 * Wires the VPN instances into bgpiped: their routes go into the RIB as local routes, the
 * RIB's best-path changes come back to them, attachments are persisted in the state directory
 * and restored at start, and bagpipe-bgp's REST API and looking glass are served from them.
 */
import type { Logger } from '../util/log.js';
import type { BgpipeModel } from '../api/model.js';
import { parseAttach } from '../api/bagpipe/attach-request.js';
import { lgInfo } from '../api/bagpipe/lg-tree.js';
import { lookingGlassRoot } from '../api/bagpipe/looking-glass.js';
import type { BagpipeBackend } from '../api/bagpipe/rest.js';
import type { Route } from '../rib/types.js';
import type { Family } from '../wire/family.js';
import { DummyDataplaneDriver, type DataplaneDriver } from '../vpn/dataplane.js';
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
}

export class VpnService {
  readonly manager: VpnManager;
  readonly drivers: { evpn: DataplaneDriver; ipvpn: DataplaneDriver };
  readonly backend: BagpipeBackend;
  private readonly store: AttachmentStore | undefined;
  private restoring = false;

  constructor(
    server: BgpServer,
    model: BgpipeModel,
    settings: VpnSettings,
    private readonly log: Logger,
  ) {
    const rib = server.rib;
    const localAddress = settings.localAddress ?? server.settings.routerId;
    // Only the dummy drivers exist yet (the Linux driver is its own work): bagpipe-bgp's dummy
    // EVPN driver speaks VXLAN, its IP VPN one MPLS.
    this.drivers = {
      evpn: new DummyDataplaneDriver(settings.evpnLocalAddress ?? localAddress, ['vxlan']),
      ipvpn: new DummyDataplaneDriver(settings.ipvpnLocalAddress ?? localAddress, ['mpls']),
    };
    this.store = settings.stateDir !== undefined ? new AttachmentStore(settings.stateDir) : undefined;
    const best = (f: Family): Iterable<Route> => bestRoutes(server, f);
    this.manager = new VpnManager({
      localAs: server.settings.localAs,
      localAddress,
      enableRtc: settings.enableRtc,
      drivers: this.drivers,
      sink: { originate: (f, n, a) => rib.originate(f, n, a), withdraw: (f, n) => rib.withdrawOriginated(f, n) },
      best,
      persist: this.store ? (records) => (this.restoring ? Promise.resolve() : this.store!.save(records)) : undefined,
      log,
    });
    // Other parts of the daemon (kernel routes) listen too: chain, do not replace.
    const previous = rib.onBestPathChange;
    rib.onBestPathChange = previous === undefined ? (c) => this.manager.onBestPathChange(c) : (c) => (previous(c), this.manager.onBestPathChange(c));
    let base = '';
    const root = lookingGlassRoot(
      {
        model,
        vpn: this.manager,
        drivers: this.drivers,
        config: () => settings.lgConfig ?? {},
        logs: () => [],
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
    if (restored !== records.length) await this.store.save(this.manager.attachments());
    if (records.length) this.log.info({ attachments: restored, file: this.store.path }, 'attachments restored');
  }

  stop(): void {
    this.manager.stop();
  }
}

function* bestRoutes(server: BgpServer, f: Family): Iterable<Route> {
  for (const d of server.rib.destinations(f)) if (d.best) yield d.best;
}
