/**
 * bagpipe-bgp's looking glass (reference §4) over bgpipe's state: the paths and JSON shapes of
 * summary, config, logs, bgp (peers, routes, workers, adv_routes) and vpns (instances with
 * ports, received_routes, best_routes, dataplane; dataplane drivers and ids), walked by
 * lg-tree.ts. hrefs are built from the base the request came in on (its Host header).
 */
import type { BgpipeModel, NeighborView } from '../model.js';
import type { Route } from '../../rib/types.js';
import { IPV4_VPN, L2VPN_EVPN, RTC, type Family } from '../../wire/family.js';
import type { VpnInstance } from '../../vpn/instance.js';
import type { VpnManager } from '../../vpn/manager.js';
import { lgRouteTarget } from '../../vpn/route-target.js';
import type { Json, JsonObject } from '../../vpn/types.js';
import { Evi } from '../../vpn/evi.js';
import { Vrf } from '../../vpn/vrf.js';
import type { DataplaneDriver } from '../../vpn/dataplane.js';
import { lgRoute, trackedEntry } from './lg-routes.js';
import type { LgNode, LgObject } from './lg-tree.js';

export interface LookingGlassSources {
  readonly model: BgpipeModel;
  readonly vpn: VpnManager;
  readonly drivers: { readonly evpn: DataplaneDriver; readonly ipvpn: DataplaneDriver };
  /** The configuration in bagpipe-bgp's sections (COMMON, API, BGP, DATAPLANE_DRIVER_*). */
  readonly config: () => JsonObject;
  /** Recent warnings and errors, newest first: {level, time, name, message}. */
  readonly logs: () => JsonObject[];
  /** The RIB's best routes of a family. */
  readonly best: (family: Family) => Iterable<Route>;
  readonly startTime: Date;
  readonly version: string;
}

const value = (v: Json): LgNode => ({ kind: 'value', value: v });
const item = (get: () => Json): LgNode => ({ kind: 'item', get });
const subtree = (get: (prefix: string) => Json): LgNode => ({ kind: 'subtree', get });

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
function localTime(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

const familyTuple: Record<string, string> = { 'l3vpn-ipv4-unicast': '(ipv4, mpls-vpn)', 'l2vpn-evpn': '(l2vpn, evpn)', rtc: '(ipv4, rtc)', 'l3vpn-ipv6-unicast': '(ipv6, mpls-vpn)' };

export function lookingGlassRoot(s: LookingGlassSources, base: () => string): LgObject {
  const sourceOf = (r: Route): string => (r.peer ? `BGP-${r.peer.address}` : (ownerOf(r) ?? 'local'));
  const ownerOf = (r: Route): string | undefined => {
    for (const inst of s.vpn.instances.values()) if (inst.advertised.has(`${r.family}|${r.nlri.key}`)) return inst.name;
    return undefined;
  };
  const routeLg = (r: Route, prefix: string) => lgRoute({ family: r.family, nlri: r.nlri, attrs: r.attributes, source: sourceOf(r) }, prefix);

  const peer = (n: NeighborView): LgObject => ({
    map: () => ({
      peeringAddresses: value({ peer_address: n.address, local_address: '' }),
      as_info: value({ local: n.localAs, peer: n.peerAs }),
      rtc: value({ active: n.families.includes('rtc'), enabled: n.families.includes('rtc') }),
      active_families: value(n.families.map((f) => familyTuple[f] ?? f)),
      protocol: value({ state: n.state, hold_time: n.holdTime, uptime_seconds: n.uptimeSeconds }),
      name: value(`BGP-${n.address}`),
    }),
  });
  const peers = (): NeighborView[] => s.model.neighbors();

  const instance = (inst: VpnInstance): LgObject => ({
    local: () => {
      const info: JsonObject = {
        name: inst.name,
        instance_type: inst.kind,
        external_instance_id: inst.externalId,
        description: inst.description,
        route_targets: { import: inst.importRts.map(lgRouteTarget), export: inst.exportRts.map(lgRouteTarget) },
        gateway_ip: inst.gatewayIp ?? null,
        subnet_prefix_length: inst.subnetPlen ?? null,
        instance_dataplane_id: inst.label,
        rd: inst.rd,
        fallback: inst.fallback ?? null,
      };
      if (inst instanceof Vrf) {
        info.readvertise = inst.readvertise ? { from: inst.readvertise.fromRt.map(lgRouteTarget), to: inst.readvertise.toRt.map(lgRouteTarget) } : {};
        info.attract_traffic = inst.attractTraffic?.raw ?? {};
      } else {
        info.readvertise = {};
        info.attract_traffic = {};
      }
      if (inst instanceof Evi) {
        const g = inst.gatewayPort;
        info.gateway_port = g ? { interface: `'${g.linuxif}'`, ipvpn: { href: `${base()}/vpns/instances/${encodeURIComponent(g.vrfExternalId)}`, id: g.vrfName, external_instance_id: g.vrfExternalId } } : null;
      }
      return info;
    },
    map: () => {
      const received = (prefix: string): Json => {
        const out: JsonObject = {};
        for (const i of inst.imported.values()) out[trackedEntry(i.route.family, i.route.nlri)] = [routeLg(i.route, prefix.replace(/\/vpns\/.*$/, ''))];
        return out;
      };
      const m: Record<string, LgNode> = {
        dataplane: {
          kind: 'delegate',
          target: { map: () => ({ driver: value({ id: inst.vpnType, href: `${base()}/vpns/dataplane/drivers/${inst.vpnType}` }), logs: value([]) }), local: () => inst.dataplane.info() },
        },
        ports: subtree(() => {
          const out: JsonObject = {};
          for (const ep of inst.endpoints.values()) {
            const port = (out[ep.linuxif] ??= { endpoints: [] }) as { endpoints: Json[] };
            port.endpoints.push({
              label: inst.macData(ep.mac)?.label ?? null,
              mac_address: ep.mac,
              ip_address: ep.ip?.text ?? null,
              local_pref: ep.localPref ?? null,
              rd: ` rd ${ep.rd}`,
              description: ep.description,
              direction: ep.direction,
            });
          }
          return out;
        }),
        // bgpipe keeps the best route per destination only: both views show it.
        received_routes: subtree(received),
        best_routes: subtree(received),
        adv_routes: subtree(() => [...inst.advertised.values()].map((r) => lgRoute({ family: r.family, nlri: r.nlri, attrs: r.attrs, source: inst.name }, base()))),
      };
      if (inst instanceof Vrf) m.readvertised = subtree(() => [...inst.readvertised.values()].map((r) => routeLg(r, base())));
      return m;
    },
  });

  const driver = (id: 'evpn' | 'ipvpn'): LgObject => ({
    map: () => ({
      name: value(s.drivers[id].name),
      local_address: value(s.drivers[id].localAddress),
      supported_encaps: value(s.drivers[id].encaps.map((e) => `encap:${e.toUpperCase()}`)),
      config: value((s.config()[`DATAPLANE_DRIVER_${id.toUpperCase()}`] ?? {}) as Json),
      logs: value([]),
    }),
    local: () => s.drivers[id].info?.() ?? {},
  });

  const bgp: LgObject = {
    map: () => ({
      peers: { kind: 'collection', list: () => peers().map((n) => ({ id: n.address, state: n.state })), get: (id) => (peers().find((n) => n.address === id) ? peer(peers().find((n) => n.address === id)!) : undefined) },
      routes: subtree((prefix) => {
        const out: JsonObject = {};
        for (const [name, f] of [['ipv4/mpls-vpn,*', IPV4_VPN], ['l2vpn/evpn,*', L2VPN_EVPN], ['ipv4/rtc,*', RTC]] as const) {
          out[name] = [...s.best(f)].map((r) => routeLg(r, prefix.replace(/\/bgp\/routes$/, '')));
        }
        out['ipv4/flow-vpn,*'] = [];
        return out;
      }),
      workers: {
        kind: 'collection',
        list: () => [...[...s.vpn.instances.values()].map((i) => ({ id: i.name })), ...peers().map((n) => ({ id: `BGP-${n.address}` }))],
        get: (id) => {
          const inst = [...s.vpn.instances.values()].find((i) => i.name === id);
          if (inst) return instance(inst);
          const n = peers().find((p) => `BGP-${p.address}` === id);
          return n ? peer(n) : undefined;
        },
      },
      adv_routes: subtree(() => s.vpn.rtcRoutes().map((r) => lgRoute({ family: r.family, nlri: r.nlri, attrs: r.attrs, source: 'BGPManager' }, base()))),
      route_counts: item(() => routeCounts()),
    }),
  };

  const routeCounts = (): JsonObject => {
    let local = 0;
    let received = 0;
    for (const f of [IPV4_VPN, L2VPN_EVPN, RTC]) for (const r of s.best(f)) r.peer ? received++ : local++;
    return { local_routes_count: local, received_routes_count: received };
  };

  const vpns: LgObject = {
    map: () => ({
      instances: {
        kind: 'collection',
        list: () =>
          [...s.vpn.instances.values()].map((i) => {
            const e: JsonObject = { id: i.externalId, name: i.name };
            if (i.description !== null && i.description !== '') e.description = i.description;
            return e;
          }),
        get: (id) => {
          const inst = s.vpn.instances.get(id);
          return inst ? instance(inst) : undefined;
        },
      },
      dataplane: {
        kind: 'delegate',
        target: {
          map: () => ({
            drivers: { kind: 'collection', list: () => [{ id: 'evpn' }, { id: 'ipvpn' }], get: (id) => (id === 'evpn' || id === 'ipvpn' ? driver(id) : undefined) },
            ids: item(() => Object.fromEntries([...s.vpn.labels.entries()].map(([k, v]) => [String(k), v]))),
          }),
        },
      },
      instances_per_vni: item(() => Object.fromEntries([...s.vpn.byVni].map(([vni, i]) => [String(vni), { name: i.name, external_instance_id: i.externalId }]))),
    }),
  };

  return {
    map: () => ({
      summary: item(() => ({
        BGP_established_peers: peers().filter((n) => n.state === 'Established').length,
        route_counts: routeCounts(),
        vpn_instances_count: s.vpn.instances.size,
        warnings_and_errors: s.logs().length,
        start_time: localTime(s.startTime),
        version: s.version,
      })),
      config: subtree(() => s.config()),
      bgp: { kind: 'delegate', target: bgp },
      vpns: { kind: 'delegate', target: vpns },
      logs: subtree(() => s.logs()),
    }),
  };
}
