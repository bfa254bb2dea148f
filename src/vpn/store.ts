/**
 * Crash-safe persistence of the acknowledged attachments: the whole set in one JSON file,
 * replaced atomically — written to a temporary file, fsync'd, renamed over the old one, and the
 * directory fsync'd so that the rename itself survives a power cut (POSIX rename(2) is atomic;
 * ext4/xfs need the directory fsync for durability). A `kill -9` at any moment leaves either the
 * old file or the new one, never a torn one; the API answers 200 only after save() returned.
 * The set is small (one entry per port endpoint), so rewriting it whole is cheap.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { AttachmentRecord } from './records.js';

const FILE = 'attachments.json';
const VERSION = 1;

export class AttachmentStore {
  readonly path: string;

  constructor(readonly dir: string) {
    this.path = join(dir, FILE);
  }

  /** The stored attachments; none when the file does not exist yet. Throws on a corrupt file
   *  (an operator must look: silently starting empty would withdraw every VPN route). */
  load(): AttachmentRecord[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const doc = JSON.parse(text) as { version?: number; attachments?: AttachmentRecord[] };
    if (doc.version !== VERSION || !Array.isArray(doc.attachments)) throw new Error(`${this.path}: not a bgpipe attachments file (version ${VERSION})`);
    return doc.attachments;
  }

  async save(records: readonly AttachmentRecord[]): Promise<void> {
    mkdirSync(this.dir, { recursive: true, mode: 0o750 });
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w', 0o640);
    try {
      writeSync(fd, JSON.stringify({ version: VERSION, attachments: records }, null, 1) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    const dirFd = openSync(this.dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }
}
