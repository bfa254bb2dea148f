/**
 * Nothing acknowledged is lost across a crash (issue 5): attachments that got their 200 are on
 * disk before the answer, so bgpiped killed with SIGKILL while requests are still in flight comes
 * back with every acknowledged one (and /ping changed, which tells the agent to re-send the rest).
 * Real processes on 127.0.0.x; the API is bagpipe-bgp's.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { testPort, waitUntil } from '../daemon/helpers.js';
import { post, request } from './http-client.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bgpiped = join(root, 'dist/src/cli/bgpiped.js');
const dir = mkdtempSync(join(tmpdir(), 'bgpipe-crash-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

const HOST = '127.0.0.93';

function attachBody(i: number) {
  return {
    vpn_type: 'evpn',
    vpn_instance_id: `net-${i % 3}`,
    mac_address: `52:54:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
    ip_address: `10.93.${i >> 8}.${i & 255}/16`,
    local_port: { linuxif: `tap-${i}` },
    import_rt: [`64512:${100 + (i % 3)}`],
    export_rt: [`64512:${100 + (i % 3)}`],
  };
}

async function start(apiPort: number): Promise<{ proc: ChildProcess; ping: string }> {
  const proc = spawn(process.execPath, [bgpiped, '--config-file', join(dir, 'bgp.conf'), '--state-dir', join(dir, 'state'), '-l', 'warn'], {
    stdio: 'ignore',
  });
  children.push(proc);
  let ping = '';
  await waitUntil('API up', async () => {
    const r = await request(apiPort, 'GET', '/ping', undefined, {}, HOST).catch(() => ({ status: 0, text: '' }));
    ping = r.text;
    return r.status === 200;
  });
  return { proc, ping };
}

async function portsOf(apiPort: number, instance: string): Promise<string[]> {
  const r = await request(apiPort, 'GET', `/looking-glass/vpns/instances/${instance}/ports`, undefined, { accept: 'application/json' }, HOST);
  return r.status === 200 ? Object.keys(JSON.parse(r.text) as Record<string, unknown>) : [];
}

describe('crash safety of attachments', { timeout: 60_000 }, () => {
  it('keeps every attachment that got its 200 when bgpiped is killed with SIGKILL mid-stream', async () => {
    const apiPort = testPort();
    writeFileSync(join(dir, 'bgp.conf'), `[BGP]\nlocal_address=${HOST}\nmy_as=64512\nbgp_port=${testPort()}\n[API]\nhost=${HOST}\nport=${apiPort}\n`);
    const first = await start(apiPort);

    // Requests keep coming; the kill lands while some are in flight.
    const acknowledged: number[] = [];
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < 120; i++) {
      inFlight.push(
        post(apiPort, '/attach_localport', attachBody(i), HOST).then(
          (r) => {
            if (r.status === 200) acknowledged.push(i);
          },
          () => undefined,
        ),
      );
      if (i === 60) {
        await waitUntil('some acknowledged', () => acknowledged.length >= 20);
        first.proc.kill('SIGKILL');
      }
    }
    await Promise.all(inFlight);
    await new Promise((resolve) => first.proc.exitCode !== null || first.proc.signalCode !== null ? resolve(null) : first.proc.once('exit', resolve));
    assert.ok(acknowledged.length >= 20, `${acknowledged.length} acknowledged before the kill`);

    const second = await start(apiPort);
    assert.notEqual(second.ping, first.ping, '/ping changes at restart');
    const restored = new Set<string>();
    for (const instance of ['net-0', 'net-1', 'net-2']) for (const port of await portsOf(apiPort, instance)) restored.add(port);
    const lost = acknowledged.filter((i) => !restored.has(`tap-${i}`));
    assert.deepEqual(lost, [], `acknowledged attachments lost across SIGKILL (restored ${restored.size})`);
    second.proc.kill('SIGTERM');
  });
});
