/**
 * Our IPv6 next hop for IPv6 routes sent over an IPv4 session (next-hop-self towards eBGP).
 * Like FRR, take a global IPv6 address of the interface that holds the session's IPv4
 * address; `::ffff:a.b.c.d` (the RIB's fallback) is refused as a next hop by most peers.
 */
import os from 'node:os';

export function ipv6OnSameInterface(ipv4: string): string | undefined {
  for (const addresses of Object.values(os.networkInterfaces())) {
    if (!addresses?.some((a) => a.family === 'IPv4' && a.address === ipv4)) continue;
    const global = addresses.find((a) => a.family === 'IPv6' && !a.internal && !a.address.startsWith('fe80'));
    // lo is "internal" to Node even when it holds global addresses (test namespaces put them there).
    const onLoopback = addresses.find((a) => a.family === 'IPv6' && a.address !== '::1' && !a.address.startsWith('fe80'));
    return global?.address ?? onLoopback?.address;
  }
  return undefined;
}
