/**
 * The VPN instances of a host (bagpipe-bgp's VPNManager, vpn/manager.py): an instance is made
 * at the first attach of a vpn_instance_id and removed at the last detach; labels and RDs come
 * from shared allocators; the RTC routes (RFC 4684) follow the union of the import RTs.
 *
 * Each attach and detach is checked in full first (VpnApiError, nothing changed), then applied,
 * which cannot fail, all synchronously and so in arrival order; only then does it wait for the
 * `persist` hook (the changed attachments, as bagpipe-format bodies) to have them on disk, and
 * the caller answers 200 after that. A refused request leaves no trace; a crash after the 200
 * loses nothing, since what was acknowledged was written first. The wait is the only part that
 * overlaps with other requests: the store writes the changes of every request that arrived
 * meanwhile at once (group commit, store.ts). A change whose write fails stays applied (its
 * request gets a 500) and is written with the next one.
 *
 * Best-path changes from the RIB arrive synchronously inside RIB calls, where nothing may call
 * back into the RIB; they are queued and handed to the instances in a microtask.
 */
import type { Logger } from '../util/log.js';
import type { BestPathChange, Route } from '../rib/types.js';
import { IPV4_VPN, IPV6_VPN, L2VPN_EVPN, type Family } from '../wire/family.js';
import { LabelAllocator, RdAllocator } from './allocators.js';
import type { DataplaneDriver } from './dataplane.js';
import { Evi } from './evi.js';
import type { InstanceContext, VpnInstance } from './instance.js';
import { routeKey, rtcMembershipRoute, type OwnRoute, type VpnRouteSink } from './routes.js';
import { sameRouteTargets } from './route-target.js';
import { attachRecord, recordKey, type AttachmentRecord } from './records.js';
import type { RecordChange } from './store.js';
import { VpnApiError, type AttachRequest, type DetachRequest, type VpnType } from './types.js';
import { Vrf } from './vrf.js';

const RESOLVED = Promise.resolve();

/** What EVIs and VRFs import (an instance created later reads the RIB's best routes anyway). */
const INSTANCE_FAMILIES: ReadonlySet<Family> = new Set([L2VPN_EVPN, IPV4_VPN, IPV6_VPN]);

export interface VpnManagerOptions {
  readonly localAs: number;
  /** BGP local address: RD administrator, type-3 originating router. */
  readonly localAddress: string;
  readonly enableRtc: boolean;
  readonly drivers: { readonly evpn: DataplaneDriver; readonly ipvpn: DataplaneDriver };
  readonly sink: VpnRouteSink;
  /** The RIB's best routes of a family now (for an instance whose import RTs changed). */
  readonly best: (family: Family) => Iterable<Route>;
  /** Resolves once these changes to the set of attachments are on disk; awaited before any
   *  change is acknowledged. */
  readonly persist?: (changes: readonly RecordChange[]) => Promise<void>;
  readonly log: Logger;
}

export class VpnManager {
  readonly instances = new Map<string, VpnInstance>();
  readonly byVni = new Map<number, VpnInstance>();
  readonly labels = new LabelAllocator();
  readonly rds: RdAllocator;
  private nextInstanceId = 1;
  private readonly records = new Map<string, AttachmentRecord>();
  /** By vpn_instance_id: the instance-wide fields of its last attach, which all its stored
   *  attachments carry (so that a restart restores the instance as it is now). */
  private readonly instanceFields = new Map<string, string>();
  private readonly rtc = new Map<string, OwnRoute>();
  private pending: BestPathChange[] = [];

  constructor(private readonly o: VpnManagerOptions) {
    this.rds = new RdAllocator(o.localAddress);
  }

  /** The attachments in effect (acknowledged, or being written), in the order they were made. */
  attachments(): readonly AttachmentRecord[] {
    return [...this.records.values()];
  }

  // ===== attach =====

  async attach(req: AttachRequest): Promise<void> {
    let inst = this.instances.get(req.vpnInstanceId);
    if (inst && inst.vpnType !== req.vpnType) {
      throw new VpnApiError(
        `Found an existing vpn_instance with external id ${req.vpnInstanceId} but a different type (asked ${req.vpnType} vs. already having ${inst.vpnType})`,
      );
    }
    const unusable = this.o.drivers[req.vpnType].unusable;
    if (unusable !== undefined) throw new VpnApiError(`${req.vpnType} dataplane: ${unusable}`);
    if (!inst && req.vni !== 0 && this.byVni.has(req.vni)) throw new VpnApiError(`A VPN instance using vni ${req.vni} already exists.`);
    if (req.vpnType === 'evpn' && req.advertiseSubnet && req.ip && req.ip.plen !== (req.ip.v6 ? 128 : 32)) {
      // bagpipe-bgp fails an assertion (500): an EVI advertises MAC/IP routes, not subnets.
      throw new VpnApiError("'advertise_subnet' is only supported on an ipvpn instance");
    }
    const linuxif = this.checkLocalPort(req, inst);
    inst?.checkPlug(req, linuxif);

    const changes = this.recordAttach(req);
    const created = !inst;
    if (!inst) inst = this.create(req);
    inst.description = req.instanceDescription;
    if (req.fallback !== undefined) inst.fallback = req.fallback;
    if (!created && (!sameRouteTargets(inst.importRts, req.importRts) || !sameRouteTargets(inst.exportRts, req.exportRts))) {
      inst.importRts = req.importRts;
      this.syncRtc();
      inst.updateRouteTargets(req.importRts, req.exportRts, this.o.best);
    }
    if (req.localPort.evpnId !== undefined && inst instanceof Vrf) {
      const evi = this.instances.get(req.localPort.evpnId) as Evi;
      evi.gatewayPort = { linuxif: `evpn${evi.instanceId}-ipvpn${inst.instanceId}`, vrfExternalId: inst.externalId, vrfName: inst.name };
      inst.pluggedEvi = evi.externalId;
    }
    inst.plug(req, linuxif);
    if (created) inst.reimport(this.o.best);
    await this.o.persist?.(changes);
  }

  /** The stored attachments after this attach, and what changed in them. */
  private recordAttach(req: AttachRequest): RecordChange[] {
    const changes: RecordChange[] = [];
    const record = attachRecord(req);
    const key = recordKey(req.vpnInstanceId, req.macAddress, req.ip);
    if (req.ip) {
      const wildcard = recordKey(req.vpnInstanceId, req.macAddress, undefined);
      if (this.records.delete(wildcard)) changes.push({ key: wildcard, record: undefined });
    }
    this.records.set(key, record);
    changes.push({ key, record });
    // The instance takes this attach's RTs and description (§3.3): so do its stored attachments.
    const fields = JSON.stringify([record.import_rt, record.export_rt, record.instance_description]);
    if (this.instanceFields.get(req.vpnInstanceId) !== fields) {
      this.instanceFields.set(req.vpnInstanceId, fields);
      for (const [k, r] of this.records) {
        if (r.vpn_instance_id !== req.vpnInstanceId || k === key) continue;
        const stamped = { ...r, import_rt: record.import_rt, export_rt: record.export_rt, instance_description: record.instance_description };
        this.records.set(k, stamped);
        changes.push({ key: k, record: stamped });
      }
    }
    return changes;
  }

  /** An ipvpn port that is an EVI (§3.3): checks, and the name of the veth end in the VRF. */
  private checkLocalPort(req: AttachRequest, inst: VpnInstance | undefined): string {
    const evpnId = req.localPort.evpnId;
    if (evpnId === undefined) return req.localPort.linuxif!;
    const evi = this.instances.get(evpnId);
    if (!evi) throw new VpnApiError(`The specified evpn instance does not exist (${evpnId})`);
    if (!(evi instanceof Evi)) throw new VpnApiError(`The specified instance to plug is not an evpn instance (is ${evi.vpnType} instead)`);
    const vrfId = inst?.instanceId ?? this.nextInstanceId;
    const plugged = inst instanceof Vrf ? inst.pluggedEvi : undefined;
    if (plugged !== undefined && plugged !== evpnId) throw new VpnApiError('Trying to plug into an IPVPN a new E-VPN while one is already plugged in');
    if (plugged === undefined && evi.gatewayPort) throw new VpnApiError('Trying to plug E-VPN into an IPVPN, but this EVPN is already plugged into an IPVPN');
    return `ipvpn${vrfId}-evpn${evi.instanceId}`;
  }

  private create(req: AttachRequest): VpnInstance {
    const id = this.nextInstanceId++;
    const forced = req.vni !== 0;
    const name = `${req.vpnType === 'evpn' ? 'EVI' : 'VRF'}-${id}`;
    const label = forced ? req.vni : this.labels.allocate(`Incoming traffic for ${name}`);
    const ctx: InstanceContext = { labels: this.labels, rds: this.rds, sink: this.o.sink, driver: this.o.drivers[req.vpnType], localAddress: this.o.localAddress };
    const args = [ctx, id, req.vpnInstanceId, label, forced, req.gatewayIp, req.ip?.plen, req] as const;
    const inst: VpnInstance = req.vpnType === 'evpn' ? new Evi(...args) : new Vrf(...args);
    if (inst instanceof Vrf) {
      inst.readvertise = req.readvertise;
      inst.attractTraffic = req.attractTraffic;
    }
    this.instances.set(req.vpnInstanceId, inst);
    if (forced) this.byVni.set(label, inst);
    // RT constraint first, so that peers ask for our routes before they arrive (RFC 4684 §4).
    this.syncRtc();
    this.o.log.info({ instance: name, vpnInstanceId: req.vpnInstanceId, label, rd: inst.rd }, 'VPN instance created');
    return inst;
  }

  // ===== detach =====

  async detach(req: DetachRequest): Promise<void> {
    const inst = this.instances.get(req.vpnInstanceId);
    if (!inst) throw new VpnApiError(`VPN ${req.vpnInstanceId} could not be found`);
    const endpoints = inst.checkUnplug(req.macAddress, req.ip);
    const changes: RecordChange[] = [];
    for (const ep of endpoints) {
      const key = recordKey(req.vpnInstanceId, ep.mac, ep.ip);
      if (this.records.delete(key)) changes.push({ key, record: undefined });
    }

    inst.unplug(endpoints);
    if (inst instanceof Vrf && inst.pluggedEvi !== undefined && ![...inst.endpoints.values()].some((e) => e.linuxif.startsWith(`ipvpn${inst.instanceId}-evpn`))) {
      const evi = this.instances.get(inst.pluggedEvi);
      if (evi instanceof Evi) evi.gatewayPort = undefined;
      inst.pluggedEvi = undefined;
    }
    if (inst.empty) {
      inst.stop();
      this.instances.delete(inst.externalId);
      this.instanceFields.delete(inst.externalId);
      if (inst.forcedVni) this.byVni.delete(inst.label);
      this.syncRtc();
      this.o.log.info({ instance: inst.name, vpnInstanceId: inst.externalId }, 'VPN instance removed');
    }
    await this.o.persist?.(changes);
  }

  // ===== RT constraint =====

  private syncRtc(): void {
    const want = new Map<string, OwnRoute>();
    if (this.o.enableRtc) {
      for (const inst of this.instances.values()) {
        for (const rt of inst.importRts) {
          const r = rtcMembershipRoute(this.o.localAs, rt, this.o.localAddress);
          want.set(routeKey(r.family, r.nlri), r);
        }
      }
    }
    for (const [k, r] of this.rtc) if (!want.has(k)) this.o.sink.withdraw(r.family, r.nlri);
    for (const [k, r] of want) if (!this.rtc.has(k)) this.o.sink.originate(r.family, r.nlri, r.attrs);
    this.rtc.clear();
    for (const [k, r] of want) this.rtc.set(k, r);
  }

  /** The RTC routes this speaker originates (looking glass /bgp/adv_routes). */
  rtcRoutes(): readonly OwnRoute[] {
    return [...this.rtc.values()];
  }

  // ===== routes received =====

  /** The RIB's onBestPathChange: queued, then handed to the instances of the family. Other
   *  families (a full IPv4 table) are not even queued: a million changes held until the
   *  microtask would be a million objects kept alive for nothing. */
  onBestPathChange(change: BestPathChange): void {
    if (this.instances.size === 0 || !INSTANCE_FAMILIES.has(change.family)) return;
    // A resolved promise, not queueMicrotask(), which makes an AsyncResource per call.
    if (this.pending.push(change) === 1) void RESOLVED.then(() => this.flush());
  }

  private flush(): void {
    const changes = this.pending;
    this.pending = [];
    for (const c of changes) {
      const key = routeKey(c.family, c.nlri);
      for (const inst of this.instances.values()) {
        if (!inst.families.includes(c.family)) continue;
        // An instance never imports its own routes; another local instance may (as in bagpipe-bgp).
        inst.bestChanged(key, c.best && !inst.advertised.has(key) ? c.best : undefined);
      }
    }
  }

  /** Withdraws everything (daemon stop); the dataplane is left for the next start to reconcile. */
  stop(): void {
    for (const inst of this.instances.values()) for (const r of inst.advertised.values()) this.o.sink.withdraw(r.family, r.nlri);
    for (const r of this.rtc.values()) this.o.sink.withdraw(r.family, r.nlri);
  }

  get vpnTypes(): readonly VpnType[] {
    return ['evpn', 'ipvpn'];
  }
}
