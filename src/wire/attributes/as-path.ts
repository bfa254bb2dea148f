/**
 * AS_PATH (RFC 4271 §5.1.2, §4.3) and AS4_PATH (RFC 6793).
 *
 *   +-----------------+-----------------+----------------------------------+
 *   | Segment type    | Segment length  | Segment value: length ASNs, each |
 *   | (1 octet)       | (1 octet, ASNs) | 2 octets, or 4 (RFC 6793)        |
 *   +-----------------+-----------------+----------------------------------+
 *
 * Segment types: 1 AS_SET, 2 AS_SEQUENCE, 3 AS_CONFED_SEQUENCE, 4 AS_CONFED_SET (RFC 5065).
 * Inside bgpipe a path is always 4-octet: between two 4-octet speakers AS_PATH carries 4-octet
 * ASNs; with an old speaker AS_PATH is 2-octet (AS_TRANS standing for big ASNs) and AS4_PATH
 * carries the real ones, merged on receipt as RFC 6793 §4.2.3 says.
 */
import { AS_TRANS } from '../messages.js';
import { AsPathSegmentType, AttrCode, type AsPathSegment } from './types.js';
import { finishAttr, OPTIONAL_TRANSITIVE, VALUE_OFFSET, WELL_KNOWN, type AttrDecoder, type AttrEncoder } from './codec.js';

const MAX_SEGMENT = 255;

/** Segments in buf[start, start + length) of `width`-octet ASNs, or why they are malformed
 *  (RFC 7606 §7.2: unknown segment type, overrun, underrun, zero segment length). */
export function parseSegments(buf: Buffer, start: number, length: number, width: 2 | 4): AsPathSegment[] | string {
  // Checked and counted first, so that the list is allocated at its size: an interned
  // attribute set keeps it for as long as routes carry the set.
  const end = start + length;
  let n = 0;
  for (let o = start; o < end; n++) {
    if (end - o < 2) return 'AS_PATH segment header underrun';
    const type = buf[o]!;
    const count = buf[o + 1]!;
    if (type < AsPathSegmentType.Set || type > AsPathSegmentType.ConfedSet) return `AS_PATH segment type ${type}`;
    if (count === 0) return 'AS_PATH segment of length 0';
    o += 2 + count * width;
    if (o > end) return 'AS_PATH segment overrun';
  }
  const segments = new Array<AsPathSegment>(n);
  for (let s = 0, o = start; s < n; s++) {
    const type = buf[o]!;
    const count = buf[o + 1]!;
    o += 2;
    const asns = new Array<number>(count);
    if (width === 4) for (let i = 0; i < count; i++, o += 4) asns[i] = buf.readUInt32BE(o);
    else for (let i = 0; i < count; i++, o += 2) asns[i] = buf.readUInt16BE(o);
    segments[s] = { type, asns };
  }
  return segments;
}

export const decodeAsPath: AttrDecoder = (buf, start, length, d, ctx) => {
  const segments = parseSegments(buf, start, length, ctx.as4 ? 4 : 2);
  if (typeof segments === 'string') return segments;
  d.asPath = segments;
  return undefined;
};

/** RFC 6793 §6: AS4_PATH errors are attribute discard; a 4-octet speaker's AS4_PATH is ignored
 *  (§4.2.3); confederation segments do not belong in it and are dropped. */
export const decodeAs4Path: AttrDecoder = (buf, start, length, d, ctx) => {
  if (ctx.as4) return 'AS4_PATH from a 4-octet AS speaker';
  const segments = parseSegments(buf, start, length, 4);
  if (typeof segments === 'string') return segments.replace('AS_PATH', 'AS4_PATH');
  d.as4Path = segments.filter((s) => s.type === AsPathSegmentType.Set || s.type === AsPathSegmentType.Sequence);
  return undefined;
};

/** Path length for RFC 6793 §4.2.3 and the decision process: a set counts one, confed none. */
export function asPathCount(path: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of path) {
    if (s.type === AsPathSegmentType.Sequence) n += s.asns.length;
    else if (s.type === AsPathSegmentType.Set) n += 1;
  }
  return n;
}

/**
 * RFC 6793 §4.2.3: when AS_PATH is longer than AS4_PATH, its leading (count difference) ASNs
 * followed by AS4_PATH are the path; when it is shorter, AS4_PATH is ignored.
 */
export function mergeAs4Path(asPath: readonly AsPathSegment[], as4Path: readonly AsPathSegment[]): AsPathSegment[] {
  let keep = asPathCount(asPath) - asPathCount(as4Path);
  if (keep < 0) return asPath.slice();
  const out: AsPathSegment[] = [];
  for (const s of asPath) {
    if (keep <= 0) break;
    if (s.type === AsPathSegmentType.Sequence) {
      if (s.asns.length <= keep) {
        out.push(s);
        keep -= s.asns.length;
      } else {
        out.push({ type: s.type, asns: s.asns.slice(0, keep) });
        keep = 0;
      }
    } else {
      out.push(s);
      if (s.type === AsPathSegmentType.Set) keep -= 1;
    }
  }
  for (const s of as4Path) {
    const last = out[out.length - 1];
    if (last && last.type === AsPathSegmentType.Sequence && s.type === AsPathSegmentType.Sequence && last.asns.length + s.asns.length <= MAX_SEGMENT) {
      out[out.length - 1] = { type: last.type, asns: [...last.asns, ...s.asns] };
    } else {
      out.push(s);
    }
  }
  return out;
}

function writeSegments(path: readonly AsPathSegment[], width: 2 | 4, skipConfed: boolean, buf: Buffer, o: number): number {
  for (const s of path) {
    if (skipConfed && s.type !== AsPathSegmentType.Set && s.type !== AsPathSegmentType.Sequence) continue;
    // A segment holds at most 255 ASNs; a longer run leaves as several segments of its type.
    for (let i = 0; i < s.asns.length; i += MAX_SEGMENT) {
      const count = Math.min(MAX_SEGMENT, s.asns.length - i);
      buf[o] = s.type;
      buf[o + 1] = count;
      o += 2;
      for (let k = i; k < i + count; k++) {
        const asn = s.asns[k]!;
        if (width === 4) {
          buf.writeUInt32BE(asn >>> 0, o);
          o += 4;
        } else {
          buf.writeUInt16BE(asn > 0xffff ? AS_TRANS : asn, o);
          o += 2;
        }
      }
    }
  }
  return o;
}

export const encodeAsPath: AttrEncoder = (a, ctx, buf, o) => {
  const end = writeSegments(a.asPath, ctx.as4 ? 4 : 2, false, buf, o + VALUE_OFFSET);
  return finishAttr(buf, o, WELL_KNOWN, AttrCode.AsPath, end);
};

/** RFC 6793 §4.2.2: only towards an old speaker, and only when some ASN needs 4 octets. */
export const encodeAs4Path: AttrEncoder = (a, ctx, buf, o) => {
  if (ctx.as4 || !needsAs4(a.asPath)) return o;
  const end = writeSegments(a.asPath, 4, true, buf, o + VALUE_OFFSET);
  return finishAttr(buf, o, OPTIONAL_TRANSITIVE, AttrCode.As4Path, end);
};

function needsAs4(path: readonly AsPathSegment[]): boolean {
  for (const s of path) {
    if (s.type !== AsPathSegmentType.Set && s.type !== AsPathSegmentType.Sequence) continue;
    for (const asn of s.asns) if (asn > 0xffff) return true;
  }
  return false;
}

/** As gobgp prints it: `65001 65002 {65003,65004} (65010 65011) [65012,65013]`. */
export function formatAsPath(path: readonly AsPathSegment[]): string {
  const parts: string[] = [];
  for (const s of path) {
    switch (s.type) {
      case AsPathSegmentType.Sequence:
        parts.push(s.asns.join(' '));
        break;
      case AsPathSegmentType.Set:
        parts.push(`{${s.asns.join(',')}}`);
        break;
      case AsPathSegmentType.ConfedSequence:
        parts.push(`(${s.asns.join(' ')})`);
        break;
      default:
        parts.push(`[${s.asns.join(',')}]`);
    }
  }
  return parts.join(' ');
}

/** The inverse of formatAsPath (config, CLI); throws Error naming the input. */
export function parseAsPath(text: string): AsPathSegment[] {
  const out: AsPathSegment[] = [];
  const re = /\{([^}]*)\}|\(([^)]*)\)|\[([^\]]*)\]|(\d+)|(\S)/g;
  let seq: number[] = [];
  const flush = () => {
    if (seq.length) out.push({ type: AsPathSegmentType.Sequence, asns: seq });
    seq = [];
  };
  const list = (s: string, sep: RegExp) =>
    s.split(sep).filter((x) => x !== '').map((x) => asn(x, text));
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[5] !== undefined) throw new Error(`invalid AS path ${JSON.stringify(text)}`);
    if (m[4] !== undefined) {
      seq.push(asn(m[4], text));
      continue;
    }
    flush();
    if (m[1] !== undefined) out.push({ type: AsPathSegmentType.Set, asns: list(m[1], /[\s,]+/) });
    else if (m[2] !== undefined) out.push({ type: AsPathSegmentType.ConfedSequence, asns: list(m[2], /[\s,]+/) });
    else out.push({ type: AsPathSegmentType.ConfedSet, asns: list(m[3]!, /[\s,]+/) });
  }
  flush();
  return out;
}

function asn(s: string, text: string): number {
  const n = Number(s);
  if (!/^\d+$/.test(s) || n > 0xffffffff) throw new Error(`invalid ASN ${JSON.stringify(s)} in ${JSON.stringify(text)}`);
  return n;
}
