#!/usr/bin/env node
/**
 * bagpipe-rest-attach, as bagpipe-bgp ships it (cli/rest_attach.py), fixed: the original sends
 * nothing on Python 3 (`POST data should be bytes`) and needs /etc/bagpipe-bgp/bgp.conf.
 *
 *   bagpipe-rest-attach (--attach|--detach) --network-type (ipvpn|evpn)
 *       --port (<port>|netns[:if]|evpn:<id>) --ip <ip>[/<mask>] [options]
 *
 * Same flags and defaults (RT 64512:513 for evpn, 64512:512 for ipvpn, /24, the gateway the
 * last host address of the subnet, `<type>-bagpipe-test` as instance id), plus
 * `--docker-container-id` from the BaGPipe EVPN blog (the container's network namespace is
 * plugged, the instance id defaults to its PID), and bgpipe's `--api-host`/`--api-port`
 * (default: [API] host/port of /etc/bagpipe-bgp/bgp.conf when it exists, else 127.0.0.1:8082).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseIni } from '../config/bagpipe-ini.js';

const DEFAULT_ID = 'bagpipe-test';
const USAGE = `usage: bagpipe-rest-attach [--attach|--detach] --network-type (ipvpn|evpn) --port (<port>|netns) --ip <ip>[/<mask>] [options]
  --vpn-instance-id ID  --direction (to-port|from-port|both)  --rt RT  --import-rt RT  --export-rt RT
  --gateway-ip IP  --mac MAC  --advertise-singleton|--advertise-subnet  --netns NS  --if2vpn IF
  --readv-from-rt RT  --readv-to-rt RT  --redirect-rts RT  --source-prefix P  --destination-prefix P
  --source-port P  --destination-port P  --protocol P  --attract-to-rt RT  --static-destination-prefix P
  --lb-consistent-hash-order N  --vni N  --local-pref N  --ovs-preplug --ovs-bridge BR --ovs-vlan N
  --docker-container-id ID  --api-host H  --api-port P`;

const list = { type: 'string', multiple: true, default: [] as string[] } as const;

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8' });
}
function ipQuiet(...args: string[]): void {
  try {
    execFileSync('ip', args, { stdio: 'ignore' });
  } catch {
    // the original ignores these failures (raise_on_error=False)
  }
}

/** The last host address of an IPv4 subnet (netaddr's net[-2]). */
function lastHost(prefix: string): string {
  const [addr, len] = prefix.split('/');
  const n = addr!.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(len));
  const last = n - (n % size) + size - 2;
  return [24, 16, 8, 0].map((s) => Math.floor(last / 2 ** s) % 256).join('.');
}

function apiAddress(host?: string, port?: string): string {
  let h = host;
  let p = port;
  const conf = '/etc/bagpipe-bgp/bgp.conf';
  if ((!h || !p) && existsSync(conf)) {
    const api = parseIni(readFileSync(conf, 'utf8'), conf).get('API');
    h ??= api?.get('host') ?? api?.get('api_host');
    p ??= api?.get('port') ?? api?.get('api_port');
  }
  return `${h ?? '127.0.0.1'}:${p ?? '8082'}`;
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        attach: { type: 'boolean' },
        detach: { type: 'boolean' },
        'network-type': { type: 'string' },
        'vpn-instance-id': { type: 'string', default: DEFAULT_ID },
        port: { type: 'string' },
        direction: { type: 'string', default: 'both' },
        rt: list,
        'import-rt': list,
        'export-rt': list,
        ip: { type: 'string' },
        'gateway-ip': { type: 'string' },
        mac: { type: 'string' },
        'advertise-singleton': { type: 'boolean' },
        'advertise-subnet': { type: 'boolean' },
        'ovs-preplug': { type: 'boolean', default: false },
        'ovs-bridge': { type: 'string', default: 'br-int' },
        'ovs-vlan': { type: 'string' },
        netns: { type: 'string' },
        if2vpn: { type: 'string', default: 'tovpn' },
        'readv-from-rt': list,
        'readv-to-rt': list,
        'redirect-rts': list,
        'source-prefix': { type: 'string' },
        'destination-prefix': { type: 'string' },
        'source-port': { type: 'string' },
        'destination-port': { type: 'string' },
        protocol: { type: 'string' },
        'attract-to-rt': list,
        'static-destination-prefix': list,
        'lb-consistent-hash-order': { type: 'string', default: '0' },
        vni: { type: 'string', default: '0' },
        'local-pref': { type: 'string' },
        'docker-container-id': { type: 'string' },
        'api-host': { type: 'string' },
        'api-port': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    console.error(`bagpipe-rest-attach: error: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const o = parsed;
  const error = (m: string) => (console.error(`${USAGE}\n\nbagpipe-rest-attach: error: ${m}`), 2);
  if (o.help) return console.log(USAGE), 0;
  const operation = o.attach ? 'attach' : o.detach ? 'detach' : undefined;
  if (!operation) return error('Need to specify --attach or --detach');
  let port = o.port;
  let netns = o.netns;
  let instanceId = o['vpn-instance-id']!;
  if (o['docker-container-id']) {
    // The blog's patch: plug the container's own network namespace, named after its PID.
    const pid = execFileSync('docker', ['inspect', '-f', '{{ .State.Pid }}', o['docker-container-id']], { encoding: 'utf8' }).trim();
    mkdirSync('/var/run/netns', { recursive: true });
    if (!existsSync(`/var/run/netns/${pid}`)) symlinkSync(`/proc/${pid}/ns/net`, `/var/run/netns/${pid}`);
    netns ??= pid;
    port ??= 'netns';
    if (instanceId === DEFAULT_ID) instanceId = pid;
  }
  if (!port) return error('Need to specify --port <localport>');
  const type = o['network-type'];
  if (type !== 'evpn' && type !== 'ipvpn') return error('Need to specify --network-type (ipvpn or evpn)');
  if (!o.ip) return error('Need to specify --ip');
  let rts = o.rt!;
  if (rts.length === 0 && o['import-rt']!.length === 0 && o['export-rt']!.length === 0) rts = [type === 'ipvpn' ? '64512:512' : '64512:513'];
  const ipPrefix = /\/\d+$/.test(o.ip) ? o.ip : `${o.ip}/24`;
  let gw = o['gateway-ip'];
  if (!gw) {
    gw = lastHost(ipPrefix);
    console.log(`using ${gw} as gateway address`);
  }
  if (instanceId === DEFAULT_ID) instanceId = `${type}-${DEFAULT_ID}`;
  let mac = o.mac;
  if (port.startsWith('netns')) {
    netns ??= instanceId;
    const ifName = port.includes(':') ? port.split(':')[1]! : `ns-${netns}`.slice(0, 15);
    const if2vpn = o['if2vpn']!;
    if (operation === 'attach') {
      console.log(`Will plug local namespace ${netns} into network`);
      ipQuiet('netns', 'add', netns);
      ipQuiet('netns', 'exec', netns, 'ip', 'link', 'delete', if2vpn);
      ipQuiet('link', 'delete', ifName);
      ipQuiet('link', 'add', ifName, 'type', 'veth', 'peer', 'name', if2vpn, 'netns', netns, 'mtu', '65535');
      ip('link', 'set', 'dev', ifName, 'up');
      ip('link', 'set', 'dev', ifName, 'mtu', '9000');
      ip('netns', 'exec', netns, 'ip', 'link', 'set', 'dev', if2vpn, 'up');
      if (mac) ip('netns', 'exec', netns, 'ip', 'link', 'set', if2vpn, 'address', mac);
      ipQuiet('netns', 'exec', netns, 'ip', 'addr', 'add', ipPrefix, 'dev', if2vpn);
      ipQuiet('netns', 'exec', netns, 'ip', 'route', 'add', 'default', 'dev', if2vpn, 'via', gw);
      ipQuiet('netns', 'exec', netns, 'ip', 'link', 'set', if2vpn, 'mtu', '1420');
    }
    port = ifName;
    mac ??= /link\/ether ([0-9a-f:]{17})/.exec(ip('netns', 'exec', netns, 'ip', 'link', 'show', if2vpn))?.[1];
    console.log(`Local port: ${port} (${mac})`);
  }
  const localPort: Record<string, unknown> = {};
  if (port.startsWith('evpn:')) {
    if (type !== 'ipvpn') return error('Can only plug an evpn into an ipvpn');
    console.log(`will plug evpn ${port.slice(5)} into the IPVPN`);
    localPort.evpn = { id: port.slice(5) };
  } else {
    localPort.linuxif = port;
    if (o['ovs-preplug'] && type === 'ipvpn') {
      localPort.ovs = { port_name: port, plugged: true, ...(o['ovs-vlan'] ? { vlan: Number(o['ovs-vlan']) } : {}) };
    }
  }
  if (!mac) {
    if (type === 'ipvpn') mac = '52:54:00:99:99:22';
    else return error("Need to specify --mac for an EVPN network attachment if port is not 'netns'");
  }
  const readvertise = o['readv-to-rt']!.length ? { from_rt: o['readv-from-rt'], to_rt: o['readv-to-rt'] } : null;
  const attract: Record<string, unknown> = {};
  if (o['redirect-rts']!.length) {
    const classifier: Record<string, string> = {};
    for (const [flag, key] of [['source-prefix', 'sourcePrefix'], ['destination-prefix', 'destinationPrefix'], ['source-port', 'sourcePort'], ['destination-port', 'destinationPort'], ['protocol', 'protocol']] as const) {
      if (o[flag]) classifier[key] = o[flag]!;
    }
    if (!Object.keys(classifier).length) return error('Need to specify --redirect-rt and at least one traffic classifier option');
    Object.assign(attract, { redirect_rts: o['redirect-rts'], classifier });
    if (o['attract-to-rt']!.length) {
      if (!o['static-destination-prefix']!.length) return error('Need to specify --attract-to-rt and at least one static destination prefix option');
      // rest_attach.py sends `to`, which bagpipe-bgp never reads; the API field is `to_rt`.
      Object.assign(attract, { to_rt: o['attract-to-rt'], static_destination_prefixes: o['static-destination-prefix'] });
    }
  }
  const data: Record<string, unknown> = {
    import_rt: [...rts, ...o['import-rt']!],
    export_rt: [...rts, ...o['export-rt']!],
    local_port: localPort,
    vpn_instance_id: instanceId,
    vpn_type: type,
    gateway_ip: gw,
    mac_address: mac,
    ip_address: ipPrefix,
    advertise_subnet: o['advertise-subnet'] === true && o['advertise-singleton'] !== true,
    readvertise,
    attract_traffic: attract,
    lb_consistent_hash_order: Number(o['lb-consistent-hash-order']),
    vni: Number(o.vni),
  };
  if (o['local-pref']) data.local_pref = Number(o['local-pref']);
  if (o.direction) data.direction = o.direction;
  const body = JSON.stringify(data);
  console.log(`request: ${body}`);
  const url = `http://${apiAddress(o['api-host'], o['api-port'])}/${operation}_localport`;
  let r: Response;
  try {
    r = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', accept: 'application/json' } });
  } catch (err) {
    console.error(`error: cannot reach ${url}: ${(err as Error).message}`);
    return 1;
  }
  const text = await r.text();
  if (r.status === 200) {
    console.log(`response: ${r.status} ${text}`);
    return 0;
  }
  console.log(`   ${text}`);
  console.error(`error ${r.status}, reason: ${r.statusText}`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('bagpipe-rest-attach:', (err as Error).message ?? err);
    process.exit(1);
  },
);
