#!/usr/bin/env node
/**
 * bgplb: Docker network + IPAM plugin for BGP anycast load balancing, a drop-in for
 * docker-bgp-lb (configured by its environment, see src/docker/bgplb/settings.ts). Serves
 * /run/docker/plugins/bgplb.sock (`--driver bgplb --ipam-driver bgplb`).
 *
 * A bad setting: the error names the variable, exit 2, before anything is opened; exit 1 when it
 * could not start (./service.ts). SIGTERM/SIGINT: Cease to the peers, socket removed, exit 0;
 * networks and endpoints stay (state file, bridges, host routes) for the next start.
 */
import { EngineClient, engineEndpointFromEnv } from '../docker/engine-client.js';
import { Bgplb } from '../docker/bgplb/plugin.js';
import { settingsFromEnv } from '../docker/bgplb/settings.js';
import { VERSION } from '../daemon/views.js';
import { createLogger } from '../util/log.js';
import { runMain, serve } from './service.js';

async function main(): Promise<number> {
  const arg = process.argv[2];
  if (arg === '-v' || arg === '--version') {
    console.log(`bgplb ${VERSION}`);
    return 0;
  }
  if (arg !== undefined) {
    console.error('usage: bgplb   (configured by environment: ROUTER_ID, PEER_ADDRESS, PEER_AS, ... see the README)');
    return 2;
  }
  let settings;
  let engine;
  try {
    settings = settingsFromEnv(process.env);
    engine = new EngineClient(engineEndpointFromEnv(process.env));
  } catch (e) {
    console.error(`bgplb: invalid configuration: ${(e as Error).message}`);
    return 2;
  }
  const log = createLogger(process.env.LOG_LEVEL ?? process.env.BGPIPE_LOG_LEVEL ?? 'info');
  return serve('bgplb', log, new Bgplb(settings, log, engine));
}

runMain('bgplb', main);
