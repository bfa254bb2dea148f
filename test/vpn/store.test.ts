/**
 * The attachment store (src/vpn/store.ts) on a real file system: what a commit resolves for is
 * on disk (a second store reading the directory sees it), the journal survives a torn last line,
 * is folded into the snapshot once it outgrows the set, and a failed write is made good by the
 * next one. Crash safety with a real SIGKILL is test/api/crash-safety.test.ts.
 */
import assert from 'node:assert/strict';
import { closeSync, constants, mkdirSync, openSync, writeSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { storedRecordKey, type AttachmentRecord } from '../../src/vpn/records.js';
import { AttachmentStore, type RecordChange } from '../../src/vpn/store.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), `bgpipe-store-${process.pid}-`));
  dirs.push(d);
  return d;
}

function record(i: number, instance = 'net-a'): AttachmentRecord {
  return {
    vpn_type: 'evpn',
    vpn_instance_id: instance,
    mac_address: `52:54:00:00:00:${i.toString(16).padStart(2, '0')}`,
    ip_address: `10.0.0.${i}/24`,
    import_rt: ['64512:10'],
    export_rt: ['64512:10'],
    instance_description: null,
  };
}

const put = (r: AttachmentRecord): RecordChange => ({ key: storedRecordKey(r), record: r });
const del = (r: AttachmentRecord): RecordChange => ({ key: storedRecordKey(r), record: undefined });
const macs = (rs: readonly AttachmentRecord[]) => rs.map((r) => r.mac_address);
const reload = (dir: string) => new AttachmentStore(dir).load();
/** The journal's lines: what comes before the zeros laid down ahead of them. */
const used = (journal: string) => readFileSync(journal, 'latin1').replace(/\0+$/, '');
/** Bytes where the store would have written its next line (the first of the trailing zeros). */
function writeAtEnd(journal: string, text: string): void {
  const fd = openSync(journal, 'r+');
  try {
    writeSync(fd, text, used(journal).length);
  } finally {
    closeSync(fd);
  }
}

describe('attachment store', () => {
  it('has every change on disk once its commit resolved, commits resolving in order', async () => {
    const dir = freshDir();
    const store = new AttachmentStore(dir);
    assert.deepEqual(store.load(), []);
    // Many commits at once, as concurrent API requests make them: they share writes.
    const resolved: number[] = [];
    const commits = [];
    for (let i = 1; i <= 40; i++) {
      commits.push(
        store.commit([put(record(i))]).then(() => {
          resolved.push(i);
          assert.ok(macs(reload(dir)).includes(record(i).mac_address), `attachment ${i} on disk when its commit resolved`);
        }),
      );
    }
    await Promise.all(commits);
    assert.deepEqual(resolved, [...Array(40).keys()].map((i) => i + 1));
    await store.commit([del(record(3)), put({ ...record(5), import_rt: ['64512:99'] })]);
    const back = reload(dir);
    assert.equal(back.length, 39);
    assert.ok(!macs(back).includes(record(3).mac_address));
    assert.deepEqual(back.find((r) => r.mac_address === record(5).mac_address)!.import_rt, ['64512:99']);
    assert.deepEqual(macs(back), macs(store.load()), 'same order as made');
    await store.close();
  });

  it('writes the journal through an O_DSYNC descriptor: a write resolves once it is on disk', async () => {
    const dir = freshDir();
    const store = new AttachmentStore(dir);
    store.load();
    await store.commit([put(record(1))]); // the snapshot
    await store.commit([put(record(2))]); // the journal, opened now
    const journal = join(dir, 'attachments.journal');
    // The descriptor the store holds, found by what it points at; its open flags in fdinfo.
    const fd = readdirSync('/proc/self/fd').find((f) => {
      try {
        return readlinkSync(`/proc/self/fd/${f}`) === journal;
      } catch {
        return false;
      }
    });
    assert.ok(fd !== undefined, 'the store keeps the journal open');
    const flags = parseInt(/^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!, 8);
    // A page-cache write resolving the commit would survive kill -9 but not a power cut.
    assert.equal(flags & constants.O_DSYNC, constants.O_DSYNC, `journal flags 0${flags.toString(8)} lack O_DSYNC`);
    await store.close();
  });

  it('writes the journal over zeros laid down in advance, which load() reads past', async () => {
    const dir = freshDir();
    const store = new AttachmentStore(dir);
    store.load();
    await store.commit([put(record(1))]);
    const journal = join(dir, 'attachments.journal');
    const size = statSync(journal).size;
    assert.ok(size >= 1 << 20, `journal preallocated (${size} octets)`);
    for (let i = 2; i <= 5; i++) await store.commit([put(record(i))]);
    assert.equal(statSync(journal).size, size, 'lines written over the zeros, the file size unchanged');
    assert.equal(used(journal).split('\n').length, 5, 'four lines, then zeros');
    await store.close();
    assert.deepEqual(macs(reload(dir)), macs([1, 2, 3, 4, 5].map((i) => record(i))));
  });

  it('ignores a torn last journal line and refuses a bad line followed by good ones', async () => {
    const dir = freshDir();
    const store = new AttachmentStore(dir);
    store.load();
    await store.commit([put(record(1))]); // the first write is a snapshot
    await store.commit([put(record(2))]); // then the journal
    await store.close();
    const journal = join(dir, 'attachments.journal');
    assert.match(readFileSync(journal, 'utf8'), /^\{"seq":2,/);
    // kill -9 in the middle of a write: part of a line, never acknowledged.
    writeAtEnd(journal, '{"seq":3,"changes":[{"key":"[\\"net-a\\",');
    assert.deepEqual(macs(reload(dir)), macs([record(1), record(2)]));
    // The store starts over from a snapshot, so the torn bytes never precede a good line.
    const again = new AttachmentStore(dir);
    again.load();
    await again.commit([put(record(4))]);
    await again.commit([put(record(5))]);
    await again.close();
    assert.deepEqual(macs(reload(dir)), macs([1, 2, 4, 5].map((i) => record(i))));

    writeFileSync(journal, `{"seq":10,"changes":[{"key":"x","del":true}]}\nnot json\n{"seq":11,"changes":[{"key":"y","del":true}]}\n`);
    assert.throws(() => reload(dir), /attachments\.journal:2: not a bgpipe journal line/);
  });

  it('ignores a last write cut short by a power cut (zeros where its pages never reached the disk)', async () => {
    const dir = freshDir();
    const store = new AttachmentStore(dir);
    store.load();
    await store.commit([put(record(1))]);
    await store.commit([put(record(2))]);
    await store.close();
    const journal = join(dir, 'attachments.journal');
    // Several changes in one write are one line: a hole in the middle of it spoils only that line.
    const line = JSON.stringify({ seq: 9, changes: [3, 4, 5].map((i) => ({ key: storedRecordKey(record(i)), put: record(i) })) });
    writeAtEnd(journal, line.slice(0, 40) + '\0'.repeat(60) + line.slice(100) + '\n');
    assert.deepEqual(macs(reload(dir)), macs([record(1), record(2)]));
  });

  it('does not replay journal lines the snapshot already holds', () => {
    const dir = freshDir();
    const [a, b, c] = [record(1), record(2), record(3)];
    writeFileSync(join(dir, 'attachments.json'), JSON.stringify({ version: 1, seq: 5, attachments: [a, b] }));
    // seq 4 (a removed) was folded into the snapshot before a was attached again at seq 5;
    // replaying it would lose a.
    const lines = [
      { seq: 4, changes: [{ key: storedRecordKey(a), del: true }] },
      { seq: 6, changes: [{ key: storedRecordKey(c), put: c }] },
    ];
    writeFileSync(join(dir, 'attachments.journal'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    assert.deepEqual(macs(reload(dir)), macs([a, b, c]));
  });

  it('folds the journal into the snapshot once it outgrows the set', async () => {
    const dir = freshDir();
    const store = new AttachmentStore(dir, 16);
    store.load();
    const journal = join(dir, 'attachments.journal');
    let longest = 0;
    for (let i = 0; i < 22; i++) {
      await store.commit([i % 2 === 0 ? put(record(7)) : del(record(7))]);
      longest = Math.max(longest, used(journal).length);
    }
    await store.commit([put(record(8))]);
    await store.close();
    assert.ok(longest > 0 && used(journal).length < longest / 2, `journal emptied at some point (now ${used(journal).length} octets of lines, up to ${longest})`);
    const snapshot = JSON.parse(readFileSync(join(dir, 'attachments.json'), 'utf8')) as { seq: number };
    assert.ok(snapshot.seq > 16, `snapshot seq ${snapshot.seq}`);
    assert.deepEqual(macs(reload(dir)), macs([record(8)]));
  });

  it('rejects the commits of a failed write, and the next write holds them with the rest', async () => {
    const dir = freshDir();
    const store = new AttachmentStore(dir);
    store.load();
    // The journal's name taken by a directory: the write after the snapshot cannot open it.
    mkdirSync(join(dir, 'attachments.journal'));
    await assert.rejects(store.commit([put(record(1))]), /EISDIR/);
    rmdirSync(join(dir, 'attachments.journal'));
    await store.commit([put(record(2))]);
    await store.close();
    assert.deepEqual(macs(reload(dir)), macs([record(1), record(2)]));
  });

  it('writes a replacement of the whole set made while a snapshot is being written', async () => {
    const dir = freshDir();
    const store = new AttachmentStore(dir);
    store.load();
    // The first write after load is a snapshot: the replacement arrives while it is on its way.
    const inFlight = store.commit([put(record(1)), put(record(2))]);
    const replaced = store.replace([record(3)]);
    await Promise.all([inFlight, replaced]);
    await store.close();
    assert.deepEqual(macs(reload(dir)), macs([record(3)]));
  });

  it('refuses a snapshot that is not a bgpipe attachments file', () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'attachments.json'), JSON.stringify({ version: 7, attachments: [] }));
    assert.throws(() => reload(dir), /attachments\.json: not a bgpipe attachments file \(version 1\)/);
  });

  it('belongs to one bgpiped: a live bgpiped holding the directory is named, a dead or reused pid is taken over', async () => {
    const dir = freshDir();
    // A process whose command line names bgpiped, as a running daemon's does.
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'bgpiped'], { stdio: 'ignore' });
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, 'bgpiped.pid'), `${holder.pid}\n`);
      assert.throws(() => reload(dir), new RegExp(`state directory .* is in use by bgpiped pid ${holder.pid}`));
      // A pid now used by something else is not a bgpiped holding the directory.
      writeFileSync(join(dir, 'bgpiped.pid'), `${other.pid}\n`);
      const store = new AttachmentStore(dir);
      store.load();
      assert.equal(readFileSync(join(dir, 'bgpiped.pid'), 'utf8'), `${process.pid}\n`);
      await store.close();
      assert.equal(existsSync(join(dir, 'bgpiped.pid')), false, 'the lock is given up at close');
      // The holder killed with -9 leaves its file: the next start takes it over.
      writeFileSync(join(dir, 'bgpiped.pid'), `${holder.pid}\n`);
      holder.kill('SIGKILL');
      await once(holder, 'exit');
      assert.deepEqual(reload(dir), []);
    } finally {
      holder.kill('SIGKILL');
      other.kill('SIGKILL');
    }
  });
});
