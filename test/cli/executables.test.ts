/**
 * The executables as an operator runs them: bgpiped's flags and config errors, the `bgpipe` CLI
 * and the HTTP API (JSON, /ping, /metrics) against a running daemon on 127.0.0.x.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { speakerToml, testPort, waitUntil } from '../daemon/helpers.js';
import { BLOG_RR } from '../config/fixtures.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const bgpiped = join(root, 'dist/src/cli/bgpiped.js');
const bgpipe = join(root, 'dist/src/cli/bgpipe.js');
const dir = mkdtempSync(join(tmpdir(), 'bgpipe-cli-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

async function runNode(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, args, { timeout: 15_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}


describe('bgpiped command line', { concurrency: false, timeout: 60_000 }, () => {
  it('rejects an invalid config with an error naming the key and a non-zero exit', async () => {
    const bad = file('bad.toml', '[global.config]\nas = 65000\nrouter-id = "10.0.0.1"\n[[neighbors]]\n[neighbors.config]\nneighbor-address = "10.0.0.2"\npeer-as = "x"\n');
    const r = await runNode([bgpiped, '-f', bad]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /neighbors\[0\]\.config\.peer-as/);
  });

  it('checks a config with -d (gobgpd --dry-run) and accepts the seed route reflector config', async () => {
    const r = await runNode([bgpiped, '-f', file('rr.toml', BLOG_RR), '-d']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /is valid/);
  });

  it('reads the bagpipe-bgp INI with --config-file and names the missing key', async () => {
    const r = await runNode([bgpiped, '--config-file', file('bgp.conf', '[BGP]\nmy_as=64512\n'), '-d']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\[BGP\] local_address: required/);
  });

  it('runs, answers the CLI, JSON API, /ping and /metrics, and stops cleanly on SIGTERM', async () => {
    const port = testPort();
    const apiPort = testPort();
    const a = '127.0.0.101';
    const b = '127.0.0.102';
    const common = { port, apiPort };
    const A = spawn(process.execPath, [
      bgpiped,
      '-f',
      file('a.toml', speakerToml({ ...common, asn: 65001, routerId: '10.0.0.101', address: a, neighbors: [{ address: b, asn: 65002 }], statics: ['10.101.0.0/24'] })),
      '--state-dir',
      join(dir, 'state-a'),
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    const B = spawn(process.execPath, [
      bgpiped,
      '-f',
      file('b.toml', speakerToml({ ...common, asn: 65002, routerId: '10.0.0.102', address: b, neighbors: [{ address: a, asn: 65001 }], statics: ['10.102.0.0/24'] })),
      '--state-dir',
      join(dir, 'state-b'),
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(A, B);
    let logA = '';
    A.stderr!.on('data', (d: Buffer) => (logA += d.toString()));
    const api = `http://${a}:${apiPort}`;
    const cli = (...args: string[]) => runNode([bgpipe, '--api', api, ...args]);

    await waitUntil('session established (bgpipe neighbor -j)', async () => {
      const r = await cli('-j', 'neighbor');
      return r.code === 0 && (JSON.parse(r.stdout) as { state: string }[])[0]?.state === 'Established';
    }, 15_000);
    await waitUntil('route learned (bgpipe rib)', async () => (await cli('rib')).stdout.includes('10.102.0.0/24'));

    const text = await cli('neighbor');
    assert.match(text.stdout, /127\.0\.0\.102\s+65002\s+\S+\s+Establ/);
    const rib = await cli('rib', '-a', 'ipv4');
    assert.match(rib.stdout, /\*> 10\.102\.0\.0\/24\s+127\.0\.0\.102\s+65002/);
    const detail = JSON.parse((await cli('-j', 'neighbor', b)).stdout) as { prefixes: { family: string; received: number }[] };
    assert.deepEqual(detail.prefixes.find((p) => p.family === 'ipv4-unicast')?.received, 1);
    const adjOut = await cli('neighbor', b, 'adj-out');
    assert.match(adjOut.stdout, /10\.101\.0\.0\/24/);
    assert.match((await cli('-j', 'global')).stdout, /"as": 65001/);

    const unknown = await cli('rib', '-a', 'nonsense');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /-a: unknown address family/);

    const ping = await fetch(`${api}/ping`);
    assert.match(await ping.text(), /^\d{30,40}$/, 'a 128-bit integer written as exact digits');
    const metrics = await (await fetch(`${api}/metrics`)).text();
    assert.match(metrics, /bgpipe_session_established\{peer="127\.0\.0\.102"\} 1/);
    assert.match(metrics, /bgpipe_prefixes\{peer="127\.0\.0\.102",family="ipv4-unicast",kind="received"\} 1/);
    assert.match(metrics, /bgpipe_messages_total\{peer="127\.0\.0\.102",direction="in",type="update"\} \d+/);
    assert.equal((await fetch(`${api}/no/such/path`)).status, 404);
    assert.equal((await fetch(`${api}/bgpipe/v1/rib?family=bogus`)).status, 400);
    const openapi = (await (await fetch(`${api}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    assert.equal(openapi.openapi, '3.1.0');
    for (const path of ['/attach_localport', '/detach_localport', '/ping', '/bgpipe/v1/rib']) assert.ok(path in openapi.paths, `${path} described`);

    // Logs: one JSON line per session event, with the reason when it goes down.
    const exited = new Promise((resolve) => B.once('exit', resolve));
    B.kill('SIGTERM');
    assert.equal(await exited, 0);
    await waitUntil('A logs the session down with the Cease reason', () => /"msg":"session down"/.test(logA) && /Cease/.test(logA));
    // The looking glass lists the last warnings, newest first, as bagpipe-bgp does.
    const lgLogs = (await (await fetch(`${api}/looking-glass/logs`, { headers: { accept: 'application/json' } })).json()) as { level: string; time: string; name: string; message: string }[];
    const down = lgLogs.find((r) => /session down/.test(r.message));
    assert.ok(down, `session down in /looking-glass/logs: ${JSON.stringify(lgLogs)}`);
    assert.equal(down.level, 'WARNING');
    assert.equal(down.name, `BGP-${b}`);
    assert.match(down.time, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}$/);
    const line = logA.split('\n').find((l) => l.includes('"session established"'));
    assert.ok(line, 'session established is logged');
    assert.equal((JSON.parse(line) as { peer: string }).peer, b);
    const exitedA = new Promise((resolve) => A.once('exit', resolve));
    A.kill('SIGTERM');
    assert.equal(await exitedA, 0);
  });
});
