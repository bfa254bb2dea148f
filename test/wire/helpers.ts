/** Shared by the wire tests: fixtures, contexts, and builders for hand-made UPDATE bodies. */
import fs from 'node:fs';
import { MessageReader } from '../../src/wire/header.js';
import type { CodecContext } from '../../src/wire/messages.js';

export const EBGP4: CodecContext = { as4: true, extendedMessage: false, ibgp: false };
export const IBGP4: CodecContext = { as4: true, extendedMessage: false, ibgp: true };
export const EBGP2: CodecContext = { as4: false, extendedMessage: false, ibgp: false };

const FIXTURES = new URL('../../../test/wire/fixtures/', import.meta.url);

/** A whole message from test/wire/fixtures/<name>.hex. */
export function fixture(name: string): Buffer {
  return Buffer.from(fs.readFileSync(new URL(`${name}.hex`, FIXTURES), 'utf8').trim(), 'hex');
}

export function fixtureNames(): string[] {
  return fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.hex')).map((f) => f.slice(0, -4));
}

/** The body (after the header) of one whole message, framed by MessageReader. */
export function bodyOf(message: Buffer): { type: number; body: Buffer } {
  const reader = new MessageReader(65535);
  reader.push(message);
  const m = reader.next();
  if (!m) throw new Error('incomplete message');
  return m;
}

export function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex');
}

/** One path attribute: flags, code, value (the Extended Length bit picks the length size). */
export function attr(flags: number, code: number, value: Buffer | string): Buffer {
  const v = typeof value === 'string' ? hex(value) : value;
  const head = flags & 0x10 ? Buffer.from([flags, code, v.length >> 8, v.length & 0xff]) : Buffer.from([flags, code, v.length]);
  return Buffer.concat([head, v]);
}

/** An UPDATE body from its three fields. */
export function updateBody(withdrawn: Buffer | string, attrs: Buffer | Buffer[], nlri: Buffer | string): Buffer {
  const w = typeof withdrawn === 'string' ? hex(withdrawn) : withdrawn;
  const a = Array.isArray(attrs) ? Buffer.concat(attrs) : attrs;
  const n = typeof nlri === 'string' ? hex(nlri) : nlri;
  const lens = Buffer.alloc(4);
  lens.writeUInt16BE(w.length, 0);
  const alen = Buffer.alloc(2);
  alen.writeUInt16BE(a.length);
  return Buffer.concat([lens.subarray(0, 2), w, alen, a, n]);
}

/** The mandatory attributes of a valid IPv4 announcement from AS 65001 (4-octet AS_PATH). */
export const ORIGIN_IGP = attr(0x40, 1, '00');
export const AS_PATH_65001 = attr(0x40, 2, '02 01 0000fde9');
export const NEXT_HOP_1 = attr(0x40, 3, '0a630001');
export const NLRI_10_1 = '18 0a0100';
export const BASE_ATTRS = [ORIGIN_IGP, AS_PATH_65001, NEXT_HOP_1];
