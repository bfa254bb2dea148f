/**
 * A lab for the VPN dataplane tests, all of it made by the test in network namespaces:
 *
 *     fabric ns: bridge br0 10.99.0.1/24, a bgpiped route reflector (TOML, evpn + vpnv4 + rtc)
 *       ├─ veth ─ host h1: eth0 10.99.0.11/24, bgpiped --config-file (INI, linux drivers)
 *       │           └─ veth tap-cN ─ container cN (its own ns: eth0 with the endpoint's MAC/IP)
 *       └─ veth ─ host h2: eth0 10.99.0.12/24, the same
 *
 * Hosts' bgpipeds are spawned with --config-file and --state-dir in the lab's temp dir and
 * driven through their REST API (inside the host namespace). Every namespace (and with it every
 * link) and process is removed by destroy(), also on failure (the Lab exit hooks).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLab, run, type Lab } from '../interop/lib/netns.js';
import type { LabProcess } from '../interop/lib/process.js';
import { bgpipedScript } from '../interop/lib/bgpiped.js';
import { labFetch } from '../interop/lib/http.js';
import { bgpipedToml } from '../interop/bgpiped-config.js';
import { waitUntil } from '../daemon/helpers.js';

export interface Host {
  readonly lab: Lab;
  readonly address: string;
  proc: LabProcess | undefined;
  readonly log: string;
  readonly ini: string;
  readonly stateDir: string;
}

export interface Container {
  readonly lab: Lab;
  readonly host: Host;
  /** The host side of the veth pair. */
  readonly port: string;
  readonly mac: string;
  readonly ip: string;
}

export interface VpnLabOptions {
  /** The hold time the reflector offers its clients; default 30 (bagpipe-bgp needs more). */
  readonly holdTime?: number;
  /** Hosts (1-based) where no bgpiped is started: the test runs another daemon there (the real
   *  bagpipe-bgp), with the host's address, the reflector as its peer, the API on 8082. */
  readonly foreign?: readonly number[];
  /** `reconcile_interval` of both driver sections of the hosts' INI (bgpiped's default: 60). */
  readonly reconcileInterval?: number;
}

export class VpnLab {
  readonly labs: Lab[] = [];
  fabric!: Lab;
  hosts: Host[] = [];

  static async create(name: string, hostCount = 2, opts: VpnLabOptions = {}): Promise<VpnLab> {
    const lab = new VpnLab();
    try {
      await lab.build(name, hostCount, opts);
    } catch (e) {
      await lab.destroy();
      throw e;
    }
    return lab;
  }

  private async build(name: string, hostCount: number, opts: VpnLabOptions): Promise<void> {
    this.fabric = await this.newLab(`${name}f`);
    const f = this.fabric.name;
    await run('ip', ['-n', f, 'link', 'add', 'br0', 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0']);
    await run('ip', ['-n', f, 'addr', 'add', '10.99.0.1/24', 'dev', 'br0']);
    await run('ip', ['-n', f, 'link', 'set', 'br0', 'up']);
    const clients = [];
    for (let i = 1; i <= hostCount; i++) {
      const address = `10.99.0.${10 + i}`;
      clients.push({ address, asn: 64512, passive: true, routeReflectorClient: true, clusterId: '10.99.0.1', holdTime: opts.holdTime ?? 30, families: ['l2vpn-evpn', 'l3vpn-ipv4-unicast', 'l3vpn-ipv6-unicast', 'rtc'] });
    }
    const rrToml = join(this.fabric.dir, 'rr.toml');
    writeFileSync(rrToml, bgpipedToml({ asn: 64512, routerId: '10.99.0.1', listen: ['10.99.0.1'], neighbors: clients, apiPort: 8082 }));
    const rrLog = join(this.fabric.dir, 'rr.log');
    this.fabric.spawn(process.execPath, [bgpipedScript, '-f', rrToml, '--state-dir', join(this.fabric.dir, 'rr-state')], { stdoutFile: rrLog, stderrFile: rrLog, label: 'rr' });

    for (let i = 1; i <= hostCount; i++) {
      const lab = await this.newLab(`${name}h${i}`);
      const address = `10.99.0.${10 + i}`;
      await run('ip', ['-n', f, 'link', 'add', `fab${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', lab.name]);
      await run('ip', ['-n', f, 'link', 'set', `fab${i}`, 'master', 'br0', 'up']);
      await run('ip', ['-n', lab.name, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
      await run('ip', ['-n', lab.name, 'link', 'set', 'eth0', 'up']);
      const ini = join(lab.dir, 'bgp.conf');
      writeFileSync(
        ini,
        [
          '[BGP]', `local_address=${address}`, 'peers=10.99.0.1', 'my_as=64512', 'enable_rtc=True',
          '[API]', 'host=127.0.0.1', 'port=8082',
          '[DATAPLANE_DRIVER_EVPN]', 'dataplane_driver=linux_vxlan.LinuxVXLANDataplaneDriver',
          ...(opts.reconcileInterval !== undefined ? [`reconcile_interval=${opts.reconcileInterval}`] : []),
          '[DATAPLANE_DRIVER_IPVPN]', 'dataplane_driver=linux',
          ...(opts.reconcileInterval !== undefined ? [`reconcile_interval=${opts.reconcileInterval}`] : []), '',
        ].join('\n'),
      );
      const stateDir = join(lab.dir, 'state');
      mkdirSync(stateDir, { recursive: true });
      this.hosts.push({ lab, address, proc: undefined, log: join(lab.dir, 'bgpiped.log'), ini, stateDir });
    }
    // The reflector listens before the hosts connect (their connect retry is 5 s).
    await waitUntil('the route reflector to listen', async () => (await run('ip', ['netns', 'exec', f, 'ss', '-Hltn', 'sport = :179'])).stdout.includes('10.99.0.1'), 15_000);
    await Promise.all(this.hosts.filter((_, i) => !opts.foreign?.includes(i + 1)).map((h) => this.startHost(h)));
  }

  private async newLab(name: string): Promise<Lab> {
    const lab = await createLab(name);
    this.labs.push(lab);
    return lab;
  }

  async startHost(h: Host): Promise<void> {
    h.proc = h.lab.spawn(process.execPath, [bgpipedScript, '--config-file', h.ini, '--state-dir', h.stateDir, '-l', 'debug'], { stdoutFile: h.log, stderrFile: h.log, label: `bgpiped ${h.address}` });
    await waitUntil(`bgpiped on ${h.address} to answer /ping`, async () => (await labFetch(h.lab, 8082, 'GET', '/ping').catch(() => ({ status: 0 }))).status === 200, 15_000);
  }

  /** A container namespace with eth0 (MAC, IP) whose peer `port` is in the host. */
  async container(name: string, host: Host, o: { port: string; mac: string; ip: string; gateway?: string }): Promise<Container> {
    const lab = await this.newLab(name);
    await run('ip', ['-n', host.lab.name, 'link', 'add', o.port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', lab.name]);
    await run('ip', ['-n', lab.name, 'link', 'set', 'eth0', 'address', o.mac, 'mtu', '1450']);
    await run('ip', ['-n', lab.name, 'addr', 'add', o.ip, 'dev', 'eth0']);
    await run('ip', ['-n', lab.name, 'link', 'set', 'eth0', 'up']);
    if (o.gateway) await run('ip', ['-n', lab.name, 'route', 'add', 'default', 'via', o.gateway]);
    return { lab, host, port: o.port, mac: o.mac, ip: o.ip };
  }

  async attach(c: Container, body: Record<string, unknown>, path = '/attach_localport'): Promise<void> {
    const full = { mac_address: c.mac, ip_address: c.ip, local_port: { linuxif: c.port }, ...body };
    const r = await labFetch(c.host.lab, 8082, 'POST', path, full, { accept: 'application/json' });
    if (r.status !== 200) throw new Error(`${path} on ${c.host.address}: ${r.status} ${r.body}`);
  }

  /** Links of a host whose name starts with one of the prefixes. */
  async links(h: Host, ...prefixes: string[]): Promise<string[]> {
    const { stdout } = await run('ip', ['-n', h.lab.name, '-json', 'link', 'show']);
    return (JSON.parse(stdout) as { ifname: string }[]).map((l) => l.ifname).filter((n) => prefixes.some((p) => n.startsWith(p)));
  }

  /** `ping -c 1` until it answers, within `ms`. */
  async pingable(from: Container, to: string, ms = 15_000): Promise<void> {
    await waitUntil(`${from.ip} to reach ${to}`, async () => {
      try {
        await from.lab.exec('ping', ['-c', '1', '-W', '1', to]);
        return true;
      } catch {
        return false;
      }
    }, ms).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${await this.logs()}`);
    });
  }

  async cannotPing(from: Container, to: string): Promise<boolean> {
    try {
      await from.lab.exec('ping', ['-c', '2', '-i', '0.3', '-W', '1', to]);
      return false;
    } catch {
      return true;
    }
  }

  /**
   * What tshark on the fabric bridge sees of ICMP inside VXLAN while `traffic` runs: the distinct
   * `<outer destination (the VTEP)> <VNI>` pairs, sorted, and tshark's output for messages.
   */
  async vxlanIcmp(traffic: () => Promise<unknown>): Promise<{ pairs: string[]; raw: string }> {
    const args = ['netns', 'exec', this.fabric.name, 'tshark', '-l', '-n', '-i', 'br0', '-f', 'udp port 4789', '-a', 'duration:6', '-T', 'fields', '-e', 'ip.dst', '-e', 'vxlan.vni', '-Y', 'icmp || icmpv6'];
    const tshark = spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    tshark.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    tshark.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const done = new Promise<void>((r) => tshark.once('exit', () => r()));
    try {
      await waitUntil('tshark to capture', () => /Capturing on/.test(err), 10_000);
      await traffic();
      await done;
    } finally {
      if (tshark.exitCode === null && tshark.signalCode === null) tshark.kill('SIGKILL');
    }
    // ip.dst lists the outer then the inner IPv4 destination: keep the outer.
    const pairs = new Set(out.trim().split('\n').filter(Boolean).map((l) => { const [dst, vni] = l.trim().split(/\s+/); return `${dst!.split(',')[0]} ${vni}`; }));
    return { pairs: [...pairs].sort(), raw: `${out}\n${err}` };
  }

  async logs(): Promise<string> {
    const parts: string[] = [];
    for (const h of this.hosts) {
      try {
        parts.push(`---- bgpiped ${h.address} ----\n${readFileSync(h.log, 'utf8').split('\n').filter((l) => !/"level":20/.test(l)).join('\n').slice(-4000)}`);
      } catch {
        // not started
      }
    }
    return parts.join('\n');
  }

  async destroy(): Promise<void> {
    // Hosts first, so their namespaces (and the links in them) go before the fabric.
    for (const lab of [...this.labs].reverse()) await lab.destroy();
  }
}
