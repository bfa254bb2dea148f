/**
 * What bgpipe-l3 must remember across its own restarts. Docker does not replay CreateNetwork,
 * RequestPool or CreateEndpoint to a driver that comes back: without this file a restarted driver
 * would refuse every call about the existing networks and advertise nothing.
 *
 * One JSON file per driver name (`<state-dir>/<name>.json`), rewritten after every change Docker
 * makes, atomically (temporary file, fsync, rename), so a crash leaves the old or the new state,
 * never half of one. It is small (one line per network, pool and container) and changes only
 * when Docker calls.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

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
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_STATE;
    throw new Error(`${path}: cannot read: ${(e as Error).message}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not JSON (${(e as Error).message}); move it away to start empty`);
  }
  const s = v as Partial<L3State>;
  if (s === null || typeof s !== 'object' || s.version !== 1 || !Array.isArray(s.pools) || !Array.isArray(s.networks)) {
    throw new Error(`${path}: not a bgpipe-l3 state file (version 1 with pools and networks); move it away to start empty`);
  }
  return s as L3State;
}

export function saveState(path: string, state: L3State): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o640);
  try {
    writeSync(fd, JSON.stringify(state, null, 1) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
