/**
 * One bgpiped per state directory. Two daemons sharing one would each replay the other's
 * journal lines as their own and race on the snapshot's rename, so the attachments of both
 * would be wrong after the next restart. The lock is a pid file, `bgpiped.pid`, because a
 * `kill -9` must not leave the directory locked: a file naming a process that is gone (or
 * that is not a bgpiped any more: pids are reused) is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PID_FILE = 'bgpiped.pid';

/** Takes the directory for this process; throws an Error naming the holder when another live
 *  bgpiped has it. Taking it again from the same process is allowed (in-process restarts). */
export function lockStateDir(dir: string): void {
  const path = join(dir, PID_FILE);
  mkdirSync(dir, { recursive: true, mode: 0o750 });
  const holder = readPid(path);
  if (holder !== undefined && holder !== process.pid && isBgpiped(holder)) {
    throw new Error(`state directory ${dir} is in use by bgpiped pid ${holder} (give each bgpiped its own --state-dir)`);
  }
  writeFileSync(path, `${process.pid}\n`, { mode: 0o640 });
}

/** Gives the directory up, if this process still holds it. */
export function unlockStateDir(dir: string): void {
  const path = join(dir, PID_FILE);
  if (readPid(path) === process.pid) rmSync(path, { force: true });
}

function readPid(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Alive and running bgpiped (its command line names it), as /proc tells. */
function isBgpiped(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('bgpiped');
  } catch {
    return false;
  }
}
