/**
 * bgplb's configuration: docker-bgp-lb v1.8's environment (the managed plugin's `env`, or the
 * process environment run unmanaged), same names and defaults, plus a few bgpipe extensions.
 * Unlike the original, which logs and exits 0 (so a managed plugin "enables" and then fails),
 * every bad value is a ConfigError naming the variable, and the CLI exits non-zero.
 *
 *   ROUTER_ID        required, IPv4: BGP identifier and the NEXT_HOP of every path we send
 *   ROUTER_PORT      -1 (default: do not listen), 0 = 179, >0 listen there on 0.0.0.0 and ::
 *   LOCAL_AS         64512
 *   PEER_ADDRESS     required; bgpipe: a comma list for several peers
 *   PEER_AS          required; one ASN for all peers, or a comma list matching PEER_ADDRESS
 *   PEER_PASSWORD    TCP MD5 key (RFC 2385) for every peer (GoBGP's auth-password); refused when the
 *                    native addon that sets it is not built, rather than running unsigned
 *   SIGUSR2_HANDLER  "true" enables the graceful drain
 *   SIGUSR2_ACTION   "stop" (default): SIGTERM 5 s after the drain; any other value drains only
 *   GLOBAL_SCOPE     "true": scope global (swarm), no state restore
 * bgpipe extensions:
 *   BGPLB_NAME       driver name = socket /run/docker/plugins/<name>.sock (default bgplb)
 *   BGPLB_SOCKET     full socket path (wins over BGPLB_NAME)
 *   BGPLB_STATE_FILE where networks and endpoints are persisted (default /var/lib/bgpipe/bgplb.json)
 *   NEXT_HOP_V6      IPv6 next hop for /128s and IPv6 gateway subnets (default ::ffff:ROUTER_ID)
 *   KERNEL_ROUTES    "true": routes learned from the peers into the kernel, ECMP (default off)
 *   KERNEL_TABLE     routing table for them (default 254, main)
 *   DRAIN_DELAY      seconds between the drain and SIGTERM (default 5)
 *   HOLD_TIME        BGP hold time in seconds (default 90, GoBGP's)
 *   CONNECT_RETRY    seconds between connection attempts to a peer (default 5)
 */
import { isIPv4, isIP } from 'node:net';
import { join } from 'node:path';
import { socketOptionsUnavailable } from '../../session/socket-options.js';
import { SettingError } from '../setting-error.js';

export const DEFAULT_PLUGIN_DIR = '/run/docker/plugins';
export const DEFAULT_NAME = 'bgplb';
export const DEFAULT_STATE_FILE = '/var/lib/bgpipe/bgplb.json';

export interface BgplbPeer {
  readonly address: string;
  readonly asn: number;
}

export interface BgplbSettings {
  readonly routerId: string;
  /** -1: do not listen. */
  readonly listenPort: number;
  readonly localAs: number;
  readonly peers: readonly BgplbPeer[];
  /** TCP MD5 key of every peer session. */
  readonly password?: string;
  readonly sigusr2Handler: boolean;
  /** Send SIGTERM after the drain (SIGUSR2_ACTION=stop). */
  readonly stopAfterDrain: boolean;
  readonly globalScope: boolean;
  readonly name: string;
  readonly socketPath: string;
  readonly stateFile: string;
  /** Next hop of IPv6 paths. */
  readonly nextHopV6: string;
  readonly kernelRoutes: { readonly table: number } | undefined;
  readonly drainDelayMs: number;
  readonly holdTime: number;
  readonly connectRetry: number;
}

/** A bad environment variable (its name leads the message). */
export class ConfigError extends SettingError {}

type Env = Record<string, string | undefined>;

function str(env: Env, key: string, def = ''): string {
  const v = env[key];
  return v === undefined ? def : v.trim();
}

function integer(env: Env, key: string, def: string, min: number, max: number): number {
  const text = str(env, key, def);
  if (text === '') throw new ConfigError(key, 'is required (an integer)');
  if (!/^[-+]?\d+$/.test(text)) throw new ConfigError(key, `"${text}" is not an integer`);
  const n = Number(text);
  if (n < min || n > max) throw new ConfigError(key, `${n} is out of range ${min}..${max}`);
  return n;
}

/** "true" / "false" / unset; anything else is refused rather than read as false. */
function bool(env: Env, key: string): boolean {
  const text = str(env, key);
  if (text === '' || text === 'false') return false;
  if (text === 'true') return true;
  throw new ConfigError(key, `"${text}" is not true or false`);
}

const ASN_MAX = 4294967295;

export function settingsFromEnv(env: Env = process.env): BgplbSettings {
  const routerId = str(env, 'ROUTER_ID');
  if (routerId === '') throw new ConfigError('ROUTER_ID', 'is required (an IPv4 address)');
  if (!isIPv4(routerId)) throw new ConfigError('ROUTER_ID', `"${routerId}" is not an IPv4 address`);
  const port = integer(env, 'ROUTER_PORT', '-1', -65535, 65535);
  const localAs = integer(env, 'LOCAL_AS', '64512', 1, ASN_MAX);

  const addresses = str(env, 'PEER_ADDRESS').split(',').map((a) => a.trim()).filter((a) => a !== '');
  if (addresses.length === 0) throw new ConfigError('PEER_ADDRESS', 'is required (an IP address, or a comma list)');
  for (const a of addresses) if (isIP(a) === 0) throw new ConfigError('PEER_ADDRESS', `"${a}" is not an IP address`);
  if (new Set(addresses).size !== addresses.length) throw new ConfigError('PEER_ADDRESS', 'lists an address twice');
  const asText = str(env, 'PEER_AS').split(',').map((a) => a.trim());
  if (asText.length !== 1 && asText.length !== addresses.length) {
    throw new ConfigError('PEER_AS', `${asText.length} values for ${addresses.length} PEER_ADDRESS entries (give one, or one per address)`);
  }
  const asns = asText.map((t) => integer({ PEER_AS: t }, 'PEER_AS', '', 1, ASN_MAX));
  const peers = addresses.map((address, i) => ({ address, asn: asns[asns.length === 1 ? 0 : i]! }));

  const password = str(env, 'PEER_PASSWORD');
  if (password !== '') {
    if (Buffer.byteLength(password) > 80) throw new ConfigError('PEER_PASSWORD', `${Buffer.byteLength(password)} bytes: a TCP MD5 key has at most 80`);
    const unavailable = socketOptionsUnavailable();
    if (unavailable !== undefined) throw new ConfigError('PEER_PASSWORD', `TCP MD5 (RFC 2385) cannot be enforced: ${unavailable}`);
  }

  const name = str(env, 'BGPLB_NAME', DEFAULT_NAME);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) throw new ConfigError('BGPLB_NAME', `"${name}" is not a plugin name ([A-Za-z0-9_.-])`);
  const socketPath = str(env, 'BGPLB_SOCKET') || join(DEFAULT_PLUGIN_DIR, `${name}.sock`);
  if (!socketPath.startsWith('/')) throw new ConfigError('BGPLB_SOCKET', `"${socketPath}" is not an absolute path`);
  const stateFile = str(env, 'BGPLB_STATE_FILE') || DEFAULT_STATE_FILE;
  if (!stateFile.startsWith('/')) throw new ConfigError('BGPLB_STATE_FILE', `"${stateFile}" is not an absolute path`);

  const nextHopV6 = str(env, 'NEXT_HOP_V6') || `::ffff:${routerId}`;
  if (isIP(nextHopV6) !== 6) throw new ConfigError('NEXT_HOP_V6', `"${nextHopV6}" is not an IPv6 address`);

  const kernel = bool(env, 'KERNEL_ROUTES');
  const table = integer(env, 'KERNEL_TABLE', '254', 1, 4294967295);
  if (table === 255) throw new ConfigError('KERNEL_TABLE', '255 is the local table (the kernel\'s own addresses)');

  return {
    routerId,
    listenPort: port < 0 ? -1 : port === 0 ? 179 : port,
    localAs,
    peers,
    ...(password !== '' ? { password } : {}),
    sigusr2Handler: bool(env, 'SIGUSR2_HANDLER'),
    stopAfterDrain: (str(env, 'SIGUSR2_ACTION') || 'stop') === 'stop',
    globalScope: bool(env, 'GLOBAL_SCOPE'),
    name,
    socketPath,
    stateFile,
    nextHopV6,
    kernelRoutes: kernel ? { table } : undefined,
    drainDelayMs: integer(env, 'DRAIN_DELAY', '5', 0, 3600) * 1000,
    holdTime: holdTime(env),
    connectRetry: integer(env, 'CONNECT_RETRY', '5', 1, 3600),
  };
}

/** RFC 4271 §4.2: 0 or at least 3 seconds. */
function holdTime(env: Env): number {
  const h = integer(env, 'HOLD_TIME', '90', 0, 65535);
  if (h > 0 && h < 3) throw new ConfigError('HOLD_TIME', `${h} is neither 0 nor at least 3 seconds (RFC 4271 §4.2)`);
  return h;
}
