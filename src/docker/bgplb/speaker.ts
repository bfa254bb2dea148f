/**
 * bgplb's BGP speaker (../embedded-speaker.ts): a bare BgpServer with one neighbour per
 * PEER_ADDRESS, ipv4-unicast and ipv6-unicast offered to each (the original offers only the
 * session's family, so its /128s never leave towards an IPv4 peer).
 *
 * Prefixes are announced on behalf of owners (an endpoint, a gateway network): two containers of
 * one LB network on one host, or two gateway networks with one subnet, do not withdraw each
 * other's route.
 *
 * What the peers receive is decided by the export policy, not by the RIB's eBGP defaults:
 *  - only our own prefixes (a host is not a transit between its upstream routers);
 *  - NEXT_HOP = ROUTER_ID for IPv4 (docker-bgp-lb's wire behaviour), NEXT_HOP_V6 or the
 *    IPv4-mapped ROUTER_ID for IPv6 (RFC 4291 §2.5.5.2; GoBGP's default there).
 * Routes learned from the peers stay in the RIB unless KERNEL_ROUTES installs them (ECMP).
 */
import os from 'node:os';
import type { Logger } from '../../util/log.js';
import { KERNEL_DEFAULTS } from '../../config/build.js';
import { BgpServer } from '../../daemon/bgp-server.js';
import { KernelRoutes } from '../../daemon/kernel-routes.js';
import type { NeighborSettings, ServerSettings } from '../../daemon/settings.js';
import type { PolicyFn } from '../../rib/rib.js';
import { IPV4_UNICAST, IPV6_UNICAST, type Family } from '../../wire/family.js';
import { EmbeddedSpeaker, type SpeakerRuntime } from '../embedded-speaker.js';
import type { BgplbSettings } from './settings.js';

/** The speaker, not started. */
export function bgplbSpeaker(settings: BgplbSettings, log: Logger): EmbeddedSpeaker {
  const nextHop = (family: Family): string => (family === IPV6_UNICAST ? settings.nextHopV6 : settings.routerId);
  const exportPolicy: PolicyFn = (_peer, family, nlri, attrs) => {
    if (!speaker.owns(family, nlri)) return undefined;
    const nh = nextHop(family);
    return attrs.nextHop === nh && attrs.nextHopLinkLocal === undefined ? attrs : { ...attrs, nextHop: nh, nextHopLinkLocal: undefined };
  };
  const speaker = new EmbeddedSpeaker(runtime(settings, exportPolicy, log), { nextHop }, log);
  return speaker;
}

/** A BgpServer and, with KERNEL_ROUTES, the kernel routes of what it learns. */
function runtime(settings: BgplbSettings, exportPolicy: PolicyFn, log: Logger): SpeakerRuntime {
  let kernel: KernelRoutes | undefined;
  const server = new BgpServer(serverSettings(settings, exportPolicy), log, {
    session: (peer, to) => {
      log.info({ peer, state: to }, `BGP session ${to}`);
      if (to === 'up') kernel?.sessionUp(peer);
    },
    endOfRib: (peer, family) => kernel?.endOfRib(peer, family),
  });
  kernel = settings.kernelRoutes
    ? new KernelRoutes(
        // Protocol and metric: bgpiped's [kernel] defaults (proto bgp, 20), as bgpipe-l3's routes.
        { table: settings.kernelRoutes.table, protocol: KERNEL_DEFAULTS.protocol, metric: KERNEL_DEFAULTS.metric, reconcileInterval: 0, staleTime: 30, dynamicNeighbors: false },
        server,
        log,
      )
    : undefined;
  return {
    server,
    async start() {
      await kernel?.start();
      await server.start();
    },
    async stop() {
      await server.stop('bgplb shutting down');
      await kernel?.stop();
    },
  };
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
