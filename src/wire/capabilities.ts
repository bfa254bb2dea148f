/**
 * Capabilities advertised in OPEN (RFC 5492) and their codecs.
 *
 * Capability TLVs sit inside the Capabilities optional parameter of OPEN (RFC 5492 §4):
 *
 *   +------------------------------+
 *   | Capability Code (1 octet)    |
 *   +------------------------------+
 *   | Capability Length (1 octet)  |
 *   +------------------------------+
 *   | Capability Value (variable)  |
 *   +------------------------------+
 *
 * A known capability whose value does not have the shape its RFC gives is kept as an
 * `UnknownCapability` (raw): the session then simply does not use it, which is what RFC 5492
 * §5 lets a speaker do with a capability it cannot make sense of.
 */
import { BgpError, ErrorCode } from './errors.js';
import { afiOf, family, safiOf, type Family } from './family.js';

export const CapabilityCode = {
  Multiprotocol: 1, // RFC 4760
  RouteRefresh: 2, // RFC 2918
  ExtendedNextHop: 5, // RFC 8950 (recognised, not advertised)
  ExtendedMessage: 6, // RFC 8654
  GracefulRestart: 64, // RFC 4724
  FourOctetAs: 65, // RFC 6793
  AddPath: 69, // RFC 7911
  EnhancedRouteRefresh: 70, // RFC 7313
  Fqdn: 73, // draft-walton-bgp-hostname-capability
  RouteRefreshCisco: 128, // pre-standard route refresh, still sent by some peers
} as const;

export const AddPathDirection = { Receive: 1, Send: 2, Both: 3 } as const;

/** A capability bgpipe does not interpret (or one whose value did not parse), kept byte for
 *  byte. Extended Next Hop (5) and Cisco's route refresh (128) always arrive this way. */
export interface UnknownCapability {
  readonly code: number;
  readonly raw: Buffer;
}

export type Capability =
  | { readonly code: 1; readonly family: Family }
  | { readonly code: 2 }
  | { readonly code: 6 }
  | { readonly code: 64; readonly restarting: boolean; readonly notification: boolean; readonly restartTime: number; readonly families: readonly { readonly family: Family; readonly forwardingPreserved: boolean }[] }
  | { readonly code: 65; readonly asn: number }
  | { readonly code: 69; readonly families: readonly { readonly family: Family; readonly direction: number }[] }
  | { readonly code: 70 }
  | { readonly code: 73; readonly hostname: string; readonly domain: string }
  | UnknownCapability;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Octets `encodeCapability` writes, header included. */
export function encodedCapabilityLength(cap: Capability): number {
  return 2 + valueLength(cap);
}

function valueLength(cap: Capability): number {
  if ('raw' in cap) return cap.raw.length;
  switch (cap.code) {
    case CapabilityCode.Multiprotocol:
      return 4;
    case CapabilityCode.FourOctetAs:
      return 4;
    case CapabilityCode.GracefulRestart:
      return 2 + 4 * grFamilies(cap).length;
    case CapabilityCode.AddPath:
      return 4 * addPathFamilies(cap).length;
    case CapabilityCode.Fqdn: {
      const c = cap as Extract<Capability, { code: 73 }>;
      return 2 + fqdnPart(c.hostname).length + fqdnPart(c.domain).length;
    }
    default:
      return 0; // route refresh, extended message, enhanced route refresh
  }
}

function grFamilies(cap: Capability): Extract<Capability, { code: 64 }>['families'] {
  return (cap as Extract<Capability, { code: 64 }>).families;
}
function addPathFamilies(cap: Capability): Extract<Capability, { code: 69 }>['families'] {
  return (cap as Extract<Capability, { code: 69 }>).families;
}

/** FQDN names are at most 255 octets each (one length octet). */
function fqdnPart(text: string): Buffer {
  const b = Buffer.from(text, 'utf8');
  return b.length > 255 ? b.subarray(0, 255) : b;
}

/** Writes one capability TLV at `offset`; returns the offset after it. Throws Error when the
 *  value does not fit the one-octet length (a programming error, not a peer's). */
export function encodeCapability(cap: Capability, buf: Buffer, offset: number): number {
  const length = valueLength(cap);
  if (length > 255) throw new Error(`capability ${cap.code} value of ${length} octets does not fit`);
  buf[offset] = cap.code;
  buf[offset + 1] = length;
  let o = offset + 2;
  if ('raw' in cap) {
    cap.raw.copy(buf, o);
    return o + cap.raw.length;
  }
  switch (cap.code) {
    case CapabilityCode.Multiprotocol: {
      // RFC 4760 §8: AFI (2), Reserved (1), SAFI (1).
      const f = (cap as Extract<Capability, { code: 1 }>).family;
      buf.writeUInt16BE(afiOf(f), o);
      buf[o + 2] = 0;
      buf[o + 3] = safiOf(f);
      return o + 4;
    }
    case CapabilityCode.FourOctetAs:
      buf.writeUInt32BE((cap as Extract<Capability, { code: 65 }>).asn >>> 0, o);
      return o + 4;
    case CapabilityCode.GracefulRestart: {
      // RFC 4724 §3: R (0x8) and N (0x4, RFC 8538) flags in the top nibble, 12-bit restart
      // time; then per family AFI (2), SAFI (1), flags (F = 0x80: forwarding preserved).
      const c = cap as Extract<Capability, { code: 64 }>;
      const flags = (c.restarting ? 0x8 : 0) | (c.notification ? 0x4 : 0);
      buf.writeUInt16BE((flags << 12) | (c.restartTime & 0xfff), o);
      o += 2;
      for (const f of c.families) {
        buf.writeUInt16BE(afiOf(f.family), o);
        buf[o + 2] = safiOf(f.family);
        buf[o + 3] = f.forwardingPreserved ? 0x80 : 0;
        o += 4;
      }
      return o;
    }
    case CapabilityCode.AddPath:
      // RFC 7911 §4: AFI (2), SAFI (1), Send/Receive (1), repeated.
      for (const f of addPathFamilies(cap)) {
        buf.writeUInt16BE(afiOf(f.family), o);
        buf[o + 2] = safiOf(f.family);
        buf[o + 3] = f.direction;
        o += 4;
      }
      return o;
    case CapabilityCode.Fqdn: {
      // draft-walton-bgp-hostname-capability §3: hostname length, hostname, domain length, domain.
      const c = cap as Extract<Capability, { code: 73 }>;
      for (const part of [fqdnPart(c.hostname), fqdnPart(c.domain)]) {
        buf[o++] = part.length;
        part.copy(buf, o);
        o += part.length;
      }
      return o;
    }
    default:
      return o;
  }
}

/** Decodes the capability TLVs in buf[start, end) and appends them to `out`. A TLV whose length
 *  overruns the parameter makes the OPEN malformed: BgpError(OPEN, 0). */
export function decodeCapabilities(buf: Buffer, start: number, end: number, out: Capability[] = []): Capability[] {
  let o = start;
  while (o < end) {
    if (end - o < 2 || o + 2 + buf[o + 1]! > end) {
      throw new BgpError(ErrorCode.OpenMessage, 0, 'capability overruns its optional parameter');
    }
    const code = buf[o]!;
    const length = buf[o + 1]!;
    out.push(decodeOne(code, buf, o + 2, length));
    o += 2 + length;
  }
  return out;
}

function raw(code: number, buf: Buffer, start: number, length: number): Capability {
  return { code, raw: Buffer.from(buf.subarray(start, start + length)) };
}

function decodeOne(code: number, buf: Buffer, v: number, length: number): Capability {
  switch (code) {
    case CapabilityCode.Multiprotocol:
      if (length !== 4) break;
      return { code: 1, family: family(buf.readUInt16BE(v), buf[v + 3]!) };
    case CapabilityCode.RouteRefresh:
      if (length !== 0) break;
      return { code: 2 };
    case CapabilityCode.ExtendedMessage:
      if (length !== 0) break;
      return { code: 6 };
    case CapabilityCode.EnhancedRouteRefresh:
      if (length !== 0) break;
      return { code: 70 };
    case CapabilityCode.FourOctetAs:
      if (length !== 4) break;
      return { code: 65, asn: buf.readUInt32BE(v) };
    case CapabilityCode.GracefulRestart: {
      if (length < 2 || (length - 2) % 4 !== 0) break;
      const head = buf.readUInt16BE(v);
      const families: { family: Family; forwardingPreserved: boolean }[] = [];
      for (let o = v + 2; o < v + length; o += 4) {
        families.push({ family: family(buf.readUInt16BE(o), buf[o + 2]!), forwardingPreserved: (buf[o + 3]! & 0x80) !== 0 });
      }
      return { code: 64, restarting: (head & 0x8000) !== 0, notification: (head & 0x4000) !== 0, restartTime: head & 0xfff, families };
    }
    case CapabilityCode.AddPath: {
      if (length === 0 || length % 4 !== 0) break;
      const families: { family: Family; direction: number }[] = [];
      for (let o = v; o < v + length; o += 4) families.push({ family: family(buf.readUInt16BE(o), buf[o + 2]!), direction: buf[o + 3]! });
      return { code: 69, families };
    }
    case CapabilityCode.Fqdn: {
      if (length < 2) break;
      const hl = buf[v]!;
      if (1 + hl + 1 > length) break;
      const dl = buf[v + 1 + hl]!;
      if (2 + hl + dl > length) break;
      try {
        const hostname = utf8.decode(buf.subarray(v + 1, v + 1 + hl));
        const domain = utf8.decode(buf.subarray(v + 2 + hl, v + 2 + hl + dl));
        return { code: 73, hostname, domain };
      } catch {
        break;
      }
    }
  }
  return raw(code, buf, v, length);
}
