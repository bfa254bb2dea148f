/**
 * What bgpiped sends on a live session, read byte for byte by raw speakers on 127.0.0.x:
 * End-of-RIB after the initial table, unknown optional transitive attributes passed on with the
 * Partial bit (RFC 4271 §5, §9.1.4) and non-transitive ones dropped, and import policy from the
 * GoBGP-style config applied to what a neighbour sends.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Daemon } from '../../src/daemon/daemon.js';
import { decodeUpdate } from '../../src/wire/update.js';
import { encodeKeepalive } from '../../src/wire/keepalive.js';
import { encodeUpdates } from '../../src/wire/update.js';
import { IPV4_UNICAST } from '../../src/wire/family.js';
import { parsePrefix } from '../../src/wire/nlri/prefix.js';
import type { PathAttributes } from '../../src/wire/attributes/types.js';
import { RawSpeaker, speakerToml, startDaemon, testPort, waitUntil } from './helpers.js';

const cleanup: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

const ctx = { as4: true, extendedMessage: false, ibgp: false };

function update(prefix: string, attributes: Partial<PathAttributes>): Buffer {
  const [message] = encodeUpdates(
    {
      family: IPV4_UNICAST,
      attributes: { origin: 0, asPath: [{ type: 2, asns: [65010] }], nextHop: '192.0.2.10', ...attributes },
      nlri: [parsePrefix(IPV4_UNICAST, prefix)],
    },
    ctx,
  );
  return message!;
}

async function hub(port: number, extraNeighbor = '', extra = ''): Promise<Daemon> {
  const d = await startDaemon(
    speakerToml({
      asn: 65000,
      routerId: '10.0.0.111',
      address: '127.0.0.111',
      port,
      neighbors: [
        { address: '127.0.0.112', asn: 65010, passive: true, extra: extraNeighbor },
        { address: '127.0.0.113', asn: 65011, passive: true },
      ],
      statics: ['10.111.0.0/24'],
      extra,
    }),
  );
  cleanup.push(() => d.stop());
  return d;
}

async function connect(port: number, last: number, asn: number): Promise<RawSpeaker> {
  const s = await RawSpeaker.connect({ host: '127.0.0.111', port, localAddress: `127.0.0.${last}`, asn, routerId: `10.0.0.${last}` });
  cleanup.push(() => s.close());
  return s;
}

describe('what bgpiped sends', { concurrency: false, timeout: 30_000 }, () => {
  it('sends its table then End-of-RIB (RFC 4724 §2) after the session comes up', async () => {
    const port = testPort();
    await hub(port);
    const peer = await connect(port, 112, 65010);
    await waitUntil('End-of-RIB', () => peer.updates.some((u) => decodeUpdate(u, ctx).endOfRib === IPV4_UNICAST));
    const decoded = peer.updates.map((u) => decodeUpdate(u, ctx));
    const eor = decoded.findIndex((u) => u.endOfRib === IPV4_UNICAST);
    const table = decoded.findIndex((u) => u.announced.some((a) => a.nlri.length > 0));
    assert.ok(table >= 0 && table < eor, 'the static route comes before End-of-RIB');
    assert.equal(decoded[table]!.announced[0]!.attributes.nextHop, '127.0.0.111', 'next hop self towards eBGP');
  });

  it('passes unknown optional transitive attributes on with the Partial bit and drops non-transitive ones', async () => {
    const port = testPort();
    await hub(port);
    const from = await connect(port, 112, 65010);
    const to = await connect(port, 113, 65011);
    from.send(
      update('10.112.0.0/24', {
        unknown: [
          { flags: 0xc0, code: 99, value: Buffer.from([0xbe, 0xef]) },
          { flags: 0x80, code: 98, value: Buffer.from([0x01]) },
        ],
      }),
    );
    await waitUntil('route relayed', () => to.updates.some((u) => decodeUpdate(u, ctx).announced.some((a) => a.nlri.length > 0 && a.attributes.unknown)));
    const relayed = to.updates.map((u) => decodeUpdate(u, ctx)).find((u) => u.announced.some((a) => a.attributes.unknown))!;
    const unknown = relayed.announced[0]!.attributes.unknown!;
    assert.deepEqual(unknown.map((a) => a.code), [99]);
    assert.equal(unknown[0]!.flags & 0xe0, 0xe0, 'optional, transitive, partial');
    assert.deepEqual([...unknown[0]!.value], [0xbe, 0xef]);
  });

  it('applies the import policy of the config: rejects a prefix list, sets LOCAL_PREF on a community', async () => {
    const port = testPort();
    const policy = [
      '[[defined-sets.prefix-sets]]',
      'prefix-set-name = "bogons"',
      '[[defined-sets.prefix-sets.prefix-list]]',
      'ip-prefix = "10.66.0.0/16"',
      'masklength-range = "16..32"',
      '[[defined-sets.bgp-defined-sets.community-sets]]',
      'community-set-name = "prefer"',
      'community-list = ["65010:1"]',
      '[[policy-definitions]]',
      'name = "in"',
      '[[policy-definitions.statements]]',
      'name = "drop-bogons"',
      '[policy-definitions.statements.conditions.match-prefix-set]',
      'prefix-set = "bogons"',
      '[policy-definitions.statements.actions]',
      'route-disposition = "reject-route"',
      '[[policy-definitions.statements]]',
      'name = "prefer"',
      '[policy-definitions.statements.conditions.bgp-conditions.match-community-set]',
      'community-set = "prefer"',
      '[policy-definitions.statements.actions]',
      'route-disposition = "accept-route"',
      '[policy-definitions.statements.actions.bgp-actions]',
      'set-local-pref = 300',
    ].join('\n');
    const applyPolicy = ['[neighbors.apply-policy.config]', 'import-policy-list = ["in"]', 'default-import-policy = "accept-route"'].join('\n');
    const d = await hub(port, applyPolicy, policy);
    const peer = await connect(port, 112, 65010);
    peer.send(update('10.66.1.0/24', {}));
    peer.send(update('10.67.0.0/24', { communities: [(65010 << 16) | 1] }));
    peer.send(update('10.68.0.0/24', {}));
    await waitUntil('accepted routes learned', () => (d.model.rib('ipv4-unicast') ?? []).some((x) => x.prefix === '10.68.0.0/24'));
    const rib = new Map((d.model.rib('ipv4-unicast') ?? []).map((x) => [x.prefix, x.paths[0]!]));
    assert.equal(rib.has('10.66.1.0/24'), false, 'rejected by the prefix set');
    assert.equal(rib.get('10.67.0.0/24')?.localPref, 300, 'LOCAL_PREF set on the community');
    assert.equal(rib.get('10.68.0.0/24')?.localPref, null, 'untouched');
    const counters = d.model.neighbor('127.0.0.112')!.prefixes.find((p) => p.family === 'ipv4-unicast')!;
    assert.deepEqual([counters.received, counters.accepted], [3, 2]);
  });

  it('counts every UPDATE of a read, and the KEEPALIVE among them, in the neighbour\'s message counters', async () => {
    const port = testPort();
    const d = await hub(port);
    const peer = await connect(port, 112, 65010);
    const received = () => d.model.neighbor('127.0.0.112')!.messages.received;
    const before = { ...received() };
    // One write, so that bgpiped reads many messages at once (counted once per read).
    const updates = Array.from({ length: 200 }, (_, i) => update(`10.120.${i}.0/24`, {}));
    peer.send(Buffer.concat([...updates.slice(0, 100), encodeKeepalive(), ...updates.slice(100)]));
    await waitUntil('all 200 routes learned', () => d.model.neighbor('127.0.0.112')!.prefixes.find((p) => p.family === 'ipv4-unicast')?.received === 200);
    assert.equal(received().update! - (before.update ?? 0), 200);
    assert.equal(received().keepalive! - (before.keepalive ?? 0), 1);
  });
});
