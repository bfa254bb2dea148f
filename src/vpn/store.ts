/**
 * Crash-safe persistence of the acknowledged attachments, with group commit.
 *
 * Two files in the state directory:
 *
 *   attachments.json     a snapshot of the whole set, `{"version":1,"seq":N,"attachments":[…]}`,
 *                        replaced atomically: written to a temporary file, fsync'd, renamed over
 *                        the old one, and the directory fsync'd so that the rename itself
 *                        survives a power cut (POSIX rename(2) is atomic; ext4/xfs need the
 *                        directory fsync for durability).
 *   attachments.journal  the changes made since, one JSON line per write, written through a
 *                        descriptor opened O_DSYNC (POSIX: the write returns once its data, and
 *                        the file size that makes it readable, are on disk; the write and the
 *                        fdatasync in one system call, one trip to libuv's thread pool instead of
 *                        two): `{"seq":N,"changes":[C…]}`, each C `{"key":K,"put":{record}}` or
 *                        `{"key":K,"del":true}`, N the sequence number of the last one. The lines
 *                        go over zeros laid down in advance (PREALLOCATE), and the rest of the
 *                        file is zeros: overwriting allocated blocks changes no metadata, so each
 *                        write syncs its data alone instead of waiting for a commit of the file
 *                        system's own journal, which every other writer on the disk shares.
 *
 * `commit()` resolves once a write that holds its changes is on disk; the API answers 200 only
 * then. Changes committed while a write is in flight wait for the next one, which carries them
 * all (group commit): one durable write serves every request that arrived meanwhile, and the
 * event loop keeps serving requests while the disk works. When the journal has grown past the size of
 * the set, the next write is a snapshot instead, and the journal starts again empty.
 *
 * A `kill -9` or a power cut at any moment leaves the snapshot (old or new, never torn) and a
 * journal whose last line may be torn or partly zeros: a write is one line, and the next write
 * starts only after the previous one is on disk, so only the last line can be incomplete, and it
 * was never acknowledged. Such a line is skipped when no parsable line follows it; lines already
 * folded into the snapshot (seq ≤ its seq) are skipped; anything else that does not parse is an
 * error an operator must look at (silently starting empty would withdraw every VPN route).
 */
import { close as closeFd, constants, ftruncate, mkdirSync, open as openFd, readFileSync, write } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { storedRecordKey, type AttachmentRecord } from './records.js';
import { lockStateDir, unlockStateDir } from './state-lock.js';

const FILE = 'attachments.json';
const JOURNAL = 'attachments.journal';
const VERSION = 1;
/** Journal changes tolerated beyond the set's size before the next write is a snapshot: a
 *  snapshot rewrites the whole set, so it should be rare, and a journal this long replays in
 *  milliseconds at start. */
const JOURNAL_SLACK = 1024;
const JOURNAL_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_DSYNC;
/** Zeros laid down ahead of the journal's lines at a time: ~3,000 lines of one attachment. */
const PREALLOCATE = 1 << 20;

/** One attachment stored (record) or removed (undefined), by its recordKey. */
export interface RecordChange {
  readonly key: string;
  readonly record: AttachmentRecord | undefined;
}

interface JournalChange {
  key: string;
  put?: AttachmentRecord;
  del?: true;
}

interface JournalLine {
  seq: number;
  changes: JournalChange[];
}

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

export class AttachmentStore {
  readonly path: string;
  readonly journalPath: string;
  /** The set as written or being written, in the order attachments were made. */
  private readonly records = new Map<string, AttachmentRecord>();
  /** Sequence number of the last change given to commit(). */
  private seq = 0;
  /** The journal's descriptor (O_DSYNC), once opened. */
  private journal: number | undefined;
  private journalChanges = 0;
  /** Where the journal's next line goes, and how far zeros are laid down. */
  private journalEnd = 0;
  private journalAllocated = 0;
  /** The journal may hold a torn tail or a failed write: the next write is a snapshot. */
  private needSnapshot = true;
  private pending: string[] = [];
  private waiters: Waiter[] = [];
  /** The write loop, while it runs. */
  private draining: Promise<void> | undefined;

  constructor(
    readonly dir: string,
    private readonly journalSlack = JOURNAL_SLACK,
  ) {
    this.path = join(dir, FILE);
    this.journalPath = join(dir, JOURNAL);
  }

  /** The stored attachments: the snapshot with the journal replayed over it; none when neither
   *  file exists yet. Throws on a corrupt file, or when another bgpiped holds the directory. */
  load(): AttachmentRecord[] {
    lockStateDir(this.dir);
    this.records.clear();
    const text = readIfExists(this.path);
    let snapshotSeq = 0;
    if (text !== undefined) {
      const doc = JSON.parse(text) as { version?: number; seq?: number; attachments?: AttachmentRecord[] };
      if (doc.version !== VERSION || !Array.isArray(doc.attachments)) throw new Error(`${this.path}: not a bgpipe attachments file (version ${VERSION})`);
      snapshotSeq = typeof doc.seq === 'number' ? doc.seq : 0;
      for (const r of doc.attachments) this.records.set(storedRecordKey(r), r);
    }
    this.seq = snapshotSeq;
    const lines = (readIfExists(this.journalPath) ?? '').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = parseLine(lines[i]!);
      if (line === undefined) {
        if (lines[i] === '' || lines.slice(i + 1).every((l) => parseLine(l) === undefined)) continue; // torn tail
        throw new Error(`${this.journalPath}:${i + 1}: not a bgpipe journal line`);
      }
      if (line.seq <= snapshotSeq) continue;
      for (const c of line.changes) {
        if (c.put !== undefined) this.records.set(c.key, c.put);
        else this.records.delete(c.key);
      }
      this.seq = Math.max(this.seq, line.seq);
    }
    this.needSnapshot = true;
    return [...this.records.values()];
  }

  /** Resolves once `changes` (and every change committed before them) are on disk. */
  commit(changes: readonly RecordChange[]): Promise<void> {
    for (const c of changes) {
      this.seq++;
      if (c.record !== undefined) this.records.set(c.key, c.record);
      else this.records.delete(c.key);
      this.pending.push(JSON.stringify(c.record !== undefined ? { key: c.key, put: c.record } : { key: c.key, del: true }));
    }
    return this.enqueue();
  }

  /** Replaces the whole set (at start, once the restore has dropped what it refused): a snapshot. */
  replace(records: readonly AttachmentRecord[]): Promise<void> {
    this.records.clear();
    for (const r of records) this.records.set(storedRecordKey(r), r);
    this.needSnapshot = true;
    return this.enqueue();
  }

  /** Closes the journal once every write has finished (daemon stop). */
  async close(): Promise<void> {
    await this.draining;
    const fd = this.journal;
    this.journal = undefined;
    if (fd !== undefined) await new Promise<void>((resolve, reject) => closeFd(fd, (err) => (err ? reject(err) : resolve())));
    unlockStateDir(this.dir);
  }

  private enqueue(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.draining ??= this.drain();
    return done;
  }

  /** One write at a time; each takes every change queued when it starts. */
  private async drain(): Promise<void> {
    try {
      while (this.waiters.length > 0) {
        const lines = this.pending;
        const seq = this.seq;
        const waiters = this.waiters;
        this.pending = [];
        this.waiters = [];
        try {
          if (this.needSnapshot || this.journalChanges + lines.length > this.records.size + this.journalSlack) await this.writeSnapshot();
          else await this.append(seq, lines);
          for (const w of waiters) w.resolve();
        } catch (err) {
          // What failed may be half in the journal: the next write replaces everything.
          this.needSnapshot = true;
          for (const w of waiters) w.reject(err);
        }
      }
    } finally {
      // Synchronously with the last look at the queue: a commit after this starts a new loop.
      this.draining = undefined;
    }
  }

  /** One line for the whole write: only a last line can then be torn (see above). */
  private async append(seq: number, changes: readonly string[]): Promise<void> {
    if (changes.length === 0) return;
    const fd = await this.openJournal();
    const line = Buffer.from(`{"seq":${seq},"changes":[${changes.join(',')}]}\n`);
    if (this.journalEnd + line.length > this.journalAllocated) {
      const grow = Math.max(PREALLOCATE, line.length);
      await writeAll(fd, Buffer.alloc(grow), this.journalAllocated);
      this.journalAllocated += grow;
    }
    await writeAll(fd, line, this.journalEnd);
    this.journalEnd += line.length;
    this.journalChanges += changes.length;
  }

  /** The set as it is now (changes queued for this write included), then an empty journal. */
  private async writeSnapshot(): Promise<void> {
    const text = JSON.stringify({ version: VERSION, seq: this.seq, attachments: [...this.records.values()] }, null, 1) + '\n';
    // Cleared now, not when done: a replace() during this write asks for the next one.
    this.needSnapshot = false;
    mkdirSync(this.dir, { recursive: true, mode: 0o750 });
    const tmp = `${this.path}.tmp`;
    const fd = await open(tmp, 'w', 0o640);
    try {
      await fd.writeFile(text);
      await fd.sync();
    } finally {
      await fd.close();
    }
    await rename(tmp, this.path);
    await this.syncDir();
    // Lines left in the journal now have seq ≤ the snapshot's and are skipped at load. Emptied
    // first, then zeros: a power cut meanwhile leaves zeros or nothing, never part of an old
    // line in front of whole ones (which load() would refuse).
    const journal = await this.openJournal();
    await new Promise<void>((resolve, reject) => ftruncate(journal, 0, (err) => (err ? reject(err) : resolve())));
    this.journalEnd = 0;
    this.journalAllocated = 0;
    await writeAll(journal, Buffer.alloc(PREALLOCATE), 0);
    this.journalAllocated = PREALLOCATE;
    this.journalChanges = 0;
  }

  private async openJournal(): Promise<number> {
    if (this.journal === undefined) {
      mkdirSync(this.dir, { recursive: true, mode: 0o750 });
      this.journal = await new Promise<number>((resolve, reject) => openFd(this.journalPath, JOURNAL_FLAGS, 0o640, (err, fd) => (err ? reject(err) : resolve(fd))));
      await this.syncDir(); // the journal's directory entry, when it was just created
    }
    return this.journal;
  }

  private async syncDir(): Promise<void> {
    const dirFd = await open(this.dir, 'r');
    try {
      await dirFd.sync();
    } finally {
      await dirFd.close();
    }
  }
}

/** All of `buf` at `position` (a regular file takes it in one write; a short one is continued).
 *  With O_DSYNC, on disk when this resolves. */
function writeAll(fd: number, buf: Buffer, position: number, offset = 0): Promise<void> {
  return new Promise((resolve, reject) => {
    write(fd, buf, offset, buf.length - offset, position + offset, (err, n) => {
      if (err) reject(err);
      else if (offset + n < buf.length) writeAll(fd, buf, position, offset + n).then(resolve, reject);
      else resolve();
    });
  });
}

function parseLine(text: string): JournalLine | undefined {
  if (text === '') return undefined;
  try {
    const l = JSON.parse(text) as Partial<JournalLine> | null;
    if (typeof l !== 'object' || l === null || typeof l.seq !== 'number' || !Array.isArray(l.changes)) return undefined;
    for (const c of l.changes as unknown[]) {
      const x = c as Partial<JournalChange> | null;
      if (typeof x !== 'object' || x === null || typeof x.key !== 'string') return undefined;
      if ((typeof x.put !== 'object' || x.put === null) && x.del !== true) return undefined;
    }
    return l as JournalLine;
  } catch {
    return undefined;
  }
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
