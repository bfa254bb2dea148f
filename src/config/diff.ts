/**
 * SIGHUP reload: which neighbours to start, stop and restart, so that a reload leaves every
 * neighbour whose effective settings did not change alone (its session stays up). Neighbours
 * are compared after peer-group inheritance, so editing a group restarts its members.
 *
 * `globalChanged` covers what every session depends on (AS, router id, listen addresses);
 * policy and static-route changes are reported separately because they need no session reset:
 * the daemon re-runs policies (and sends Route Refresh where needed) and re-originates.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Config, NeighborConfig } from './types.js';

export interface ConfigDiff {
  readonly added: NeighborConfig[];
  readonly removed: NeighborConfig[];
  /** The new settings of neighbours whose settings changed. */
  readonly changed: NeighborConfig[];
  readonly globalChanged: boolean;
  /** defined-sets, policy-definitions or global apply-policy differ. */
  readonly policyChanged: boolean;
  readonly staticRoutesChanged: boolean;
  /** Dynamic-neighbor prefixes or peer groups differ: dynamic sessions may need re-matching. */
  readonly dynamicNeighborsChanged: boolean;
}

export function diffConfig(old: Config, next: Config): ConfigDiff {
  const before = new Map(old.neighbors.map((n) => [n.neighborAddress, n]));
  const after = new Map(next.neighbors.map((n) => [n.neighborAddress, n]));
  const added: NeighborConfig[] = [];
  const changed: NeighborConfig[] = [];
  for (const [addr, n] of after) {
    const o = before.get(addr);
    if (!o) added.push(n);
    else if (!isDeepStrictEqual(o, n)) changed.push(n);
  }
  const removed = [...before].filter(([addr]) => !after.has(addr)).map(([, n]) => n);
  const { applyPolicy: oldAp, ...oldGlobal } = old.global;
  const { applyPolicy: newAp, ...newGlobal } = next.global;
  return {
    added,
    removed,
    changed,
    globalChanged: !isDeepStrictEqual(oldGlobal, newGlobal),
    policyChanged:
      !isDeepStrictEqual(oldAp, newAp) ||
      !isDeepStrictEqual(old.definedSets, next.definedSets) ||
      !isDeepStrictEqual(old.policyDefinitions, next.policyDefinitions),
    staticRoutesChanged: !isDeepStrictEqual(old.staticRoutes, next.staticRoutes),
    dynamicNeighborsChanged:
      !isDeepStrictEqual(old.dynamicNeighbors, next.dynamicNeighbors) || !isDeepStrictEqual(old.peerGroups, next.peerGroups),
  };
}
