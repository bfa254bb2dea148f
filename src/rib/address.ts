/**
 * Address helpers the RIB needs and nothing else: numeric order of BGP Identifiers and peer
 * addresses for the last tie breaks (RFC 4271 §9.1.2.2 f, g), and our next hop per family.
 * Parsed values are cached: there are as many distinct inputs as peers, not as routes.
 */
import { AFI, afiOf, type Family } from '../wire/family.js';

const ids = new Map<string, number>();

/** A dotted quad as an unsigned 32-bit number (BGP Identifier order, RFC 4271 §9.1.2.2 f). */
export function routerIdValue(id: string): number {
  let v = ids.get(id);
  if (v === undefined) {
    v = ipv4Value(id) ?? 0;
    ids.set(id, v);
  }
  return v;
}

function ipv4Value(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0;
  for (const p of parts) {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 0 || n > 255 || p === '') return undefined;
    v = v * 256 + n;
  }
  return v;
}

const orderKeys = new Map<string, string>();

/** A string whose order is the numeric order of the address: IPv4 before IPv6, each by value. */
export function addressOrderKey(addr: string): string {
  let k = orderKeys.get(addr);
  if (k === undefined) {
    const v4 = ipv4Value(addr);
    k = v4 !== undefined ? '4' + v4.toString(16).padStart(8, '0') : '6' + expandIpv6(addr);
    orderKeys.set(addr, k);
  }
  return k;
}

/** 32 hex digits; input that is not IPv6 is returned as is so that it still orders stably. */
function expandIpv6(addr: string): string {
  let s = addr.toLowerCase();
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  // An embedded IPv4 tail (::ffff:a.b.c.d) becomes two groups.
  const lastColon = s.lastIndexOf(':');
  const tail = ipv4Value(s.slice(lastColon + 1));
  if (tail !== undefined) s = s.slice(0, lastColon + 1) + (tail >>> 16).toString(16) + ':' + (tail & 0xffff).toString(16);
  const halves = s.split('::');
  if (halves.length > 2) return addr;
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const rest = halves.length === 2 && halves[1] !== '' ? halves[1]!.split(':') : [];
  const fill = halves.length === 2 ? 8 - head.length - rest.length : 0;
  const groups = [...head, ...new Array<string>(Math.max(fill, 0)).fill('0'), ...rest];
  if (groups.length !== 8) return addr;
  return groups.map((g) => g.padStart(4, '0')).join('');
}

export function compareAddresses(a: string, b: string): number {
  if (a === b) return 0;
  const ka = addressOrderKey(a);
  const kb = addressOrderKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** "0.0.0.0" / "::": a locally originated route's way of saying "next hop self". */
export function isUnspecified(nextHop: string): boolean {
  return nextHop === '0.0.0.0' || nextHop === '::' || nextHop === '';
}

/** Our next hop towards a peer for a family: IPv6 families need an IPv6 address (RFC 2545 §2);
 *  without a configured one we send the IPv4-mapped form of the session address (RFC 4291
 *  §2.5.5.2), which is what FRR and GoBGP do on an IPv4 session. */
export function localNextHop(family: Family, localAddress: string, localAddressV6: string | undefined): string {
  if (afiOf(family) !== AFI.IPv6) return localAddress;
  if (localAddressV6 !== undefined) return localAddressV6;
  return ipv4Value(localAddress) !== undefined ? '::ffff:' + localAddress : localAddress;
}
