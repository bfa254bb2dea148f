/**
 * IP addresses and prefixes as the config and the policy engine need them: parsed once into
 * octets, printed back in one canonical form (RFC 5952 for IPv6), so that two spellings of one
 * neighbour or one prefix compare equal.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface ParsedPrefix {
  /** 4 or 6. */
  readonly version: 4 | 6;
  /** Network octets (4 or 16), host bits cleared. */
  readonly bytes: Buffer;
  readonly length: number;
  /** Canonical text, `10.0.0.0/24`, `2001:db8::/32`. */
  readonly text: string;
}

export function isIpAddress(s: string): boolean {
  return isIPv4(s) || isIPv6(s);
}

/** Sockets on a dual-stack listener report IPv4 peers as `::ffff:a.b.c.d` (RFC 4291 §2.5.5.2). */
export function unmapIPv4(addr: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  return m ? m[1]! : addr;
}

export function addressBytes(addr: string): Buffer | undefined {
  if (isIPv4(addr)) return Buffer.from(addr.split('.').map(Number));
  if (!isIPv6(addr)) return undefined;
  let s = addr.toLowerCase();
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (isIPv4(tail)) {
    const [a, b, c, d] = tail.split('.').map(Number) as [number, number, number, number];
    s = `${s.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = s.split('::');
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const rest = halves.length === 2 && halves[1] !== '' ? halves[1]!.split(':') : [];
  const groups = [...head, ...new Array<string>(8 - head.length - rest.length).fill('0'), ...rest];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

export function formatAddress(bytes: Buffer): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i));
  // RFC 5952 §4.2: compress the longest run of two or more zero groups, the first one on a tie.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** Canonical text of an address; undefined when it is not one. */
export function canonicalAddress(addr: string): string | undefined {
  const b = addressBytes(unmapIPv4(addr));
  return b && formatAddress(b);
}

/** Parses `a.b.c.d/n` or `x::/n`; host bits are cleared. A bare address is a host prefix. */
export function parsePrefixText(text: string): ParsedPrefix | undefined {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const bytes = addressBytes(addr);
  if (!bytes) return undefined;
  const max = bytes.length * 8;
  let length = max;
  if (slash >= 0) {
    const l = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(l)) return undefined;
    length = Number(l);
    if (length > max) return undefined;
  }
  clearHostBits(bytes, length);
  return { version: bytes.length === 4 ? 4 : 6, bytes, length, text: `${formatAddress(bytes)}/${length}` };
}

export function clearHostBits(bytes: Buffer, length: number): void {
  for (let i = 0; i < bytes.length; i++) {
    const bitsHere = Math.min(Math.max(length - i * 8, 0), 8);
    bytes[i] = bytes[i]! & ((0xff00 >> bitsHere) & 0xff);
  }
}

/** `addr` lies inside `prefix` (same version, first prefix.length bits equal). */
export function prefixContains(prefix: ParsedPrefix, addr: Buffer): boolean {
  if (addr.length !== prefix.bytes.length) return false;
  const full = prefix.length >> 3;
  for (let i = 0; i < full; i++) if (addr[i] !== prefix.bytes[i]) return false;
  const rem = prefix.length & 7;
  if (rem === 0) return true;
  const mask = (0xff00 >> rem) & 0xff;
  return (addr[full]! & mask) === prefix.bytes[full];
}
