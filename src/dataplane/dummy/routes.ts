/**
 * A RouteSink with no kernel behind it: it records every call and keeps a table of its own,
 * behaving as Linux does for the cases the FIB logic must handle (add over an existing route
 * fails, remove of a missing one fails, a next hop can be declared unreachable). For unit tests
 * of fib.ts.
 */
import type { FailureKind, KernelRoute, RouteOp, RouteSink, SinkFailure } from '../routes.js';

export interface RecordedOp {
  readonly op: RouteOp;
  readonly prefix: string;
  readonly nexthops: readonly string[];
  readonly metric: number;
}

export class DummyRouteSink implements RouteSink {
  /** Our routes: prefix|metric → route. */
  readonly table = new Map<string, KernelRoute>();
  /** Prefixes (any metric) that another protocol holds at our metric: add fails with 'exists'. */
  readonly foreign = new Set<string>();
  /** Next hops the "kernel" cannot reach. */
  readonly unreachable = new Set<string>();
  /** Every operation ever flushed, in order. */
  readonly log: RecordedOp[] = [];
  /** Number of flush() calls that sent something. */
  flushes = 0;
  dumps = 0;
  /** Set to make the next flush reject, as a dead `ip` child would. */
  failNextFlush = false;
  private queue: RecordedOp[] = [];

  constructor(readonly metric = 20) {}

  add(prefix: string, nexthops: readonly string[]): void {
    this.queue.push({ op: 'add', prefix, nexthops: [...nexthops], metric: this.metric });
  }

  replace(prefix: string, nexthops: readonly string[]): void {
    this.queue.push({ op: 'replace', prefix, nexthops: [...nexthops], metric: this.metric });
  }

  remove(prefix: string, metric = this.metric): void {
    this.queue.push({ op: 'remove', prefix, nexthops: [], metric });
  }

  async flush(): Promise<SinkFailure[]> {
    const ops = this.queue;
    this.queue = [];
    if (ops.length === 0) return [];
    this.flushes++;
    if (this.failNextFlush) {
      this.failNextFlush = false;
      throw new Error('dummy sink: flush failed');
    }
    const failures: SinkFailure[] = [];
    const fail = (index: number, kind: FailureKind, message: string) => failures.push({ index, kind, message });
    ops.forEach((o, index) => {
      this.log.push(o);
      const key = `${o.prefix}|${o.metric}`;
      if (o.op === 'remove') {
        if (!this.table.delete(key)) fail(index, 'absent', 'No such process');
        return;
      }
      if (o.nexthops.some((n) => this.unreachable.has(n))) return fail(index, 'unreachable', 'Nexthop has invalid gateway');
      if (o.op === 'add' && (this.table.has(key) || this.foreign.has(o.prefix))) return fail(index, 'exists', 'File exists');
      this.table.set(key, { prefix: o.prefix, nexthops: o.nexthops, metric: o.metric });
    });
    await Promise.resolve();
    return failures;
  }

  async dump(): Promise<KernelRoute[]> {
    this.dumps++;
    return [...this.table.values()];
  }

  close(): void {
    this.queue = [];
  }

  /** Operations flushed since `mark` (a previous log length). */
  since(mark: number): RecordedOp[] {
    return this.log.slice(mark);
  }
}
