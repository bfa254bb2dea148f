/**
 * The Engine client's event stream logic over a scripted engine on a unix socket (the real
 * dockerd is in dockerd.test.ts): reconnect with `since` = the last event, no event delivered
 * twice when Docker replays the instant `since` names, onConnect on every connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineClient, nanosToSince, type EngineEvent } from '../../src/docker/engine-client.js';
import { waitFor } from '../interop/lib/wait.js';

const ev = (id: string, action: string, nano: bigint): string =>
  `${JSON.stringify({ Type: 'container', Action: action, Actor: { ID: id, Attributes: {} }, time: Number(nano / 1_000_000_000n) }).slice(0, -1)},"timeNano":${nano}}\n`;

test('nanosToSince keeps every digit of timeNano', () => {
  assert.equal(nanosToSince('1763930000123456789'), '1763930000.123456789');
  assert.equal(nanosToSince('1763930000000000001'), '1763930000.000000001');
});

test('events: reconnect with since, replayed instant not delivered twice, onConnect each time', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), `bgpt-engine-${process.pid}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sock = join(dir, 'engine.sock');
  const requests: string[] = [];
  const t1 = 1763930000000000001n;
  const t2 = 1763930000500000000n;
  let conn = 0;
  const server = createServer((req, res: ServerResponse) => {
    requests.push(req.url ?? '');
    res.writeHead(200, { 'Content-Type': 'application/json' });
    conn++;
    if (conn === 1) {
      // Two events at one instant, then the stream breaks.
      res.write(ev('a', 'start', t1));
      res.write(ev('b', 'start', t1));
      setTimeout(() => res.destroy(), 50);
    } else {
      // Docker's since is inclusive: the instant is replayed, then a new event.
      res.write(ev('a', 'start', t1));
      res.write(ev('b', 'start', t1));
      res.write(ev('a', 'kill', t2));
    }
  });
  await new Promise<void>((r) => server.listen(sock, r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const got: EngineEvent[] = [];
  let connects = 0;
  const w = new EngineClient({ socketPath: sock }).watchEvents((e) => got.push(e), {
    filters: { type: ['container'] },
    onConnect: () => connects++,
    backoffMs: 20,
  });
  t.after(() => w.close());
  await waitFor(() => got.length, { what: 'three distinct events', until: (n) => n >= 3 });
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(got.map((e) => `${e.Actor.ID}:${e.Action}`), ['a:start', 'b:start', 'a:kill']);
  assert.equal(connects, 2);
  assert.match(requests[0]!, /^\/events\?filters=/);
  assert.ok(!requests[0]!.includes('since'));
  assert.match(decodeURIComponent(requests[1]!), /since=1763930000\.000000001/);
});
