/**
 * IP VPN (RFC 4364) on a Linux kernel without VRF devices or MPLS forwarding: bgpipe's own
 * design (bagpipe-bgp's IP VPN driver needs MPLS or OVS), the recipe verified on this kernel
 * (test-environment.md, "An IP VPN dataplane without VRF or MPLS"). VPN routes travel over VXLAN
 * (RFC 9012 encapsulation community VXLAN, RFC 9135 router's MAC) instead of MPLS:
 *
 *   per VRF      routing table T (vrfTable(id)); vxlan device `ipvpn--<id>` (id = the VRF's label,
 *                local = dataplane address, nolearning, MAC = a stable router MAC advertised
 *                on the VRF's routes), `ip rule iif <vxlan dev> lookup T`; ip_forward on,
 *                rp_filter off (the return path is in T, not in main)
 *   local port   the gateway address /32 on the port with proxy_arp (the container's subnet
 *                makes it ARP for its peers directly: the port answers from T), `ip rule iif
 *                <port> lookup T`, `ip route replace IP/32 dev <port> table T`
 *   remote route `ip route replace PREFIX via VTEP dev <vxlan dev> onlink table T`, and per
 *                remote VTEP `ip neigh replace VTEP lladdr RMAC dev <vxlan> nud permanent`,
 *                `bridge fdb replace RMAC dev <vxlan> dst VTEP vni LABEL self permanent`;
 *                a prefix advertised from several VTEPs (distinct RDs, so distinct best paths)
 *                is one multipath route: `nexthop via A dev <vxlan> onlink nexthop via B ...`
 *
 * IPv6 (RFC 4659) the same way, with two differences this kernel imposes: an IPv6 route cannot
 * have an IPv4 gateway ("IPv6 routes can not use an IPv4 nexthop"), so a VTEP stands as the
 * link-local address fe80::ffff:<its IPv4 in hex> on the vxlan device, with a permanent
 * neighbour entry for its router MAC; and proxy NDP has no catch-all, so an IPv6 endpoint reaches
 * everything through its gateway, fe80::1 on the port (its default route: `via fe80::1 dev
 * eth0`). Rules exist for both families (`ip -6 rule`).
 *
 * Every route is `proto 186` (bgp) in T; rules have preference 1000.
 */
import type { DataplaneDriver, InstanceDataplane, InstanceSettings, LocalPortPlug, RemoteRoute } from '../../vpn/dataplane.js';
import type { Json } from '../../vpn/types.js';
import { bridge, ip, ip6, type Cmd, type LinuxKernel } from './kernel.js';
import { MissingPorts, VxlanDriver, type VxlanDriverOptions } from './vxlan-driver.js';
import { existingVxlan, linksByName, type JsonLink } from './links.js';
import { ifName, IPVPN_VXLAN_PREFIX, stableMac, VRF_TABLE_BASE, VRF_TABLE_SPAN, vrfTable } from './names.js';

const RULE_PREF = 1000;
const PROTO = 186;
const QUIET = /No such file|No such process|not found|Cannot find|does not exist/i;

export type LinuxIpvpnOptions = VxlanDriverOptions;

interface JsonRule {
  priority?: number;
  iif?: string;
  table?: string;
}
interface JsonRoute {
  dst: string;
  dev?: string;
  gateway?: string;
  flags?: string[];
  nexthops?: { gateway?: string; dev?: string }[];
}
interface JsonNeigh {
  dst: string;
  state?: string[];
}
interface JsonFdb {
  mac: string;
  dst?: string;
  vni?: number;
}

const isTable = (t: number) => t >= VRF_TABLE_BASE && t < VRF_TABLE_BASE + VRF_TABLE_SPAN;

/** The gateway IPv6 endpoints route through: an address of every port of an IPv6 endpoint. */
export const V6_GATEWAY = 'fe80::1';

/** A host route's prefix. */
const host = (addr: string) => (addr.includes(':') ? `${addr}/128` : `${addr}/32`);
/** A JSON route's dst with its length (`ip -json` leaves /32 and /128 out). */
const withLen = (dst: string) => (dst.includes('/') ? dst : host(dst));

/** The IPv6 next hop standing for a VTEP: fe80::ffff:a63:c for 10.99.0.12. */
export function vtepLinkLocal(v4: string): string {
  const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number];
  return `fe80::ffff:${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

/** The VTEP a link-local next hop of ours stands for; undefined for any other address. */
function vtepOf(addr: string): string | undefined {
  const m = /^fe80::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(addr);
  if (!m) return addr.includes(':') ? undefined : addr;
  const [x, y] = [parseInt(m[1]!, 16), parseInt(m[2]!, 16)];
  return `${x >> 8}.${x & 255}.${y >> 8}.${y & 255}`;
}

/** Both families' routes of a table with our protocol. */
async function tableRoutes(k: LinuxKernel, table: number): Promise<JsonRoute[]> {
  const args = ['route', 'show', 'table', String(table), 'proto', String(PROTO)];
  const v6 = await k.json<JsonRoute>(['-6', ...args]).catch(() => []); // no IPv6 route yet: "FIB table does not exist"
  return [...(await k.json<JsonRoute>(args)), ...v6];
}

/** A rule in both families (`add` or `del`). */
const rules = (op: 'add' | 'del', iif: string, table: number): Cmd[] => [ip(`rule ${op} pref ${RULE_PREF} iif ${iif} lookup ${table}`), ip6(`rule ${op} pref ${RULE_PREF} iif ${iif} lookup ${table}`)];

export class LinuxIpvpnDriver extends VxlanDriver<number, LinuxVrf> implements DataplaneDriver {
  readonly name = 'LinuxVXLANIPVPNDataplaneDriver';
  readonly encaps = ['vxlan'] as const;
  readonly vniPerInstance = true;

  async start(): Promise<void> {
    const ready = await this.probe('IP VPN', (f) =>
      !f.iproute2 || !f.vxlan || !f.ipRule ? `the linux IP VPN driver needs VXLAN and policy routing (ip rule): ${f.problems.join('; ')}` : undefined,
    );
    if (!ready) return;
    this.o.log.info(
      { driver: this.name, localAddress: this.localAddress, dstport: this.o.vxlanDstPort, mtu: this.mtu },
      'dataplane: IP VPN over VXLAN ready (routing table and ip rules per VRF; no VRF device, no MPLS on this kernel)',
    );
  }

  createInstance(s: InstanceSettings): InstanceDataplane {
    let table = vrfTable(s.externalId);
    while (this.instances.has(table)) table = table + 1 >= VRF_TABLE_BASE + VRF_TABLE_SPAN ? VRF_TABLE_BASE : table + 1;
    const vrf = new LinuxVrf(this, this.kernel, s, table, this.o);
    this.instances.set(table, vrf);
    return vrf;
  }

  forget(vrf: LinuxVrf): void {
    this.instances.delete(vrf.table);
  }

  async reconcile(): Promise<void> {
    this.kernel.enqueue('reconcile IP VPN objects', async () => {
      const live = [...this.instances.values()];
      const names = new Set(live.map((v) => v.vx));
      const cmds: Cmd[] = [];
      for (const l of await this.kernel.json<JsonLink>(['link', 'show'])) {
        if (l.ifname.startsWith(IPVPN_VXLAN_PREFIX) && !names.has(l.ifname)) cmds.push(ip(`link del dev ${l.ifname}`));
      }
      const wanted = new Set(live.flatMap((v) => v.ruleIifs().map((iif) => `${iif}|${v.table}`)));
      const tables = new Set<number>();
      for (const [mk, family] of [[ip, []], [ip6, ['-6']]] as const) {
        for (const r of await this.kernel.json<JsonRule>([...family, 'rule', 'show'])) {
          const t = Number(r.table);
          if (!isTable(t)) continue;
          tables.add(t);
          if (r.iif === undefined || !wanted.has(`${r.iif}|${t}`)) cmds.push(mk(`rule del pref ${r.priority ?? RULE_PREF}${r.iif ? ` iif ${r.iif}` : ''} lookup ${t}`));
        }
      }
      for (const t of tables) if (!this.instances.has(t)) cmds.push(ip(`route flush table ${t}`), ip6(`route flush table ${t}`));
      for (const v of live) cmds.push(...(await v.staleLocalRoutes()));
      if (cmds.length) this.o.log.info({ removed: cmds.map((c) => c.line) }, 'dataplane: IP VPN objects no attachment needs');
      await this.kernel.run(cmds, (_c, m) => QUIET.test(m));
    });
    await this.kernel.idle();
    this.watch();
  }


}

interface Vtep {
  readonly mac: string;
  readonly label: number;
  count: number;
}

class LinuxVrf implements InstanceDataplane {
  readonly vx: string;
  readonly routerMac: string;
  private readonly vni: number;
  private readonly gateway: string | undefined;
  /** linuxif → local /32s on it. */
  private readonly ports = new Map<string, Set<string>>();
  /** prefix → the routes that name it, latest last (the kernel holds the latest). */
  private readonly routes = new Map<string, RemoteRoute[]>();
  private readonly vteps = new Map<string, Vtep>();
  private stale = new Map<string, Cmd[]>();
  private warnedNoRmac = false;
  private warnedV6Vtep = false;
  private readonly missing: MissingPorts;

  constructor(
    private readonly driver: LinuxIpvpnDriver,
    private readonly k: LinuxKernel,
    private readonly s: InstanceSettings,
    readonly table: number,
    private readonly o: LinuxIpvpnOptions,
  ) {
    this.vx = ifName(IPVPN_VXLAN_PREFIX, s.externalId);
    this.vni = s.label;
    this.gateway = s.gatewayIp;
    this.routerMac = stableMac(`${o.localAddress}|${s.externalId}`);
    this.missing = new MissingPorts(o.log, s.externalId);
    this.k.enqueue(`VRF ${s.externalId}`, () => this.ensure(true));
  }

  ruleIifs(): string[] {
    return [this.vx, ...this.ports.keys()];
  }

  private get wanted() {
    return { vni: this.vni, local: this.o.localAddress, port: this.o.vxlanDstPort, proxy: false, address: this.routerMac };
  }

  /** `collect`: at start, the remote entries of a kept device are stale until learnt again. */
  private async ensure(collect: boolean, known?: Map<string, JsonLink>): Promise<void> {
    for (const [path, v] of [['net.ipv4.ip_forward', '1'], ['net.ipv4.conf.all.rp_filter', '0'], ['net.ipv4.conf.default.rp_filter', '0'], ['net.ipv6.conf.all.forwarding', '1']] as const) {
      this.k.sysctl(path, v);
    }
    const links = known ?? (await linksByName(this.k));
    const state = existingVxlan(links.get(this.vx), this.wanted);
    const cmds: Cmd[] = [];
    if (state === 'other') cmds.push(ip(`link del dev ${this.vx}`));
    if (state !== 'same') {
      cmds.push(ip(`link add name ${this.vx} address ${this.routerMac} type vxlan id ${this.vni} local ${this.o.localAddress} dstport ${this.o.vxlanDstPort} nolearning`));
      cmds.push(ip(`link set dev ${this.vx} mtu ${this.driver.mtu}`));
    } else if (collect) {
      await this.collectStale();
    }
    cmds.push(ip(`link set dev ${this.vx} up`));
    await this.k.run(cmds);
    this.k.sysctl(`net.ipv4.conf.${this.vx}.rp_filter`, '0');
    await this.ensureRule(this.vx);
  }

  /** `iif <iif> lookup T` in both families. */
  private async ensureRule(iif: string): Promise<void> {
    const [add4, add6] = rules('add', iif, this.table);
    const cmds: Cmd[] = [];
    if (!(await this.k.json<JsonRule>(['rule', 'show', 'iif', iif])).some((r) => Number(r.table) === this.table)) cmds.push(add4!);
    if (!(await this.k.json<JsonRule>(['-6', 'rule', 'show', 'iif', iif])).some((r) => Number(r.table) === this.table)) cmds.push(add6!);
    await this.k.run(cmds);
  }

  private async collectStale(): Promise<void> {
    for (const r of await tableRoutes(this.k, this.table)) {
      // Remote routes: via the vxlan device, or multipath (only remote routes have several hops).
      if (r.dev !== this.vx && r.nexthops === undefined) continue;
      const dst = withLen(r.dst);
      this.stale.set(`route|${dst}`, [ip(`route del ${dst} table ${this.table} proto ${PROTO}`)]);
    }
    for (const n of [...(await this.k.json<JsonNeigh>(['neigh', 'show', 'dev', this.vx])), ...(await this.k.json<JsonNeigh>(['-6', 'neigh', 'show', 'dev', this.vx]))]) {
      const vtep = vtepOf(n.dst);
      if (vtep === undefined || !(n.state ?? []).includes('PERMANENT')) continue;
      const key = `vtep|${vtep}`;
      this.stale.set(key, [...(this.stale.get(key) ?? []), ip(`neigh del ${n.dst} dev ${this.vx}`)]);
    }
    for (const f of await this.k.json<JsonFdb>(['fdb', 'show', 'dev', this.vx], 'bridge')) {
      if (f.dst === undefined) continue;
      const key = `vtep|${f.dst}`;
      this.stale.set(key, [...(this.stale.get(key) ?? []), bridge(`fdb del ${f.mac} dev ${this.vx} dst ${f.dst}${f.vni !== undefined ? ` vni ${f.vni}` : ''} self`)]);
    }
  }

  /** Local host routes in the table whose port is no longer attached (reconcile at start). */
  async staleLocalRoutes(): Promise<Cmd[]> {
    const out: Cmd[] = [];
    for (const r of await tableRoutes(this.k, this.table)) {
      if (r.dev === undefined || r.dev === this.vx) continue;
      const addr = r.dst.split('/')[0]!;
      if (!this.ports.get(r.dev)?.has(addr)) out.push(ip(`route del ${r.dst} dev ${r.dev} table ${this.table} proto ${PROTO}`));
    }
    return out;
  }

  releaseStale(): void {
    this.k.enqueue(`VRF ${this.vx} stale entries`, async () => {
      const cmds = [...this.stale.values()].flat();
      this.stale.clear();
      if (cmds.length) this.o.log.info({ device: this.vx, removed: cmds.length }, 'dataplane: stale IP VPN entries removed');
      await this.k.run(cmds, (_c, m) => QUIET.test(m));
    });
  }

  private queue(what: string, cmds: () => Cmd[], learnt: readonly string[] = [], quiet = false): void {
    this.k.enqueue(what, async () => {
      for (const key of learnt) this.stale.delete(key);
      await this.k.run(cmds(), quiet ? (_c, m) => QUIET.test(m) : undefined);
    });
  }

  addLocalPort(p: LocalPortPlug): void {
    const addr = p.ip?.split('/')[0];
    if (addr === undefined) return;
    let addrs = this.ports.get(p.linuxif);
    const first = addrs === undefined;
    if (!addrs) this.ports.set(p.linuxif, (addrs = new Set()));
    addrs.add(addr);
    const port = p.linuxif;
    this.k.enqueue(`VRF port ${port}`, async () => {
      const [link] = await this.k.json<JsonLink>(['link', 'show', 'dev', port]);
      const cmds = [...(link !== undefined && link.mtu > this.driver.mtu ? [ip(`link set dev ${port} mtu ${this.driver.mtu}`)] : []), ...this.portCmds(port, [addr])];
      await this.k.run(cmds);
      if (first) await this.portSettings(port);
    });
  }

  /** A port up, with the gateway address (fe80::1 too for IPv6 endpoints) and a host route per
   *  endpoint address. */
  private portCmds(port: string, addrs: Iterable<string>): Cmd[] {
    const list = [...addrs];
    const cmds: Cmd[] = [ip(`link set dev ${port} up`)];
    if (this.gateway !== undefined) cmds.push(ip(`addr replace ${host(this.gateway)} dev ${port}`));
    if (list.some((a) => a.includes(':'))) cmds.push(ip(`addr replace ${V6_GATEWAY}/64 dev ${port} nodad`));
    for (const addr of list) cmds.push(ip(`route replace ${host(addr)} dev ${port} table ${this.table} proto ${PROTO}`));
    return cmds;
  }

  /** Proxy ARP, no reverse-path filter (the return path is in the table), the port's rule. */
  private async portSettings(port: string): Promise<void> {
    this.k.sysctl(`net.ipv4.conf.${port}.proxy_arp`, '1');
    this.k.sysctl(`net.ipv4.conf.${port}.rp_filter`, '0');
    await this.ensureRule(port);
  }

  /**
   * The periodic reconcile (and the one a link deletion triggers): a vxlan device gone or changed
   * behind our back is made again with its rule, neighbour and fdb entries and routes; ports come
   * back with their addresses, routes and rules; missing or wrong routes of the table are put
   * right and, once no entry found at start waits for End-of-RIB, routes nobody wants go.
   */
  async repair(links: Map<string, JsonLink>): Promise<void> {
    // What the VRF needs, taken before the first await: calls made while this pass reads the
    // kernel have their own commands queued after it, so they are not differences.
    const present = [...this.ports.keys()].filter((port) => this.missing.present(port, links));
    const vteps = [...this.vteps].flatMap(([addr, v]) => this.vtepCmds(addr, v.mac, v.label));
    // Routes of the table by destination: the next hops as `ip -json` shows them, and the fix.
    const want = new Map<string, { hops: string; cmd: Cmd }>();
    for (const port of present) for (const addr of this.ports.get(port)!) want.set(host(addr), { hops: `dev ${port}`, cmd: ip(`route replace ${host(addr)} dev ${port} table ${this.table} proto ${PROTO}`) });
    for (const [prefix, list] of this.routes) {
      const gw = (v: string) => (prefix.includes(':') ? vtepLinkLocal(v) : v);
      if (!this.isLocal(prefix)) want.set(prefix, { hops: [...new Set(list.map((r) => gw(r.nextHop)))].sort().join(','), cmd: this.routeCmd(prefix) });
    }

    const cmds: Cmd[] = [];
    const devOk = existingVxlan(links.get(this.vx), this.wanted) === 'same';
    if (!devOk) {
      this.o.log.warn({ vxlan: this.vx, found: links.get(this.vx)?.linkinfo?.info_kind ?? null }, 'dataplane: IP VPN vxlan device deleted or changed behind bgpiped\'s back: made again with its entries and routes');
      await this.ensure(false, links);
      cmds.push(...vteps);
    } else {
      await this.ensureRule(this.vx);
    }
    for (const port of present) await this.portSettings(port);
    const have = new Map<string, string>();
    for (const r of await tableRoutes(this.k, this.table)) {
      have.set(withLen(r.dst), r.nexthops ? r.nexthops.map((h) => h.gateway ?? '').sort().join(',') : r.gateway ?? `dev ${r.dev}`);
    }
    for (const [dst, w] of want) if (have.get(dst) !== w.hops) cmds.push(w.cmd);
    if (this.stale.size === 0) for (const dst of have.keys()) if (!want.has(dst)) cmds.push(ip(`route del ${dst} table ${this.table} proto ${PROTO}`));
    if (cmds.length === 0) return;
    if (devOk) this.o.log.warn({ device: this.vx, fixed: cmds.map((c) => `${c.tool} ${c.line}`) }, 'dataplane: the kernel differed from what the VRF needs: fixed');
    await this.k.run(cmds, (_c, m) => QUIET.test(m));
  }

  removeLocalPort(p: LocalPortPlug, last: boolean): void {
    const addr = p.ip?.split('/')[0];
    const addrs = this.ports.get(p.linuxif);
    if (addr === undefined || addrs === undefined) return;
    const hadV6 = [...addrs].some((a) => a.includes(':'));
    addrs.delete(addr);
    const port = p.linuxif;
    const cmds = [ip(`route del ${host(addr)} dev ${port} table ${this.table} proto ${PROTO}`)];
    // The same address advertised from elsewhere (anycast) is reachable there now.
    if (this.routes.has(host(addr)) && !this.isLocal(host(addr))) cmds.push(this.routeCmd(host(addr)));
    if (last || addrs.size === 0) {
      this.ports.delete(port);
      this.missing.forget(port);
      cmds.push(...rules('del', port, this.table));
      if (this.gateway !== undefined) cmds.push(ip(`addr del ${host(this.gateway)} dev ${port}`));
      if (hadV6) cmds.push(ip(`addr del ${V6_GATEWAY}/64 dev ${port}`));
    }
    // The port may be gone already (its container stopped): nothing left to undo on it.
    this.queue(`VRF port ${port} out`, () => cmds, [], true);
  }

  addRemoteMac(): void {}
  removeRemoteMac(): void {}
  addFloodEntry(): void {}
  removeFloodEntry(): void {}

  addRemoteRoute(e: RemoteRoute): void {
    if (e.nextHop.includes(':')) {
      if (!this.warnedV6Vtep) this.o.log.warn({ vrf: this.s.externalId, prefix: e.prefix, nextHop: e.nextHop }, 'dataplane: a VPN route with an IPv6 next hop cannot be reached (the VXLAN underlay here is IPv4); not installed');
      this.warnedV6Vtep = true;
      return;
    }
    if (e.routerMac === undefined) {
      if (!this.warnedNoRmac) this.o.log.warn({ vrf: this.s.externalId, prefix: e.prefix, nextHop: e.nextHop }, 'dataplane: a VPN route without a router MAC community cannot be reached over VXLAN; not installed');
      this.warnedNoRmac = true;
      return;
    }
    const list = this.routes.get(e.prefix);
    if (list) list.push(e);
    else this.routes.set(e.prefix, [e]);
    // A local endpoint's /32 wins over the same prefix from remote VTEPs (an anycast address
    // attached here too): replacing it would send local traffic away, or loop between two hosts.
    const cmds = [...this.vtepAdd(e), ...(this.isLocal(e.prefix) ? [] : [this.routeCmd(e.prefix)])];
    this.queue(`VRF route ${e.prefix}`, () => cmds, [`route|${e.prefix}`, `vtep|${e.nextHop}`]);
  }

  removeRemoteRoute(e: RemoteRoute): void {
    const list = this.routes.get(e.prefix);
    const i = list?.indexOf(e) ?? -1;
    if (!list || i < 0) return;
    list.splice(i, 1);
    const cmds: Cmd[] = [];
    if (list.length === 0) this.routes.delete(e.prefix);
    if (this.isLocal(e.prefix)) {
      // The kernel holds the local route: nothing of the remote ones to undo.
    } else if (list.length === 0) {
      cmds.push(ip(`route del ${e.prefix} table ${this.table} proto ${PROTO}`));
    } else {
      cmds.push(this.routeCmd(e.prefix));
    }
    cmds.push(...this.vtepRemove(e));
    this.queue(`VRF route ${e.prefix} withdrawn`, () => cmds, [], true);
  }

  /** A /32 of a local endpoint. */
  private isLocal(prefix: string): boolean {
    const [addr, len] = prefix.split('/');
    if (len !== (addr!.includes(':') ? '128' : '32')) return false;
    for (const addrs of this.ports.values()) if (addrs.has(addr!)) return true;
    return false;
  }

  /** The prefix's kernel route: one next hop per VTEP advertising it (ECMP when several), in
   *  bagpipe-bgp's consistent hash sort order, then by address, so the line is stable. */
  private routeCmd(prefix: string): Cmd {
    const byVtep = new Map<string, RemoteRoute>();
    for (const r of this.routes.get(prefix) ?? []) byVtep.set(r.nextHop, r);
    const hops = [...byVtep.values()].sort((a, b) => a.lbConsistentHashOrder - b.lbConsistentHashOrder || a.nextHop.localeCompare(b.nextHop));
    const where = `table ${this.table} proto ${PROTO}`;
    // IPv6: the VTEP's link-local stand-in (no onlink needed, nor accepted, for fe80::/64).
    const via = (h: RemoteRoute) => (prefix.includes(':') ? `via ${vtepLinkLocal(h.nextHop)} dev ${this.vx}` : `via ${h.nextHop} dev ${this.vx} onlink`);
    if (hops.length === 1) return ip(`route replace ${prefix} ${via(hops[0]!)} ${where}`);
    return ip(`route replace ${prefix} ${where} ${hops.map((h) => `nexthop ${via(h)}`).join(' ')}`);
  }

  /** The neighbour and fdb entries that make a VTEP reachable, shared by its routes. */
  private vtepAdd(e: RemoteRoute): Cmd[] {
    const v = this.vteps.get(e.nextHop);
    if (v && v.mac === e.routerMac && v.label === e.label) {
      v.count++;
      return [];
    }
    this.vteps.set(e.nextHop, { mac: e.routerMac!, label: e.label, count: (v?.count ?? 0) + 1 });
    return [...(v && v.mac !== e.routerMac ? [bridge(`fdb del ${v.mac} dev ${this.vx} dst ${e.nextHop} self`)] : []), ...this.vtepCmds(e.nextHop, e.routerMac!, e.label)];
  }

  /** A VTEP's neighbour entries (its IPv4 address and its IPv6 stand-in) and fdb entry. */
  private vtepCmds(vtep: string, mac: string, label: number): Cmd[] {
    return [
      ip(`neigh replace ${vtep} lladdr ${mac} dev ${this.vx} nud permanent`),
      ip(`neigh replace ${vtepLinkLocal(vtep)} lladdr ${mac} dev ${this.vx} nud permanent`),
      bridge(`fdb replace ${mac} dev ${this.vx} dst ${vtep} vni ${label} self permanent`),
    ];
  }

  private vtepRemove(e: RemoteRoute): Cmd[] {
    const v = this.vteps.get(e.nextHop);
    if (!v) return [];
    if (--v.count > 0) return [];
    this.vteps.delete(e.nextHop);
    return [ip(`neigh del ${e.nextHop} dev ${this.vx}`), ip(`neigh del ${vtepLinkLocal(e.nextHop)} dev ${this.vx}`), bridge(`fdb del ${v.mac} dev ${this.vx} dst ${e.nextHop} self`)];
  }

  cleanup(): void {
    this.driver.forget(this);
    const ports = [...this.ports.entries()];
    this.ports.clear();
    this.routes.clear();
    this.vteps.clear();
    this.stale.clear();
    const cmds: Cmd[] = [];
    for (const [port, addrs] of ports) {
      cmds.push(...rules('del', port, this.table));
      if (this.gateway !== undefined) cmds.push(ip(`addr del ${host(this.gateway)} dev ${port}`));
      if ([...addrs].some((a) => a.includes(':'))) cmds.push(ip(`addr del ${V6_GATEWAY}/64 dev ${port}`));
    }
    cmds.push(...rules('del', this.vx, this.table), ip(`route flush table ${this.table}`), ip6(`route flush table ${this.table}`), ip(`link del dev ${this.vx}`));
    this.queue(`VRF ${this.vx} removed`, () => cmds, [], true);
  }

  info(): { [key: string]: Json } {
    return { vxlan_if: this.vx, routing_table: this.table, router_mac: this.routerMac, missing_ports: this.missing.list() };
  }
}
