/**
 * ATOMIC_AGGREGATE (RFC 4271 §5.1.6, well-known, empty), AGGREGATOR (§5.1.7, optional
 * transitive: ASN + IPv4 address) and AS4_AGGREGATOR (RFC 6793, always a 4-octet ASN).
 *
 *   AGGREGATOR: +--------------------------+---------------------+
 *               | ASN (2, or 4 with as4)   | IPv4 address (4)    |
 *               +--------------------------+---------------------+
 *
 * RFC 7606 §7.6, §7.7 and RFC 6793 §6: any of these malformed is attribute discard.
 */
import { AS_TRANS } from '../messages.js';
import { readIpv4, writeIpv4 } from '../ip.js';
import { AttrCode } from './types.js';
import { finishAttr, OPTIONAL_TRANSITIVE, VALUE_OFFSET, WELL_KNOWN, type AttrDecoder, type AttrEncoder } from './codec.js';

export const decodeAtomicAggregate: AttrDecoder = (_buf, _start, length, d) => {
  if (length !== 0) return `ATOMIC_AGGREGATE length ${length}`;
  d.atomicAggregate = true;
  return undefined;
};

export const encodeAtomicAggregate: AttrEncoder = (a, _ctx, buf, o) => {
  if (!a.atomicAggregate) return o;
  return finishAttr(buf, o, WELL_KNOWN, AttrCode.AtomicAggregate, o + VALUE_OFFSET);
};

export const decodeAggregator: AttrDecoder = (buf, start, length, d, ctx) => {
  const width = ctx.as4 ? 4 : 2;
  if (length !== width + 4) return `AGGREGATOR length ${length}`;
  const asn = width === 4 ? buf.readUInt32BE(start) : buf.readUInt16BE(start);
  d.aggregator = { asn, address: readIpv4(buf, start + width) };
  return undefined;
};

export const encodeAggregator: AttrEncoder = (a, ctx, buf, o) => {
  if (!a.aggregator) return o;
  let v = o + VALUE_OFFSET;
  if (ctx.as4) {
    buf.writeUInt32BE(a.aggregator.asn >>> 0, v);
    v += 4;
  } else {
    buf.writeUInt16BE(a.aggregator.asn > 0xffff ? AS_TRANS : a.aggregator.asn, v);
    v += 2;
  }
  v = writeIpv4(a.aggregator.address, buf, v);
  return finishAttr(buf, o, OPTIONAL_TRANSITIVE, AttrCode.Aggregator, v);
};

/** RFC 6793 §4.2.3: from a 4-octet speaker AS4_AGGREGATOR is ignored. */
export const decodeAs4Aggregator: AttrDecoder = (buf, start, length, d, ctx) => {
  if (ctx.as4) return 'AS4_AGGREGATOR from a 4-octet AS speaker';
  if (length !== 8) return `AS4_AGGREGATOR length ${length}`;
  d.as4Aggregator = { asn: buf.readUInt32BE(start), address: readIpv4(buf, start + 4) };
  return undefined;
};

/** RFC 6793 §4.2.2: towards an old speaker, when the aggregating AS needs 4 octets. */
export const encodeAs4Aggregator: AttrEncoder = (a, ctx, buf, o) => {
  if (ctx.as4 || !a.aggregator || a.aggregator.asn <= 0xffff) return o;
  const v = o + VALUE_OFFSET;
  buf.writeUInt32BE(a.aggregator.asn >>> 0, v);
  writeIpv4(a.aggregator.address, buf, v + 4);
  return finishAttr(buf, o, OPTIONAL_TRANSITIVE, AttrCode.As4Aggregator, v + 8);
};
