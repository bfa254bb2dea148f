/**
 * bgpiped as a whole: the BGP server, the local HTTP API and metrics, reload on SIGHUP and a
 * clean stop on SIGTERM/SIGINT (Cease NOTIFICATIONs to every neighbour).
 */
import type { Logger } from '../util/log.js';
import { HttpApi } from '../api/http-server.js';
import { Metrics } from '../api/metrics.js';
import { newPingValue } from '../api/ping.js';
import { BgpServer } from './bgp-server.js';
import type { ServerSettings } from './settings.js';
import { ServerModel } from './views.js';
import { VpnService, type VpnSettings } from './vpn-service.js';
import { BagpipeRest } from '../api/bagpipe/rest.js';
import { KernelRoutes, type KernelSettings } from './kernel-routes.js';

export interface DaemonSettings {
  readonly server: ServerSettings;
  readonly api: { readonly host: string; readonly port: number } | undefined;
  /** Lines the config loader wants an operator to see (unsupported sections and the like). */
  readonly warnings: readonly string[];
  /** VPN instances and bagpipe-bgp's REST API; default: RTC on, state in memory only. */
  readonly vpn?: VpnSettings;
  /** `[kernel]`: best unicast paths into a kernel table; undefined = off. */
  readonly kernel?: KernelSettings;
}

export class Daemon {
  readonly server: BgpServer;
  readonly model: ServerModel;
  readonly metrics: Metrics;
  readonly vpn: VpnService;
  readonly kernel: KernelRoutes | undefined;
  private api: HttpApi | undefined;

  constructor(
    private settings: DaemonSettings,
    private readonly log: Logger,
    /** Re-reads the configuration for SIGHUP; throws a ConfigError-like Error when it is bad. */
    private readonly reread?: () => DaemonSettings,
  ) {
    let metrics: Metrics | undefined;
    let kernel: KernelRoutes | undefined;
    let vpn: VpnService | undefined;
    this.server = new BgpServer(settings.server, log, {
      message: (peer, direction, type, count) => {
        metrics?.messages.inc({ peer, direction, type }, count);
        if (type === 'update') metrics?.updates.inc({ peer, direction }, count);
      },
      session: (peer, to) => {
        metrics?.sessionTransitions.inc({ peer, to });
        if (to === 'up') kernel?.sessionUp(peer);
      },
      endOfRib: (peer, family) => {
        kernel?.endOfRib(peer, family);
        vpn?.endOfRib(peer, family, this.server.neighbors.get(peer)?.ribPeer?.families);
      },
    });
    this.kernel = kernel = settings.kernel ? new KernelRoutes(settings.kernel, this.server, log) : undefined;
    this.model = new ServerModel(this.server);
    this.metrics = metrics = new Metrics(this.model);
    this.vpn = vpn = new VpnService(this.server, this.model, settings.vpn ?? { enableRtc: true }, log);
  }

  async start(): Promise<void> {
    for (const w of this.settings.warnings) this.log.warn(w);
    const s = this.settings.server;
    this.log.info({ as: s.localAs, routerId: s.routerId, neighbors: s.neighbors.length }, 'bgpiped starting');
    await this.vpn.start();
    if (this.settings.api) {
      const ping = newPingValue();
      const bagpipe = new BagpipeRest(this.vpn.backend, ping, (err, what) => this.log.error({ error: (err as Error).stack ?? String(err) }, `${what} failed`));
      this.api = new HttpApi({ ...this.settings.api, model: this.model, metrics: this.metrics, ping, log: this.log, bagpipe });
      await this.api.listen();
    }
    await this.kernel?.start();
    await this.server.start();
  }

  get apiPort(): number | undefined {
    return this.api?.port;
  }

  /** SIGHUP: a bad new config is logged and changes nothing. */
  reload(): boolean {
    if (!this.reread) return false;
    let next: DaemonSettings;
    try {
      next = this.reread();
    } catch (err) {
      this.log.error({ error: (err as Error).message }, 'configuration reload failed, keeping the running configuration');
      return false;
    }
    const s = this.settings.server;
    if (next.server.localAs !== s.localAs || next.server.routerId !== s.routerId) {
      this.log.warn('global as/router-id changed: takes effect at the next restart');
    }
    for (const w of next.warnings) this.log.warn(w);
    this.server.reload({ ...next.server, localAs: s.localAs, routerId: s.routerId });
    this.settings = next;
    this.log.info({ neighbors: next.server.neighbors.length }, 'configuration reloaded');
    return true;
  }

  async stop(): Promise<void> {
    await this.api?.close();
    await this.server.stop();
    await this.kernel?.stop();
    await this.vpn.shutdown();
  }
}
