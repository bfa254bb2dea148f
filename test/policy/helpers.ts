/** Routes and peers for policy tests, built the way the codec and the RIB hand them over. */
import { parsePrefixText } from '../../src/config/address.js';
import { parseConfigText } from '../../src/config/load.js';
import { compilePolicies } from '../../src/policy/compile.js';
import type { PolicyFn } from '../../src/rib/rib.js';
import type { RibPeer } from '../../src/rib/types.js';
import type { PathAttributes } from '../../src/wire/attributes/types.js';
import { IPV4_UNICAST, IPV6_UNICAST, type Family } from '../../src/wire/family.js';
import type { Nlri } from '../../src/wire/nlri/types.js';

/** Unicast NLRI key: a length octet, then the significant prefix octets (src/wire/nlri/types.ts). */
export function prefix(text: string): { family: Family; nlri: Nlri } {
  const p = parsePrefixText(text)!;
  const key = String.fromCharCode(p.length) + p.bytes.subarray(0, (p.length + 7) >> 3).toString('latin1');
  return { family: p.version === 4 ? IPV4_UNICAST : IPV6_UNICAST, nlri: { key } };
}

export const ATTRS: PathAttributes = Object.freeze({
  origin: 0,
  asPath: [{ type: 2, asns: [65001, 65010] }],
  nextHop: '192.0.2.2',
});

export function peer(address = '192.0.2.2', extra: Partial<RibPeer> = {}): RibPeer {
  return {
    id: 1,
    address,
    localAddress: '192.0.2.1',
    localAddressV6: '2001:db8::1',
    peerAs: 65001,
    localAs: 65000,
    routerId: address,
    routeReflectorClient: false,
    nextHopSelf: false,
    families: new Set([IPV4_UNICAST]),
    ...extra,
  };
}

const HEAD = `[global.config]\n  as = 65000\n  router-id = "192.0.2.1"\n`;

/** Import policy of the single neighbour 192.0.2.2 under `toml` (global section prepended). */
export function importPolicy(toml: string, neighborExtra = ''): PolicyFn | undefined {
  const c = parseConfigText(`${HEAD}${toml}\n[[neighbors]]\n[neighbors.config]\nneighbor-address = "192.0.2.2"\npeer-as = 65001\n${neighborExtra}`, 'policy.toml');
  return compilePolicies(c).importFor(c.neighbors[0]!);
}

export function exportPolicy(toml: string, neighborExtra = ''): PolicyFn | undefined {
  const c = parseConfigText(`${HEAD}${toml}\n[[neighbors]]\n[neighbors.config]\nneighbor-address = "192.0.2.2"\npeer-as = 65001\n${neighborExtra}`, 'policy.toml');
  return compilePolicies(c).exportFor(c.neighbors[0]!);
}

/** Runs `fn` on a route for `text` with `attrs` for peer 192.0.2.2, or for the peer given
 *  (an explicit undefined: a locally originated route). */
export function run(fn: PolicyFn, text: string, attrs: PathAttributes = ATTRS, ...from: [RibPeer | undefined] | []): PathAttributes | undefined {
  const { family, nlri } = prefix(text);
  return fn(from.length === 0 ? peer() : from[0], family, nlri, attrs);
}
