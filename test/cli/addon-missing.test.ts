/**
 * bgpiped from a copy of the build without the native addon (as after an install where node-gyp
 * could not run): a password or ttl-security is refused with an error naming each key, never run
 * without; a config with neither still loads, with a warning that the eBGP TTL stays the kernel's.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bgpipe-noaddon-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** dist/src, package.json and node_modules, but no build/Release/sockopt.node. */
function installWithoutAddon(): string {
  cpSync(join(root, 'dist', 'src'), join(dir, 'dist', 'src'), { recursive: true });
  cpSync(join(root, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return join(dir, 'dist', 'src', 'cli', 'bgpiped.js');
}

async function check(bgpiped: string, toml: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const path = join(dir, `c${Math.random().toString(36).slice(2)}.toml`);
  writeFileSync(path, toml);
  try {
    const { stdout, stderr } = await run(process.execPath, [bgpiped, '-f', path, '-d'], { timeout: 15_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const GLOBAL = '[global.config]\n  as = 65001\n  router-id = "192.0.2.1"\n';

describe('bgpiped without the native addon', () => {
  const bgpiped = installWithoutAddon();

  it('refuses auth-password and ttl-security, naming each key', async () => {
    const r = await check(
      bgpiped,
      `${GLOBAL}
[[neighbors]]
  [neighbors.config]
    neighbor-address = "192.0.2.2"
    peer-as = 65002
    auth-password = "s3cret"
[[neighbors]]
  [neighbors.config]
    neighbor-address = "192.0.2.3"
    peer-as = 65003
  [neighbors.ttl-security.config]
    enabled = true
[[peer-groups]]
  [peer-groups.config]
    peer-group-name = "racks"
    auth-password = "rack"
[[dynamic-neighbors]]
  [dynamic-neighbors.config]
    prefix = "198.51.100.0/24"
    peer-group = "racks"
`,
    );
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /neighbors\[0\]\.config\.auth-password: TCP MD5 \(RFC 2385\) cannot be enforced: the native addon .*sockopt\.node did not load/);
    assert.match(r.stderr, /neighbors\[1\]\.ttl-security\.config\.enabled: GTSM \(RFC 5082\) cannot be enforced/);
    assert.match(r.stderr, /peer-groups\[0\]\.config\.auth-password: TCP MD5 \(RFC 2385\) cannot be enforced/);
  });

  it('loads a config without them, warning that the eBGP TTL stays the kernel default', async () => {
    const r = await check(bgpiped, `${GLOBAL}\n[[neighbors]]\n  [neighbors.config]\n    neighbor-address = "192.0.2.2"\n    peer-as = 65002\n`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: eBGP sessions keep the kernel's default TTL/);
  });
});
