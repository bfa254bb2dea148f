/**
 * bgplb's BGP speaker: bgpipe's own BgpServer in-process (docker-bgp-lb embeds GoBGP the same
 * way), with one neighbour per PEER_ADDRESS, ipv4-unicast and ipv6-unicast offered to each (the
 * original offers only the session's family, so its /128s never leave towards an IPv4 peer).
 *
 * Prefixes are announced on behalf of owners (an endpoint, a gateway network): a prefix stays
 * in the RIB while any owner holds it, so two containers of one LB network on one host, or two
 * gateway networks with one subnet, do not withdraw each other's route.
 *
 * What the peers receive is decided by the export policy, not by the RIB's eBGP defaults:
 *  - only our own prefixes (a host is not a transit between its upstream routers);
 *  - NEXT_HOP = ROUTER_ID for IPv4 (docker-bgp-lb's wire behaviour), NEXT_HOP_V6 or the
 *    IPv4-mapped ROUTER_ID for IPv6 (RFC 4291 §2.5.5.2; GoBGP's default there).
 * Routes learned from the peers stay in the RIB unless KERNEL_ROUTES installs them (ECMP).
 */
import os from 'node:os';
import type { Logger } from '../../util/log.js';
import { BgpServer } from '../../daemon/bgp-server.js';
import { KernelRoutes } from '../../daemon/kernel-routes.js';
import type { NeighborSettings, ServerSettings } from '../../daemon/settings.js';
import type { PolicyFn } from '../../rib/rib.js';
import { IPV4_UNICAST, IPV6_UNICAST, type Family } from '../../wire/family.js';
import { Origin, type PathAttributes } from '../../wire/attributes/types.js';
import { parsePrefix } from '../../wire/nlri/prefix.js';
import '../../wire/index.js';
import type { BgplbSettings } from './settings.js';

/** Kernel route protocol and metric of learned routes (bgpiped's `[kernel]` defaults). */
const KERNEL_PROTOCOL = 186;
const KERNEL_METRIC = 20;

export class Speaker {
  readonly server: BgpServer;
  readonly kernel: KernelRoutes | undefined;
  /** prefix → owners. */
  private readonly owners = new Map<string, Set<string>>();
  /** family|nlri key of what we announce, for the export policy. */
  private readonly announced = new Set<string>();

  constructor(
    private readonly settings: BgplbSettings,
    private readonly log: Logger,
  ) {
    let kernel: KernelRoutes | undefined;
    this.server = new BgpServer(serverSettings(settings, this.exportPolicy), log, {
      session: (peer, to) => {
        log.info({ peer, state: to }, `BGP session ${to}`);
        if (to === 'up') kernel?.sessionUp(peer);
      },
      endOfRib: (peer, family) => kernel?.endOfRib(peer, family),
    });
    this.kernel = kernel = settings.kernelRoutes
      ? new KernelRoutes(
          { table: settings.kernelRoutes.table, protocol: KERNEL_PROTOCOL, metric: KERNEL_METRIC, reconcileInterval: 0, staleTime: 30, dynamicNeighbors: false },
          this.server,
          log,
        )
      : undefined;
  }

  async start(): Promise<void> {
    await this.kernel?.start();
    await this.server.start();
  }

  async stop(): Promise<void> {
    await this.server.stop('bgplb shutting down');
    await this.kernel?.stop();
  }

  /** Announce `prefix` ("10.0.0.101/32", "2001:db8::/64") for `owner`. */
  advertise(owner: string, prefix: string): void {
    let set = this.owners.get(prefix);
    if (set === undefined) {
      set = new Set();
      this.owners.set(prefix, set);
    }
    if (set.has(owner)) return;
    set.add(owner);
    if (set.size > 1) return;
    const family = familyOf(prefix);
    const nlri = parsePrefix(family, prefix);
    this.announced.add(`${family}|${nlri.key}`);
    const attrs: PathAttributes = { origin: Origin.Igp, asPath: [], nextHop: family === IPV6_UNICAST ? this.settings.nextHopV6 : this.settings.routerId };
    this.server.rib.originate(family, nlri, attrs);
    this.log.info({ prefix, owner }, 'advertised');
  }

  /** Release `owner`'s hold on `prefix`; the route is withdrawn when nobody holds it. */
  withdraw(owner: string, prefix: string): void {
    const set = this.owners.get(prefix);
    if (set === undefined || !set.delete(owner)) return;
    if (set.size > 0) return;
    this.owners.delete(prefix);
    const family = familyOf(prefix);
    const nlri = parsePrefix(family, prefix);
    this.announced.delete(`${family}|${nlri.key}`);
    this.server.rib.withdrawOriginated(family, nlri);
    this.log.info({ prefix, owner }, 'withdrawn');
  }

  /** Every prefix `owner` holds. */
  heldBy(owner: string): string[] {
    return [...this.owners].filter(([, s]) => s.has(owner)).map(([p]) => p);
  }

  /** All announced prefixes, sorted (looking glass, tests). */
  prefixes(): string[] {
    return [...this.owners.keys()].sort();
  }

  private readonly exportPolicy: PolicyFn = (_peer, family, nlri, attrs) => {
    if (!this.announced.has(`${family}|${nlri.key}`)) return undefined;
    const nextHop = family === IPV6_UNICAST ? this.settings.nextHopV6 : this.settings.routerId;
    return attrs.nextHop === nextHop && attrs.nextHopLinkLocal === undefined ? attrs : { ...attrs, nextHop, nextHopLinkLocal: undefined };
  };
}

function familyOf(prefix: string): Family {
  return prefix.includes(':') ? IPV6_UNICAST : IPV4_UNICAST;
}

function serverSettings(s: BgplbSettings, exportPolicy: PolicyFn): ServerSettings {
  const hostname = os.hostname();
  const neighbors: NeighborSettings[] = s.peers.map((p) => ({
    session: {
      peerAddress: p.address,
      peerPort: 179,
      localAs: s.localAs,
      peerAs: p.asn,
      routerId: s.routerId,
      passive: false,
      holdTime: s.holdTime,
      keepaliveInterval: Math.floor(s.holdTime / 3),
      connectRetryTime: s.connectRetry,
      families: [IPV4_UNICAST, IPV6_UNICAST],
      hostname,
      ...(s.password !== undefined ? { md5Key: s.password } : {}),
    },
    description: 'bgplb upstream router',
    routeReflectorClient: false,
    nextHopSelf: false,
    adminDown: false,
    exportPolicy,
    fingerprint: JSON.stringify([p, s.password]),
    policyFingerprint: '',
  }));
  return {
    localAs: s.localAs,
    routerId: s.routerId,
    listenPort: s.listenPort,
    listenAddresses: ['0.0.0.0', '::'],
    multipath: s.kernelRoutes ? { ebgp: true, ibgp: true, maxPaths: 8 } : undefined,
    neighbors,
    dynamicNeighbor: () => undefined,
    staticRoutes: [],
    md5Keys: s.password === undefined ? [] : s.peers.map((p) => ({ address: p.address, key: s.password! })),
    idleHoldTime: 1,
  };
}
