/**
 * The legacy remote-plugin server on a real unix socket, driven by an HTTP
 * client the way dockerd talks to it (POST, no Content-Type, empty bodies).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { spawn } from 'node:child_process';
import { lstatSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PluginServer, PluginError, PLUGIN_CONTENT_TYPE, parseBody } from '../../src/docker/plugin-server.js';

interface Reply {
  status: number;
  type: string | undefined;
  body: string;
}

function post(socketPath: string, path: string, body = '', method = 'POST'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath, path, method, headers: { Accept: 'application/vnd.docker.plugins.v1.2+json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), `bgpt-plugsrv-${process.pid}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('Plugin.Activate answers the implemented interfaces with the plugin content type', async (t) => {
  const sock = join(tempDir(t), 'p.sock');
  const srv = new PluginServer({ socketPath: sock, implements: ['NetworkDriver', 'IpamDriver'] });
  await srv.listen();
  t.after(() => srv.close());
  const r = await post(sock, '/Plugin.Activate');
  assert.equal(r.status, 200);
  assert.equal(r.type, PLUGIN_CONTENT_TYPE);
  assert.deepEqual(JSON.parse(r.body), { Implements: ['NetworkDriver', 'IpamDriver'] });
});

test('calls are routed to their handler with the decoded body; an empty body is {}', async (t) => {
  const sock = join(tempDir(t), 'p.sock');
  const seen: Array<[string, unknown]> = [];
  const srv = new PluginServer({ socketPath: sock, implements: ['NetworkDriver'] }).handleAll({
    'NetworkDriver.GetCapabilities': (b, call) => {
      seen.push([call, b]);
      return { Scope: 'local', ConnectivityScope: '' };
    },
    'NetworkDriver.Join': async (b) => {
      seen.push(['NetworkDriver.Join', b]);
      return { InterfaceName: { SrcName: 'veth1', DstPrefix: 'eth' } };
    },
  });
  await srv.listen();
  t.after(() => srv.close());
  const caps = await post(sock, '/NetworkDriver.GetCapabilities');
  assert.deepEqual(JSON.parse(caps.body), { Scope: 'local', ConnectivityScope: '' });
  const join1 = await post(sock, '/NetworkDriver.Join', '{"NetworkID":"n","EndpointID":"e"}\n');
  assert.equal(join1.status, 200);
  assert.deepEqual(JSON.parse(join1.body), { InterfaceName: { SrcName: 'veth1', DstPrefix: 'eth' } });
  assert.deepEqual(seen, [
    ['NetworkDriver.GetCapabilities', {}],
    ['NetworkDriver.Join', { NetworkID: 'n', EndpointID: 'e' }],
  ]);
  assert.deepEqual(srv.calls, ['NetworkDriver.GetCapabilities', 'NetworkDriver.Join', 'Plugin.Activate']);
});

test('a handler error is {"Err": message} with status 500, or the PluginError status', async (t) => {
  const sock = join(tempDir(t), 'p.sock');
  const srv = new PluginServer({ socketPath: sock, implements: ['IpamDriver'] })
    .handle('IpamDriver.RequestPool', () => {
      throw new PluginError('only subnet mask /32 is supported');
    })
    .handle('NetworkDriver.Leave', () => {
      throw new PluginError('gone', 404);
    })
    .handle('NetworkDriver.Join', () => Promise.reject(new Error('plain error')));
  await srv.listen();
  t.after(() => srv.close());
  const r1 = await post(sock, '/IpamDriver.RequestPool', '{"Pool":"10.0.0.0/24"}\n');
  assert.equal(r1.status, 500);
  assert.deepEqual(JSON.parse(r1.body), { Err: 'only subnet mask /32 is supported' });
  const r2 = await post(sock, '/NetworkDriver.Leave', '{}');
  assert.equal(r2.status, 404);
  assert.deepEqual(JSON.parse(r2.body), { Err: 'gone' });
  const r3 = await post(sock, '/NetworkDriver.Join', '{}');
  assert.equal(r3.status, 500);
  assert.deepEqual(JSON.parse(r3.body), { Err: 'plain error' });
});

test('undecodable body → 400 plain text; unknown call → 404; GET → 405', async (t) => {
  const sock = join(tempDir(t), 'p.sock');
  let called = false;
  const srv = new PluginServer({ socketPath: sock, implements: [] }).handle('NetworkDriver.Join', () => {
    called = true;
    return {};
  });
  await srv.listen();
  t.after(() => srv.close());
  const bad = await post(sock, '/NetworkDriver.Join', '{not json');
  assert.equal(bad.status, 400);
  assert.match(bad.body, /invalid JSON request body/);
  const arr = await post(sock, '/NetworkDriver.Join', '[1,2]');
  assert.equal(arr.status, 400);
  assert.match(arr.body, /not a JSON object/);
  assert.equal(called, false);
  const unknown = await post(sock, '/NetworkDriver.Frobnicate', '{}');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body, '404 page not found\n');
  const get = await post(sock, '/NetworkDriver.Join', '', 'GET');
  assert.equal(get.status, 405);
});

test('socket mode 0660, parent dir created, socket removed on close', async (t) => {
  const sock = join(tempDir(t), 'plugins', 'deep', 'p.sock');
  const srv = new PluginServer({ socketPath: sock, implements: [] });
  await srv.listen();
  const st = lstatSync(sock);
  assert.ok(st.isSocket());
  assert.equal(st.mode & 0o777, 0o660);
  await srv.close();
  assert.equal(existsSync(sock), false);
  await srv.close(); // idempotent
});

test('a stale socket is replaced; a live one or a regular file is refused', async (t) => {
  const dir = tempDir(t);
  // Stale: the socket of a plugin that was SIGKILLed (the file stays, nobody listens).
  const stale = join(dir, 'stale.sock');
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(stale)}, () => console.log('up'))`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((r) => child.stdout.once('data', () => r()));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.ok(lstatSync(stale).isSocket());
  const s1 = new PluginServer({ socketPath: stale, implements: ['NetworkDriver'] });
  await s1.listen();
  t.after(() => s1.close());
  assert.equal((await post(stale, '/Plugin.Activate')).status, 200);

  // Live: s1 is listening there.
  const s2 = new PluginServer({ socketPath: stale, implements: [] });
  await assert.rejects(s2.listen(), /another plugin is already listening/);

  const file = join(dir, 'file.sock');
  writeFileSync(file, 'x');
  await assert.rejects(new PluginServer({ socketPath: file, implements: [] }).listen(), /is not a socket/);
});

test('parseBody: Docker sends a JSON object and a newline, or nothing', () => {
  assert.deepEqual(parseBody(''), {});
  assert.deepEqual(parseBody('\n'), {});
  assert.deepEqual(parseBody('{"PoolID":"p"}\n'), { PoolID: 'p' });
  assert.throws(() => parseBody('null'), /not a JSON object/);
});

test('handler names must be <Interface>.<Method>', () => {
  assert.throws(() => new PluginServer({ socketPath: '/x', implements: [] }).handle('/Join', () => ({})), /not <Interface>.<Method>/);
});
