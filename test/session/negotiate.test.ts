// OPEN negotiation: hold time, 4-octet AS, families, and the errors RFC 4271 §6.2 prescribes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { negotiate, buildOpen } from '../../src/session/negotiate.js';
import { BgpError } from '../../src/wire/errors.js';
import { IPV4_UNICAST, IPV6_UNICAST, L2VPN_EVPN } from '../../src/wire/family.js';
import type { SessionConfig } from '../../src/session/types.js';

const config: SessionConfig = {
  peerAddress: '10.0.0.2', peerPort: 179, localAs: 65000, peerAs: 4200000001, routerId: '10.0.0.1',
  passive: false, holdTime: 90, keepaliveInterval: 30, connectRetryTime: 5, families: [IPV4_UNICAST, IPV6_UNICAST],
};

test('the smaller hold time wins and keepalive is a third of it', () => {
  const n = negotiate(config, { version: 4, myAs: 23456, holdTime: 9, bgpId: '10.0.0.2', capabilities: [{ code: 65, asn: 4200000001 }] });
  assert.equal(n.holdTime, 9);
  assert.equal(n.keepaliveInterval, 3);
});

test('a 4-octet peer AS comes from the capability, not from AS_TRANS in My AS', () => {
  const n = negotiate(config, { version: 4, myAs: 23456, holdTime: 90, bgpId: '10.0.0.2', capabilities: [{ code: 65, asn: 4200000001 }] });
  assert.equal(n.peerAs, 4200000001);
  assert.equal(n.as4, true);
  assert.equal(n.ibgp, false);
});

test('a peer AS other than the configured one is Bad Peer AS (2/2)', () => {
  assert.throws(
    () => negotiate(config, { version: 4, myAs: 65002, holdTime: 90, bgpId: '10.0.0.2', capabilities: [] }),
    (e: unknown) => e instanceof BgpError && e.code === 2 && e.subcode === 2,
  );
});

test('an iBGP peer with our router id is Bad BGP Identifier (2/3)', () => {
  const ibgp = { ...config, peerAs: 65000 };
  assert.throws(
    () => negotiate(ibgp, { version: 4, myAs: 65000, holdTime: 90, bgpId: '10.0.0.1', capabilities: [] }),
    (e: unknown) => e instanceof BgpError && e.code === 2 && e.subcode === 3,
  );
});

test('families are the intersection; no multiprotocol capability means IPv4 unicast', () => {
  const both = negotiate(config, {
    version: 4, myAs: 23456, holdTime: 90, bgpId: '10.0.0.2',
    capabilities: [{ code: 65, asn: 4200000001 }, { code: 1, family: IPV6_UNICAST }, { code: 1, family: L2VPN_EVPN }],
  });
  assert.deepEqual([...both.families], [IPV6_UNICAST]);
  const legacy = negotiate(config, { version: 4, myAs: 23456, holdTime: 90, bgpId: '10.0.0.2', capabilities: [{ code: 65, asn: 4200000001 }] });
  assert.deepEqual([...legacy.families], [IPV4_UNICAST]);
});

test('an unset peer AS accepts whatever the peer says (dynamic neighbours)', () => {
  const n = negotiate({ ...config, peerAs: undefined }, { version: 4, myAs: 64999, holdTime: 90, bgpId: '10.0.0.2', capabilities: [] });
  assert.equal(n.peerAs, 64999);
});

test('our OPEN puts AS_TRANS in My AS for a 4-octet ASN and carries the real one in the capability', () => {
  const open = buildOpen({ ...config, localAs: 4200000000 });
  assert.equal(open.myAs, 23456);
  assert.ok(open.capabilities.some((c) => c.code === 65 && 'asn' in c && c.asn === 4200000000));
});

test('graceful restart (RFC 4724 §3): every offered family, R and F only when restarting', () => {
  assert.equal(buildOpen(config).capabilities.some((c) => c.code === 64), false, 'not offered unless configured');
  let restarting = false;
  const gr = { ...config, gracefulRestart: { restartTime: 120, restarting: () => restarting } };
  const first = buildOpen(gr).capabilities.find((c) => c.code === 64);
  assert.deepEqual(first, {
    code: 64, restarting: false, notification: false, restartTime: 120,
    families: [{ family: IPV4_UNICAST, forwardingPreserved: false }, { family: IPV6_UNICAST, forwardingPreserved: false }],
  });
  restarting = true;
  const again = buildOpen(gr).capabilities.find((c) => c.code === 64) as unknown as { restarting: boolean; families: { forwardingPreserved: boolean }[] };
  assert.equal(again.restarting, true);
  assert.ok(again.families.every((f) => f.forwardingPreserved));
});

test("the peer's graceful restart capability: families, and those whose forwarding state it kept", () => {
  const n = negotiate(config, {
    version: 4, myAs: 23456, holdTime: 90, bgpId: '10.0.0.2',
    capabilities: [
      { code: 65, asn: 4200000001 },
      { code: 64, restarting: true, notification: false, restartTime: 90, families: [{ family: IPV4_UNICAST, forwardingPreserved: true }, { family: IPV6_UNICAST, forwardingPreserved: false }] },
    ],
  });
  assert.deepEqual(n.peerGracefulRestart, { restarting: true, restartTime: 90, families: [IPV4_UNICAST, IPV6_UNICAST], forwarding: [IPV4_UNICAST] });
});

test('graceful restart lists only the configured families when there is a list (mp-graceful-restart)', () => {
  const gr = { ...config, gracefulRestart: { restartTime: 90, restarting: () => true, families: [IPV6_UNICAST] } };
  const cap = buildOpen(gr).capabilities.find((c) => c.code === 64) as unknown as { families: unknown[] };
  assert.deepEqual(cap.families, [{ family: IPV6_UNICAST, forwardingPreserved: true }]);
});
