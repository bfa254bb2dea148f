#!/usr/bin/env node
// Runs node's test runner on the compiled test files only (dist/test/**/*.test.js): Node 20's
// `--test DIR` would also run every helper module under a `test/` folder as if it were a test.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? find(join(dir, e.name)) : e.name.endsWith('.test.js') ? [join(dir, e.name)] : [],
  );
}

const roots = process.argv.slice(2).length ? process.argv.slice(2) : ['dist/test'];
const files = roots.flatMap((r) => (r.endsWith('.js') ? [r] : find(r))).sort();
if (files.length === 0) {
  console.error(`run-tests: no *.test.js under ${roots.join(', ')}: was the build run?`);
  process.exit(1);
}
// A test that hangs (a peer that never answers, a wait without a deadline) fails after five
// minutes instead of holding CI until its limit.
const { status } = spawnSync(process.execPath, ['--test', '--test-timeout=300000', ...files], { stdio: 'inherit' });
process.exit(status ?? 1);
