import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfigFile, parseConfigText } from '../../src/config/load.js';
import { errorOf, MINIMAL } from './fixtures.js';

const neighbor = (body: string) => `${MINIMAL}\n[[neighbors]]\n[neighbors.config]\n  neighbor-address = "192.0.2.2"\n  peer-as = 65001\n${body}`;

test('a bad peer-as names the file, the key path and the value', () => {
  const text = `${MINIMAL}
[[neighbors]]
[neighbors.config]
  neighbor-address = "192.0.2.2"
  peer-as = 65001
[[neighbors]]
[neighbors.config]
  neighbor-address = "192.0.2.3"
  peer-as = "abc"
`;
  assert.equal(errorOf(text), 'bgpiped.toml: neighbors[1].config.peer-as: expected an integer 0..4294967295, got "abc"');
});

test('missing required keys are named', () => {
  assert.equal(errorOf('[global.config]\nas = 1\n'), 'bgpiped.toml: global.config.router-id: required: an IPv4 address');
  assert.match(errorOf('[[neighbors]]\n[neighbors.config]\nneighbor-address="192.0.2.2"\n'), /bgpiped\.toml: global: required|global: expected a table/);
  assert.equal(
    errorOf(`${MINIMAL}\n[[neighbors]]\n[neighbors.config]\npeer-as = 1\n`),
    'bgpiped.toml: neighbors[0].config.neighbor-address: required: an IPv4 or IPv6 address',
  );
});

test('every kind of bad value is reported at its key', () => {
  const cases: Array<[string, RegExp]> = [
    ['[global.config]\nas = 1\nrouter-id = "2001:db8::1"\n', /global\.config\.router-id: expected an IPv4 address, got "2001:db8::1"/],
    ['[global.config]\nas = 0\nrouter-id = "192.0.2.1"\n', /global\.config\.as: expected an integer 1\.\.4294967295, got 0/],
    [`${MINIMAL}[[neighbors]]\n[neighbors.config]\nneighbor-address = "192.0.2.300"\n`, /neighbors\[0\]\.config\.neighbor-address: expected an IPv4 or IPv6 address, got "192\.0\.2\.300"/],
    [neighbor('[neighbors.timers.config]\nhold-time = 2\n'), /neighbors\[0\]\.timers\.config\.hold-time: expected 0 or 3\.\.65535/],
    [neighbor('[neighbors.transport.config]\npassive-mode = "yes"\n'), /neighbors\[0\]\.transport\.config\.passive-mode: expected true or false, got "yes"/],
    [neighbor('[[neighbors.afi-safis]]\n[neighbors.afi-safis.config]\nafi-safi-name = "ipv5-unicast"\n'), /neighbors\[0\]\.afi-safis\[0\]\.config\.afi-safi-name: unknown address family "ipv5-unicast"/],
    [neighbor('[[neighbors.afi-safis]]\nafi-safi-name = "ipv5-unicast"\n'), /neighbors\[0\]\.afi-safis\[0\]\.afi-safi-name: unknown address family/],
    [neighbor('[[neighbors.afi-safis]]\n[neighbors.afi-safis.config]\nenabled = true\n'), /neighbors\[0\]\.afi-safis\[0\]\.config\.afi-safi-name: required/],
    [neighbor('[neighbors.config]\n'), /TOML syntax error: line \d+/],
    [`${MINIMAL}[[neighbors]]\n[neighbors.config]\nneighbor-address = "192.0.2.2"\npeer-group = "nope"\n`, /neighbors\[0\]\.config\.peer-group: no peer-groups entry named "nope"/],
    [`${MINIMAL}[[dynamic-neighbors]]\n[dynamic-neighbors.config]\nprefix = "192.0.2.0/24"\npeer-group = "nope"\n`, /dynamic-neighbors\[0\]\.config\.peer-group: no peer-groups entry named "nope"/],
    [`${MINIMAL}[[dynamic-neighbors]]\n[dynamic-neighbors.config]\nprefix = "192.0.2.0"\npeer-group = "g"\n`, /dynamic-neighbors\[0\]\.config\.prefix: expected a prefix/],
    [`${MINIMAL}[[defined-sets.prefix-sets]]\nprefix-set-name = "p"\n[[defined-sets.prefix-sets.prefix-list]]\nip-prefix = "10.0.0.0/8"\nmasklength-range = "4..16"\n`, /defined-sets\.prefix-sets\[0\]\.prefix-list\[0\]\.masklength-range: expected "min\.\.max" with 8 <= min/],
    [`${MINIMAL}[[defined-sets.bgp-defined-sets.community-sets]]\ncommunity-set-name = "c"\ncommunity-list = ["65000:(("]\n`, /defined-sets\.bgp-defined-sets\.community-sets\[0\]\.community-list\[0\]: expected a community/],
    [`${MINIMAL}[global.apply-policy.config]\nimport-policy-list = ["missing"]\n`, /global\.apply-policy\.config\.import-policy-list\[0\]: no policy-definitions entry named "missing"/],
    [`${MINIMAL}[[policy-definitions]]\nname = "p"\n[[policy-definitions.statements]]\n[policy-definitions.statements.conditions.match-prefix-set]\nprefix-set = "nope"\n`, /policy-definitions\[0\]\.statements\[0\]\.conditions\.match-prefix-set\.prefix-set: no prefix-set named "nope"/],
    [`${MINIMAL}[[policy-definitions]]\nname = "p"\n[[policy-definitions.statements]]\n[policy-definitions.statements.actions]\nroute-disposition = "accept"\n`, /policy-definitions\[0\]\.statements\[0\]\.actions\.route-disposition: expected "accept-route", "reject-route" or "none", got "accept"/],
    [`${MINIMAL}[[policy-definitions]]\nname = "p"\n[[policy-definitions.statements]]\n[policy-definitions.statements.actions.bgp-actions]\nset-med = "x10"\n`, /actions\.bgp-actions\.set-med: expected a MED/],
    [`${MINIMAL}[[policy-definitions]]\nname = "p"\n[[policy-definitions.statements]]\n[policy-definitions.statements.actions.bgp-actions]\nset-next-hop = "me"\n`, /actions\.bgp-actions\.set-next-hop: expected "self", "peer-address" or an address/],
    [`${MINIMAL}[[static-routes]]\nprefix = "10.0.0.0/24"\ncommunities = ["65000:70000"]\n`, /static-routes\[0\]\.communities\[0\]: expected a community/],
    [`${MINIMAL}[api]\nport = 70000\n`, /api\.port: expected an integer -1\.\.65535, got 70000/],
  ];
  for (const [text, re] of cases) assert.match(errorOf(text), re);
});

test('a typo of a known key is an error that suggests the spelling', () => {
  assert.equal(errorOf(neighbor('[neighbors.timers.config]\nhold_time = 9\n')), 'bgpiped.toml: neighbors[0].timers.config.hold_time: unknown key (did you mean "hold-time"?)');
  assert.match(errorOf(`${MINIMAL}[[neighbor]]\n[neighbor.config]\nneighbor-address = "192.0.2.2"\n`), /neighbor: unknown key \(did you mean "neighbors"\?\)/);
});

test('a policy condition bgpipe cannot evaluate refuses to load instead of matching more', () => {
  const text = `${MINIMAL}[[policy-definitions]]\nname = "p"\n[[policy-definitions.statements]]\n[policy-definitions.statements.conditions.bgp-conditions]\nrpki-validation-result = "invalid"\n[policy-definitions.statements.actions]\nroute-disposition = "reject-route"\n`;
  assert.match(errorOf(text), /policy-definitions\[0\]\.statements\[0\]\.conditions\.bgp-conditions\.rpki-validation-result: condition not supported/);
  const unknown = `${MINIMAL}[[policy-definitions]]\nname = "p"\n[[policy-definitions.statements]]\n[policy-definitions.statements.conditions]\nmatch-whatever = 1\n`;
  assert.match(errorOf(unknown), /conditions\.match-whatever: unknown condition/);
});

test('all problems are reported at once, one line each', () => {
  const msg = errorOf('[global.config]\nas = "x"\nrouter-id = "y"\n');
  assert.deepEqual(msg.split('\n').length, 2);
});

test('unknown keys and GoBGP features bgpipe lacks load with warnings naming the key', () => {
  const c = parseConfigText(
    `${MINIMAL}
  [global.zebra]
    enabled = true
[[rpki-servers]]
  [rpki-servers.config]
    address = "192.0.2.99"
[[neighbors]]
  [neighbors.config]
    neighbor-address = "192.0.2.2"
    peer-as = 65001
    remove-private-as = "all"
    shiny-new-knob = 1
`,
    'x.toml',
  );
  assert.deepEqual(
    c.warnings.map((w) => `${w.keyPath}: ${w.message}`),
    [
      'global.zebra: not supported by bgpipe; ignored (bgpipe installs routes in the kernel itself: see [kernel])',
      'rpki-servers: not supported by bgpipe; ignored',
      'neighbors[0].config.remove-private-as: not supported by bgpipe; ignored',
      'neighbors[0].config.shiny-new-knob: unknown key; ignored',
    ],
  );
});

test('loadConfigFile names the file it could not read', () => {
  assert.throws(() => loadConfigFile('/nonexistent/bgpiped.toml'), (e: unknown) => e instanceof ConfigError && /^\/nonexistent\/bgpiped\.toml: cannot read/.test(e.message));
});
