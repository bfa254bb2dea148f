/**
 * IPv4 and IPv6 addresses between their text and their octets, written into and read from a
 * Buffer at an offset. Used for next hops, BGP Identifiers, AGGREGATOR and prefixes.
 *
 * IPv6 text is printed in the RFC 5952 canonical form (lower case, longest run of zero groups
 * compressed, a single zero group left alone), so that equal addresses are equal strings.
 */

/** Reads 4 octets as a dotted quad. */
export function readIpv4(buf: Buffer, offset: number): string {
  return `${buf[offset]}.${buf[offset + 1]}.${buf[offset + 2]}.${buf[offset + 3]}`;
}

/** Parses a dotted quad into an unsigned 32-bit number; undefined when it is not one. */
export function parseIpv4Number(text: string): number | undefined {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || ++dots > 3) return undefined;
      value = value * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      // A leading zero would be read as octal by some tools: refuse the ambiguity.
      if (digits === 1 && part === 0) return undefined;
      part = part * 10 + (c - 0x30);
      if (part > 255 || ++digits > 3) return undefined;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || digits === 0) return undefined;
  return value * 256 + part;
}

/** Writes a dotted quad at `offset`; throws Error naming the text when it is not one. */
export function writeIpv4(text: string, buf: Buffer, offset: number): number {
  const v = parseIpv4Number(text);
  if (v === undefined) throw new Error(`invalid IPv4 address: ${JSON.stringify(text)}`);
  buf.writeUInt32BE(v, offset);
  return offset + 4;
}

export function isIpv4(text: string): boolean {
  return parseIpv4Number(text) !== undefined;
}

/** Parses IPv6 text (with an optional embedded IPv4 tail) into 16 octets at `offset`;
 *  returns false, leaving garbage in the 16 octets, when the text is not an IPv6 address. */
export function parseIpv6Into(text: string, buf: Buffer, offset: number): boolean {
  let s = text;
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  const groups: number[] = [];
  let gap = -1;
  let i = 0;
  if (s.startsWith('::')) {
    gap = 0;
    i = 2;
  } else if (s.startsWith(':')) {
    return false;
  }
  while (i < s.length) {
    let j = i;
    while (j < s.length && s.charCodeAt(j) !== 0x3a) j++;
    const tok = s.slice(i, j);
    if (tok.includes('.')) {
      // An IPv4 tail must be the last token (RFC 4291 §2.2 form 3).
      if (j !== s.length) return false;
      const v4 = parseIpv4Number(tok);
      if (v4 === undefined) return false;
      groups.push(v4 >>> 16, v4 & 0xffff);
    } else {
      if (tok.length === 0 || tok.length > 4 || !/^[0-9a-fA-F]+$/.test(tok)) return false;
      groups.push(parseInt(tok, 16));
    }
    if (j === s.length) break;
    if (s.charCodeAt(j + 1) === 0x3a) {
      if (gap >= 0) return false;
      gap = groups.length;
      i = j + 2;
      if (i === s.length) break;
    } else {
      i = j + 1;
      if (i === s.length) return false;
    }
  }
  if (gap < 0 ? groups.length !== 8 : groups.length > 7) return false;
  const fill = 8 - groups.length;
  let o = offset;
  for (let g = 0; g < groups.length; g++) {
    if (g === gap) for (let k = 0; k < fill; k++, o += 2) buf.writeUInt16BE(0, o);
    buf.writeUInt16BE(groups[g]!, o);
    o += 2;
  }
  if (gap === groups.length) for (let k = 0; k < fill; k++, o += 2) buf.writeUInt16BE(0, o);
  return true;
}

const scratch16 = Buffer.alloc(16);

export function isIpv6(text: string): boolean {
  return parseIpv6Into(text, scratch16, 0);
}

/** Writes IPv6 text as 16 octets at `offset`; throws Error naming the text when invalid. */
export function writeIpv6(text: string, buf: Buffer, offset: number): number {
  if (!parseIpv6Into(text, buf, offset)) throw new Error(`invalid IPv6 address: ${JSON.stringify(text)}`);
  return offset + 16;
}

/** Reads 16 octets as RFC 5952 text. */
export function readIpv6(buf: Buffer, offset: number): string {
  // Find the longest run (≥ 2) of zero groups; the first wins a tie (RFC 5952 §4.2.3).
  let bestStart = -1;
  let bestLen = 1;
  let runStart = -1;
  for (let g = 0; g <= 8; g++) {
    const zero = g < 8 && buf[offset + 2 * g] === 0 && buf[offset + 2 * g + 1] === 0;
    if (zero) {
      if (runStart < 0) runStart = g;
    } else if (runStart >= 0) {
      if (g - runStart > bestLen) {
        bestStart = runStart;
        bestLen = g - runStart;
      }
      runStart = -1;
    }
  }
  // ::ffff:a.b.c.d keeps its dotted tail, as every tool prints it (RFC 5952 §5).
  if (bestStart === 0 && bestLen === 5 && buf[offset + 10] === 0xff && buf[offset + 11] === 0xff) {
    return `::ffff:${readIpv4(buf, offset + 12)}`;
  }
  let out = '';
  for (let g = 0; g < 8; g++) {
    if (g === bestStart) {
      out += '::';
      g += bestLen - 1;
      continue;
    }
    if (out.length > 0 && !out.endsWith(':')) out += ':';
    out += buf.readUInt16BE(offset + 2 * g).toString(16);
  }
  return out;
}
