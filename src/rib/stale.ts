/**
 * RFC 4724 §4.2 (receiving speaker): the paths of a graceful-restart peer whose session ended
 * without a NOTIFICATION outlive it. They stay in the Loc-RIB under the old session's RibPeer,
 * still candidates for best path, the FIB and advertisement; this is the record of which old
 * sessions hold such paths, for which families, and which new session replaces them.
 */
import type { Family } from '../wire/family.js';
import type { RibPeer } from './types.js';

export interface StaleSet<S> {
  /** The old session's source: its paths are the stale ones. */
  readonly source: S;
  readonly peer: RibPeer;
  /** Families whose paths are still held. */
  readonly families: Set<Family>;
  /** The new session of the same neighbour, once it is up: its paths replace these one by one. */
  successor: number | undefined;
}

export class StaleSets<S> {
  private readonly byOldId = new Map<number, StaleSet<S>>();

  add(peer: RibPeer, source: S, families: Iterable<Family>): StaleSet<S> {
    const set: StaleSet<S> = { source, peer, families: new Set(families), successor: undefined };
    this.byOldId.set(peer.id, set);
    return set;
  }

  get(oldPeerId: number): StaleSet<S> | undefined {
    return this.byOldId.get(oldPeerId);
  }

  delete(oldPeerId: number): void {
    this.byOldId.delete(oldPeerId);
  }

  /** Whether a path from `peer` is a stale one. */
  has(peer: RibPeer | undefined): boolean {
    return peer !== undefined && this.byOldId.get(peer.id)?.peer === peer;
  }

  get size(): number {
    return this.byOldId.size;
  }
}
