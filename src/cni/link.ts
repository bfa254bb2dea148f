/**
 * The kernel side of the plugin, and the only file that touches it: `ip` in this (the host's)
 * network namespace, and `nsenter --net=<CNI_NETNS> ip …` inside the container's, since
 * CNI_NETNS is a path (/run/netns/…, /proc/PID/ns/net) that `ip -n` does not take.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { CniCode, CniError } from './errors.js';
import type { CniResult } from './version.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(cmd: string, args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: 20_000, maxBuffer: 4 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

async function must(cmd: string, args: string[], input?: string): Promise<string> {
  const r = await exec(cmd, args, input);
  if (r.code !== 0) throw new CniError(CniCode.IoFailure, `${cmd} ${args.join(' ')}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/** `ip` inside the container's namespace. */
const inNs = (netns: string, args: string[]): string[] => [`--net=${netns}`, 'ip', ...args];

/**
 * The host side's name: stable for (container id, interface), ≤ 15 characters (IFNAMSIZ − 1),
 * so that DEL, a retried DEL and CHECK find it without any state kept between calls.
 */
export function hostIfName(containerId: string, ifName: string): string {
  return `bgp${createHash('sha256').update(`${containerId}\0${ifName}`).digest('hex').slice(0, 12)}`;
}

/** A name hostIfName() makes (GC only touches ports this plugin made). */
export const isHostIfName = (name: string): boolean => /^bgp[0-9a-f]{12}$/.test(name);

export function netnsExists(netns: string): boolean {
  return netns !== '' && existsSync(netns);
}

interface JsonLink {
  ifname: string;
  address: string;
  mtu: number;
  operstate: string;
  master?: string;
}

async function linkIn(netns: string | undefined, name: string): Promise<JsonLink | undefined> {
  const args = ['-json', 'link', 'show', 'dev', name];
  const r = netns === undefined ? await exec('ip', args) : await exec('nsenter', inNs(netns, args));
  if (r.code !== 0) return undefined;
  return (JSON.parse(r.stdout) as JsonLink[])[0];
}

export const hostLink = (name: string) => linkIn(undefined, name);

/** The host side once it is in a bridge (or as it is after `ms`). */
export async function waitForMaster(name: string, ms: number): Promise<JsonLink | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const l = await hostLink(name);
    if (l === undefined || l.master !== undefined || Date.now() >= deadline) return l;
    await new Promise((r) => setTimeout(r, 20));
  }
}
export const containerLink = (netns: string, name: string) => linkIn(netns, name);

/** The veth pair: `host` here, `ifName` in the container's namespace, both with `mtu`. */
export async function createVeth(host: string, netns: string, ifName: string, mtu: number | undefined): Promise<void> {
  const m = mtu === undefined ? [] : ['mtu', String(mtu)];
  const r = await exec('ip', ['link', 'add', host, ...m, 'type', 'veth', 'peer', 'name', ifName, ...m, 'netns', netns]);
  if (r.code === 0) return;
  if (/exists/i.test(r.stderr)) {
    throw new CniError(CniCode.IoFailure, `veth ${host} or ${ifName} in ${netns} already exists: was ADD run twice for container and interface without a DEL?`);
  }
  throw new CniError(CniCode.IoFailure, `ip link add ${host} type veth peer name ${ifName} netns ${netns}: ${r.stderr.trim()}`);
}

/** Addresses, up, then routes (a route via a gateway needs the address's subnet first). */
export async function configureContainer(netns: string, ifName: string, r: CniResult): Promise<void> {
  const lines: string[] = [];
  for (const ip of r.ips) lines.push(`addr add ${ip.address} dev ${ifName}${ip.address.includes(':') ? ' nodad' : ''}`);
  lines.push(`link set dev ${ifName} up`);
  for (const rt of r.routes) {
    // A route without gw goes via the IPAM gateway of its family, as the reference plugins do.
    const v6 = rt.dst.includes(':');
    const gw = rt.gw ?? r.ips.find((ip) => ip.address.includes(':') === v6 && ip.gateway !== undefined)?.gateway;
    lines.push(`${v6 ? '-6 ' : ''}route add ${rt.dst} ${gw ? `via ${gw} ` : ''}dev ${ifName}`);
  }
  await must('nsenter', inNs(netns, ['-batch', '-']), lines.join('\n') + '\n');
}

export async function setUp(host: string): Promise<void> {
  await must('ip', ['link', 'set', 'dev', host, 'up']);
}

export async function setContainerMtu(netns: string, ifName: string, mtu: number): Promise<void> {
  await must('nsenter', inNs(netns, ['link', 'set', 'dev', ifName, 'mtu', String(mtu)]));
}

/** Deletes the pair through its host side; absent is fine (DEL is idempotent). */
export async function deleteVeth(host: string): Promise<void> {
  const r = await exec('ip', ['link', 'del', 'dev', host]);
  if (r.code !== 0 && !/cannot find|does not exist/i.test(r.stderr)) throw new CniError(CniCode.IoFailure, `ip link del ${host}: ${r.stderr.trim()}`);
}

/** The addresses on the container's interface, `a.b.c.d/len`. */
export async function containerAddresses(netns: string, ifName: string): Promise<string[]> {
  const out = await must('nsenter', inNs(netns, ['-json', 'addr', 'show', 'dev', ifName]));
  const links = JSON.parse(out) as { addr_info?: { local: string; prefixlen: number }[] }[];
  return (links[0]?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`);
}
