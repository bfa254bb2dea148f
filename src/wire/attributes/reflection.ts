/**
 * ORIGINATOR_ID and CLUSTER_LIST (RFC 4456 §8), optional non-transitive, IPv4-shaped ids.
 *
 * RFC 7606 §7.9, §7.10: from an external peer both are attribute discard (they only mean
 * something inside an AS); malformed (ORIGINATOR_ID not 4 octets, CLUSTER_LIST not a non-zero
 * multiple of 4) they are treat-as-withdraw.
 */
import { readIpv4, writeIpv4 } from '../ip.js';
import { AttrCode } from './types.js';
import { finishAttr, OPTIONAL, VALUE_OFFSET, type AttrDecoder, type AttrEncoder } from './codec.js';

export const decodeOriginatorId: AttrDecoder = (buf, start, length, d) => {
  if (length !== 4) return `ORIGINATOR_ID length ${length}`;
  d.originatorId = readIpv4(buf, start);
  return undefined;
};

export const encodeOriginatorId: AttrEncoder = (a, _ctx, buf, o) => {
  if (a.originatorId === undefined) return o;
  const end = writeIpv4(a.originatorId, buf, o + VALUE_OFFSET);
  return finishAttr(buf, o, OPTIONAL, AttrCode.OriginatorId, end);
};

export const decodeClusterList: AttrDecoder = (buf, start, length, d) => {
  if (length === 0 || length % 4 !== 0) return `CLUSTER_LIST length ${length}`;
  const ids: string[] = [];
  for (let o = start; o < start + length; o += 4) ids.push(readIpv4(buf, o));
  d.clusterList = ids;
  return undefined;
};

export const encodeClusterList: AttrEncoder = (a, _ctx, buf, o) => {
  if (!a.clusterList || a.clusterList.length === 0) return o;
  let v = o + VALUE_OFFSET;
  for (const id of a.clusterList) v = writeIpv4(id, buf, v);
  return finishAttr(buf, o, OPTIONAL, AttrCode.ClusterList, v);
};
