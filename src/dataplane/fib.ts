/**
 * DOC: the FIB — best paths of the unicast families, kept in one kernel routing table.
 *
 * The RIB reports every change of a destination's best path or multipath set
 * (Rib.onBestPathChange); this keeps what the kernel should hold (`desired`: prefix → next hops)
 * and what it does hold as far as we know (`installed`), and sends the difference to a RouteSink:
 *
 *  - changes are coalesced per prefix and sent every few milliseconds, or as soon as the previous
 *    batch is answered, so a burst of 100k routes goes to the kernel in a few large batches and a
 *    prefix that flaps inside one batch costs nothing;
 *  - a change that keeps the next-hop set (a new MED, a new AS path) costs nothing either;
 *  - routes this speaker originates are never installed (the kernel has them already, or they are
 *    the operator's); several equal-cost paths become one ECMP route;
 *  - reconcile reads the table back (dump), rebuilds `installed` from it and fixes only the
 *    difference: at start, every `reconcileInterval`, and after the kernel interface failed.
 *
 * Restart without flapping: at start the routes found in the table are taken as installed, so a
 * path learned again with the same next hops is not touched. Routes found at start that nobody
 * announces again are *stale* and stay until releaseStale() — called by the daemon when every
 * configured neighbour has sent End-of-RIB, or when the stale timer runs out (like the stale
 * timer of graceful restart, RFC 4724 §4.2): removing them earlier would cut traffic to prefixes
 * whose sessions are still coming up.
 */
import type { Logger } from '../util/log.js';
import { IPV4_UNICAST, IPV6_UNICAST, type Family } from '../wire/family.js';
import { formatPrefix } from '../wire/nlri/prefix.js';
import type { Prefix } from '../wire/nlri/types.js';
import type { BestPathChange } from '../rib/types.js';
import { canonicalIp, nexthopKey, type FailureKind, type RouteOp, type RouteSink, type SinkFailure } from './routes.js';

export interface FibOptions {
  readonly sink: RouteSink;
  /** The metric the sink installs at; our routes found at another metric are removed as stale. */
  readonly metric: number;
  readonly log: Logger;
  /** Families the kernel takes (from the sink's probe); default both. */
  readonly ipv4?: boolean;
  readonly ipv6?: boolean;
  /** Coalescing window before a batch is sent (default 5 ms). */
  readonly flushDelayMs?: number;
  /** Periodic reconcile; 0 or undefined: only at start and after failures. */
  readonly reconcileIntervalMs?: number;
}

export interface FibStats {
  added: number;
  replaced: number;
  removed: number;
  failed: number;
  reconciles: number;
  batches: number;
}

interface Op {
  readonly prefix: string;
  readonly op: RouteOp;
  readonly key: string;
}

/** After a batch whose fate is unknown, re-read the table this long after. */
const RETRY_RECONCILE_MS = 1000;

export class Fib {
  readonly stats: FibStats = { added: 0, replaced: 0, removed: 0, failed: 0, reconciles: 0, batches: 0 };
  private readonly sink: RouteSink;
  private readonly desired = new Map<string, readonly string[]>();
  private readonly installed = new Map<string, string>();
  /** Prefixes that refused to go in (another protocol's route at our metric, an unreachable
   *  next hop): retried at the next reconcile, not at every change. */
  private readonly refused = new Map<string, FailureKind>();
  private dirty = new Set<string>();
  /** Found in the table at start, not announced again yet: kept until releaseStale(). */
  private readonly stale = new Set<string>();
  /** Installed ECMP routes whose shrinking waits for releaseStale (see syncOnce). */
  private readonly deferred = new Set<string>();
  private holding = false;
  private started = false;
  private working = false;
  private wantReconcile = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private interval: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private waiters: (() => void)[] = [];
  /** The unicast families it installs (its options can leave one out). */
  readonly families = new Set<Family>();

  constructor(private readonly opts: FibOptions) {
    this.sink = opts.sink;
    if (opts.ipv4 !== false) this.families.add(IPV4_UNICAST);
    if (opts.ipv6 !== false) this.families.add(IPV6_UNICAST);
  }

  /** Prefixes we hold in the kernel (for tests and the looking glass). */
  get installedCount(): number {
    return this.installed.size;
  }

  get staleCount(): number {
    return this.stale.size;
  }

  /**
   * Reads the table and starts syncing. With `holdStale`, routes of ours found in the table are
   * kept until releaseStale() unless announced again (a restart); without it they go at once.
   */
  async start(holdStale: boolean): Promise<void> {
    this.holding = holdStale;
    this.started = true;
    this.wantReconcile = true;
    this.kick();
    await this.settled();
    const every = this.opts.reconcileIntervalMs ?? 0;
    if (every > 0) {
      this.interval = setInterval(() => this.reconcile(), every);
      this.interval.unref();
    }
  }

  /** Called for every best path change of its families (Rib.watchBestPaths); only takes note and schedules. */
  change(c: BestPathChange): void {
    if (!this.families.has(c.family)) return;
    const prefix = formatPrefix(c.family, c.nlri as Prefix);
    const nexthops = nexthopsOf(c);
    if (nexthops.length > 0) this.desired.set(prefix, nexthops);
    else this.desired.delete(prefix);
    this.stale.delete(prefix);
    this.dirty.add(prefix);
    this.schedule();
  }

  /** Stale routes found at start may go now (End-of-RIB from everyone, or the stale timer). */
  releaseStale(reason: string): void {
    if (!this.holding) return;
    this.holding = false;
    this.opts.log.info({ stale: this.stale.size, reason }, 'kernel routes: removing stale routes from before the restart');
    for (const p of this.stale) this.dirty.add(p);
    this.stale.clear();
    for (const p of this.deferred) this.dirty.add(p);
    this.deferred.clear();
    // A full pass also removes our routes left at an older metric.
    this.reconcile();
  }

  /** Re-read the table and fix the difference (also what the periodic timer does). */
  reconcile(): void {
    this.wantReconcile = true;
    this.kick();
  }

  /** Resolves when everything asked so far has been sent and answered. */
  settled(): Promise<void> {
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
      this.kick();
    }
    if (!this.working && (!this.started || (this.dirty.size === 0 && !this.wantReconcile))) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Sends what is pending and closes the sink. Routes stay in the kernel as they are then. */
  async stop(): Promise<void> {
    clearInterval(this.interval);
    clearTimeout(this.retryTimer);
    await this.settled();
    this.started = false;
    this.sink.close();
  }

  // ===== the worker: one batch or one reconcile at a time =====

  private schedule(): void {
    if (!this.started || this.working || this.flushTimer !== undefined) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.kick();
    }, this.opts.flushDelayMs ?? 5);
  }

  private kick(): void {
    if (!this.started || this.working) return;
    this.working = true;
    void this.work();
  }

  private async work(): Promise<void> {
    let failed = false;
    try {
      for (;;) {
        if (this.wantReconcile) {
          this.wantReconcile = false;
          await this.readTable();
        } else if (this.dirty.size > 0) {
          await this.syncOnce();
        } else break;
      }
    } catch (e) {
      failed = true;
      this.opts.log.error({ error: (e as Error).message }, 'kernel routes: cannot read or change the table; retrying');
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.reconcile(), RETRY_RECONCILE_MS);
      this.retryTimer.unref();
    } finally {
      this.working = false;
    }
    // Changes that came while the last await was pending are picked up by a new run; after a
    // failure the retry timer starts the next one.
    if (!failed && (this.dirty.size > 0 || this.wantReconcile)) return this.kick();
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }

  /** Rebuilds `installed` from the kernel and marks every prefix either side knows for a sync. */
  private async readTable(): Promise<void> {
    const routes = await this.opts.sink.dump();
    this.stats.reconciles++;
    this.installed.clear();
    this.refused.clear();
    const leftovers: { prefix: string; metric: number }[] = [];
    for (const r of routes) {
      if (r.metric === this.opts.metric) this.installed.set(r.prefix, nexthopKey(r.nexthops));
      else leftovers.push(r);
    }
    for (const p of this.installed.keys()) {
      if (this.holding && !this.desired.has(p)) this.stale.add(p);
      this.dirty.add(p);
    }
    for (const p of this.desired.keys()) this.dirty.add(p);
    if (this.stats.reconciles === 1) {
      this.opts.log.info({ routes: this.installed.size, holdingStale: this.holding }, 'kernel routes: read our routes from the table');
    }
    if (!this.holding && leftovers.length > 0) {
      for (const r of leftovers) this.sink.remove(r.prefix, r.metric);
      const failures = await this.sink.flush();
      this.stats.removed += leftovers.length - failures.length;
      this.opts.log.info({ routes: leftovers.length }, 'kernel routes: removed our routes left at another metric');
    }
  }

  /** Sends the difference for the prefixes marked dirty, and learns from the answers. */
  private async syncOnce(): Promise<void> {
    const batch = this.dirty;
    this.dirty = new Set();
    const ops: Op[] = [];
    for (const prefix of batch) {
      const want = this.desired.get(prefix);
      const have = this.installed.get(prefix);
      if (want === undefined) {
        if (have === undefined || (this.holding && this.stale.has(prefix))) continue;
        this.sink.remove(prefix);
        ops.push({ prefix, op: 'remove', key: '' });
        continue;
      }
      const key = nexthopKey(want);
      if (have === key) continue;
      // While routes from before a restart are held, a next hop not relearned yet is held too:
      // an ECMP route keeps it until End-of-RIB rather than shrinking and growing back while the
      // sessions come up one by one (GR-like, RFC 4724 §4.2 keeps stale paths the same way).
      if (this.holding && have !== undefined && isSubset(want, have)) {
        this.deferred.add(prefix);
        continue;
      }
      // Refused at the last attempt and unchanged since: wait for the next reconcile.
      if (this.refused.has(prefix) && !this.refusedChanged(prefix, key)) continue;
      if (have === undefined) this.sink.add(prefix, want);
      else this.sink.replace(prefix, want);
      ops.push({ prefix, op: have === undefined ? 'add' : 'replace', key });
    }
    if (ops.length === 0) return;
    this.stats.batches++;
    let failures: SinkFailure[];
    try {
      failures = await this.sink.flush();
    } catch (e) {
      // Which of them ran is unknown: read the table back, which also re-marks everything.
      for (const o of ops) this.dirty.add(o.prefix);
      throw e;
    }
    this.apply(ops, failures);
  }

  private readonly refusedKeys = new Map<string, string>();
  private refusedChanged(prefix: string, key: string): boolean {
    return this.refusedKeys.get(prefix) !== key;
  }

  private apply(ops: readonly Op[], failures: readonly SinkFailure[]): void {
    const failed = new Map<number, SinkFailure>();
    for (const f of failures) failed.set(f.index, f);
    const byKind: Partial<Record<FailureKind, number>> = {};
    let example: { prefix: string; op: RouteOp; error: string } | undefined;
    ops.forEach((o, i) => {
      const f = failed.get(i);
      if (f === undefined) {
        if (o.op === 'remove') {
          this.installed.delete(o.prefix);
          this.stats.removed++;
        } else {
          this.installed.set(o.prefix, o.key);
          if (o.op === 'add') this.stats.added++;
          else this.stats.replaced++;
        }
        this.refused.delete(o.prefix);
        this.refusedKeys.delete(o.prefix);
        return;
      }
      if (o.op === 'remove' && f.kind === 'absent') {
        this.installed.delete(o.prefix); // someone removed it before us: the outcome we wanted
        return;
      }
      this.stats.failed++;
      byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
      example ??= { prefix: o.prefix, op: o.op, error: f.message };
      this.refused.set(o.prefix, f.kind);
      this.refusedKeys.set(o.prefix, o.key);
    });
    if (example !== undefined) {
      // One line per batch, not per route: 'exists' is another protocol's route at our metric
      // (left alone), 'unreachable' a next hop with no connected route (see docs/CONFIG.md).
      this.opts.log.warn({ failed: byKind, example }, 'kernel routes: the kernel refused some routes; retried at the next reconcile');
    }
  }
}

/**
 * Next hops of the multipath set (best included), without routes we originate ourselves, in
 * canonical text, sorted, distinct. Empty: the prefix must not be in the kernel.
 */
export function nexthopsOf(c: BestPathChange): string[] {
  if (c.best === undefined || c.best.peer === undefined) return [];
  const paths = c.multipath.length > 0 ? c.multipath : [c.best];
  const out: string[] = [];
  for (const r of paths) {
    if (r.peer === undefined) continue;
    const nh = r.attributes.nextHop;
    if (nh === '' || nh === '0.0.0.0' || nh === '::') continue;
    const text = canonicalIp(nh);
    if (!out.includes(text)) out.push(text);
  }
  return out.sort();
}

/** Every next hop of `want` is in the installed key `have` (nexthopKey's space-separated list). */
function isSubset(want: readonly string[], have: string): boolean {
  const installed = new Set(have.split(' '));
  return want.every((n) => installed.has(n));
}
