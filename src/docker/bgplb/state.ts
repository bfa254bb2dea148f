/**
 * What survives a plugin restart: the networks (id, bridge, pools) and the endpoints (addresses,
 * host veth, container once known). docker-bgp-lb v1.8 keeps only network ids, so after a
 * restart Leave fails for older containers and their routes are never re-advertised; bgpipe
 * keeps enough to do both. Rewritten after every change (../state-file.ts: atomic).
 */
import { readStateFile, writeStateFile } from '../state-file.js';

export interface NetworkRecord {
  readonly id: string;
  readonly bridge: string;
}

export interface EndpointRecord {
  readonly networkId: string;
  readonly endpointId: string;
  /** Without prefix length; undefined when Docker gave none (or 0.0.0.0, IPv6-only mode). */
  readonly ipv4?: string;
  readonly ipv6?: string;
  /** Host end of the veth pair, once joined. */
  vethOuter?: string;
  /** The container, once Docker has told us (network connect event or inspect). */
  containerId?: string;
  /** Leave (or DeleteEndpoint) came: never in service again. */
  left?: boolean;
}

interface StateFile {
  version: 1;
  networks: NetworkRecord[];
  endpoints: EndpointRecord[];
}

export class PluginState {
  readonly networks = new Map<string, NetworkRecord>();
  /** key: endpoint id. */
  readonly endpoints = new Map<string, EndpointRecord>();

  constructor(private readonly file: string | undefined) {}

  /** Read the file; a missing file is an empty state, one that is not ours an error naming it. */
  load(): void {
    if (this.file === undefined) return;
    const data = readStateFile(this.file) as Partial<StateFile> | null | undefined;
    if (data === undefined) return;
    if (data === null || typeof data !== 'object' || data.version !== 1 || !Array.isArray(data.networks) || !Array.isArray(data.endpoints)) {
      throw new Error(`${this.file}: not a bgplb state file (version 1 with networks and endpoints); move it away to start empty`);
    }
    for (const n of data.networks) this.networks.set(n.id, n);
    for (const e of data.endpoints) this.endpoints.set(e.endpointId, e);
  }

  save(): void {
    if (this.file === undefined) return;
    const data: StateFile = { version: 1, networks: [...this.networks.values()], endpoints: [...this.endpoints.values()] };
    writeStateFile(this.file, data);
  }

  endpointsOf(networkId: string): EndpointRecord[] {
    return [...this.endpoints.values()].filter((e) => e.networkId === networkId);
  }
}
