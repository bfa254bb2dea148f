/**
 * Loc-RIB (RFC 4271 §3.2): per family, every destination that has at least one eligible,
 * accepted path, keyed by `nlri.key`. A destination holds its candidate paths as a list threaded
 * through the paths themselves (no array per prefix) and remembers its best path and multipath
 * set; the Rib facade decides when to run the decision and what to tell peers.
 */
import type { Nlri } from '../wire/nlri/types.js';
import { Dest, type Path } from './path.js';

export class LocRib {
  readonly dests = new Map<string, Dest>();

  get size(): number {
    return this.dests.size;
  }

  get(nlri: Nlri): Dest | undefined {
    return this.dests.get(nlri.key);
  }

  /** Adds a path to its destination (creating it); `known` saves the lookup when the caller
   *  already holds the destination. */
  insert(p: Path, known: Dest | undefined): Dest {
    let d = known;
    if (d === undefined) {
      const key = p.nlri.key;
      d = this.dests.get(key);
      if (d === undefined) {
        d = new Dest(p.nlri);
        this.dests.set(key, d);
      }
    }
    d.insert(p);
    return d;
  }

  /** Forgets a destination that has no path left (RFC 4271 §9.1.3: it is then unreachable). */
  dropIfEmpty(d: Dest): void {
    if (d.count === 0) this.dests.delete(d.nlri.key);
  }
}
