#!/usr/bin/env node
/**
 * bgpiped: the BGP speaker.
 *
 *   bgpiped                      embedded defaults (AS 64512, peers from 127.0.0.0/8, API on 127.0.0.1:8082)
 *   bgpiped -f FILE              GoBGP-style TOML (gobgpd's flag)
 *   bgpiped -f FILE -d           check the configuration and exit (gobgpd's --dry-run)
 *   bgpiped --config-file FILE   bagpipe-bgp's INI bgp.conf
 *   --state-dir DIR              where VPN attachments and the restart marker are kept (default /var/lib/bgpipe)
 *
 * SIGHUP re-reads the file; SIGTERM/SIGINT send Cease to every neighbour and exit 0.
 */
import { parseArgs } from 'node:util';
import { ConfigError, defaultConfig, loadConfigFile } from '../config/load.js';
import { Daemon, type DaemonSettings } from '../daemon/daemon.js';
import { settingsFromConfig } from '../daemon/settings-from-config.js';
import { VERSION } from '../daemon/views.js';
import { createLogger } from '../util/log.js';
import { runMain, serve } from './service.js';
import { loadIniFile } from '../config/bagpipe-ini.js';
import { markRunning, markStopped } from '../daemon/restart-marker.js';

const USAGE = `usage: bgpiped [-f FILE [-d]] [--log-level LEVEL]
  -f, --config FILE     GoBGP-style TOML configuration (default: embedded defaults)
  -t, --config-type T   accepted for gobgpd compatibility; only "toml"
  -d, --dry-run         check the configuration and exit
      --config-file F   bagpipe-bgp INI configuration (bgp.conf)
      --state-dir DIR   VPN attachments and the graceful-restart marker (default /var/lib/bgpipe)
  -l, --log-level L     trace, debug, info (default), warn, error
  -v, --version`;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        config: { type: 'string', short: 'f' },
        'config-type': { type: 'string', short: 't', default: 'toml' },
        'config-file': { type: 'string' },
        'state-dir': { type: 'string', default: '/var/lib/bgpipe' },
        'dry-run': { type: 'boolean', short: 'd', default: false },
        'log-level': { type: 'string', short: 'l' },
        version: { type: 'boolean', short: 'v', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (err) {
    console.error(`bgpiped: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (args.version) {
    console.log(`bgpiped ${VERSION}`);
    return 0;
  }
  if (args['config-type'] !== 'toml') {
    console.error(`bgpiped: --config-type: only "toml" is supported, got "${args['config-type']}"`);
    return 2;
  }
  const ini = args['config-file'];
  const stateDir = args['state-dir'];
  if (ini !== undefined && args.config !== undefined) {
    console.error('bgpiped: -f and --config-file are exclusive (GoBGP TOML or bagpipe-bgp INI)');
    return 2;
  }
  const path = args.config ?? ini;
  const read = (): DaemonSettings =>
    ini !== undefined
      ? loadIniFile(ini, { stateDir })
      : withStateDir(settingsFromConfig(args.config ? loadConfigFile(args.config) : defaultConfig()), stateDir);

  let settings: DaemonSettings;
  try {
    settings = read();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`bgpiped: invalid configuration\n${err.message}`);
      return 1;
    }
    throw err;
  }
  if (args['dry-run']) {
    for (const w of settings.warnings) console.error(`warning: ${w}`);
    console.log(`bgpiped: configuration ${path ?? '<defaults>'} is valid`);
    return 0;
  }

  const log = createLogger(args['log-level']);
  process.on('uncaughtException', (err) => {
    log.fatal({ error: err.stack ?? String(err) }, 'uncaught exception, exiting');
    process.exit(70);
  });
  // RFC 4724 §4.1: after a crash or kill -9 (marker left behind) we are a restarting speaker.
  // Only with graceful restart configured: nobody else needs the marker in the state dir.
  const marking = settings.server.neighbors.some((n) => n.session.gracefulRestart !== undefined);
  let restarted = false;
  try {
    restarted = marking && markRunning(stateDir);
  } catch (err) {
    log.warn({ stateDir, error: (err as Error).message }, 'cannot write the restart marker: graceful restart will not set the R bit');
  }
  if (restarted) log.info('the last run did not stop cleanly: restarting speaker for graceful restart');
  settings = { ...settings, server: { ...settings.server, restarted } };
  const daemon = new Daemon(settings, log, read);
  return serve('bgpiped', log, {
    start: async () => {
      await daemon.start();
      process.on('SIGHUP', () => {
        log.info('SIGHUP: reloading configuration');
        daemon.reload();
      });
    },
    // A clean stop (also after a failed start): the next start is not a graceful restart.
    stop: async () => {
      await daemon.stop();
      if (marking) markStopped(stateDir);
    },
  });
}

function withStateDir(s: DaemonSettings, stateDir: string | undefined): DaemonSettings {
  return { ...s, vpn: { enableRtc: true, ...s.vpn, stateDir } };
}

runMain('bgpiped', main);
