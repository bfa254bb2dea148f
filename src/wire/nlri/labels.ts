/**
 * The 3-octet label fields of labelled NLRI.
 *
 * MPLS (RFC 3032 §2.1, RFC 8277 §2): the high-order 20 bits are the label, then 3 bits of
 * traffic class, then S, the bottom-of-stack bit:
 *
 *    0                   1                   2
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                Label                  | TC  |S|
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * VXLAN (RFC 8365 §5.1.3): in EVPN routes the whole 24-bit field is the VNI. Which reading
 * applies depends on the encapsulation extended community of the route, which the NLRI codec
 * does not see: EVPN NLRI therefore keep the raw 24-bit fields (`vniOf` / `mplsLabelOf` read
 * them), while VPN NLRI (SAFI 128, MPLS only) keep 20-bit label values.
 */
import { BgpError, ErrorCode, UpdateSubcode } from '../errors.js';

/** RFC 3107 §3 / RFC 8277 §2.4: the label field of a withdrawn route ("compatibility" value). */
export const WITHDRAWN_LABEL_FIELD = 0x800000;
export const MAX_MPLS_LABEL = 0xfffff;
export const MAX_VNI = 0xffffff;

/** The 3-octet field of an MPLS label, with the bottom-of-stack bit when `bottom`. */
export function mplsLabelField(label: number, bottom: boolean): number {
  if (!Number.isInteger(label) || label < 0 || label > MAX_MPLS_LABEL) throw new Error(`invalid MPLS label ${label}`);
  return (label << 4) | (bottom ? 1 : 0);
}
export function mplsLabelOf(field: number): number {
  return field >>> 4;
}
export function isBottomOfStack(field: number): boolean {
  return (field & 1) === 1;
}
/** RFC 8365 §5.1.3: the VNI is the whole field. */
export function vniOf(field: number): number {
  return field & MAX_VNI;
}
export function vniField(vni: number): number {
  if (!Number.isInteger(vni) || vni < 0 || vni > MAX_VNI) throw new Error(`invalid VNI ${vni}`);
  return vni;
}

export function readLabelField(buf: Buffer, o: number): number {
  return (buf[o]! << 16) | (buf[o + 1]! << 8) | buf[o + 2]!;
}
export function writeLabelField(field: number, buf: Buffer, o: number): number {
  buf[o] = (field >>> 16) & 0xff;
  buf[o + 1] = (field >>> 8) & 0xff;
  buf[o + 2] = field & 0xff;
  return o + 3;
}

/**
 * Reads an MPLS label stack (RFC 8277 §2.2) from buf[o, end): label values until the one with
 * the bottom-of-stack bit. The withdrawal value 0x800000 ends the stack and means "no label"
 * (empty list); so does a zero field, which some speakers send in withdrawals.
 */
export function readLabelStack(buf: Buffer, o: number, end: number): { labels: number[]; end: number } {
  const labels: number[] = [];
  for (;;) {
    if (o + 3 > end) throw new BgpError(ErrorCode.UpdateMessage, UpdateSubcode.InvalidNetworkField, 'label stack without bottom of stack');
    const field = readLabelField(buf, o);
    o += 3;
    if (field === WITHDRAWN_LABEL_FIELD) return { labels, end: o };
    labels.push(mplsLabelOf(field));
    if (isBottomOfStack(field) || field === 0) return { labels, end: o };
  }
}

/** Octets `writeLabelStack` writes: an empty stack is written as the withdrawal value. */
export function labelStackLength(labels: readonly number[]): number {
  return labels.length === 0 ? 3 : 3 * labels.length;
}

/** Writes the stack with the bottom-of-stack bit on the last label; [] as 0x800000. */
export function writeLabelStack(labels: readonly number[], buf: Buffer, o: number): number {
  if (labels.length === 0) return writeLabelField(WITHDRAWN_LABEL_FIELD, buf, o);
  for (let i = 0; i < labels.length; i++) o = writeLabelField(mplsLabelField(labels[i]!, i === labels.length - 1), buf, o);
  return o;
}
