/**
 * Polling with a deadline. Interop tests never sleep a fixed time: they poll
 * until the condition holds, and a timeout names what was awaited, the last
 * value seen (or the last error), and the daemons' logs when given.
 */
import { inspect } from 'node:util';

export interface WaitOptions<T> {
  /** What is awaited, for the error message: "10.1.0.0/24 at FRR". */
  what: string;
  timeoutMs?: number;
  intervalMs?: number;
  /** Success test; default: the value is truthy. */
  until?: (value: T) => boolean;
  /** Extra text for the timeout error, e.g. () => lab.dumpLogs(). */
  diagnostics?: () => string | Promise<string>;
  /** Stop early with this error when it returns a string (e.g. "daemon exited"). */
  abortIf?: () => string | undefined;
}

export class WaitTimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly lastValue: unknown,
    readonly lastError: unknown,
    message: string,
  ) {
    super(message);
    this.name = 'WaitTimeoutError';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function show(v: unknown): string {
  const s = inspect(v, { depth: 5, breakLength: 120 });
  return s.length > 3000 ? `${s.slice(0, 3000)}…` : s;
}

/**
 * Call `fn` every `intervalMs` until `until(value)` (default: truthy) and
 * return that value. Errors thrown by `fn` count as "not yet" and are kept
 * for the timeout message.
 */
export async function waitFor<T>(fn: () => T | Promise<T>, opts: WaitOptions<T>): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 200;
  const until = opts.until ?? ((v: T) => Boolean(v));
  const started = Date.now();
  let lastValue: T | undefined;
  let lastError: unknown;
  let seen = false;
  let aborted: string | undefined;
  for (;;) {
    aborted = opts.abortIf?.();
    if (aborted !== undefined) break;
    try {
      const v = await fn();
      lastValue = v;
      seen = true;
      lastError = undefined;
      if (until(v)) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() - started >= timeoutMs) break;
    await sleep(Math.min(intervalMs, Math.max(0, timeoutMs - (Date.now() - started))));
  }
  const elapsed = Date.now() - started;
  const lines = [
    aborted !== undefined
      ? `gave up after ${elapsed} ms waiting for ${opts.what}: ${aborted}`
      : `timed out after ${elapsed} ms waiting for ${opts.what}`,
  ];
  if (seen) lines.push(`last value: ${show(lastValue)}`);
  if (lastError !== undefined) {
    lines.push(`last error: ${lastError instanceof Error ? lastError.message : show(lastError)}`);
  }
  if (opts.diagnostics) {
    try {
      lines.push(await opts.diagnostics());
    } catch (e) {
      lines.push(`(diagnostics failed: ${(e as Error).message})`);
    }
  }
  throw new WaitTimeoutError(opts.what, lastValue, lastError, lines.join('\n'));
}
