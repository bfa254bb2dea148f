/** bgpipe extension `[kernel]` (docs/CONFIG.md): defaults, values, and errors that name the key. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/config/load.js';
import { errorOf, MINIMAL } from './fixtures.js';


test('[kernel] is off by default, with the main table, proto bgp (186), metric 20, reconcile every 60 s, stale time 120 s', () => {
  const c = parseConfigText(MINIMAL, 'x.toml');
  assert.deepEqual(c.kernel, { enabled: false, table: 254, protocol: 186, metric: 20, reconcileInterval: 60, staleTime: 120 });
});

test('[kernel] values are taken as written; protocol "bgp" is 186', () => {
  const c = parseConfigText(`${MINIMAL}\n[kernel]\nenabled = true\ntable = 100\nprotocol = "bgp"\nmetric = 7\nreconcile-interval = 0\nstale-time = 5\n`, 'x.toml');
  assert.deepEqual(c.kernel, { enabled: true, table: 100, protocol: 186, metric: 7, reconcileInterval: 0, staleTime: 5 });
  assert.equal(parseConfigText(`${MINIMAL}\n[kernel]\nprotocol = 200\n`, 'x.toml').kernel.protocol, 200);
});

test('bad [kernel] values are errors naming the key', () => {
  const cases: Array<[string, RegExp]> = [
    ['enabled = "yes"', /bgpiped\.toml: kernel\.enabled: expected true or false, got "yes"/],
    ['table = 255', /kernel\.table: expected a routing table id 1\.\.4294967295 other than 255 \(local\), got 255/],
    ['table = 0', /kernel\.table: expected a routing table id/],
    ['table = "main"', /kernel\.table: expected a routing table id .*, got "main"/],
    ['protocol = 4', /kernel\.protocol: expected "bgp" or an integer 5\.\.255 .*, got 4/],
    ['protocol = "zebra"', /kernel\.protocol: expected "bgp" or an integer 5\.\.255/],
    ['metric = -1', /kernel\.metric: expected an integer 0\.\.4294967295, got -1/],
    ['reconcile-interval = "60s"', /kernel\.reconcile-interval: expected a number of seconds/],
    ['stale-time = -5', /kernel\.stale-time: expected a number of seconds/],
    ['reconcile_interval = 5', /kernel\.reconcile_interval: unknown key \(did you mean "reconcile-interval"\?\)/],
  ];
  for (const [line, re] of cases) assert.match(errorOf(`${MINIMAL}\n[kernel]\n${line}\n`), re, line);
});

test('GoBGP [zebra] loads with a warning that points at [kernel]', () => {
  const c = parseConfigText(`${MINIMAL}\n[zebra.config]\nenabled = true\n`, 'x.toml');
  assert.deepEqual(
    c.warnings.map((w) => `${w.keyPath}: ${w.message}`),
    ['zebra: not supported by bgpipe; ignored (bgpipe installs routes in the kernel itself: see [kernel])'],
  );
});
