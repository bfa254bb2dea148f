/**
 * Adj-RIB-In (RFC 4271 §3.2): per source and family, what the source last said for each NLRI,
 * as received (before import policy) and as accepted. Paths rejected by policy or found in a
 * loop stay here, so that a soft reconfiguration (setPolicy) can re-run import without asking
 * the peer for a ROUTE-REFRESH.
 */
import type { Family } from '../wire/family.js';
import type { Path } from './path.js';

export class AdjRibInTable {
  readonly routes = new Map<string, Path>();
  /** Paths taking part in the decision (accepted by import policy and eligible). */
  accepted = 0;
}

export class AdjRibIn {
  readonly tables = new Map<Family, AdjRibInTable>();

  table(family: Family): AdjRibInTable {
    let t = this.tables.get(family);
    if (t === undefined) {
      t = new AdjRibInTable();
      this.tables.set(family, t);
    }
    return t;
  }
}
