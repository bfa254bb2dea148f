/**
 * 48-bit MAC addresses (EVPN MAC/IP routes, ESI values, the Router's MAC extended community)
 * between their text, `aa:bb:cc:dd:ee:ff` in lower case as gobgp and iproute2 print them, and
 * their 6 octets in a Buffer.
 */

/** Reads 6 octets as `aa:bb:cc:dd:ee:ff`. */
export function readMac(buf: Buffer, offset: number): string {
  let out = '';
  for (let i = 0; i < 6; i++) {
    const b = buf[offset + i]!;
    out += (i ? ':' : '') + (b < 16 ? '0' : '') + b.toString(16);
  }
  return out;
}

/** Writes `aa:bb:cc:dd:ee:ff` (or with `-` separators) at `offset`; false when it is not a MAC. */
export function parseMacInto(text: string, buf: Buffer, offset: number): boolean {
  const parts = text.trim().split(/[:-]/);
  if (parts.length !== 6) return false;
  for (let i = 0; i < 6; i++) {
    if (!/^[0-9a-fA-F]{1,2}$/.test(parts[i]!)) return false;
    buf[offset + i] = parseInt(parts[i]!, 16);
  }
  return true;
}

/** Writes a MAC at `offset`; throws Error naming the text when it is not one. */
export function writeMac(text: string, buf: Buffer, offset: number): number {
  if (!parseMacInto(text, buf, offset)) throw new Error(`invalid MAC address: ${JSON.stringify(text)}`);
  return offset + 6;
}

const scratch = Buffer.alloc(6);

/** The canonical text of a MAC, or undefined when `text` is not one. */
export function normalizeMac(text: string): string | undefined {
  return parseMacInto(text, scratch, 0) ? readMac(scratch, 0) : undefined;
}
