/**
 * TCP MD5 signatures (RFC 2385), GTSM (RFC 5082) and the outgoing TTL: socket options Node has
 * no API for, set through the small native addon in native/sockopt.c (built by node-gyp into
 * build/Release/sockopt.node when `npm ci` runs, as binding.gyp sits at the package root).
 *
 * When the addon did not build or load, `socketOptionsUnavailable()` says why: callers refuse a
 * neighbour that needs a password or GTSM rather than run it without (config layer), and leave
 * the TTL at the kernel default otherwise.
 */
import { createRequire } from 'node:module';
import net from 'node:net';

interface Addon {
  tcpMd5(fd: number, address: string, prefixLength: number, key: string): void;
  minTtl(fd: number, ttl: number): void;
  ttl(fd: number, ttl: number): void;
  getTtls(fd: number): { ttl: number; minTtl: number };
  tcpSocket(ipv6: boolean): number;
  bind(fd: number, address: string): void;
  close(fd: number): void;
}

/** From dist/src/session/ (the compiled module), the package root's build/. */
const ADDON_PATH = new URL('../../../build/Release/sockopt.node', import.meta.url).pathname;

let addon: Addon | undefined;
let loadError: string | undefined;

function load(): Addon | undefined {
  if (addon || loadError) return addon;
  try {
    addon = createRequire(import.meta.url)(ADDON_PATH) as Addon;
  } catch (err) {
    loadError = `the native addon ${ADDON_PATH} did not load (${(err as Error).message.split('\n')[0]}); build it with \`npm ci\` or \`npm run native\` (node-gyp: needs python3, make, g++ and Node's headers)`;
  }
  return addon;
}

/** Why TCP MD5 / TTL options cannot be set, or undefined when they can. */
export function socketOptionsUnavailable(): string | undefined {
  load();
  return loadError;
}

function need(): Addon {
  const a = load();
  if (!a) throw new Error(`TCP MD5 / TTL socket options unavailable: ${loadError}`);
  return a;
}

/** The OS descriptor behind a Node socket or server (libuv's handle; undefined once closed). */
export function socketFd(s: net.Socket | net.Server): number | undefined {
  const fd = (s as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/**
 * Sets (or, with key '', removes) the MD5 key for segments to and from `address`, or from any
 * address of `address/prefixLength` (TCP_MD5SIG_EXT, Linux 4.13+). On an IPv6 socket an IPv4
 * address is given v4-mapped, as the kernel files it.
 */
export function setMd5Key(fd: number, address: string, key: string, prefixLength?: number): void {
  try {
    need().tcpMd5(fd, address, prefixLength ?? -1, key);
  } catch (err) {
    // Removing a key the socket never had is not an error worth reporting.
    if (key === '' && (err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
}

/** Outgoing TTL / hop limit (1..255). */
export function setTtl(fd: number, ttl: number): void {
  need().ttl(fd, ttl);
}

/** GTSM: segments with a lower TTL / hop limit are dropped by the kernel (0 turns it off). */
export function setMinTtl(fd: number, minTtl: number): void {
  need().minTtl(fd, minTtl);
}

/** What the kernel holds for a socket: outgoing TTL and minimum TTL (tests, diagnostics). */
export function getTtls(fd: number): { ttl: number; minTtl: number } {
  return need().getTtls(fd);
}

export interface ActiveSocketOptions {
  readonly peerAddress: string;
  readonly localAddress?: string;
  readonly md5Key?: string;
  readonly ttl?: number;
  readonly minTtl?: number;
}

/**
 * A not yet connected socket for an active session, its key and TTLs already in place so the
 * SYN carries them; the caller connects it with `socket.connect({ host, port })`.
 */
export function activeSocket(o: ActiveSocketOptions): net.Socket {
  const a = need();
  const v6 = net.isIPv6(o.peerAddress);
  const fd = a.tcpSocket(v6);
  try {
    if (o.localAddress !== undefined) a.bind(fd, o.localAddress);
    if (o.md5Key !== undefined) a.tcpMd5(fd, o.peerAddress, -1, o.md5Key);
    if (o.ttl !== undefined) a.ttl(fd, o.ttl);
    if (o.minTtl !== undefined) a.minTtl(fd, o.minTtl);
  } catch (err) {
    a.close(fd);
    throw err;
  }
  return new net.Socket({ fd, readable: true, writable: true });
}
