/**
 * An acknowledged attachment as it is persisted: the attach body in bagpipe-bgp's own field
 * names, normalised (MAC lower case, IP as address/length, RTs as `ASN:NN`). At start each one
 * goes through the same request parser and attach as a client's, so a stored attachment can
 * never bypass validation, and the file is readable and editable by an operator.
 */
import type { AttachRequest, IpEndpoint, Json, JsonObject } from './types.js';

export interface AttachmentRecord extends JsonObject {
  vpn_type: string;
  vpn_instance_id: string;
  mac_address: string;
  import_rt: string[];
  export_rt: string[];
  instance_description: Json;
}

export function recordKey(vpnInstanceId: string, mac: string, ip: IpEndpoint | undefined): string {
  return JSON.stringify([vpnInstanceId, mac, ip?.text ?? null]);
}

/** The recordKey of a stored record (its ip_address is the IpEndpoint's text). */
export function storedRecordKey(r: AttachmentRecord): string {
  return JSON.stringify([r.vpn_instance_id, r.mac_address, typeof r.ip_address === 'string' ? r.ip_address : null]);
}

export function attachRecord(r: AttachRequest): AttachmentRecord {
  const rec: AttachmentRecord = {
    vpn_type: r.vpnType,
    vpn_instance_id: r.vpnInstanceId,
    mac_address: r.macAddress,
    local_port: r.localPort.raw,
    import_rt: r.importRts.map((x) => x.text),
    export_rt: r.exportRts.map((x) => x.text),
    advertise_subnet: r.advertiseSubnet,
    direction: r.direction,
    vni: r.vni,
    lb_consistent_hash_order: r.lbConsistentHashOrder,
    description: r.description,
    instance_description: r.instanceDescription,
  };
  if (r.ip) rec.ip_address = r.ip.text;
  if (r.gatewayIp !== undefined) rec.gateway_ip = r.gatewayIp;
  else if (r.vpnType === 'ipvpn') rec.gateway_ip = null;
  if (r.linuxbr !== undefined) rec.linuxbr = r.linuxbr;
  if (r.readvertise) rec.readvertise = { from_rt: r.readvertise.fromRt.map((x) => x.text), to_rt: r.readvertise.toRt.map((x) => x.text) };
  if (r.attractTraffic) rec.attract_traffic = r.attractTraffic.raw;
  if (r.localPref !== undefined) rec.local_pref = r.localPref;
  if (r.fallback !== undefined) rec.fallback = r.fallback;
  return rec;
}
