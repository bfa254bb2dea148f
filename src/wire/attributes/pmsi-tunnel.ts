/**
 * PMSI_TUNNEL (RFC 6514 §5), optional transitive, code 22: how an EVPN Inclusive Multicast
 * route (RFC 7432 §11.2) says where broadcast, unknown unicast and multicast traffic goes.
 *
 *   +---------------------------------+
 *   |  Flags (1 octet)                |   bit 0x01: Leaf Information Required
 *   +---------------------------------+
 *   |  Tunnel Type (1 octet)          |   6: Ingress Replication
 *   +---------------------------------+
 *   |  MPLS Label (3 octets)          |   raw field: the VNI with VXLAN (RFC 8365 §5.1.3)
 *   +---------------------------------+
 *   |  Tunnel Identifier (variable)   |   Ingress Replication: the endpoint's IP address
 *   +---------------------------------+
 *
 * An Ingress Replication identifier of 4 or 16 octets is decoded to the address text; any other
 * identifier stays a Buffer. A value shorter than 5 octets, or an Ingress Replication identifier
 * that is no address, is malformed: the registry treats the route as withdrawn, since without
 * its tunnel the route cannot be used for forwarding (RFC 7606 §2).
 */
import { isIpv4, readIpv4, readIpv6, writeIpv4, writeIpv6 } from '../ip.js';
import { readLabelField, writeLabelField } from '../nlri/labels.js';
import { AttrCode, type PmsiTunnel } from './types.js';
import { finishAttr, OPTIONAL_TRANSITIVE, VALUE_OFFSET, type AttrDecoder, type AttrEncoder } from './codec.js';

export const PmsiTunnelType = { NoTunnel: 0, RsvpTeP2mp: 1, MldpP2mp: 2, PimSsm: 3, PimSm: 4, BidirPim: 5, IngressReplication: 6, MldpMp2mp: 7 } as const;
export const PMSI_LEAF_INFO_REQUIRED = 0x01;

export const decodePmsiTunnel: AttrDecoder = (buf, start, length, d) => {
  if (length < 5) return `PMSI_TUNNEL length ${length}`;
  const tunnelType = buf[start + 1]!;
  const idLength = length - 5;
  let tunnelId: Buffer | string;
  if (tunnelType === PmsiTunnelType.IngressReplication) {
    if (idLength === 4) tunnelId = readIpv4(buf, start + 5);
    else if (idLength === 16) tunnelId = readIpv6(buf, start + 5);
    else return `PMSI_TUNNEL ingress replication endpoint of ${idLength} octets`;
  } else {
    tunnelId = Buffer.from(buf.subarray(start + 5, start + length));
  }
  d.pmsiTunnel = { flags: buf[start]!, tunnelType, label: readLabelField(buf, start + 2), tunnelId };
  return undefined;
};

/** Written as optional transitive without the Partial bit: bgpipe knows this attribute. */
export const encodePmsiTunnel: AttrEncoder = (a, _ctx, buf, o) => {
  const p = a.pmsiTunnel;
  if (!p) return o;
  let v = o + VALUE_OFFSET;
  buf[v] = p.flags;
  buf[v + 1] = p.tunnelType;
  v = writeLabelField(p.label, buf, v + 2);
  if (typeof p.tunnelId === 'string') v = isIpv4(p.tunnelId) ? writeIpv4(p.tunnelId, buf, v) : writeIpv6(p.tunnelId, buf, v);
  else v += p.tunnelId.copy(buf, v);
  return finishAttr(buf, o, OPTIONAL_TRANSITIVE, AttrCode.PmsiTunnel, v);
};

const TUNNEL_NAMES = ['no-tunnel', 'rsvp-te-p2mp', 'mldp-p2mp', 'pim-ssm', 'pim-sm', 'bidir-pim', 'ingress-repl', 'mldp-mp2mp'];

/** gobgp's text: `type: ingress-repl, label: 100, tunnel-id: 10.99.0.1`. */
export function formatPmsiTunnel(p: PmsiTunnel): string {
  const id = typeof p.tunnelId === 'string' ? p.tunnelId : '0x' + p.tunnelId.toString('hex');
  const leaf = p.flags & PMSI_LEAF_INFO_REQUIRED ? ', leaf-info-required' : '';
  return `type: ${TUNNEL_NAMES[p.tunnelType] ?? p.tunnelType}, label: ${p.label}, tunnel-id: ${id}${leaf}`;
}
