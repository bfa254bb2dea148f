/**
 * Communities as operators write them in GoBGP configs: `65000:100` and the well-known names
 * (RFC 1997, RFC 7999, RFC 8326, RFC 8642), large communities `65000:1:2` (RFC 8092), extended
 * communities `rt:65000:100` / `soo:192.0.2.1:7` (RFC 4360 §4, RFC 5668).
 *
 * The codec engineer owns the wire forms; these are only the text forms, kept here because the
 * config validates them and the policy engine compiles them (policy imports from config, never
 * the other way round).
 */
import { isIPv4 } from 'node:net';
import type { LargeCommunity } from '../wire/attributes/types.js';

export const WELL_KNOWN_COMMUNITIES: ReadonlyMap<string, number> = new Map([
  ['graceful-shutdown', 0xffff0000],
  ['accept-own', 0xffff0001],
  ['llgr-stale', 0xffff0006],
  ['no-llgr', 0xffff0007],
  ['blackhole', 0xffff029a],
  ['no-export', 0xffffff01],
  ['no-advertise', 0xffffff02],
  ['no-export-subconfed', 0xffffff03],
  ['no-peer', 0xffffff04],
]);
const wellKnownByValue = new Map([...WELL_KNOWN_COMMUNITIES].map(([n, v]) => [v, n]));

function u16(s: string): number | undefined {
  if (!/^\d{1,5}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 0xffff ? n : undefined;
}
function u32(s: string): number | undefined {
  if (!/^\d{1,10}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 0xffffffff ? n : undefined;
}

/** `65000:100`, a well-known name, or a plain 32-bit number; undefined when it is none of those. */
export function parseCommunity(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  const wk = WELL_KNOWN_COMMUNITIES.get(t);
  if (wk !== undefined) return wk;
  const parts = t.split(':');
  if (parts.length === 1) return u32(t);
  if (parts.length !== 2) return undefined;
  const hi = u16(parts[0]!);
  const lo = u16(parts[1]!);
  return hi === undefined || lo === undefined ? undefined : hi * 0x10000 + lo;
}

export function formatCommunity(c: number): string {
  return wellKnownByValue.get(c) ?? `${c >>> 16}:${c & 0xffff}`;
}

export function parseLargeCommunity(text: string): LargeCommunity | undefined {
  const parts = text.trim().split(':');
  if (parts.length !== 3) return undefined;
  const v = parts.map(u32);
  if (v.some((x) => x === undefined)) return undefined;
  return [v[0]!, v[1]!, v[2]!];
}

export function formatLargeCommunity(c: LargeCommunity): string {
  return `${c[0]}:${c[1]}:${c[2]}`;
}

/** RFC 4360 §3.1 / RFC 5668 type octets and the transitive subtypes GoBGP names. */
const ExtType = { TwoOctetAs: 0x00, Ipv4: 0x01, FourOctetAs: 0x02 } as const;
const ExtSubtype: ReadonlyMap<string, number> = new Map([
  ['rt', 0x02],
  ['soo', 0x03],
]);
const subtypeName = new Map([...ExtSubtype].map(([n, v]) => [v, n]));

/** `rt:65000:100`, `rt:192.0.2.1:100`, `rt:4200000000:100`, `soo:...`; undefined otherwise. */
export function parseExtCommunity(text: string): bigint | undefined {
  const m = /^([a-z]+):(.+):(\d+)$/.exec(text.trim().toLowerCase());
  if (!m) return undefined;
  const sub = ExtSubtype.get(m[1]!);
  if (sub === undefined) return undefined;
  const admin = m[2]!;
  const local = u32(m[3]!);
  if (local === undefined) return undefined;
  if (isIPv4(admin)) {
    if (local > 0xffff) return undefined;
    const ip = admin.split('.').reduce((acc, o) => acc * 256n + BigInt(o), 0n);
    return (BigInt(ExtType.Ipv4) << 56n) | (BigInt(sub) << 48n) | (ip << 16n) | BigInt(local);
  }
  const asn = u32(admin);
  if (asn === undefined) return undefined;
  if (asn <= 0xffff) return (BigInt(ExtType.TwoOctetAs) << 56n) | (BigInt(sub) << 48n) | (BigInt(asn) << 32n) | BigInt(local);
  if (local > 0xffff) return undefined;
  return (BigInt(ExtType.FourOctetAs) << 56n) | (BigInt(sub) << 48n) | (BigInt(asn) << 16n) | BigInt(local);
}

/** Text of an extended community; types GoBGP has no short name for print as 16 hex digits. */
export function formatExtCommunity(c: bigint): string {
  const type = Number((c >> 56n) & 0xffn);
  const name = subtypeName.get(Number((c >> 48n) & 0xffn));
  if (name !== undefined) {
    if (type === ExtType.TwoOctetAs) return `${name}:${(c >> 32n) & 0xffffn}:${c & 0xffffffffn}`;
    if (type === ExtType.FourOctetAs) return `${name}:${(c >> 16n) & 0xffffffffn}:${c & 0xffffn}`;
    if (type === ExtType.Ipv4) {
      const ip = Number((c >> 16n) & 0xffffffffn);
      return `${name}:${ip >>> 24}.${(ip >>> 16) & 0xff}.${(ip >>> 8) & 0xff}.${ip & 0xff}:${c & 0xffffn}`;
    }
  }
  return c.toString(16).padStart(16, '0');
}
