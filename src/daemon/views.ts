/**
 * Builds the model's views (api/model.ts) from the server and its RIB. Everything the CLI,
 * the API and the metrics show passes through here.
 */
import type { BgpipeModel, DestinationView, GlobalView, NeighborView, PathView } from '../api/model.js';
import type { Route } from '../rib/types.js';
import type { PathAttributes } from '../wire/attributes/types.js';
import { familyName, parseFamily, type Family } from '../wire/family.js';
import type { Nlri } from '../wire/nlri/types.js';
import { nlriCodec } from '../wire/nlri/registry.js';
import { formatAsPath, formatCommunity, formatExtCommunity, formatLargeCommunity, formatPmsiTunnel } from '../wire/index.js';
import type { BgpServer, NeighborEntry } from './bgp-server.js';

const ORIGINS = ['i', 'e', '?'];
export const VERSION = '0.1.0';

export class ServerModel implements BgpipeModel {
  constructor(private readonly server: BgpServer) {}

  global(): GlobalView {
    const s = this.server.settings;
    return {
      as: s.localAs,
      routerId: s.routerId,
      listenPort: this.server.listenPorts()[0] ?? s.listenPort,
      listenAddresses: s.listenAddresses,
      version: VERSION,
      uptimeSeconds: Math.floor((Date.now() - this.server.startedAt) / 1000),
      clusterId: s.clusterId ?? s.routerId,
    };
  }

  neighbors(): NeighborView[] {
    return [...this.server.neighbors.values()].map((e) => this.neighborView(e));
  }

  neighbor(address: string): NeighborView | undefined {
    const entry = this.server.neighbors.get(address);
    return entry ? this.neighborView(entry) : undefined;
  }

  rib(familyText: string): DestinationView[] | undefined {
    const family = parseFamily(familyText);
    if (family === undefined || !nlriCodec(family)) return undefined;
    const out: DestinationView[] = [];
    for (const d of this.server.rib.destinations(family)) {
      const prefix = formatNlri(family, d.nlri);
      const multipath = new Set(d.multipath);
      out.push({
        prefix,
        paths: d.paths.map((r) => {
          const v = pathView(prefix, r.attributes, routeSource(r), r.peer?.peerAs ?? null, r === d.best, multipath.has(r), labelsOf(r.nlri));
          return this.server.rib.isStale(r) ? { ...v, stale: true } : v;
        }),
      });
    }
    return out.sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
  }

  adjRibIn(address: string, familyText: string): PathView[] | undefined {
    const { entry, family } = this.lookup(address, familyText) ?? {};
    if (!entry?.ribPeer || family === undefined) return entry && family !== undefined ? [] : undefined;
    return [...this.server.rib.adjRibIn(entry.ribPeer.id, family)].map((r) =>
      pathView(formatNlri(family, r.nlri), r.attributes, address, r.peer?.peerAs ?? null, false, false, labelsOf(r.nlri)),
    );
  }

  adjRibOut(address: string, familyText: string): PathView[] | undefined {
    const { entry, family } = this.lookup(address, familyText) ?? {};
    if (!entry?.ribPeer || family === undefined) return entry && family !== undefined ? [] : undefined;
    return [...this.server.rib.adjRibOut(entry.ribPeer.id, family)].map((r) =>
      pathView(formatNlri(family, r.nlri), r.attributes, 'local', null, true, false, labelsOf(r.nlri)),
    );
  }

  private lookup(address: string, familyText: string): { entry: NeighborEntry; family: Family | undefined } | undefined {
    const entry = this.server.neighbors.get(address);
    if (!entry) return undefined;
    return { entry, family: parseFamily(familyText) };
  }

  private neighborView(e: NeighborEntry): NeighborView {
    const n = e.peer.negotiated;
    const counters = e.ribPeer ? this.server.rib.counters(e.ribPeer.id) : new Map();
    const established = e.peer.state === 'Established';
    return {
      address: e.settings.session.peerAddress,
      peerAs: n?.peerAs ?? e.settings.session.peerAs ?? null,
      localAs: e.settings.session.localAs,
      description: e.settings.description,
      state: e.peer.state,
      adminDown: !e.peer.enabled,
      dynamic: e.dynamic,
      passive: e.settings.session.passive,
      routeReflectorClient: e.settings.routeReflectorClient,
      routerId: established ? (n?.peerRouterId ?? null) : null,
      uptimeSeconds: e.peer.establishedAt ? Math.floor((Date.now() - e.peer.establishedAt) / 1000) : null,
      holdTime: established ? (n?.holdTime ?? null) : null,
      keepaliveInterval: established ? (n?.keepaliveInterval ?? null) : null,
      families: established && n ? [...n.families].map(familyName) : e.settings.session.families.map(familyName),
      prefixes: [...counters].map(([family, c]) => ({ family: familyName(family), ...c })),
      messages: e.messages,
      lastError: e.peer.lastDownReason,
      hostname: n?.peerHostname ?? null,
    };
  }
}

function routeSource(route: Route): string {
  return route.peer ? route.peer.address : 'local';
}

/** EVPN and VPN NLRI carry label fields outside their key; unicast and RTC have none. */
function labelsOf(nlri: Nlri): readonly number[] {
  const labels = (nlri as { labels?: readonly number[] }).labels;
  return Array.isArray(labels) ? labels : [];
}

function formatNlri(family: Family, nlri: Nlri): string {
  return nlriCodec(family)?.format(nlri) ?? nlri.key;
}

export function pathView(
  prefix: string,
  a: PathAttributes,
  source: string,
  sourceAs: number | null,
  best: boolean,
  multipath: boolean,
  labels: readonly number[] = [],
): PathView {
  return {
    prefix,
    labels,
    nextHop: a.nextHop,
    asPath: formatAsPath(a.asPath),
    origin: ORIGINS[a.origin] ?? String(a.origin),
    med: a.med ?? null,
    localPref: a.localPref ?? null,
    communities: (a.communities ?? []).map(formatCommunity),
    extendedCommunities: (a.extCommunities ?? []).map(formatExtCommunity),
    largeCommunities: (a.largeCommunities ?? []).map(formatLargeCommunity),
    originatorId: a.originatorId ?? null,
    clusterList: a.clusterList ?? [],
    atomicAggregate: a.atomicAggregate ?? false,
    aggregator: a.aggregator ? `${a.aggregator.asn}:${a.aggregator.address}` : null,
    pmsiTunnel: a.pmsiTunnel ? formatPmsiTunnel(a.pmsiTunnel) : null,
    best,
    multipath,
    source,
    sourceAs,
  };
}
