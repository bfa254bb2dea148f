/**
 * bgpipe-l3 as a whole: the dataplane chosen for this kernel, the saved state, the BGP speaker
 * (l3 mode only), the driver and the remote-plugin socket. Start-up order: dataplane and state
 * first (a bad --host-interface or an unreadable state file fails before any session opens),
 * BGP, the previous run's networks restored, then the socket, so Docker never calls a driver
 * that has not taken its networks back yet.
 */
import { join } from 'node:path';
import type { Logger } from '../../util/log.js';
import { ContainerLinks } from '../../dataplane/linux/container-links.js';
import type { EmbeddedSpeaker } from '../embedded-speaker.js';
import { PluginServer, pluginLog } from '../plugin-server.js';
import { l3DaemonSettings, l3Speaker } from './bgp.js';
import { chooseDataplane, L3Dataplane } from './dataplane.js';
import { L3Driver } from './driver.js';
import { L3Ipam } from './ipam.js';
import { driverName, LINK_LOCAL_GATEWAY, type L3Options } from './options.js';
import { loadState, saveState } from './state.js';

export class BgpipeL3 {
  private speaker: EmbeddedSpeaker | undefined;
  private server: PluginServer | undefined;

  constructor(
    readonly options: L3Options,
    private readonly log: Logger,
    private readonly links = new ContainerLinks(options.routeProtocol),
  ) {}

  async start(): Promise<void> {
    const o = this.options;
    const log = this.log;
    const kind = await chooseDataplane(o, this.links, log);
    const gateway = o.mode === 'l3' ? (o.gateway ?? LINK_LOCAL_GATEWAY) : o.gateway;
    const statePath = join(o.stateDir, `${driverName(o.socketPath)}.json`);
    const state = loadState(statePath);
    if (o.mode === 'l3') {
      this.speaker = l3Speaker(l3DaemonSettings(o), log);
      await this.speaker.start();
    }
    const ipam = new L3Ipam({ mode: o.mode, defaultSubnet: o.defaultSubnet, gateway });
    const dataplane = new L3Dataplane(kind, this.links, o, gateway ?? '');
    const driver = new L3Driver(ipam, dataplane, this.speaker, o.hostRoutes, log, (s) => saveState(statePath, s));
    await driver.restore(state);
    this.server = new PluginServer({ socketPath: o.socketPath, implements: ['NetworkDriver', 'IpamDriver'], log: pluginLog(log) });
    this.server.handleAll(driver.handlers());
    await this.server.listen();
    log.info(
      { driver: driverName(o.socketPath), socket: o.socketPath, state: statePath, mode: o.mode, dataplane: kind, mtu: o.mtu, gateway, hostInterface: o.hostInterface },
      `bgpipe-l3 ready: docker network create -d ${driverName(o.socketPath)} --ipam-driver ${driverName(o.socketPath)} --subnet CIDR NAME`,
    );
  }

  /** The subnets withdrawn, Cease to every neighbour, the socket gone; containers keep their links. */
  async stop(): Promise<void> {
    await this.server?.close().catch((e: unknown) => this.log.warn({ error: (e as Error).message }, 'cannot close the plugin socket'));
    await this.speaker?.stop();
  }
}
