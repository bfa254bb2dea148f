/**
 * Kernel routes through iproute2: changes go through one persistent `ip -force -batch -` child
 * (ip-batch.ts), the table is read with `ip -json route show table T proto P`.
 *
 * Why ip and not a netlink addon: bench/fib-sync.ts measures this path against `ip -batch FILE`
 * itself (the floor the project set) — it is within a few per cent of it, and most of the floor
 * is kernel time that a native addon would pay too (see bench/README.md for the figures).
 *
 * Every command names `proto P table T metric M`, so a route of another protocol is never
 * matched: `route del` with a protocol only deletes routes of that protocol, and a new prefix is
 * `route add`ed (which refuses to overwrite a route at the same prefix and metric) rather than
 * `route replace`d; replace is used only for prefixes this sink owns, and then it is atomic
 * (one RTM_NEWROUTE with NLM_F_REPLACE, no moment without a route, also for ECMP sets).
 *
 * Next hops are installed as `via GW` without `onlink`: the kernel resolves the device from a
 * connected route and refuses a gateway it cannot reach directly ('unreachable' failures),
 * instead of bgpipe guessing an interface and black-holing traffic. An IPv4 prefix with an IPv6
 * next hop (RFC 8950) is `via inet6 GW`.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { IPV4_UNICAST, IPV6_UNICAST } from '../../wire/family.js';
import { formatPrefix, parsePrefix } from '../../wire/nlri/prefix.js';
import { canonicalIp, type FailureKind, type KernelRoute, type RouteSink, type SinkFailure, type SinkProbe } from '../routes.js';
import { IpBatch } from './ip-batch.js';

const execFileP = promisify(execFile);

export interface LinuxRouteOptions {
  readonly table: number;
  readonly protocol: number;
  readonly metric: number;
  /** For tests and the benchmark: work in this namespace (`ip -n NS`). The daemon works in its own. */
  readonly netns?: string;
  readonly ip?: string;
}

/** A route at this metric loses to everything; the probe route uses it. */
const PROBE_METRIC = 4294967295;
/** TEST-NET-1 (RFC 5737) and the IPv6 discard-only block (RFC 6666): never real destinations. */
const PROBE_V4 = '192.0.2.255/32';
const PROBE_V6 = '100::ffff:ffff/128';

export class LinuxRouteSink implements RouteSink {
  private readonly batch: IpBatch;
  private queue: string[] = [];
  private readonly suffix: string;

  constructor(private readonly opts: LinuxRouteOptions) {
    this.batch = new IpBatch({ ...(opts.netns !== undefined ? { netns: opts.netns } : {}), ...(opts.ip !== undefined ? { ip: opts.ip } : {}) });
    this.suffix = ` proto ${opts.protocol} table ${opts.table}`;
  }

  add(prefix: string, nexthops: readonly string[]): void {
    this.queue.push(`route add ${prefix}${this.suffix} metric ${this.opts.metric}${via(prefix, nexthops)}`);
  }

  replace(prefix: string, nexthops: readonly string[]): void {
    this.queue.push(`route replace ${prefix}${this.suffix} metric ${this.opts.metric}${via(prefix, nexthops)}`);
  }

  remove(prefix: string, metric = this.opts.metric): void {
    this.queue.push(`route del ${prefix}${this.suffix} metric ${metric}`);
  }

  async flush(): Promise<SinkFailure[]> {
    const commands = this.queue;
    this.queue = [];
    const errors = await this.batch.run(commands);
    const failures: SinkFailure[] = [];
    for (const [index, message] of errors) failures.push({ index, kind: classify(message), message });
    return failures;
  }

  async dump(): Promise<KernelRoute[]> {
    const [v4, v6] = await Promise.all([this.show('-4'), this.show('-6')]);
    return [...v4, ...v6];
  }

  close(): void {
    this.queue = [];
    this.batch.close();
  }

  /**
   * What this kernel lets us do, tried for real: add and delete a route that can never carry
   * traffic (a blackhole for a documentation prefix at the worst metric) with our protocol in
   * our table, for each address family, and read the table back as JSON.
   */
  async probe(): Promise<SinkProbe> {
    const problems: string[] = [];
    try {
      await execFileP(this.batch.ipPath, ['-V']);
    } catch (e) {
      return { usable: false, ipv4: false, ipv6: false, problems: [`cannot run ${this.batch.ipPath} (iproute2): ${(e as Error).message}`] };
    }
    const attempt = async (prefix: string): Promise<string | undefined> => {
      const at = `${this.suffix} metric ${PROBE_METRIC}`;
      try {
        const errors = await this.batch.run([`route add blackhole ${prefix}${at}`, `route del blackhole ${prefix}${at}`]);
        const add = errors.get(0);
        // A probe route left by a crash in the middle of a probe: exists, deleted by the second line.
        return add !== undefined && classify(add) !== 'exists' ? add : undefined;
      } catch (e) {
        return (e as Error).message;
      }
    };
    const v4Error = await attempt(PROBE_V4);
    if (v4Error !== undefined) problems.push(`cannot add an IPv4 route with protocol ${this.opts.protocol} to table ${this.opts.table}: ${v4Error}`);
    let v6Error: string | undefined;
    if (this.opts.netns === undefined && !existsSync('/proc/sys/net/ipv6')) v6Error = 'IPv6 is disabled in this kernel';
    else v6Error = await attempt(PROBE_V6);
    if (v6Error !== undefined) problems.push(`cannot add an IPv6 route with protocol ${this.opts.protocol} to table ${this.opts.table}: ${v6Error}`);
    try {
      await this.show('-4');
    } catch (e) {
      problems.push(`cannot read table ${this.opts.table} as JSON (ip -json route show): ${(e as Error).message}`);
      return { usable: false, ipv4: false, ipv6: false, problems };
    }
    return { usable: v4Error === undefined || v6Error === undefined, ipv4: v4Error === undefined, ipv6: v6Error === undefined, problems };
  }

  private async show(version: '-4' | '-6'): Promise<KernelRoute[]> {
    const args = [...this.batch.baseArgs, version, '-json', 'route', 'show', 'table', String(this.opts.table), 'proto', String(this.opts.protocol)];
    let stdout: string;
    try {
      ({ stdout } = await execFileP(this.batch.ipPath, args, { maxBuffer: 1 << 30, encoding: 'utf8' }));
    } catch (e) {
      // A table with no IPv6 route yet does not exist for the IPv6 FIB.
      if (/table does not exist/i.test(String((e as { stderr?: string }).stderr))) return [];
      throw e;
    }
    return parseRoutes(stdout, version === '-6');
  }
}

/** ` via A` or ` nexthop via A nexthop via B` (ECMP), `inet6` when the families differ. */
function via(prefix: string, nexthops: readonly string[]): string {
  const v6 = prefix.includes(':');
  const one = (nh: string) => (nh.includes(':') !== v6 ? `via ${v6 ? 'inet' : 'inet6'} ${nh}` : `via ${nh}`);
  if (nexthops.length === 1) return ` ${one(nexthops[0]!)}`;
  let s = '';
  for (const nh of nexthops) s += ` nexthop ${one(nh)}`;
  return s;
}

function classify(message: string): FailureKind {
  if (/File exists/i.test(message)) return 'exists';
  if (/No such process|No such file/i.test(message)) return 'absent';
  if (/invalid gateway|Network is unreachable|No route to host/i.test(message)) return 'unreachable';
  return 'other';
}

interface JsonNexthop {
  gateway?: string;
  via?: { family?: string; host?: string };
}
interface JsonRoute extends JsonNexthop {
  dst: string;
  metric?: number;
  nexthops?: JsonNexthop[];
}

/** `ip -json route show` output → our routes, prefixes and addresses in canonical text. */
export function parseRoutes(json: string, v6: boolean): KernelRoute[] {
  const text = json.trim();
  if (text === '') return [];
  const family = v6 ? IPV6_UNICAST : IPV4_UNICAST;
  const out: KernelRoute[] = [];
  for (const r of JSON.parse(text) as JsonRoute[]) {
    const dst = r.dst === 'default' ? (v6 ? '::/0' : '0.0.0.0/0') : r.dst;
    let prefix: string;
    try {
      prefix = formatPrefix(family, parsePrefix(family, dst));
    } catch {
      continue; // not a unicast prefix we could have installed
    }
    const hops = r.nexthops ?? [r];
    const nexthops: string[] = [];
    for (const h of hops) {
      const gw = h.gateway ?? h.via?.host;
      if (gw !== undefined) nexthops.push(canonicalIp(gw));
    }
    nexthops.sort();
    out.push({ prefix, nexthops, metric: r.metric ?? 0 });
  }
  return out;
}
