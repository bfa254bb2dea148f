/**
 * The kernel routing table as the FIB logic (fib.ts) sees it: a sink that takes route changes,
 * applies them in order when flushed, and says which of them the kernel refused. One
 * implementation talks to Linux (linux/routes.ts), one records calls for unit tests
 * (dummy/routes.ts).
 *
 * A sink is bound to one routing table, one route protocol number and one metric at creation:
 * the routes it adds, replaces, removes and lists are always "proto P, table T, metric M",
 * so it cannot touch a route another protocol put in the same table.
 */

import { parseIpv6Into, readIpv6 } from '../wire/ip.js';

/** One route the sink owns, as listed by dump(). Prefix text is canonical (`10.0.0.1/32`). */
export interface KernelRoute {
  readonly prefix: string;
  /** Next hop addresses, sorted, canonical text; one entry = a plain route, several = ECMP. */
  readonly nexthops: readonly string[];
  /** The route's metric (priority). Routes of ours at another metric are left over from an
   *  older configuration. */
  readonly metric: number;
}

export type RouteOp = 'add' | 'replace' | 'remove';

/** Why the kernel refused an operation, classified for the caller. */
export type FailureKind =
  /** add: a route with this prefix and metric exists in the table already (another protocol's). */
  | 'exists'
  /** remove: no such route (someone removed it already). */
  | 'absent'
  /** a next hop the kernel cannot reach directly (no connected route to it). */
  | 'unreachable'
  | 'other';

export interface SinkFailure {
  /** Index of the operation in the flushed batch, in call order from 0. */
  readonly index: number;
  readonly kind: FailureKind;
  /** The kernel's (or ip's) own words. */
  readonly message: string;
}

export interface RouteSink {
  /** Adds a route that must not exist yet (fails with 'exists' rather than overwrite one). */
  add(prefix: string, nexthops: readonly string[]): void;
  /** Replaces our route for the prefix atomically (one netlink request: no gap in forwarding). */
  replace(prefix: string, nexthops: readonly string[]): void;
  /** Removes our route for the prefix at `metric` (default: the sink's metric). */
  remove(prefix: string, metric?: number): void;
  /** Sends what was queued since the last flush; resolves with the operations that failed.
   *  Rejects only when the whole batch's fate is unknown (the kernel interface died): the
   *  caller must then re-read the table with dump(). */
  flush(): Promise<SinkFailure[]>;
  /** Every route of ours (our protocol, our table, any metric), both address families. */
  dump(): Promise<KernelRoute[]>;
  close(): void;
}

/** What a sink found out about the kernel before use. */
export interface SinkProbe {
  /** Routes can be installed at all; when false, `problems` says why and nothing else works. */
  readonly usable: boolean;
  readonly ipv4: boolean;
  readonly ipv6: boolean;
  /** One line each, for the log: what cannot be done here and why. */
  readonly problems: readonly string[];
}

/** Canonical order and text of a next-hop set, the form compared with dump() output. */
export function nexthopKey(nexthops: readonly string[]): string {
  return nexthops.join(' ');
}

const v6scratch = Buffer.alloc(16);

/** The text an address has in BGP attributes and in `ip` output alike (RFC 5952 for IPv6). */
export function canonicalIp(addr: string): string {
  if (!addr.includes(':')) return addr;
  return parseIpv6Into(addr, v6scratch, 0) ? readIpv6(v6scratch, 0) : addr;
}
