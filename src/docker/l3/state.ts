/**
 * What bgpipe-l3 must remember across its own restarts. Docker does not replay CreateNetwork,
 * RequestPool or CreateEndpoint to a driver that comes back: without this file a restarted driver
 * would refuse every call about the existing networks and advertise nothing.
 *
 * One JSON file per driver name (`<state-dir>/<name>.json`), rewritten after every change Docker
 * makes (../state-file.ts: atomic). It is small (one line per network, pool and container) and
 * changes only when Docker calls.
 */
import { readStateFile, writeStateFile } from '../state-file.js';

export interface PoolState {
  readonly id: string;
  readonly subnet: string;
  readonly gateway: string;
  /** Addresses handed out (the L2 gateway included). */
  readonly used: readonly string[];
}

export interface EndpointState {
  readonly id: string;
  readonly address: string;
  readonly joined: boolean;
}

export interface NetworkState {
  readonly id: string;
  readonly subnet: string;
  readonly gateway: string;
  readonly endpoints: readonly EndpointState[];
}

export interface L3State {
  readonly version: 1;
  readonly pools: readonly PoolState[];
  readonly networks: readonly NetworkState[];
}

export const EMPTY_STATE: L3State = { version: 1, pools: [], networks: [] };

/** The saved state, EMPTY_STATE when there is none; a file that is not ours is an error naming it. */
export function loadState(path: string): L3State {
  const s = readStateFile(path) as Partial<L3State> | null | undefined;
  if (s === undefined) return EMPTY_STATE;
  if (s === null || typeof s !== 'object' || s.version !== 1 || !Array.isArray(s.pools) || !Array.isArray(s.networks)) {
    throw new Error(`${path}: not a bgpipe-l3 state file (version 1 with pools and networks); move it away to start empty`);
  }
  return s as L3State;
}

export function saveState(path: string, state: L3State): void {
  writeStateFile(path, state);
}
