/**
 * Route assertions shared by interop tests: wait until a daemon holds (or no
 * longer holds) a prefix, with the lab's logs in the error when it does not.
 */
import assert from 'node:assert/strict';
import type { Lab } from './netns.js';
import type { BgpDaemon, Family, Route } from './types.js';
import { waitFor } from './wait.js';

export interface RouteWaitOptions {
  timeoutMs?: number;
  /** Only paths from this neighbour. */
  from?: string;
  /** Extra condition on the path, e.g. r => r.med === 10. */
  match?: (r: Route) => boolean;
  /** Whose logs to print on timeout; default: the daemon's lab. */
  lab?: Lab;
}

type Reader = Pick<BgpDaemon, 'label' | 'routes'> & { readonly lab?: Lab };

function select(routes: Route[], prefix: string, o: RouteWaitOptions): Route | undefined {
  return routes.find((r) => r.prefix === prefix && (o.from === undefined || r.from === o.from) && (o.match?.(r) ?? true));
}

/** Resolves with the matching path once `daemon` holds it. */
export async function waitForRoute(daemon: Reader, family: Family, prefix: string, o: RouteWaitOptions = {}): Promise<Route> {
  const lab = o.lab ?? daemon.lab;
  const routes = await waitFor(() => daemon.routes(family), {
    what: `${prefix} (${family}) at ${daemon.label}${o.from !== undefined ? ` from ${o.from}` : ''}`,
    until: (rs) => select(rs, prefix, o) !== undefined,
    timeoutMs: o.timeoutMs ?? 10_000,
    ...(lab !== undefined ? { diagnostics: () => lab.dumpLogs() } : {}),
  });
  const r = select(routes, prefix, o);
  if (r === undefined) throw new Error('unreachable');
  return r;
}

/** Resolves once `daemon` holds no matching path for `prefix` (a withdrawal arrived). */
export async function waitForNoRoute(daemon: Reader, family: Family, prefix: string, o: RouteWaitOptions = {}): Promise<void> {
  const lab = o.lab ?? daemon.lab;
  await waitFor(() => daemon.routes(family), {
    what: `withdrawal of ${prefix} (${family}) at ${daemon.label}${o.from !== undefined ? ` from ${o.from}` : ''}`,
    until: (rs) => select(rs, prefix, o) === undefined,
    timeoutMs: o.timeoutMs ?? 10_000,
    ...(lab !== undefined ? { diagnostics: () => lab.dumpLogs() } : {}),
  });
}

/** Asserts each field of `expected` on the path, naming the field, the prefix and `where`. */
export function expectRoute(r: Route, expected: Partial<Route>, where: string): void {
  for (const [k, v] of Object.entries(expected)) {
    assert.deepEqual(r[k as keyof Route], v, `${where}: ${k} of ${r.prefix}: ${JSON.stringify(r)}`);
  }
}
