/**
 * The BGP side of bgpipe-l3: bgpipe's own speaker, embedded (one process, no gRPC or CLI to an
 * external gobgpd as in the seed). The driver's flags become a bgpiped TOML document (or the
 * operator gives one with --bgp-config), so sessions, policy, multipath and the kernel FIB are
 * exactly bgpiped's:
 *
 *  - the driver originates each network's subnet (and, with --host-routes, each container's
 *    /32) through ../embedded-speaker.ts, with NEXT_HOP 0.0.0.0, i.e. our address on each
 *    session;
 *  - learned best paths go into the main table with proto bgp (src/daemon/kernel-routes.ts and
 *    src/dataplane/fib.ts): via the advertising host, ECMP over equal paths (multipath is on),
 *    never a route we originate, never a route of another protocol;
 *  - shutdown withdraws every prefix, then sends Cease to every neighbour.
 */
import { loadConfigFile, parseConfigText } from '../../config/load.js';
import { Daemon, type DaemonSettings } from '../../daemon/daemon.js';
import { settingsFromConfig } from '../../daemon/settings-from-config.js';
import { KERNEL_DEFAULTS } from '../../config/build.js';
import type { Logger } from '../../util/log.js';
import { EmbeddedSpeaker } from '../embedded-speaker.js';
import type { L3Options } from './options.js';

/** The bgpiped TOML the BGP flags stand for (values were checked by parseL3Options). */
export function bgpToml(o: L3Options): string {
  const b = o.bgp;
  const lines = [
    '[global.config]',
    `as = ${b.localAs}`,
    `router-id = ${JSON.stringify(b.routerId)}`,
    `port = ${b.port}`,
    ...(b.listenAddresses.length > 0 ? [`local-address-list = ${JSON.stringify(b.listenAddresses)}`] : []),
    '[global.use-multiple-paths.config]',
    'enabled = true',
  ];
  for (const p of b.peers) {
    lines.push('[[neighbors]]', '[neighbors.config]', `neighbor-address = ${JSON.stringify(p.address)}`, `peer-as = ${p.as}`);
    if (b.holdTime !== undefined) lines.push('[neighbors.timers.config]', `hold-time = ${b.holdTime}`, `keepalive-interval = ${Math.max(1, Math.floor(b.holdTime / 3))}`, 'connect-retry = 1');
    lines.push('[[neighbors.afi-safis]]', '[neighbors.afi-safis.config]', 'afi-safi-name = "ipv4-unicast"');
  }
  lines.push('[kernel]', 'enabled = true', '[api]', 'port = -1');
  return lines.join('\n') + '\n';
}

/** DaemonSettings from the flags or from --bgp-config; throws ConfigError naming the key. */
export function l3DaemonSettings(o: L3Options): DaemonSettings {
  const config = o.bgp.configFile !== undefined ? loadConfigFile(o.bgp.configFile) : parseConfigText(bgpToml(o), '<bgpipe-l3 flags>');
  const settings = settingsFromConfig(config);
  // Installing learned routes is the point of the driver: [kernel] is on whatever the file says.
  const kernel = settings.kernel ?? { ...KERNEL_DEFAULTS, dynamicNeighbors: config.dynamicNeighbors.length > 0 };
  return { ...settings, kernel };
}

/** The speaker, not started: bgpiped's Daemon (a --bgp-config file's [api] included). */
export function l3Speaker(settings: DaemonSettings, log: Logger): EmbeddedSpeaker {
  return new EmbeddedSpeaker(new Daemon(settings, log), { nextHop: () => '0.0.0.0', withdrawOnStop: true }, log);
}
