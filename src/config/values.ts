/**
 * Leaf value schemas with the messages an operator should read: "expected an integer
 * 1..4294967295, got "abc"", not zod's generic wording. Each is a zod schema so that schema.ts
 * reads like the TOML it accepts.
 */
import { z } from 'zod';
import { isIPv4 } from 'node:net';
import { isIpAddress, parsePrefixText } from './address.js';

/** How a TOML value is shown in a message. */
export function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'a date';
  return 'a table';
}

export function leaf<T>(expected: string, test: (v: unknown) => boolean): z.ZodType<T> {
  return z.custom<T>(test, {
    error: (iss) => (iss.input === undefined ? `required: ${expected}` : `expected ${expected}, got ${show(iss.input)}`),
  });
}

const isInt = (v: unknown, min: number, max: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

export const int = (min: number, max: number) => leaf<number>(`an integer ${min}..${max}`, (v) => isInt(v, min, max));
export const asn = () => int(1, 4294967295);
/** peer-as may be 0 = accept the AS the peer announces (bgpipe extension). */
export const peerAsn = () => int(0, 4294967295);
export const uint32 = () => int(0, 4294967295);
export const bool = () => leaf<boolean>('true or false', (v) => typeof v === 'boolean');
export const str = () => leaf<string>('a string', (v) => typeof v === 'string');
export const nonEmpty = () => leaf<string>('a non-empty string', (v) => typeof v === 'string' && v.trim() !== '');
export const ipv4 = () => leaf<string>('an IPv4 address', (v) => typeof v === 'string' && isIPv4(v));
export const ip = () => leaf<string>('an IPv4 or IPv6 address', (v) => typeof v === 'string' && isIpAddress(v));
export const cidr = () =>
  leaf<string>('a prefix like "10.0.0.0/24" or "2001:db8::/32"', (v) => typeof v === 'string' && v.includes('/') && parsePrefixText(v) !== undefined);
/** Seconds; fractions allowed (tests run connect-retry at 0.1 s). */
export const seconds = (max: number) => leaf<number>(`a number of seconds 0..${max}`, (v) => typeof v === 'number' && v >= 0 && v <= max);
export const oneOf = <T extends string>(...values: readonly T[]) =>
  leaf<T>(values.map((x) => `"${x}"`).join(' or '), (v) => typeof v === 'string' && (values as readonly string[]).includes(v));
export const list = <T>(item: z.ZodType<T>) =>
  z.array(item, { error: (iss) => `expected an array, got ${show(iss.input)}` });
export const strList = () => list(str());

/** A TOML table; fields are all optional here and defaults are applied after inheritance. */
export function table<S extends z.ZodRawShape>(shape: S) {
  return z.object(shape, { error: (iss) => `expected a table, got ${show(iss.input)}` });
}
export function tables<S extends z.ZodRawShape>(shape: S) {
  return z.array(table(shape), { error: (iss) => `expected an array of tables ([[...]]), got ${show(iss.input)}` });
}

/** Sections and keys GoBGP has and bgpipe ignores: accepted, with a warning naming the key. */
const unsupportedSchemas = new WeakMap<z.ZodType, string>();
/** `hint`: what to use instead, appended to the warning. */
export function notSupported(hint = ''): z.ZodOptional<z.ZodUnknown> {
  const s = z.unknown().optional();
  unsupportedSchemas.set(s, hint);
  return s;
}
export function isNotSupported(s: z.ZodType): boolean {
  return unsupportedSchemas.has(s);
}
export function notSupportedHint(s: z.ZodType): string {
  return unsupportedSchemas.get(s) ?? '';
}
