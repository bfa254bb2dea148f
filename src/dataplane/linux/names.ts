/**
 * Kernel object names of the VPN drivers. Interface names hold at most 15 octets (IFNAMSIZ − 1).
 *
 *   EVI bridge        evpn---<id>      bagpipe-bgp's names (linux_vxlan.py), kept exactly when
 *   EVI vxlan device  vxlan--<id>      the id fits (≤ 8 characters of [A-Za-z0-9_.-])
 *   VRF vxlan device  ipvpn--<id>      bgpipe's own (bagpipe-bgp's IP VPN driver is MPLS)
 *
 * bagpipe-bgp cuts longer ids at 15 characters, so `tenant-blue-1` and `tenant-blue-2` share one
 * bridge. bgpipe keeps the first 4 characters of such an id and adds a stable 4-character hash of
 * the whole id (`evpn---tena3k9q`): distinct ids get distinct names, the same id always the same
 * name (across restarts, which reconcile relies on). The prefixes are how the drivers recognise
 * their own objects at start.
 */
import { createHash } from 'node:crypto';

export const EVPN_BRIDGE_PREFIX = 'evpn---';
export const EVPN_VXLAN_PREFIX = 'vxlan--';
export const IPVPN_VXLAN_PREFIX = 'ipvpn--';

const IFNAMSIZ = 15;
const SAFE = /^[A-Za-z0-9_.-]+$/;

/** `prefix` + id, or prefix + id's first characters + a hash when it does not fit or is not safe. */
export function ifName(prefix: string, id: string): string {
  if (prefix.length + id.length <= IFNAMSIZ && SAFE.test(id)) return prefix + id;
  const room = IFNAMSIZ - prefix.length;
  const hash = BigInt('0x' + createHash('sha256').update(id).digest('hex').slice(0, 12)).toString(36).slice(-4).padStart(4, '0');
  const head = id.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, room - 4);
  return prefix + head + hash;
}

/** A stable routing table number for a VRF (tables 0x62700000 + 16 bits of the id's hash; the
 *  driver probes past a table another VRF of this process holds). */
export const VRF_TABLE_BASE = 0x62700000;
export const VRF_TABLE_SPAN = 0x10000;
export function vrfTable(id: string): number {
  const h = createHash('sha256').update(id).digest();
  return VRF_TABLE_BASE + h.readUInt16BE(0);
}

/** A locally administered unicast MAC derived from a string (the VRF's router MAC). */
export function stableMac(seed: string): string {
  const h = createHash('sha256').update(seed).digest();
  h[0] = (h[0]! & 0xfc) | 0x02;
  return [...h.subarray(0, 6)].map((b) => b.toString(16).padStart(2, '0')).join(':');
}
