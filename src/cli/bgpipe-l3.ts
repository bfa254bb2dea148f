#!/usr/bin/env node
/**
 * bgpipe-l3: Docker L3-routed network + IPAM driver (legacy remote plugin on a unix socket in
 * /run/docker/plugins) with an embedded BGP speaker. Options: src/docker/l3/options.ts.
 *
 *   bgpipe-l3 --host-interface eth1 --ipvlan-subnet 10.1.1.0/24 --local-as 65000 \
 *             --router-id 192.168.1.248 --peer 192.168.1.251
 *   docker network create -d ipvlan --ipam-driver ipvlan --subnet 10.1.1.0/24 l3net
 *
 * Exit codes: 2 a bad option (the message names it), 1 could not start (interface missing, no
 * ipvlan for --mode l2, socket taken, BGP configuration refused, state file unreadable).
 * SIGTERM/SIGINT: the subnets are withdrawn, every neighbour gets Cease, the socket goes;
 * containers keep their links, and the next start takes the networks back from the state file.
 */
import { join } from 'node:path';
import { ConfigError } from '../config/load.js';
import { ContainerLinks } from '../dataplane/linux/container-links.js';
import type { EmbeddedSpeaker } from '../docker/embedded-speaker.js';
import { l3DaemonSettings, l3Speaker } from '../docker/l3/bgp.js';
import { chooseDataplane, L3Dataplane } from '../docker/l3/dataplane.js';
import { L3Driver } from '../docker/l3/driver.js';
import { L3Ipam } from '../docker/l3/ipam.js';
import { loadState, saveState } from '../docker/l3/state.js';
import { driverName, L3OptionError, LINK_LOCAL_GATEWAY, parseL3Options, USAGE, type L3Options } from '../docker/l3/options.js';
import { PluginServer } from '../docker/plugin-server.js';
import { createLogger } from '../util/log.js';

async function main(argv: string[]): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) {
    console.log(USAGE);
    return 0;
  }
  let o: L3Options;
  try {
    o = parseL3Options(argv);
  } catch (e) {
    if (!(e instanceof L3OptionError)) throw e;
    console.error(`bgpipe-l3: ${e.message}\n(bgpipe-l3 --help for the options)`);
    return 2;
  }
  const log = createLogger(o.debug ? 'debug' : 'info');
  const links = new ContainerLinks(o.routeProtocol);

  let speaker: EmbeddedSpeaker | undefined;
  let server: PluginServer | undefined;
  try {
    const kind = await chooseDataplane(o, links, log);
    const gateway = o.mode === 'l3' ? (o.gateway ?? LINK_LOCAL_GATEWAY) : o.gateway;
    const statePath = join(o.stateDir, `${driverName(o.socketPath)}.json`);
    const state = loadState(statePath);
    if (o.mode === 'l3') {
      speaker = l3Speaker(l3DaemonSettings(o), log);
      await speaker.start();
    }
    const ipam = new L3Ipam({ mode: o.mode, defaultSubnet: o.defaultSubnet, gateway });
    const dataplane = new L3Dataplane(kind, links, o, gateway ?? '');
    const driver = new L3Driver(ipam, dataplane, speaker, o.hostRoutes, log, (s) => saveState(statePath, s));
    await driver.restore(state);
    server = new PluginServer({
      socketPath: o.socketPath,
      implements: ['NetworkDriver', 'IpamDriver'],
      log: { debug: (msg, fields) => log.debug(fields ?? {}, msg), warn: (msg, fields) => log.warn(fields ?? {}, msg) },
    });
    server.handleAll(driver.handlers());
    await server.listen();
    log.info(
      { driver: driverName(o.socketPath), socket: o.socketPath, state: statePath, mode: o.mode, dataplane: kind, mtu: o.mtu, gateway, hostInterface: o.hostInterface },
      `bgpipe-l3 ready: docker network create -d ${driverName(o.socketPath)} --ipam-driver ${driverName(o.socketPath)} --subnet CIDR NAME`,
    );
  } catch (e) {
    const message = e instanceof ConfigError ? `invalid BGP configuration\n${e.message}` : (e as Error).message;
    log.fatal({ error: message }, 'bgpipe-l3 could not start');
    console.error(`bgpipe-l3: ${message}`);
    await server?.close().catch(() => undefined);
    await speaker?.stop().catch(() => undefined);
    return 1;
  }

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'bgpipe-l3 stopping');
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await server.close();
  await speaker?.stop();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('bgpipe-l3: fatal:', err);
    process.exit(70);
  },
);
