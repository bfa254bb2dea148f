/**
 * A VPN instance (bagpipe-bgp's VPNInstance, vpn/vpn_instance.py): the endpoints (MAC, IP)
 * plugged into it through local ports, its route targets, and the routes it imports.
 *
 * Every change is made in two steps: `check…` throws VpnApiError and changes nothing; the
 * matching action then cannot fail. The routes the instance advertises are not edited one by
 * one: `sync()` computes the set it should advertise from its state and hands the differences
 * to the sink, so a change of export RTs re-advertises every route, the type-3 included
 * (reference §3.3: bagpipe-bgp forgets the type-3). A plug or unplug, which changes the routes
 * of its MAC's endpoints only, recomputes just those (`syncEndpoints`): attaching to an instance
 * of thousands of endpoints costs the same as to an empty one.
 */
import type { Route } from '../rib/types.js';
import type { PathAttributes } from '../wire/attributes/types.js';
import { routeTargets as routeTargetsOf } from '../wire/attributes/ext-communities.js';
import type { Family } from '../wire/family.js';
import type { LabelAllocator, RdAllocator } from './allocators.js';
import type { DataplaneDriver, InstanceDataplane } from './dataplane.js';
import { pyRepr, pySet, pyTuple } from './py-repr.js';
import { routeKey, type OwnRoute, type VpnRouteSink } from './routes.js';
import type { RouteTarget } from './route-target.js';
import { VpnApiError, type AttachRequest, type Direction, type IpEndpoint, type Json, type JsonObject, type LocalPort, type VpnType } from './types.js';

export interface InstanceContext {
  readonly labels: LabelAllocator;
  readonly rds: RdAllocator;
  readonly sink: VpnRouteSink;
  readonly driver: DataplaneDriver;
  /** BGP local address: type-3 originating IP, RD administrator. */
  readonly localAddress: string;
}

export interface Endpoint {
  readonly mac: string;
  readonly ip: IpEndpoint | undefined;
  readonly linuxif: string;
  /** The endpoint's own RD (advertise_subnet routes; allocated for every endpoint, §3.5). */
  readonly rd: string;
  localPref: number | undefined;
  description: Json;
  direction: Direction;
  advertiseSubnet: boolean;
}

interface MacData {
  readonly label: number;
  readonly port: LocalPort;
  lbConsistentHashOrder: number;
  /** Its endpoints' keys: their routes carry the MAC's label and hash order. */
  readonly endpoints: Set<string>;
}

/** A best route this instance imported, and what it told the dataplane about it. */
export interface Imported {
  readonly route: Route;
  readonly undo: () => void;
}

const rtSets = new WeakMap<readonly RouteTarget[], ReadonlySet<bigint>>();
const carriedRts = new WeakMap<PathAttributes, readonly bigint[]>();

const endpointKey = (mac: string, ip: IpEndpoint | undefined) => `${mac}|${ip?.text ?? ''}`;
const canonical = (v: Json) => JSON.stringify(v, Object.keys(v ?? {}).sort());
const fingerprint = (a: PathAttributes) => JSON.stringify(a, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

export abstract class VpnInstance {
  abstract readonly kind: 'EVI' | 'VRF';
  abstract readonly vpnType: VpnType;
  /** Families this instance advertises into and imports from. */
  abstract readonly families: readonly Family[];

  importRts: readonly RouteTarget[];
  exportRts: readonly RouteTarget[];
  description: Json = null;
  fallback: JsonObject | undefined;
  readonly rd: string;
  readonly dataplane: InstanceDataplane;

  readonly endpoints = new Map<string, Endpoint>();
  protected readonly macs = new Map<string, MacData>();
  protected readonly ipToMacs = new Map<string, Set<string>>();
  /** By local port: how many endpoints use it (the last one's unplug removes the port). */
  private readonly portUse = new Map<string, number>();
  /** Best routes imported, by routeKey. */
  readonly imported = new Map<string, Imported>();
  /** What the instance advertises now, by routeKey. */
  readonly advertised = new Map<string, OwnRoute>();
  /** By endpoint key: the routeKeys of its routes, as last synced. */
  private readonly endpointRouteKeys = new Map<string, string[]>();
  /** By routeKey: how many endpoints (or the instance itself) want that route. Two wanting one
   *  key is possible (one MAC with the same address at two prefix lengths) and rare: a change to
   *  such a key goes through the full sync(), where the last one wins. */
  private readonly wanted = new Map<string, number>();
  /** sync() ran once: the instance's own routes are out, endpoints may sync alone. */
  private synced = false;

  constructor(
    protected readonly ctx: InstanceContext,
    readonly instanceId: number,
    readonly externalId: string,
    /** VNI (EVI) or instance label (VRF). */
    readonly label: number,
    readonly forcedVni: boolean,
    readonly gatewayIp: string | undefined,
    readonly subnetPlen: number | undefined,
    req: AttachRequest,
  ) {
    this.importRts = req.importRts;
    this.exportRts = req.exportRts;
    this.fallback = req.fallback;
    this.rd = ctx.rds.allocate(`Default route distinguisher for ${this.nameFor(instanceId)}`);
    this.dataplane = ctx.driver.createInstance({
      instanceId,
      externalId,
      type: req.vpnType,
      label,
      gatewayIp: req.gatewayIp,
      linuxbr: req.linuxbr,
    });
  }

  protected abstract nameFor(id: number): string;

  get name(): string {
    return this.nameFor(this.instanceId);
  }

  /** The routes of the instance itself (an EVI's type 3), from its state. */
  protected abstract instanceRoutes(): OwnRoute[];

  /** The routes of one endpoint, from its state and its MAC's. */
  protected abstract endpointRoutes(ep: Endpoint): OwnRoute[];

  /** Whether a best route (not one of ours) belongs in this instance, and what the dataplane
   *  should do with it: the returned function undoes it. undefined: not imported. */
  protected abstract importRoute(route: Route): (() => void) | undefined;

  // ===== plugging =====

  /** bagpipe-bgp's vif_plugged consistency checks (§3.3), without side effects. */
  checkPlug(req: AttachRequest, linuxif: string): void {
    const mac = this.macs.get(req.macAddress);
    if (mac && canonical(mac.port.raw) !== canonical(req.localPort.raw)) {
      throw new VpnApiError(
        `Port information is not consistent. MAC address cannot be bound to two different ports. Previous plug for port ${linuxif} (${pyRepr(mac.port.raw)} != ${pyRepr(req.localPort.raw)})`,
      );
    }
    const ip = req.ip;
    if (ip && (!req.advertiseSubnet || ip.plen === (ip.v6 ? 128 : 32))) this.checkIpMac(req.macAddress, ip);
  }

  private checkIpMac(mac: string, ip: IpEndpoint): void {
    const macs = this.ipToMacs.get(ip.text);
    if (macs && !macs.has(mac)) {
      throw new VpnApiError(`Inconsistent endpoint info: IP ${ip.text} already bound to a MAC address different from ${mac} (${pySet(macs)})`);
    }
  }

  plug(req: AttachRequest, linuxif: string): void {
    const key = endpointKey(req.macAddress, req.ip);
    let mac = this.macs.get(req.macAddress);
    // Said only when the looking glass asks; the strings, not the request, are kept for it.
    const [macAddress, ipText] = [req.macAddress, req.ip?.text];
    const endpoint = () => `${this.name}, interface ${linuxif}, endpoint ${pyTuple([macAddress, ipText])}`;
    if (!mac) {
      const label = this.ctx.labels.allocate(() => `Incoming traffic for ${endpoint()}`);
      mac = { label, port: req.localPort, lbConsistentHashOrder: req.lbConsistentHashOrder, endpoints: new Set() };
      this.macs.set(req.macAddress, mac);
    }
    const removed: string[] = [];
    mac.lbConsistentHashOrder = req.lbConsistentHashOrder;
    let ep = this.endpoints.get(key);
    if (!ep) {
      ep = {
        mac: req.macAddress,
        ip: req.ip,
        linuxif,
        rd: this.ctx.rds.allocate(() => `Route distinguisher for ${endpoint()}`),
        localPref: req.localPref,
        description: req.description,
        direction: req.direction,
        advertiseSubnet: req.advertiseSubnet,
      };
      this.endpoints.set(key, ep);
      this.portUse.set(linuxif, (this.portUse.get(linuxif) ?? 0) + 1);
      mac.endpoints.add(key);
      if (req.ip) {
        let macs = this.ipToMacs.get(req.ip.text);
        if (!macs) this.ipToMacs.set(req.ip.text, (macs = new Set()));
        macs.add(req.macAddress);
      }
      this.dataplane.addLocalPort({ linuxif, mac: req.macAddress, ip: req.ip?.text, label: this.portLabel(mac.label) });
      // A plug with an IP replaces a wildcard (MAC only) plug of the same MAC (bagpipe-bgp).
      if (req.ip) {
        const wildcard = this.endpoints.get(endpointKey(req.macAddress, undefined));
        if (wildcard) {
          this.forget(wildcard, false);
          removed.push(endpointKey(wildcard.mac, undefined));
        }
      }
    } else {
      // Attaching the same endpoint again refreshes it (§3.3).
      ep.localPref = req.localPref;
      ep.description = req.description;
      ep.advertiseSubnet = req.advertiseSubnet;
    }
    this.syncEndpoints([...mac.endpoints, ...removed]);
  }

  /** The label a local port's traffic arrives with: the VNI for an EVI, the MAC's for a VRF. */
  protected abstract portLabel(macLabel: number): number;

  /** The endpoints a detach names (all of a MAC's when no IP is given); throws like bagpipe-bgp. */
  checkUnplug(mac: string, ip: IpEndpoint | undefined): Endpoint[] {
    const notPlugged = () => new VpnApiError(`Endpoint ${pyTuple([mac, ip?.text])} not plugged yet, can't unplug`);
    const data = this.macs.get(mac);
    if (!data) throw notPlugged();
    if (ip === undefined) return [...data.endpoints].map((k) => this.endpoints.get(k)!);
    this.checkIpMac(mac, ip);
    const ep = this.endpoints.get(endpointKey(mac, ip));
    if (!ep) throw notPlugged();
    return [ep];
  }

  unplug(endpoints: readonly Endpoint[]): void {
    for (const ep of endpoints) this.forget(ep, true);
    this.syncEndpoints(endpoints.map((ep) => endpointKey(ep.mac, ep.ip)));
  }

  private forget(ep: Endpoint, dataplane: boolean): void {
    const key = endpointKey(ep.mac, ep.ip);
    this.endpoints.delete(key);
    const uses = this.portUse.get(ep.linuxif)! - 1;
    if (uses > 0) this.portUse.set(ep.linuxif, uses);
    else this.portUse.delete(ep.linuxif);
    const mac = this.macs.get(ep.mac)!;
    mac.endpoints.delete(key);
    if (dataplane) this.dataplane.removeLocalPort({ linuxif: ep.linuxif, mac: ep.mac, ip: ep.ip?.text, label: this.portLabel(mac.label) }, !this.portUse.has(ep.linuxif));
    this.ctx.rds.release(ep.rd);
    if (mac.endpoints.size === 0) {
      this.macs.delete(ep.mac);
      this.ctx.labels.release(mac.label);
    }
    if (ep.ip) {
      const macs = this.ipToMacs.get(ep.ip.text);
      macs?.delete(ep.mac);
      if (macs?.size === 0) this.ipToMacs.delete(ep.ip.text);
    }
  }

  get empty(): boolean {
    return this.endpoints.size === 0;
  }

  macData(mac: string): MacData | undefined {
    return this.macs.get(mac);
  }

  // ===== route targets and routes =====

  /** Changing the RTs re-advertises everything and re-evaluates what is imported. */
  updateRouteTargets(importRts: readonly RouteTarget[], exportRts: readonly RouteTarget[], best: (family: Family) => Iterable<Route>): void {
    this.importRts = importRts;
    this.exportRts = exportRts;
    this.sync();
    this.reimport(best);
  }

  /** Re-evaluates every best route of the instance's families (import RTs changed). */
  reimport(best: (family: Family) => Iterable<Route>): void {
    const seen = new Set<string>();
    for (const f of this.families) {
      for (const r of best(f)) {
        const k = routeKey(f, r.nlri);
        seen.add(k);
        this.bestChanged(k, this.advertised.has(k) ? undefined : r);
      }
    }
    for (const k of [...this.imported.keys()]) if (!seen.has(k)) this.bestChanged(k, undefined);
  }

  /** A best path changed in one of our families (undefined: gone, or now one of ours). */
  bestChanged(key: string, route: Route | undefined): void {
    const old = this.imported.get(key);
    if (old && route && old.route.attributes === route.attributes && old.route.nlri === route.nlri) return;
    if (old) {
      this.imported.delete(key);
      old.undo();
    }
    const undo = route ? this.importRoute(route) : undefined;
    if (route && undo) this.imported.set(key, { route, undo });
    this.afterImport();
  }

  /** VRFs readvertise; EVIs have nothing to do. */
  protected afterImport(): void {}

  /** Does the route carry one of these RTs? Every local route is offered to every instance of
   *  its family: both sides are looked up once, by identity (RT lists are replaced, never edited;
   *  the RIB's attribute sets are interned and immutable). */
  protected carries(route: Route, rts: readonly RouteTarget[]): boolean {
    let want = rtSets.get(rts);
    if (want === undefined) rtSets.set(rts, (want = new Set(rts.map((r) => r.value))));
    let carried = carriedRts.get(route.attributes);
    if (carried === undefined) carriedRts.set(route.attributes, (carried = routeTargetsOf(route.attributes)));
    for (const rt of carried) if (want.has(rt)) return true;
    return false;
  }

  /** Advertises what the instance and all its endpoints should, withdrawing what they no longer
   *  should. */
  sync(): void {
    this.synced = true;
    this.endpointRouteKeys.clear();
    this.wanted.clear();
    const next = new Map<string, OwnRoute>();
    const want = (r: OwnRoute): string => {
      const k = routeKey(r.family, r.nlri);
      next.set(k, r);
      this.wanted.set(k, (this.wanted.get(k) ?? 0) + 1);
      return k;
    };
    for (const r of this.instanceRoutes()) want(r);
    for (const [ek, ep] of this.endpoints) this.endpointRouteKeys.set(ek, this.endpointRoutes(ep).map(want));
    for (const [k, r] of this.advertised) if (!next.has(k)) this.ctx.sink.withdraw(r.family, r.nlri);
    for (const [k, r] of next) this.advertiseIfChanged(k, r);
    this.advertised.clear();
    for (const [k, r] of next) this.advertised.set(k, r);
  }

  /** As sync(), for the routes of these endpoints only (by endpoint key; gone ones included). */
  protected syncEndpoints(keys: readonly string[]): void {
    if (!this.synced) return this.sync();
    const next = new Map<string, OwnRoute>();
    const gone: string[] = [];
    for (const ek of keys) {
      for (const k of this.endpointRouteKeys.get(ek) ?? []) {
        gone.push(k);
        this.wanted.set(k, this.wanted.get(k)! - 1);
      }
      const ep = this.endpoints.get(ek);
      if (ep === undefined) {
        this.endpointRouteKeys.delete(ek);
        continue;
      }
      const routeKeys: string[] = [];
      for (const r of this.endpointRoutes(ep)) {
        const k = routeKey(r.family, r.nlri);
        next.set(k, r);
        routeKeys.push(k);
        this.wanted.set(k, (this.wanted.get(k) ?? 0) + 1);
      }
      this.endpointRouteKeys.set(ek, routeKeys);
    }
    // A key someone else wants too: which route wins is the full sync's business.
    for (const k of next.keys()) if (this.wanted.get(k)! > 1) return this.sync();
    for (const k of gone) {
      if (next.has(k)) continue;
      if (this.wanted.get(k)! > 0) return this.sync();
      this.wanted.delete(k);
      const r = this.advertised.get(k);
      if (r !== undefined) {
        this.advertised.delete(k);
        this.ctx.sink.withdraw(r.family, r.nlri);
      }
    }
    for (const [k, r] of next) {
      this.advertiseIfChanged(k, r);
      this.advertised.set(k, r);
    }
  }

  private advertiseIfChanged(k: string, r: OwnRoute): void {
    const old = this.advertised.get(k);
    if (!old || fingerprint(old.attrs) !== fingerprint(r.attrs) || old.nlri.key !== r.nlri.key) this.ctx.sink.originate(r.family, r.nlri, r.attrs);
  }

  /** The instance is going away: withdraw everything, undo the dataplane, free ids. */
  stop(): void {
    for (const r of this.advertised.values()) this.ctx.sink.withdraw(r.family, r.nlri);
    this.advertised.clear();
    for (const i of this.imported.values()) i.undo();
    this.imported.clear();
    this.dataplane.cleanup();
    this.ctx.rds.release(this.rd);
    if (!this.forcedVni) this.ctx.labels.release(this.label);
  }
}
