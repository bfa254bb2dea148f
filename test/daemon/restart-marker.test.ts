// The restart marker: graceful restart's "did we stop cleanly?" (RFC 4724 §4.1 R bit).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { markRunning, markStopped } from '../../src/daemon/restart-marker.js';

test('a run that did not stop cleanly is seen at the next start; a clean stop clears it', (t) => {
  const dir = mkdtempSync(join(tmpdir(), `bgpipe-marker-${process.pid}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const state = join(dir, 'state'); // created on first use
  assert.equal(markRunning(state), false, 'first start');
  assert.equal(markRunning(state), true, 'started again without a clean stop (kill -9)');
  markStopped(state);
  assert.equal(existsSync(join(state, 'bgpiped.running')), false);
  assert.equal(markRunning(state), false, 'after a clean stop');
});
