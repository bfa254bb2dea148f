/**
 * The IPAM half of bgpipe-l3: one pool per network, pools never overlap (each host owns its
 * subnets, and a subnet is what goes into BGP), addresses handed out in order from the first
 * host address, released ones reused.
 *
 * In L3 mode every container address is a /32 (`10.1.1.2/32`): the container then has no
 * connected subnet route and sends everything — its neighbours on this host included — to its
 * gateway, which is what makes the network routed without proxy ARP. The gateway is the
 * link-local one, given to Docker in RequestPool's Data (`com.docker.network.gateway`), so Docker
 * asks for no gateway address from the pool. In L2 mode addresses carry the subnet's length and
 * the gateway is reserved from the pool.
 */
import { parsePrefixText, type ParsedPrefix } from '../../config/address.js';
import { PluginError } from '../plugin-server.js';
import type { PoolState } from './state.js';

/** Docker's key for a gateway supplied by the IPAM driver (libnetwork netlabel.Gateway). */
const GATEWAY_DATA_KEY = 'com.docker.network.gateway';
export const ADDRESS_SPACE = 'bgpipe-l3';

export interface Pool {
  readonly id: string;
  readonly subnet: ParsedPrefix;
  /** First and last assignable addresses, as numbers. */
  readonly first: number;
  readonly last: number;
  readonly used: Set<number>;
  readonly gateway: string;
}

export interface IpamSettings {
  readonly mode: 'l2' | 'l3';
  readonly defaultSubnet: ParsedPrefix;
  /** L3: the link-local gateway; L2: an explicit gateway or undefined (the subnet's first address). */
  readonly gateway: string | undefined;
}

const num = (b: Buffer): number => b.readUInt32BE(0);
const text = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export class L3Ipam {
  readonly pools = new Map<string, Pool>();

  constructor(private readonly settings: IpamSettings) {}

  capabilities(): unknown {
    return { RequiresMACAddress: false, RequiresRequestReplay: false };
  }

  defaultAddressSpaces(): unknown {
    return { LocalDefaultAddressSpace: ADDRESS_SPACE, GlobalDefaultAddressSpace: ADDRESS_SPACE };
  }

  requestPool(body: Record<string, unknown>): unknown {
    if (body.V6 === true) throw new PluginError('bgpipe-l3 routes IPv4 only: create the network without --ipv6');
    if (str(body.SubPool) !== '') throw new PluginError('--ip-range is not supported: the whole --subnet is this host\'s');
    const requested = str(body.Pool);
    const subnet = requested === '' ? this.settings.defaultSubnet : parsePrefixText(requested);
    if (subnet === undefined || subnet.version !== 4) throw new PluginError(`--subnet ${requested}: not an IPv4 subnet`);
    if (subnet.length > 30) throw new PluginError(`--subnet ${subnet.text}: a /${subnet.length} has no room for containers (at most /30)`);
    for (const p of this.pools.values()) {
      if (overlaps(p.subnet, subnet)) {
        const which = requested === '' ? ` (the default --ipvlan-subnet; give another with --subnet)` : '';
        throw new PluginError(`subnet ${subnet.text}${which} overlaps ${p.subnet.text} of another network of this driver`);
      }
    }
    const gateway = this.settings.mode === 'l3' ? this.settings.gateway! : (this.settings.gateway ?? text(num(subnet.bytes) + 1));
    const pool = newPool(subnet.text, subnet, gateway, new Set());
    if (this.settings.mode === 'l2') {
      const gw = num(parsePrefixText(pool.gateway)!.bytes);
      if (gw < pool.first || gw > pool.last) throw new PluginError(`gateway ${pool.gateway} (--gateway of bgpipe-l3) is not a host address of ${subnet.text}`);
    }
    this.pools.set(pool.id, pool);
    // L3: Docker takes the gateway from here and asks for none (libnetwork ipamAllocateVersion).
    const data = this.settings.mode === 'l3' ? { [GATEWAY_DATA_KEY]: `${pool.gateway}/32` } : {};
    return { PoolID: pool.id, Pool: subnet.text, Data: data };
  }

  releasePool(body: Record<string, unknown>): unknown {
    this.pools.delete(str(body.PoolID));
    return {};
  }

  requestAddress(body: Record<string, unknown>): unknown {
    const pool = this.pool(body.PoolID);
    const options = (body.Options ?? {}) as Record<string, unknown>;
    const preferred = str(body.Address);
    const len = this.settings.mode === 'l3' ? 32 : pool.subnet.length;
    if (options.RequestAddressType === GATEWAY_DATA_KEY) {
      if (preferred !== '' && preferred !== pool.gateway) {
        throw new PluginError(`the gateway is ${pool.gateway} (bgpipe-l3 --gateway): leave --gateway out of docker network create`);
      }
      if (this.settings.mode === 'l2') pool.used.add(num(parsePrefixText(pool.gateway)!.bytes));
      return { Address: `${pool.gateway}/${len}`, Data: {} };
    }
    let n: number | undefined;
    if (preferred !== '') {
      const p = parsePrefixText(preferred);
      const want = p === undefined || p.version !== 4 ? undefined : num(p.bytes);
      if (want === undefined || want < pool.first || want > pool.last) throw new PluginError(`--ip ${preferred}: not a host address of ${pool.subnet.text}`);
      if (pool.used.has(want)) throw new PluginError(`--ip ${preferred}: already in use on this network`);
      n = want;
    } else {
      for (let a = pool.first; a <= pool.last; a++) {
        if (!pool.used.has(a)) {
          n = a;
          break;
        }
      }
      if (n === undefined) throw new PluginError(`no free address left in ${pool.subnet.text}`);
    }
    pool.used.add(n);
    return { Address: `${text(n)}/${len}`, Data: {} };
  }

  releaseAddress(body: Record<string, unknown>): unknown {
    const pool = this.pools.get(str(body.PoolID));
    const p = parsePrefixText(str(body.Address));
    if (pool !== undefined && p !== undefined && p.version === 4) pool.used.delete(num(p.bytes));
    return {};
  }

  /** The pools as saved in the state file. */
  snapshot(): PoolState[] {
    return [...this.pools.values()].map((p) => ({ id: p.id, subnet: p.subnet.text, gateway: p.gateway, used: [...p.used].sort((a, b) => a - b).map(text) }));
  }

  /** Pools of a previous run (Docker does not ask for them again). */
  restore(pools: readonly PoolState[]): void {
    for (const s of pools) {
      const subnet = parsePrefixText(s.subnet);
      if (subnet === undefined || subnet.version !== 4) continue;
      const used = new Set<number>();
      for (const a of s.used) {
        const p = parsePrefixText(a);
        if (p !== undefined && p.version === 4) used.add(num(p.bytes));
      }
      this.pools.set(s.id, newPool(s.id, subnet, s.gateway, used));
    }
  }

  private pool(id: unknown): Pool {
    const pool = this.pools.get(str(id));
    if (pool === undefined) throw new PluginError(`unknown pool ${JSON.stringify(id)}`);
    return pool;
  }
}

/** Host addresses run from the first after the network address to the last before broadcast. */
function newPool(id: string, subnet: ParsedPrefix, gateway: string, used: Set<number>): Pool {
  const base = num(subnet.bytes);
  return { id, subnet, first: base + 1, last: base + 2 ** (32 - subnet.length) - 2, used, gateway };
}

export function overlaps(a: ParsedPrefix, b: ParsedPrefix): boolean {
  const len = Math.min(a.length, b.length);
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return ((num(a.bytes) & mask) >>> 0) === ((num(b.bytes) & mask) >>> 0);
}
