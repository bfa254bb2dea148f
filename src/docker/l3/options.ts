/**
 * bgpipe-l3's command line: the seed's flags (nerdalert/bgp-ipvlan-docker, docker-plugins.md
 * §3.1) plus a BGP section, parsed and checked once. A bad value is an L3OptionError naming the
 * option; nothing is started before every option is good.
 *
 * Differences from the seed, on purpose: `--mode` defaults to l3 (this is the routed driver;
 * the seed's l2 default does no BGP at all), `--mtu` is applied to the links, `--gateway` is
 * also the link-local gateway of L3 mode, and the BGP speaker is embedded (the seed drove an
 * external gobgpd through its CLI).
 */
import { isIPv4 } from 'node:net';
import { parseArgs } from 'node:util';
import { parsePrefixText, type ParsedPrefix } from '../../config/address.js';
import { SettingError } from '../setting-error.js';

/** A bad option (its name, e.g. `--mtu`, leads the message). */
export class L3OptionError extends SettingError {}

export interface L3Peer {
  readonly address: string;
  readonly as: number;
}

export interface L3Options {
  readonly hostInterface: string;
  /** The subnet of a network created without `--subnet`. */
  readonly defaultSubnet: ParsedPrefix;
  readonly mode: 'l2' | 'l3';
  /** L2: the containers' gateway (undefined = the subnet's first address); L3: the link-local
   *  gateway every container routes through. */
  readonly gateway: string | undefined;
  readonly mtu: number;
  readonly debug: boolean;
  /** The plugin socket; its basename without `.sock` is the driver name Docker users type. */
  readonly socketPath: string;
  /** `auto` = ipvlan when the kernel has it, else routed veth (L3 only). */
  readonly dataplane: 'auto' | 'ipvlan' | 'veth';
  /** Also advertise each container's /32 (the subnet is always advertised). */
  readonly hostRoutes: boolean;
  readonly bgp: {
    /** A bgpiped TOML file instead of the flags below. */
    readonly configFile: string | undefined;
    readonly localAs: number | undefined;
    readonly routerId: string | undefined;
    readonly port: number;
    readonly listenAddresses: readonly string[];
    readonly peers: readonly L3Peer[];
    readonly holdTime: number | undefined;
  };
  /** Route protocol number of the driver's own host routes. */
  readonly routeProtocol: number;
  /** Where `<driver name>.json` keeps networks, pools and containers across restarts. */
  readonly stateDir: string;
}

export const PLUGIN_DIR = '/run/docker/plugins';
/** The link-local gateway of L3 mode, as Calico uses. */
export const LINK_LOCAL_GATEWAY = '169.254.1.1';
/** Not 186 (bgp, the FIB's) nor any name in iproute2's or FRR's rt_protos. */
export const DEFAULT_ROUTE_PROTOCOL = 252;

export const USAGE = `usage: bgpipe-l3 [options]
Docker network + IPAM driver (libnetwork remote API): routed container subnets over BGP.
  --host-interface IF     parent of ipvlan links; must exist (default eth1)
  --ipvlan-subnet CIDR    subnet of a network created without --subnet (default 192.168.1.0/24)
  --mode l2|l3            l3 (default): routed, BGP; l2: ipvlan L2, no BGP
  --gateway IP            l3: the containers' link-local gateway (default 169.254.1.1);
                          l2: their gateway (default: the subnet's first address)
  --mtu N                 MTU of the container links, 68..65535 (default 1500)
  --dataplane D           auto (default: ipvlan if the kernel has it, else routed veth), ipvlan, veth
  --host-routes           also advertise every container's /32
  -s, --socket NAME|PATH  plugin socket (default ipvlan.sock in ${PLUGIN_DIR}: driver "ipvlan")
  --state-dir DIR         networks kept across restarts in DIR/NAME.json (default /var/lib/bgpipe-l3)
  -d, --debug             debug logging
BGP (embedded speaker; learned routes go into the main table with proto bgp):
  --local-as AS           local AS (required unless --bgp-config)
  --router-id IP          router id (required unless --bgp-config)
  --peer IP[,AS]          a neighbour; AS defaults to --local-as (iBGP); repeatable
  --bgp-port N            listen port (default 179; --bgp-port=-1: do not listen, only connect)
  --bgp-listen IP         listen address; repeatable (default: every address)
  --hold-time S           hold time of every session (default 90)
  --bgp-config FILE       a bgpiped TOML file instead of the flags above ([kernel] is forced on)
  --route-protocol N      protocol number of the driver's own host routes (default ${DEFAULT_ROUTE_PROTOCOL})`;

const integer = (option: string, text: string, min: number, max: number): number => {
  if (!/^-?\d+$/.test(text.trim())) throw new L3OptionError(option, `expected an integer ${min}..${max}, got "${text}"`);
  const n = Number(text);
  if (n < min || n > max) throw new L3OptionError(option, `expected an integer ${min}..${max}, got ${n}`);
  return n;
};

const ipv4 = (option: string, text: string): string => {
  if (!isIPv4(text)) throw new L3OptionError(option, `expected an IPv4 address, got "${text}"`);
  return text;
};

/** Parses argv (without node and the script). Throws L3OptionError. */
export function parseL3Options(argv: readonly string[]): L3Options {
  let v;
  try {
    v = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        'host-interface': { type: 'string', default: 'eth1' },
        'ipvlan-subnet': { type: 'string', default: '192.168.1.0/24' },
        mode: { type: 'string', default: 'l3' },
        gateway: { type: 'string' },
        mtu: { type: 'string', default: '1500' },
        dataplane: { type: 'string', default: 'auto' },
        'host-routes': { type: 'boolean', default: false },
        socket: { type: 'string', short: 's', default: 'ipvlan.sock' },
        debug: { type: 'boolean', short: 'd', default: false },
        'local-as': { type: 'string' },
        'router-id': { type: 'string' },
        peer: { type: 'string', multiple: true, default: [] },
        'bgp-port': { type: 'string', default: '179' },
        'bgp-listen': { type: 'string', multiple: true, default: [] },
        'hold-time': { type: 'string' },
        'bgp-config': { type: 'string' },
        'route-protocol': { type: 'string', default: String(DEFAULT_ROUTE_PROTOCOL) },
        'state-dir': { type: 'string', default: '/var/lib/bgpipe-l3' },
      },
    }).values;
  } catch (e) {
    // node's messages name the option already ("Unknown option '--foo'").
    const m = /'(-[^']+)'/.exec((e as Error).message);
    throw new L3OptionError(m?.[1]?.split(' ')[0] ?? 'arguments', (e as Error).message);
  }

  const hostInterface = v['host-interface'];
  if (!/^[^\s/:]{1,15}$/.test(hostInterface)) throw new L3OptionError('--host-interface', `"${hostInterface}" is not an interface name (1-15 characters, no space, / or :)`);

  const subnetText = v['ipvlan-subnet'];
  const subnet = parsePrefixText(subnetText);
  if (subnet === undefined || !subnetText.includes('/')) throw new L3OptionError('--ipvlan-subnet', `expected an IPv4 CIDR like 10.1.1.0/24, got "${subnetText}"`);
  if (subnet.version !== 4) throw new L3OptionError('--ipvlan-subnet', 'only IPv4 subnets are supported');
  if (subnet.length > 30) throw new L3OptionError('--ipvlan-subnet', `a /${subnet.length} has no room for containers (at most /30)`);

  const mode = v.mode;
  if (mode !== 'l2' && mode !== 'l3') throw new L3OptionError('--mode', `expected l2 or l3, got "${mode}"`);

  const gateway = v.gateway === undefined ? undefined : ipv4('--gateway', v.gateway);

  const mtu = integer('--mtu', v.mtu, 68, 65535);

  const dataplane = v.dataplane;
  if (dataplane !== 'auto' && dataplane !== 'ipvlan' && dataplane !== 'veth') {
    throw new L3OptionError('--dataplane', `expected auto, ipvlan or veth, got "${dataplane}"`);
  }
  if (mode === 'l2' && dataplane === 'veth') throw new L3OptionError('--dataplane', 'veth is routed: it needs --mode l3');

  const socket = v.socket;
  if (socket === '' || socket.endsWith('/')) throw new L3OptionError('--socket', `expected a file name or path, got "${socket}"`);
  const socketPath = socket.startsWith('/') ? socket : `${PLUGIN_DIR}/${socket.endsWith('.sock') ? socket : `${socket}.sock`}`;

  const configFile = v['bgp-config'];
  const localAs = v['local-as'] === undefined ? undefined : integer('--local-as', v['local-as'], 1, 4294967295);
  const routerId = v['router-id'] === undefined ? undefined : ipv4('--router-id', v['router-id']);
  const peers: L3Peer[] = [];
  for (const p of v.peer) {
    const [addr = '', asText, ...rest] = p.split(',');
    if (rest.length > 0) throw new L3OptionError('--peer', `expected IP or IP,AS, got "${p}"`);
    const address = ipv4('--peer', addr.trim());
    if (peers.some((x) => x.address === address)) throw new L3OptionError('--peer', `${address} given twice`);
    const as = asText === undefined ? localAs : integer('--peer', asText, 1, 4294967295);
    if (as === undefined) throw new L3OptionError('--peer', `${address}: no AS given and no --local-as to default to`);
    peers.push({ address, as });
  }
  const port = integer('--bgp-port', v['bgp-port'], -1, 65535);
  const listenAddresses = v['bgp-listen'].map((a) => ipv4('--bgp-listen', a));
  const holdTime = v['hold-time'] === undefined ? undefined : integer('--hold-time', v['hold-time'], 3, 65535);
  if (configFile !== undefined) {
    for (const o of ['local-as', 'router-id', 'hold-time'] as const) {
      if (v[o] !== undefined) throw new L3OptionError(`--${o}`, 'give the BGP settings either as flags or in --bgp-config, not both');
    }
    if (peers.length > 0) throw new L3OptionError('--peer', 'give the BGP settings either as flags or in --bgp-config, not both');
  } else if (mode === 'l3') {
    if (localAs === undefined) throw new L3OptionError('--local-as', 'required in l3 mode (or give --bgp-config)');
    if (routerId === undefined) throw new L3OptionError('--router-id', 'required in l3 mode (or give --bgp-config)');
  }
  if (v['state-dir'] === '') throw new L3OptionError('--state-dir', 'expected a directory');
  const routeProtocol = integer('--route-protocol', v['route-protocol'], 5, 255);
  if (routeProtocol === 186) throw new L3OptionError('--route-protocol', '186 (bgp) is the protocol of the learned routes; choose another');

  return {
    hostInterface,
    defaultSubnet: subnet,
    mode,
    gateway,
    mtu,
    debug: v.debug,
    socketPath,
    dataplane,
    hostRoutes: v['host-routes'],
    bgp: { configFile, localAs, routerId, port, listenAddresses, peers, holdTime },
    routeProtocol,
    stateDir: v['state-dir'],
  };
}

/** The driver name Docker users type: the socket's basename without `.sock`. */
export function driverName(socketPath: string): string {
  return socketPath.slice(socketPath.lastIndexOf('/') + 1).replace(/\.sock$/, '');
}
