/**
 * Ethernet Segment Identifiers (RFC 7432 §5): 10 octets, a type octet and 9 octets of value.
 *
 *   Type 0  operator configured      | 9 octets, arbitrary                                   |
 *   Type 1  IEEE 802.1AX LACP        | CE system MAC (6) | CE port key (2)          | 0x00 |
 *   Type 2  bridged LAN, MSTP        | root bridge MAC (6) | root bridge priority (2) | 0x00 |
 *   Type 3  MAC based                | system MAC (6)    | local discriminator (3)         |
 *   Type 4  router ID based          | router ID (4)     | local discriminator (4)  | 0x00 |
 *   Type 5  AS based                 | ASN (4)           | local discriminator (4)  | 0x00 |
 *
 * bgpipe carries an ESI as its 10 octets in colon hex (`00:00:00:00:00:00:00:00:00:00`, FRR's
 * form): canonical, lossless whatever the type, and cheap to compare. `formatEsi` gives gobgp's
 * description (`single-homed`, `ESI_LACP | system mac aa:bb:cc:dd:ee:01, port key 1`), and
 * `parseEsi` reads either form back.
 */
import { parseIpv4Number, readIpv4 } from '../ip.js';
import { parseMacInto, readMac } from '../mac.js';

/** Canonical text: 10 octets, lower-case colon hex. */
export type Esi = string;

export const ESI_LENGTH = 10;
export const ZERO_ESI: Esi = '00:00:00:00:00:00:00:00:00:00';

export const EsiType = { Arbitrary: 0, Lacp: 1, Mstp: 2, Mac: 3, RouterId: 4, As: 5 } as const;

function hexColons(buf: Buffer, start: number, end: number): string {
  let out = '';
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    out += (i > start ? ':' : '') + (b < 16 ? '0' : '') + b.toString(16);
  }
  return out;
}

export function readEsi(buf: Buffer, offset: number): Esi {
  return hexColons(buf, offset, offset + ESI_LENGTH);
}

const scratch = Buffer.alloc(ESI_LENGTH);

/** Writes an ESI (any form `parseEsi` accepts) at `offset`; throws Error naming the text. */
export function writeEsi(text: string, buf: Buffer, offset: number): number {
  // The zero ESI (single-homed, RFC 7432 §5) of nearly every route, without parsing its text.
  if (text === ZERO_ESI) {
    for (let i = 0; i < ESI_LENGTH; i++) buf[offset + i] = 0;
    return offset + ESI_LENGTH;
  }
  if (!parseEsiInto(text, buf, offset)) throw new Error(`invalid ESI ${JSON.stringify(text)}`);
  return offset + ESI_LENGTH;
}

/** Parses an ESI into its canonical text; throws Error naming the input. */
export function parseEsi(text: string): Esi {
  writeEsi(text, scratch, 0);
  return readEsi(scratch, 0);
}

/** The ESI of `type` made of its parts (RFC 7432 §5), as canonical text. */
export function makeEsi(
  esi:
    | { type: 0; value: Buffer }
    | { type: 1; mac: string; portKey: number }
    | { type: 2; mac: string; priority: number }
    | { type: 3; mac: string; discriminator: number }
    | { type: 4; routerId: string; discriminator: number }
    | { type: 5; asn: number; discriminator: number },
): Esi {
  const b = Buffer.alloc(ESI_LENGTH);
  b[0] = esi.type;
  const fail = () => new Error(`invalid ESI parts ${JSON.stringify({ ...esi, value: undefined })}`);
  const u = (n: number, max: number) => {
    if (!Number.isInteger(n) || n < 0 || n > max) throw fail();
    return n;
  };
  switch (esi.type) {
    case 0:
      if (esi.value.length !== 9) throw fail();
      esi.value.copy(b, 1);
      break;
    case 1:
    case 2:
      if (!parseMacInto(esi.mac, b, 1)) throw fail();
      b.writeUInt16BE(u(esi.type === 1 ? esi.portKey : esi.priority, 0xffff), 7);
      break;
    case 3:
      if (!parseMacInto(esi.mac, b, 1)) throw fail();
      b.writeUIntBE(u(esi.discriminator, 0xffffff), 7, 3);
      break;
    case 4: {
      const id = parseIpv4Number(esi.routerId);
      if (id === undefined) throw fail();
      b.writeUInt32BE(id, 1);
      b.writeUInt32BE(u(esi.discriminator, 0xffffffff), 5);
      break;
    }
    case 5:
      b.writeUInt32BE(u(esi.asn, 0xffffffff), 1);
      b.writeUInt32BE(u(esi.discriminator, 0xffffffff), 5);
      break;
  }
  return readEsi(b, 0);
}

/** gobgp's description of an ESI (`gobgp global rib -a evpn`). */
export function formatEsi(esi: Esi): string {
  writeEsi(esi, scratch, 0);
  const b = scratch;
  switch (b[0]) {
    case 0:
      return b.subarray(1).every((x) => x === 0) ? 'single-homed' : `ESI_ARBITRARY | ${hexColons(b, 1, 10)}`;
    case 1:
      return `ESI_LACP | system mac ${readMac(b, 1)}, port key ${b.readUInt16BE(7)}`;
    case 2:
      return `ESI_MSTP | bridge mac ${readMac(b, 1)}, priority ${b.readUInt16BE(7)}`;
    case 3:
      return `ESI_MAC | system mac ${readMac(b, 1)}, local discriminator ${b.readUIntBE(7, 3)}`;
    case 4:
      return `ESI_ROUTERID | router id ${readIpv4(b, 1)}, local discriminator ${b.readUInt32BE(5)}`;
    case 5:
      return `ESI_AS | as ${b.readUInt32BE(1)}, local discriminator ${b.readUInt32BE(5)}`;
    default:
      return `ESI_TYPE_${b[0]} | ${hexColons(b, 1, 10)}`;
  }
}

const GOBGP_FORMS: readonly (readonly [RegExp, (m: RegExpExecArray) => Esi])[] = [
  [/^ESI_ARBITRARY \| ([0-9a-f:]+)$/i, (m) => makeEsi({ type: 0, value: Buffer.from(m[1]!.replace(/:/g, ''), 'hex') })],
  [/^ESI_LACP \| system mac ([0-9a-f:]+), port key (\d+)$/i, (m) => makeEsi({ type: 1, mac: m[1]!, portKey: Number(m[2]) })],
  [/^ESI_MSTP \| bridge mac ([0-9a-f:]+), priority (\d+)$/i, (m) => makeEsi({ type: 2, mac: m[1]!, priority: Number(m[2]) })],
  [/^ESI_MAC \| system mac ([0-9a-f:]+), local discriminator (\d+)$/i, (m) => makeEsi({ type: 3, mac: m[1]!, discriminator: Number(m[2]) })],
  [/^ESI_ROUTERID \| router id ([0-9.]+), local discriminator (\d+)$/i, (m) => makeEsi({ type: 4, routerId: m[1]!, discriminator: Number(m[2]) })],
  [/^ESI_AS \| as (\d+), local discriminator (\d+)$/i, (m) => makeEsi({ type: 5, asn: Number(m[1]), discriminator: Number(m[2]) })],
  [/^ESI_TYPE_(\d+) \| ([0-9a-f:]+)$/i, (m) => readEsi(Buffer.from((Number(m[1]) & 0xff).toString(16).padStart(2, '0') + m[2]!.replace(/:/g, ''), 'hex'), 0)],
];

function parseEsiInto(text: string, buf: Buffer, offset: number): boolean {
  const t = text.trim();
  if (t === 'single-homed' || t === '0') {
    buf.fill(0, offset, offset + ESI_LENGTH);
    return true;
  }
  if (/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){9}$/.test(t)) {
    buf.write(t.replace(/:/g, ''), offset, ESI_LENGTH, 'hex');
    return true;
  }
  for (const [re, make] of GOBGP_FORMS) {
    const m = re.exec(t);
    if (!m) continue;
    let esi: Esi;
    try {
      esi = make(m);
    } catch {
      return false;
    }
    if (esi.length !== 29) return false;
    buf.write(esi.replace(/:/g, ''), offset, ESI_LENGTH, 'hex');
    return true;
  }
  return false;
}

/** The ESI's type octet. */
export function esiType(esi: Esi): number {
  return parseInt(esi.slice(0, 2), 16);
}
