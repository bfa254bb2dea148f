/**
 * Reading links back from the kernel (`ip -json -d link show`), for the drivers' reconcile: a
 * device this driver made in a previous run is kept when its parameters are the ones wanted.
 */
import type { LinuxKernel } from './kernel.js';

/** Outer IPv4 (20) + UDP (8) + VXLAN (8) + the inner Ethernet header (14), RFC 7348 §5. */
export const VXLAN_OVERHEAD = 50;

export interface JsonLink {
  ifname: string;
  mtu: number;
  master?: string;
  address?: string;
  linkinfo?: {
    info_kind?: string;
    info_data?: { id?: number; local?: string; port?: number; learning?: boolean; proxy?: boolean };
  };
}

export async function linksByName(k: LinuxKernel): Promise<Map<string, JsonLink>> {
  const links = await k.json<JsonLink>(['-d', 'link', 'show']);
  return new Map(links.map((l) => [l.ifname, l]));
}

/** 'same' when the link is a vxlan device with these parameters, 'other' when it is something
 *  else by that name, 'none' when there is no such link. */
export function existingVxlan(
  link: JsonLink | undefined,
  want: { vni: number; local: string; port: number; proxy: boolean; address?: string },
): 'same' | 'other' | 'none' {
  if (link === undefined) return 'none';
  const d = link.linkinfo?.info_data;
  if (link.linkinfo?.info_kind !== 'vxlan' || d === undefined) return 'other';
  const same =
    d.id === want.vni && d.local === want.local && d.port === want.port && d.learning === false && (d.proxy ?? false) === want.proxy &&
    (want.address === undefined || link.address === want.address);
  return same ? 'same' : 'other';
}

/** The MTU of the device holding `address` (the VXLAN underlay); 1500 when it is lo or unknown. */
export async function underlayMtu(k: LinuxKernel, address: string): Promise<number> {
  interface JsonAddr {
    ifname: string;
    mtu: number;
    addr_info?: { local?: string }[];
  }
  try {
    const links = await k.json<JsonAddr>(['-4', 'addr', 'show']);
    const l = links.find((x) => (x.addr_info ?? []).some((a) => a.local === address));
    if (l !== undefined && l.ifname !== 'lo') return l.mtu;
  } catch {
    // fall through
  }
  return 1500;
}
