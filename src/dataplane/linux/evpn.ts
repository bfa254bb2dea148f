/**
 * EVPN over VXLAN on Linux (RFC 7432, RFC 8365), bagpipe-bgp's linux_vxlan driver
 * (reference §5) with the same kernel objects:
 *
 *   per EVI      bridge `evpn---<id>` (forward delay 0, no STP), vxlan device `vxlan--<id>`
 *                (id VNI, local = dataplane address, dstport 4789, nolearning, proxy) enslaved to
 *                it, MTU = underlay MTU − 50 (outer IPv4 + UDP + VXLAN + inner Ethernet)
 *   local port   enslaved to the bridge, its MAC pinned: `bridge fdb replace MAC dev PORT master
 *                static`; its MTU lowered to the vxlan device's when larger
 *   type 2       `bridge fdb replace MAC dev VX dst NEXTHOP vni VNI self permanent` and, with an
 *                IP, `ip neigh replace IP lladdr MAC dev VX nud permanent` (ARP/ND answered
 *                locally by the vxlan `proxy` flag)
 *   type 3       `bridge fdb append 00:00:00:00:00:00 dev VX dst TUNNEL vni VNI self permanent`
 *                (ingress replication, RFC 7432 §11.2)
 *
 * A withdrawal removes exactly what its route added: two routes for one MAC (MAC only and
 * MAC+IP) share the fdb entry, which goes with the last of them. Kernel state that survives a
 * crash is kept: at start a device with the right parameters is not re-made, `replace` of an
 * unchanged entry changes nothing, and remote entries not learnt again are removed only when
 * releaseStale() says the routes are complete.
 */
import type { DataplaneDriver, FloodEntry, InstanceDataplane, InstanceSettings, LocalPortPlug, RemoteMac } from '../../vpn/dataplane.js';
import type { Json } from '../../vpn/types.js';
import { bridge, ip, type Cmd, type LinuxKernel } from './kernel.js';
import { MissingPorts, VxlanDriver, type VxlanDriverOptions } from './vxlan-driver.js';
import { EVPN_BRIDGE_PREFIX, EVPN_VXLAN_PREFIX, ifName } from './names.js';
import { existingVxlan, linksByName, type JsonLink } from './links.js';

const ZERO_MAC = '00:00:00:00:00:00';

export type LinuxEvpnOptions = VxlanDriverOptions;

interface JsonFdb {
  mac: string;
  ifname?: string;
  dst?: string;
  vni?: number;
  flags?: string[];
  state?: string;
  master?: string;
}
interface JsonNeigh {
  dst: string;
  lladdr?: string;
  state?: string[];
}

export class LinuxEvpnDriver extends VxlanDriver<string, LinuxEvi> implements DataplaneDriver {
  readonly name = 'LinuxVXLANDataplaneDriver';
  readonly encaps = ['vxlan'] as const;

  async start(): Promise<void> {
    const ready = await this.probe('EVPN', (f) =>
      !f.iproute2 || !f.bridge || !f.vxlan
        ? `the linux EVPN driver needs a Linux bridge and VXLAN: ${f.problems.filter((p) => !/policy routing/.test(p)).join('; ')}`
        : undefined,
    );
    if (ready) this.o.log.info({ driver: this.name, localAddress: this.localAddress, dstport: this.o.vxlanDstPort, mtu: this.mtu }, 'dataplane: EVPN over VXLAN ready');
  }

  createInstance(s: InstanceSettings): InstanceDataplane {
    const evi = new LinuxEvi(this, this.kernel, s, this.o);
    this.instances.set(evi.vx, evi);
    return evi;
  }

  forget(evi: LinuxEvi): void {
    this.instances.delete(evi.vx);
  }

  async reconcile(): Promise<void> {
    this.kernel.enqueue('reconcile EVPN links', async () => {
      const links = await this.kernel.json<JsonLink>(['-d', 'link', 'show']);
      const needed = new Set<string>();
      for (const evi of this.instances.values()) needed.add(evi.vx).add(evi.br);
      const cmds: Cmd[] = [];
      // vxlan devices first: a bridge goes with its ports still attached, which is fine.
      for (const l of links) if (l.ifname.startsWith(EVPN_VXLAN_PREFIX) && !needed.has(l.ifname)) cmds.push(ip(`link del dev ${l.ifname}`));
      for (const l of links) if (l.ifname.startsWith(EVPN_BRIDGE_PREFIX) && !needed.has(l.ifname)) cmds.push(ip(`link del dev ${l.ifname}`));
      // Ports left on a kept bridge that no attachment names any more.
      for (const evi of this.instances.values()) {
        for (const l of links) {
          if (l.master === evi.br && l.ifname !== evi.vx && !evi.hasPort(l.ifname)) cmds.push(ip(`link set dev ${l.ifname} nomaster`));
        }
      }
      if (cmds.length) this.o.log.info({ removed: cmds.map((c) => c.line) }, 'dataplane: EVPN objects no attachment needs');
      await this.kernel.run(cmds);
    });
    await this.kernel.idle();
    this.watch();
  }

}

class LinuxEvi implements InstanceDataplane {
  readonly br: string;
  readonly vx: string;
  private readonly vni: number;
  /** A bridge given by the client (`linuxbr`): used, never deleted. */
  private readonly ownBridge: boolean;
  /** linuxif → MACs pinned on it. */
  private readonly ports = new Map<string, Set<string>>();
  /** Remote MAC → the routes that name it, latest last (the kernel holds the latest). */
  private readonly macs = new Map<string, RemoteMac[]>();
  private readonly neighs = new Map<string, RemoteMac[]>();
  private readonly floods = new Map<string, number>();
  /** Remote entries found on a kept device at start, until learnt again: key → delete command. */
  private stale = new Map<string, Cmd[]>();
  private readonly missing: MissingPorts;

  constructor(
    private readonly driver: LinuxEvpnDriver,
    private readonly k: LinuxKernel,
    s: InstanceSettings,
    private readonly o: LinuxEvpnOptions,
  ) {
    this.ownBridge = s.linuxbr === undefined;
    this.br = s.linuxbr ?? ifName(EVPN_BRIDGE_PREFIX, s.externalId);
    this.vx = ifName(EVPN_VXLAN_PREFIX, s.externalId);
    this.vni = s.label;
    this.missing = new MissingPorts(o.log, s.externalId);
    this.k.enqueue(`EVI ${s.externalId}`, () => this.ensure(true));
  }

  hasPort(name: string): boolean {
    return this.ports.has(name);
  }

  /** Makes the bridge and the vxlan device, keeping them (and their entries) when they are right;
   *  `collect`: at start, the remote entries of a kept device are stale until learnt again. */
  private async ensure(collect: boolean, known?: Map<string, JsonLink>): Promise<void> {
    const links = known ?? (await linksByName(this.k));
    const cmds: Cmd[] = [];
    const br = links.get(this.br);
    if (br === undefined) {
      cmds.push(ip(`link add name ${this.br} type bridge forward_delay 0 stp_state 0`));
    }
    cmds.push(ip(`link set dev ${this.br} up`));
    const vx = existingVxlan(links.get(this.vx), this.wanted);
    if (vx === 'other') cmds.push(ip(`link del dev ${this.vx}`));
    if (vx !== 'same') {
      cmds.push(ip(`link add name ${this.vx} type vxlan id ${this.vni} local ${this.o.localAddress} dstport ${this.o.vxlanDstPort} nolearning proxy`));
      cmds.push(ip(`link set dev ${this.vx} mtu ${this.driver.mtu}`));
    } else if (collect) {
      await this.collectStale();
    }
    cmds.push(ip(`link set dev ${this.vx} master ${this.br} up`));
    await this.k.run(cmds);
  }

  private get wanted() {
    return { vni: this.vni, local: this.o.localAddress, port: this.o.vxlanDstPort, proxy: true };
  }

  /** What a port needs: in the bridge, up, its MACs pinned (MTU is lowered at attach). */
  private portCmds(port: string, macs: Iterable<string>): Cmd[] {
    return [ip(`link set dev ${port} master ${this.br} up`), ...[...macs].map((mac) => bridge(`fdb replace ${mac} dev ${port} master static`))];
  }

  /**
   * The periodic reconcile (and the one a link deletion triggers): a bridge or vxlan device gone
   * or changed behind our back is made again with every port and entry; otherwise only missing
   * or foreign entries are fixed. Ports that are gone are reported (MissingPorts).
   */
  async repair(links: Map<string, JsonLink>): Promise<void> {
    // What the instance needs, taken before the first await: calls made while this pass reads
    // the kernel have their own commands queued after it, so they are not differences.
    const ports = [...this.ports].map(([port, macs]) => [port, [...macs]] as const);
    const wantFdb = new Map<string, Cmd>();
    for (const [mac, list] of this.macs) {
      const e = list[list.length - 1]!;
      wantFdb.set(`${mac}|${e.nextHop}|${e.vni}`, fdbFor(this.vx, e));
    }
    for (const key of this.floods.keys()) {
      const [, endpoint, vni] = key.split('|');
      wantFdb.set(`${ZERO_MAC}|${endpoint}|${vni}`, bridge(`fdb append ${ZERO_MAC} dev ${this.vx} dst ${endpoint} vni ${vni} self permanent`));
    }
    const wantNeigh = new Map([...this.neighs].map(([addr, list]) => [addr, list[list.length - 1]!.mac]));

    const vx = links.get(this.vx);
    const devicesOk = links.has(this.br) && existingVxlan(vx, this.wanted) === 'same' && vx?.master === this.br;
    const cmds: Cmd[] = [];
    if (!devicesOk) {
      this.o.log.warn({ bridge: this.br, vxlan: this.vx, found: { bridge: links.has(this.br), vxlan: vx?.linkinfo?.info_kind ?? null, master: vx?.master ?? null } }, 'dataplane: EVPN devices deleted or changed behind bgpiped\'s back: made again with their ports and entries');
      await this.ensure(false, links);
      for (const [port, macs] of ports) if (this.missing.present(port, links)) cmds.push(...this.portCmds(port, macs));
      cmds.push(...wantFdb.values(), ...[...wantNeigh].map(([addr, mac]) => neighFor(this.vx, addr, mac)));
      await this.k.run(cmds, (_c, m) => /Cannot find device|No such device/i.test(m));
      return;
    }
    for (const [port, macs] of ports) {
      if (this.missing.present(port, links) && links.get(port)?.master !== this.br) cmds.push(...this.portCmds(port, macs));
    }
    const fdb = (await this.k.json<JsonFdb>(['fdb', 'show', 'dev', this.vx], 'bridge')).filter((f) => f.dst !== undefined);
    const have = new Set(fdb.map((f) => `${f.mac}|${f.dst}|${f.vni ?? this.vni}`));
    for (const [key, cmd] of wantFdb) if (!have.has(key)) cmds.push(cmd);
    const neighs = await this.k.json<JsonNeigh>(['neigh', 'show', 'dev', this.vx]);
    const lladdr = new Map(neighs.filter((n) => (n.state ?? []).includes('PERMANENT')).map((n) => [n.dst, n.lladdr]));
    for (const [addr, mac] of wantNeigh) if (lladdr.get(addr) !== mac) cmds.push(neighFor(this.vx, addr, mac));
    // Entries nobody asked for (made by hand, or left by a lost command); not while entries
    // found at start still wait for End-of-RIB.
    if (this.stale.size === 0) {
      for (const f of fdb) {
        if (!wantFdb.has(`${f.mac}|${f.dst}|${f.vni ?? this.vni}`)) cmds.push(bridge(`fdb del ${f.mac} dev ${this.vx} dst ${f.dst}${f.vni !== undefined ? ` vni ${f.vni}` : ''} self`));
      }
      for (const addr of lladdr.keys()) if (!wantNeigh.has(addr)) cmds.push(ip(`neigh del ${addr} dev ${this.vx}`));
    }
    if (cmds.length === 0) return;
    this.o.log.warn({ device: this.vx, fixed: cmds.map((c) => `${c.tool} ${c.line}`) }, 'dataplane: the kernel differed from what the EVI needs: fixed');
    await this.k.run(cmds, (_c, m) => /Cannot find device|No such device|No such file|not found/i.test(m));
  }

  private async collectStale(): Promise<void> {
    for (const f of await this.k.json<JsonFdb>(['fdb', 'show', 'dev', this.vx], 'bridge')) {
      if (f.dst === undefined || !(f.flags ?? []).includes('self') && f.master !== undefined) continue;
      const vni = f.vni !== undefined ? ` vni ${f.vni}` : '';
      const key = f.mac === ZERO_MAC ? `flood|${f.dst}|${f.vni ?? this.vni}` : `mac|${f.mac}`;
      const del = bridge(`fdb del ${f.mac} dev ${this.vx} dst ${f.dst}${vni} self`);
      this.stale.set(key, [...(this.stale.get(key) ?? []), del]);
    }
    for (const n of await this.k.json<JsonNeigh>(['neigh', 'show', 'dev', this.vx])) {
      if (!(n.state ?? []).includes('PERMANENT')) continue;
      this.stale.set(`neigh|${n.dst}`, [ip(`neigh del ${n.dst} dev ${this.vx}`)]);
    }
  }

  releaseStale(): void {
    this.k.enqueue(`EVI ${this.vx} stale entries`, async () => {
      const cmds = [...this.stale.values()].flat();
      this.stale.clear();
      if (cmds.length) this.o.log.info({ device: this.vx, removed: cmds.length }, 'dataplane: stale EVPN entries removed');
      await this.k.run(cmds, (_c, m) => /No such file|not found|Cannot find/i.test(m));
    });
  }

  /** Runs commands after the ones queued before; `learnt` keys are no longer stale. */
  private queue(what: string, cmds: () => Cmd[], learnt: readonly string[] = [], quiet?: RegExp): void {
    this.k.enqueue(what, async () => {
      for (const key of learnt) this.stale.delete(key);
      await this.k.run(cmds(), quiet ? (_c, m) => quiet.test(m) : undefined);
    });
  }

  addLocalPort(p: LocalPortPlug): void {
    let macs = this.ports.get(p.linuxif);
    if (!macs) this.ports.set(p.linuxif, (macs = new Set()));
    macs.add(p.mac);
    this.k.enqueue(`port ${p.linuxif}`, async () => {
      const [link] = await this.k.json<JsonLink>(['link', 'show', 'dev', p.linuxif]);
      const cmds: Cmd[] = [];
      if (link !== undefined && link.mtu > this.driver.mtu) cmds.push(ip(`link set dev ${p.linuxif} mtu ${this.driver.mtu}`));
      cmds.push(ip(`link set dev ${p.linuxif} master ${this.br} up`));
      // The bridge notifies a replace even when nothing changes: pin only what is not pinned yet.
      const pinned = (await this.k.json<JsonFdb>(['fdb', 'show', 'dev', p.linuxif], 'bridge')).some((f) => f.mac === p.mac && f.master === this.br && f.state === 'static');
      if (!pinned) cmds.push(bridge(`fdb replace ${p.mac} dev ${p.linuxif} master static`));
      await this.k.run(cmds);
    });
  }

  removeLocalPort(p: LocalPortPlug, last: boolean): void {
    const macs = this.ports.get(p.linuxif);
    macs?.delete(p.mac);
    const stillPinned = macs !== undefined && macs.size > 0;
    if (last) {
      this.ports.delete(p.linuxif);
      this.missing.forget(p.linuxif);
    }
    this.queue(
      `port ${p.linuxif} out`,
      () => [...(stillPinned ? [] : [bridge(`fdb del ${p.mac} dev ${p.linuxif} master`)]), ...(last ? [ip(`link set dev ${p.linuxif} nomaster`)] : [])],
      [],
      /Cannot find device|No such file|not found/i, // the port may be gone already (container stopped)
    );
  }

  addRemoteMac(e: RemoteMac): void {
    push(this.macs, e.mac, e);
    const learnt = [`mac|${e.mac}`];
    const cmds = [fdbFor(this.vx, e)];
    if (e.ip !== undefined) {
      push(this.neighs, e.ip, e);
      learnt.push(`neigh|${e.ip}`);
      cmds.push(neighFor(this.vx, e.ip, e.mac));
    }
    this.queue(`remote MAC ${e.mac}`, () => cmds, learnt);
  }

  removeRemoteMac(e: RemoteMac): void {
    const cmds: Cmd[] = [];
    const left = pull(this.macs, e.mac, e);
    if (left === undefined) cmds.push(bridge(`fdb del ${e.mac} dev ${this.vx} dst ${e.nextHop} vni ${e.vni} self`));
    else cmds.push(fdbFor(this.vx, left));
    if (e.ip !== undefined) {
      const n = pull(this.neighs, e.ip, e);
      cmds.push(n === undefined ? ip(`neigh del ${e.ip} dev ${this.vx}`) : neighFor(this.vx, e.ip, n.mac));
    }
    this.queue(`remote MAC ${e.mac} withdrawn`, () => cmds, [], /No such file|not found|Cannot find/i);
  }

  addFloodEntry(e: FloodEntry): void {
    const key = `flood|${e.endpoint}|${e.vni}`;
    const n = (this.floods.get(key) ?? 0) + 1;
    this.floods.set(key, n);
    // append of an existing destination changes nothing (vxlan_fdb_append finds it).
    this.queue(`flood ${e.endpoint}`, () => (n === 1 ? [bridge(`fdb append ${ZERO_MAC} dev ${this.vx} dst ${e.endpoint} vni ${e.vni} self permanent`)] : []), [key]);
  }

  removeFloodEntry(e: FloodEntry): void {
    const key = `flood|${e.endpoint}|${e.vni}`;
    const n = (this.floods.get(key) ?? 1) - 1;
    if (n > 0) {
      this.floods.set(key, n);
      return;
    }
    this.floods.delete(key);
    this.queue(`flood ${e.endpoint} withdrawn`, () => [bridge(`fdb del ${ZERO_MAC} dev ${this.vx} dst ${e.endpoint} vni ${e.vni} self`)], [], /No such file|not found|Cannot find/i);
  }

  addRemoteRoute(): void {
    // An EVI imports no IP VPN routes.
  }

  removeRemoteRoute(): void {}

  cleanup(): void {
    this.driver.forget(this);
    const ports = [...this.ports.keys()];
    this.ports.clear();
    this.macs.clear();
    this.neighs.clear();
    this.floods.clear();
    this.stale.clear();
    // Deleting the vxlan device removes its fdb and neighbour entries with it.
    this.queue(
      `EVI ${this.vx} removed`,
      () => [
        ...ports.map((p) => ip(`link set dev ${p} nomaster`)),
        ip(`link del dev ${this.vx}`),
        ...(this.ownBridge ? [ip(`link del dev ${this.br}`)] : []),
      ],
      [],
      /Cannot find device|No such device/i,
    );
  }

  info(): { [key: string]: Json } {
    return { linux_bridge: this.br, vxlan_if: this.vx, missing_ports: this.missing.list() };
  }
}

function fdbFor(vx: string, e: RemoteMac): Cmd {
  return bridge(`fdb replace ${e.mac} dev ${vx} dst ${e.nextHop} vni ${e.vni} self permanent`);
}

function neighFor(vx: string, addr: string, mac: string): Cmd {
  return ip(`neigh replace ${addr} lladdr ${mac} dev ${vx} nud permanent`);
}

function push<T>(m: Map<string, T[]>, key: string, v: T): void {
  const list = m.get(key);
  if (list) list.push(v);
  else m.set(key, [v]);
}

/** Removes `v` (by identity) from key's list; returns the entry now in force, if any. */
function pull<T>(m: Map<string, T[]>, key: string, v: T): T | undefined {
  const list = m.get(key);
  if (!list) return undefined;
  const i = list.indexOf(v);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) {
    m.delete(key);
    return undefined;
  }
  return list[list.length - 1];
}
