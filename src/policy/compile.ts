/**
 * Policies compiled into the RIB's PolicyFn (GoBGP semantics):
 *  - a neighbour's import (export) chain is the global import-policy-list (export-policy-list)
 *    followed by the neighbour's own list;
 *  - statements run in order across the chain; the first matching statement with a
 *    route-disposition decides; matching statements without one apply their actions and the
 *    walk goes on, later statements seeing the rewritten attributes;
 *  - when no statement decides, the default policy does: the neighbour's default-*-policy if
 *    set, else the global one (accept-route unless configured).
 * No policy at all and an accepting default compile to undefined, the RIB's fast path.
 * Chains are compiled once per distinct (policy list, default) and shared between neighbours.
 */
import type { Config, NeighborConfig, RouteDisposition } from '../config/types.js';
import type { PolicyFn } from '../rib/rib.js';
import { compileActions, type Rewrite } from './actions.js';
import { CompiledSets, compileConditions, type Predicate } from './conditions.js';

export type { PolicyFn } from '../rib/rib.js';

interface CompiledStatement {
  readonly name: string;
  readonly matches: Predicate;
  readonly rewrite: Rewrite | undefined;
  readonly disposition: RouteDisposition | 'none';
}

export interface CompiledPolicies {
  importFor(neighbor: NeighborConfig): PolicyFn | undefined;
  exportFor(neighbor: NeighborConfig): PolicyFn | undefined;
}

function chain(statements: readonly CompiledStatement[], fallback: RouteDisposition): PolicyFn | undefined {
  if (statements.length === 0) return fallback === 'accept-route' ? undefined : () => undefined;
  const acceptByDefault = fallback === 'accept-route';
  return (peer, family, nlri, attrs) => {
    let cur = attrs;
    for (const s of statements) {
      if (!s.matches(peer, family, nlri, cur)) continue;
      if (s.disposition === 'reject-route') return undefined;
      if (s.rewrite) cur = s.rewrite(cur, peer, family);
      if (s.disposition === 'accept-route') return cur;
    }
    return acceptByDefault ? cur : undefined;
  };
}

export function compilePolicies(config: Config): CompiledPolicies {
  const sets = new CompiledSets(config.definedSets);
  const byPolicy = new Map<string, CompiledStatement[]>(
    config.policyDefinitions.map((p) => [
      p.name,
      p.statements.map((s) => ({
        name: s.name,
        matches: compileConditions(s.conditions, sets),
        rewrite: compileActions(s.actions),
        disposition: s.actions.routeDisposition,
      })),
    ]),
  );
  const cache = new Map<string, PolicyFn | undefined>();
  const build = (names: readonly string[], fallback: RouteDisposition): PolicyFn | undefined => {
    const key = JSON.stringify([names, fallback]);
    if (cache.has(key)) return cache.get(key);
    const fn = chain(names.flatMap((n) => byPolicy.get(n) ?? []), fallback);
    cache.set(key, fn);
    return fn;
  };
  const g = config.global.applyPolicy;
  return {
    importFor: (n) =>
      build([...g.importPolicyList, ...n.applyPolicy.importPolicyList], n.applyPolicy.defaultImportPolicy ?? g.defaultImportPolicy),
    exportFor: (n) =>
      build([...g.exportPolicyList, ...n.applyPolicy.exportPolicyList], n.applyPolicy.defaultExportPolicy ?? g.defaultExportPolicy),
  };
}
