/**
 * `[kernel]`: the daemon's side of the FIB. Probes what the kernel lets us do, feeds the RIB's
 * best path changes to the FIB (src/dataplane/fib.ts) over the Linux sink, and decides when the
 * routes left from a previous run may go: once every configured neighbour has sent End-of-RIB
 * for the unicast families of its session (RFC 4724 §2 — bgpipe, GoBGP, FRR and BIRD send it on
 * every new session), or when `stale-time` runs out, whichever comes first. With dynamic
 * neighbours configured only the timer can tell, since we cannot know who will connect.
 *
 * Nothing here fails the daemon: a kernel that refuses our routes is logged once, clearly, and
 * bgpiped runs on as a pure control plane.
 */
import type { Logger } from '../util/log.js';
import { Fib } from '../dataplane/fib.js';
import { LinuxRouteSink } from '../dataplane/linux/routes.js';
import type { BestPathChange } from '../rib/types.js';
import { IPV4_UNICAST, IPV6_UNICAST, type Family } from '../wire/family.js';
import type { BgpServer } from './bgp-server.js';

export interface KernelSettings {
  readonly table: number;
  readonly protocol: number;
  readonly metric: number;
  /** Seconds; 0 = only at start. */
  readonly reconcileInterval: number;
  /** Seconds before stale routes go without End-of-RIB from everyone. */
  readonly staleTime: number;
  /** Dynamic neighbours may connect: End-of-RIB from the configured ones is not enough. */
  readonly dynamicNeighbors: boolean;
}

const UNICAST: readonly Family[] = [IPV4_UNICAST, IPV6_UNICAST];

export class KernelRoutes {
  fib: Fib | undefined;
  private readonly waitingFor = new Set<string>();
  private readonly eor = new Map<string, Set<Family>>();
  private staleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly settings: KernelSettings,
    private readonly server: BgpServer,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const s = this.settings;
    const sink = new LinuxRouteSink({ table: s.table, protocol: s.protocol, metric: s.metric });
    const probe = await sink.probe();
    if (!probe.usable) {
      sink.close();
      this.log.error({ table: s.table, protocol: s.protocol, problems: probe.problems }, 'kernel routes disabled: this host does not let bgpiped install routes');
      return;
    }
    for (const problem of probe.problems) this.log.warn({ problem }, `kernel routes: ${probe.ipv4 ? 'IPv6' : 'IPv4'} routes will not be installed`);
    const fib = new Fib({ sink, metric: s.metric, log: this.log, ipv4: probe.ipv4, ipv6: probe.ipv6, reconcileIntervalMs: s.reconcileInterval * 1000 });
    this.fib = fib;
    this.server.rib.watchBestPaths(fib.families, (c: BestPathChange) => fib.change(c));

    for (const n of this.server.settings.neighbors) if (!n.adminDown) this.waitingFor.add(n.session.peerAddress);
    await fib.start(true);
    this.log.info({ table: s.table, protocol: s.protocol, metric: s.metric, ipv4: probe.ipv4, ipv6: probe.ipv6, staleTime: s.staleTime }, 'kernel routes enabled');
    if (this.waitingFor.size === 0 && !s.dynamicNeighbors) {
      fib.releaseStale('no neighbours configured');
    } else {
      this.staleTimer = setTimeout(() => fib.releaseStale(`stale-time (${s.staleTime} s) elapsed`), s.staleTime * 1000);
      this.staleTimer.unref();
    }
  }

  /** A session came up: a neighbour with no unicast family owes us no End-of-RIB. */
  sessionUp(address: string): void {
    this.check(address);
  }

  endOfRib(address: string, family: Family): void {
    if (!UNICAST.includes(family)) return;
    let got = this.eor.get(address);
    if (got === undefined) this.eor.set(address, (got = new Set()));
    got.add(family);
    this.check(address);
  }

  async stop(): Promise<void> {
    clearTimeout(this.staleTimer);
    await this.fib?.stop();
  }

  private check(address: string): void {
    if (this.fib === undefined || !this.waitingFor.has(address)) return;
    const families = this.server.neighbors.get(address)?.ribPeer?.families;
    if (families === undefined) return;
    const got = this.eor.get(address);
    if (!UNICAST.every((f) => !families.has(f) || got?.has(f))) return;
    this.waitingFor.delete(address);
    if (this.waitingFor.size === 0 && !this.settings.dynamicNeighbors) {
      clearTimeout(this.staleTimer);
      this.fib.releaseStale('End-of-RIB from every configured neighbour');
    }
  }
}
