/**
 * bgplb as a whole: the BGP speaker, the persisted state, the Docker event watcher (health gate,
 * drain, gateway bridges) and the remote-plugin socket. Start-up follows docker-bgp-lb v1.8:
 * BGP first, then the saved networks' bridges, then the event watcher in the background (it
 * retries until the Docker API answers), then the socket, so Docker never calls a plugin that
 * has not restored its networks yet.
 */
import type { Logger } from '../../util/log.js';
import { LbBridges } from '../../dataplane/linux/lb-bridge.js';
import type { EmbeddedSpeaker } from '../embedded-speaker.js';
import { EngineClient, type EventWatch } from '../engine-client.js';
import { PluginServer, pluginLog } from '../plugin-server.js';
import { EndpointRoutes } from './endpoint-routes.js';
import { Gateways } from './gateways.js';
import { HealthGate } from './health-gate.js';
import { ipamHandlers } from './ipam.js';
import { NetworkDriver } from './network-driver.js';
import type { BgplbSettings } from './settings.js';
import { bgplbSpeaker } from './speaker.js';
import { PluginState } from './state.js';

export class Bgplb {
  readonly speaker: EmbeddedSpeaker;
  readonly state: PluginState;
  readonly gate: HealthGate;
  readonly gateways: Gateways;
  readonly server: PluginServer;
  private readonly driver: NetworkDriver;
  private watch: EventWatch | undefined;

  constructor(
    readonly settings: BgplbSettings,
    private readonly log: Logger,
    readonly engine: EngineClient = new EngineClient(),
    bridges: LbBridges = new LbBridges(),
  ) {
    this.speaker = bgplbSpeaker(settings, log);
    // Swarm (global scope) re-creates networks itself: no state is restored (v1.8).
    this.state = new PluginState(settings.globalScope ? undefined : settings.stateFile);
    const routes = new EndpointRoutes(this.state, bridges, this.speaker, log);
    this.gate = new HealthGate(engine, this.state, routes, settings, log);
    this.gateways = new Gateways(engine, this.speaker, log);
    this.driver = new NetworkDriver(this.state, bridges, routes, settings.globalScope ? 'global' : 'local', log, this.gate);
    this.server = new PluginServer({ socketPath: settings.socketPath, implements: ['NetworkDriver', 'IpamDriver'], log: pluginLog(log) });
    this.server.handleAll(ipamHandlers).handleAll(this.driver.handlers());
    this.gate.forget = (ep, why) => this.driver.forgetEndpoint(ep, why);
  }

  async start(): Promise<void> {
    const s = this.settings;
    this.log.info({ routerId: s.routerId, as: s.localAs, peers: s.peers, socket: s.socketPath }, 'bgplb starting');
    this.state.load();
    // Networks of the previous run, checked against Docker's list once it answers.
    let restored: Set<string> | undefined = this.settings.globalScope ? undefined : new Set(this.state.networks.keys());
    await this.speaker.start();
    // Bridges before the watcher: its first resync may put routes on them (after a reboot).
    await this.driver.restoreBridges();
    this.watch = this.engine.watchEvents((e) => {
      this.gate.onEvent(e);
      this.gateways.onEvent(e);
    }, {
      filters: { type: ['container', 'network'], event: [...HealthGate.containerActions, 'create', 'connect', 'disconnect'] },
      onConnect: () => {
        this.log.info('docker event stream connected');
        if (restored !== undefined && restored.size > 0) {
          const check = restored;
          this.engine
            .listNetworks()
            .then((nets) => {
              if (restored !== check) return; // another connection did it
              restored = undefined;
              return this.driver.forgetGoneNetworks(check, new Set(nets.map((n) => n.Id)));
            })
            .catch((e: unknown) => this.log.warn({ error: (e as Error).message }, 'cannot check the saved networks against Docker'));
        }
        this.gate.resync();
        this.gateways.sync().catch((e: unknown) => this.log.warn({ error: (e as Error).message }, 'gateway networks: cannot list'));
      },
      onError: (e) => this.log.warn({ error: e.message }, 'docker event stream lost, retrying'),
    });
    await this.server.listen();
    this.log.info({ socket: s.socketPath, networks: this.state.networks.size, endpoints: this.state.endpoints.size }, 'bgplb serving');
  }

  async stop(): Promise<void> {
    this.watch?.close();
    this.gate.close();
    await this.server.close();
    await this.gate.idle();
    await this.speaker.stop();
  }
}
