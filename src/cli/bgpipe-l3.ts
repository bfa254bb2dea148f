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
import { ConfigError } from '../config/load.js';
import { L3OptionError, parseL3Options, USAGE, type L3Options } from '../docker/l3/options.js';
import { BgpipeL3 } from '../docker/l3/plugin.js';
import { createLogger } from '../util/log.js';
import { runMain, serve } from './service.js';

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
  return serve('bgpipe-l3', log, new BgpipeL3(o, log), (e) => (e instanceof ConfigError ? `invalid BGP configuration\n${e.message}` : (e as Error).message));
}

runMain('bgpipe-l3', () => main(process.argv.slice(2)));
