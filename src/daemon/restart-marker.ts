/**
 * Did bgpiped stop cleanly last time? A marker file in the state directory exists while it runs
 * and is removed by a clean stop (SIGTERM/SIGINT, which sends Cease and lets the FIB withdraw
 * learned routes). Found at start, it means a crash or kill -9: the kernel FIB still holds our
 * routes, so graceful restart may claim R and F (RFC 4724 §4.1) and peers keep our routes.
 */
import { mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const MARKER = 'bgpiped.running';

/** Writes the marker; returns whether it was already there (the last run did not stop cleanly). */
export function markRunning(stateDir: string): boolean {
  const path = join(stateDir, MARKER);
  const restarted = existsSync(path);
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(path, `${process.pid}\n`);
  return restarted;
}

export function markStopped(stateDir: string): void {
  rmSync(join(stateDir, MARKER), { force: true });
}
