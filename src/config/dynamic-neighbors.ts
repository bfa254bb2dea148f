/**
 * Dynamic neighbours (GoBGP `[[dynamic-neighbors]]`): a connection from an address that no
 * `[[neighbors]]` entry names is accepted when the address falls in one of these prefixes, and
 * runs with the settings of the prefix's peer group. The longest matching prefix wins, so a
 * /28 of special peers can sit inside a /24 of ordinary ones.
 */
import { addressBytes, canonicalAddress, parsePrefixText, prefixContains, unmapIPv4 } from './address.js';
import { resolveNeighbor } from './neighbors.js';
import type { Config, NeighborConfig } from './types.js';

/** The effective config of a neighbour, after peer-group inheritance and defaults. */
export type EffectiveNeighbor = NeighborConfig;

/** Settings for a connection from `remoteAddress` (IPv4-mapped IPv6 is taken as IPv4), or
 *  undefined when no dynamic-neighbors prefix covers it. Configured neighbours are not looked
 *  at: the caller checks `config.neighbors` first. */
export function matchDynamicNeighbor(config: Config, remoteAddress: string): EffectiveNeighbor | undefined {
  const address = canonicalAddress(unmapIPv4(remoteAddress));
  const bytes = address === undefined ? undefined : addressBytes(address);
  if (address === undefined || bytes === undefined) return undefined;
  let best: { length: number; peerGroup: string } | undefined;
  for (const d of config.dynamicNeighbors) {
    const p = parsePrefixText(d.prefix);
    if (p && prefixContains(p, bytes) && (best === undefined || p.length > best.length)) best = { length: p.length, peerGroup: d.peerGroup };
  }
  if (!best) return undefined;
  const group = config.peerGroups.find((g) => g.peerGroupName === best.peerGroup);
  return resolveNeighbor(address, undefined, group, config.global, true);
}

/** The configured neighbour with this address (any spelling), if any. */
export function findNeighbor(config: Config, address: string): NeighborConfig | undefined {
  const a = canonicalAddress(unmapIPv4(address));
  return a === undefined ? undefined : config.neighbors.find((n) => n.neighborAddress === a);
}
