/**
 * Test fixtures for the RIB: NLRI built locally (a unicast prefix's key is its wire encoding as a
 * latin1 string, as src/wire/nlri/types.ts says), peers and attribute sets with defaults.
 */
import type { PathAttributes } from '../../src/wire/attributes/types.js';
import { IPV4_UNICAST, IPV6_UNICAST, type Family } from '../../src/wire/family.js';
import type { UpdateMessage } from '../../src/wire/messages.js';
import type { Prefix } from '../../src/wire/nlri/types.js';
import type { OutboundBatch, RibPeer } from '../../src/rib/types.js';
import { Rib } from '../../src/rib/rib.js';

/** "10.0.0.0/24" → { key: "\x18\x0a\x00\x00", length: 24 }. IPv4 only. */
export function prefix(text: string): Prefix {
  const [addr, len] = text.split('/');
  const length = Number(len);
  const octets = addr!.split('.').map(Number).slice(0, Math.ceil(length / 8));
  return { key: String.fromCharCode(length, ...octets), length };
}

/** An IPv6 prefix key for tests that only need distinct keys in IPv6 unicast. */
export function prefix6(n: number, length = 64): Prefix {
  return { key: String.fromCharCode(length, 0x20, 0x01, 0x0d, 0xb8, 0, n, 0, 0), length };
}

export const LOCAL_AS = 65000;
export const ROUTER_ID = '10.255.0.1';

export function peer(id: number, over: Partial<RibPeer> = {}): RibPeer {
  return {
    id,
    address: `192.0.2.${id}`,
    localAddress: '192.0.2.254',
    peerAs: 65000 + id,
    localAs: LOCAL_AS,
    routerId: `10.0.0.${id}`,
    routeReflectorClient: false,
    nextHopSelf: false,
    families: new Set<Family>([IPV4_UNICAST, IPV6_UNICAST]),
    ...over,
  };
}

/** An internal peer (peerAs = our AS). */
export function ipeer(id: number, over: Partial<RibPeer> = {}): RibPeer {
  return peer(id, { peerAs: LOCAL_AS, ...over });
}

export function attrs(over: Partial<PathAttributes> = {}): PathAttributes {
  return { origin: 0, asPath: [{ type: 2, asns: [65099] }], nextHop: '198.51.100.1', ...over };
}

export function seq(...asns: number[]): PathAttributes['asPath'] {
  return [{ type: 2, asns }];
}

export function announce(a: PathAttributes, nlri: Prefix[], family: Family = IPV4_UNICAST): UpdateMessage {
  return { announced: [{ family, attributes: a, nlri }], withdrawn: [], discarded: [] };
}

export function withdraw(nlri: Prefix[], family: Family = IPV4_UNICAST): UpdateMessage {
  return { announced: [], withdrawn: [{ family, nlri }], discarded: [] };
}

/** All announced NLRI keys → attributes, and withdrawn keys, of a batch. */
export function flatten(b: OutboundBatch | undefined): { announced: Map<string, PathAttributes>; withdrawn: Set<string> } {
  const announced = new Map<string, PathAttributes>();
  const withdrawn = new Set<string>();
  for (const a of b?.announced ?? []) for (const n of a.nlri) announced.set(n.key, a.attributes);
  for (const w of b?.withdrawn ?? []) for (const n of w.nlri) withdrawn.add(n.key);
  return { announced, withdrawn };
}

/** A Rib with these peers up, their initial End-of-RIB batches taken. */
export function rib(...peers: RibPeer[]): Rib {
  const r = new Rib({ localAs: LOCAL_AS, routerId: ROUTER_ID });
  for (const p of peers) {
    r.addPeer(p);
    r.takeOutbound(p.id);
  }
  return r;
}
