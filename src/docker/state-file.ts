/**
 * The Docker plugins' state files (bgplb's networks and endpoints, bgpipe-l3's networks and
 * pools): one small JSON document, read once at start and rewritten whole after every change
 * Docker makes. Docker replays nothing to a plugin that comes back, so this file is all a
 * restarted plugin knows of the networks it serves.
 *
 * Written atomically: a temporary file next to it, fsync, rename. A crash (or a power cut) leaves
 * the old or the new document, never half of one. What the document holds, and whether one read
 * back is theirs, is each plugin's business; this file only reads and writes JSON.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** The parsed document; undefined when there is no file. Unreadable or not JSON: an error
 *  naming the file, with the way out (nothing is started on a state the plugin cannot read). */
export function readStateFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${path}: cannot read: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new Error(`${path}: not JSON (${(e as Error).message}); move it away to start empty`);
  }
}

/** Replaces the file with `value` as JSON (one space indent, final newline), atomically. */
export function writeStateFile(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o640);
  try {
    writeSync(fd, JSON.stringify(value, null, 1) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
