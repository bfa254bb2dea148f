/**
 * The table of one family (RFC 4271 §3.2): every destination some source sent a path for, keyed
 * by `nlri.key`. Adj-RIB-In and Loc-RIB share it (see path.ts): a destination whose paths were
 * all rejected or loop stays here without a best path and is not a Loc-RIB route. The Rib facade
 * decides when to run the decision and what to tell peers.
 *
 * Each destination gets a small integer id, reused after it leaves, that indexes the per-peer
 * Adj-RIB-Out columns (adj-rib-out.ts).
 */
import type { Family } from '../wire/family.js';
import type { Nlri } from '../wire/nlri/types.js';
import { Dest } from './path.js';

export class LocRib {
  readonly dests = new Map<string, Dest>();
  /** Destinations with a best path (the Loc-RIB proper). */
  size = 0;
  private nextId = 0;
  private readonly freeIds: number[] = [];

  constructor(readonly family: Family) {}

  get(nlri: Nlri): Dest | undefined {
    return this.dests.get(nlri.key);
  }

  /** The destination for `nlri`, created empty when there is none. */
  obtain(nlri: Nlri): Dest {
    const key = nlri.key;
    let d = this.dests.get(key);
    if (d === undefined) {
      d = new Dest(this.family, nlri);
      d.id = this.freeIds.length > 0 ? this.freeIds.pop()! : this.nextId++;
      this.dests.set(key, d);
    }
    return d;
  }

  /** Forgets a destination no source has a path for and no peer still holds as sent. */
  dropIfEmpty(d: Dest): void {
    if (d.head !== undefined || d.held > 0 || d.id < 0) return;
    this.dests.delete(d.nlri.key);
    this.freeIds.push(d.id);
    d.id = -1;
  }
}
