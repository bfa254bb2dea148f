/**
 * `npm run demo` (demo/cni-demo.ts) end to end, as a newcomer runs it: its output shows the ADDs,
 * the ping across hosts, each host's EVPN routes and the withdrawal after DEL; and afterwards —
 * also when interrupted with SIGINT halfway — nothing of it is left: namespaces, links, processes,
 * leases, temp dirs. The demo's names all carry its PID.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../interop/lib/netns.js';

const DEMO = resolve(dirname(fileURLToPath(import.meta.url)), '../../demo/cni-demo.js');

interface DemoRun {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
}

/** Runs the demo; `interruptAt`: send SIGINT once stdout contains this. */
function runDemo(interruptAt?: string): Promise<DemoRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [DEMO], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let sent = false;
    const onData = (b: Buffer) => {
      out += b.toString('utf8');
      if (interruptAt && !sent && out.includes(interruptAt)) {
        sent = true;
        child.kill('SIGINT');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ pid: child.pid!, code, signal, out });
    });
  });
}

/** What the demo of this PID left behind; [] when nothing. */
async function leftovers(pid: number): Promise<string[]> {
  const mine = new RegExp(`^bgpt-demo\\w*-${pid}(-\\d+)?$`);
  const found: string[] = [];
  for (const line of (await run('ip', ['netns', 'list'])).stdout.split('\n')) {
    const ns = line.split(/\s+/)[0] ?? '';
    if (mine.test(ns)) found.push(`namespace ${ns}`);
  }
  // Everything the demo makes is in its namespaces; nothing of its naming in the root namespace.
  for (const l of JSON.parse((await run('ip', ['-json', 'link', 'show'])).stdout) as { ifname: string }[]) {
    if (/^(bgp[0-9a-f]{12}|fab\d|vxlan--bgpipe-demo-|br--bgpipe-demo-)/.test(l.ifname)) found.push(`link ${l.ifname}`);
  }
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue; // gone meanwhile
    }
    if (cmd.includes(`bgpt-demo`) && cmd.includes(`-${pid}`)) found.push(`process ${p}: ${cmd}`);
  }
  if (existsSync(`/var/lib/cni/networks/bgpipe-demo-${pid}`)) found.push('host-local leases');
  for (const d of readdirSync(tmpdir())) if (d.startsWith(`bgpipe-demo-${pid}-`) || new RegExp(`^bgpt-demo\\w*-${pid}-`).test(d)) found.push(`temp dir ${d}`);
  return found;
}

describe('npm run demo: two hosts, containers attached by the CNI plugin, ping, routes, DEL; nothing left behind', { timeout: 200_000 }, () => {
  it('runs to the end and shows the ADDs, the ping across hosts, both hosts\' EVPN routes and the withdrawal', async () => {
    const r = await runDemo();
    assert.equal(r.code, 0, r.out);
    const out = r.out;
    assert.match(out, /CNI ADD: container c1 on h1/);
    assert.match(out, /eth0 10\.1\.2\.\d+\/24 \(MAC [0-9a-f:]{17}\), gateway 10\.1\.2\.1; host side bgp[0-9a-f]{12}, attached to bgpiped/);
    assert.match(out, /3 packets transmitted, 3 received, 0% packet loss/);
    // h1's table: its own container (local) and h2's (next hop 10.99.0.12, via the reflector).
    const h1Routes = out.slice(out.indexOf('==> h1: EVPN routes'), out.indexOf('==> h2: EVPN routes'));
    assert.match(h1Routes, /\[type:macadv\]\[rd:10\.99\.0\.11:0\].*10\.99\.0\.11\s+local/);
    assert.match(h1Routes, /\[type:macadv\]\[rd:10\.99\.0\.12:0\].*10\.99\.0\.12\s+10\.99\.0\.1\s/);
    assert.match(out, /10\.99\.0\.1\s+64512\s+\S+\s+Establ/);
    const afterDel = out.slice(out.indexOf('==> CNI DEL'));
    assert.doesNotMatch(afterDel, /rd:10\.99\.0\.12:0\]\[etag:0\]\[mac/);
    assert.match(afterDel, /no answer \(as expected\)/);
    assert.match(out, /removed\.\n$/);
    assert.deepEqual(await leftovers(r.pid), []);
  });

  it('Ctrl-C halfway (SIGINT during the ping) tears everything down and exits 130', async () => {
    const r = await runDemo('==> Ping from');
    assert.equal(r.code, 130, r.out);
    assert.deepEqual(await leftovers(r.pid), []);
  });
});
