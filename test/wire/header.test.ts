import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BgpError } from '../../src/wire/errors.js';
import { MessageReader, encodeMessage } from '../../src/wire/header.js';
import { encodeKeepalive } from '../../src/wire/keepalive.js';
import { hex } from './helpers.js';

function header(length: number, type: number): Buffer {
  const b = Buffer.alloc(19, 0xff);
  b.writeUInt16BE(length, 16);
  b[18] = type;
  return b;
}

function headerError(fn: () => unknown): BgpError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof BgpError, `expected BgpError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a BgpError');
}

test('frames messages split across chunks and several messages in one chunk', () => {
  const ka = encodeKeepalive();
  const upd = encodeMessage(2, hex('00000000'));
  const stream = Buffer.concat([ka, upd, ka]);
  const r = new MessageReader();
  r.push(stream.subarray(0, 7));
  assert.equal(r.next(), undefined);
  r.push(stream.subarray(7, 30));
  assert.deepEqual(r.next(), { type: 4, body: Buffer.alloc(0) });
  assert.equal(r.next(), undefined);
  r.push(stream.subarray(30));
  const m = r.next();
  assert.equal(m?.type, 2);
  assert.deepEqual(m?.body, hex('00000000'));
  assert.equal(r.next()?.type, 4);
  assert.equal(r.next(), undefined);
});

test('bodies handed out stay valid after more data is pushed', () => {
  const r = new MessageReader();
  r.push(Buffer.concat([encodeMessage(2, hex('00000000')), encodeKeepalive().subarray(0, 5)]));
  const m = r.next()!;
  r.push(encodeKeepalive().subarray(5));
  assert.equal(r.next()?.type, 4);
  assert.deepEqual(m.body, hex('00000000'));
});

test('a marker that is not all ones is Connection Not Synchronized (1,1)', () => {
  const b = header(19, 4);
  b[3] = 0;
  const r = new MessageReader();
  r.push(b);
  const e = headerError(() => r.next());
  assert.equal(e.code, 1);
  assert.equal(e.subcode, 1);
});

for (const [name, length, type] of [
  ['shorter than 19', 18, 4],
  ['longer than 4096', 4097, 2],
  ['OPEN shorter than 29', 28, 1],
  ['UPDATE shorter than 23', 22, 2],
  ['KEEPALIVE other than 19', 20, 4],
  ['NOTIFICATION shorter than 21', 20, 3],
  ['ROUTE-REFRESH shorter than 23', 22, 5],
] as const) {
  test(`Bad Message Length (1,2) with the length as data: ${name}`, () => {
    const r = new MessageReader();
    r.push(header(length, type));
    const e = headerError(() => r.next());
    assert.equal(e.code, 1);
    assert.equal(e.subcode, 2);
    assert.deepEqual(e.data, Buffer.from([length >> 8, length & 0xff]));
  });
}

test('an unknown type is Bad Message Type (1,3) with the type octet as data', () => {
  const r = new MessageReader();
  r.push(header(19, 9));
  const e = headerError(() => r.next());
  assert.equal(e.subcode, 3);
  assert.deepEqual(e.data, Buffer.from([9]));
});

test('setMaxLength admits RFC 8654 extended messages', () => {
  const big = encodeMessage(2, Buffer.concat([hex('00000000'), Buffer.alloc(5000)]));
  const r = new MessageReader();
  r.push(big);
  assert.throws(() => r.next(), BgpError);
  const r2 = new MessageReader();
  r2.setMaxLength(65535);
  r2.push(big);
  assert.equal(r2.next()?.body.length, 5004);
});

test('a 65535-octet message arriving in 1500-octet segments frames once complete', () => {
  const big = encodeMessage(2, Buffer.concat([hex('00000000'), Buffer.alloc(65535 - 23)]));
  const stream = Buffer.concat([big, encodeKeepalive()]);
  const r = new MessageReader(65535);
  const got: number[] = [];
  for (let o = 0; o < stream.length; o += 1500) {
    r.push(stream.subarray(o, o + 1500));
    for (let m = r.next(); m; m = r.next()) got.push(m.body.length);
  }
  assert.deepEqual(got, [65535 - 19, 0]);
});
