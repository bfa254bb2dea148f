/**
 * docker-bgp-lb's IPAM driver (contract §2.4): one address per pool, the pool itself. An LB
 * network is a /32 (and optionally a /128 given with `--ipam-opt v6subnet=`); every request,
 * the gateway's included, is answered with that address. Replies and error strings are the
 * original's, so scripts that match them keep working.
 */
import { isIP } from 'node:net';
import { PluginError, type PluginHandler, type PluginRequest } from '../plugin-server.js';

/** v1.8's IPv6-only mode: no --subnet gives this placeholder pool, never routed or advertised. */
export const IPV6_ONLY_POOL = '0.0.0.0/32';

/** Go's net.ParseCIDR, as far as docker-bgp-lb relies on it: address and prefix length. */
export function parseCidr(text: string): { address: string; length: number; v6: boolean } {
  const slash = text.indexOf('/');
  const address = slash < 0 ? '' : text.slice(0, slash);
  const lenText = slash < 0 ? '' : text.slice(slash + 1);
  const v = isIP(address);
  const max = v === 6 ? 128 : 32;
  if (v === 0 || !/^\d{1,3}$/.test(lenText) || Number(lenText) > max) throw new PluginError(`invalid CIDR address: ${text}`);
  return { address, length: Number(lenText), v6: v === 6 };
}

function requestPool(body: PluginRequest): { PoolID: string; Pool: string; Data: null } {
  let pool: string;
  if (body['V6'] === true) {
    // The request's Pool (an IPv6 --subnet) is ignored, as in the original.
    const opts = (body['Options'] ?? {}) as Record<string, unknown>;
    pool = typeof opts['v6subnet'] === 'string' ? opts['v6subnet'] : '';
    if (pool === '') throw new PluginError('IPv6 subnet is required');
    if (parseCidr(pool).length !== 128) throw new PluginError('only subnet mask /128 is supported');
  } else {
    pool = typeof body['Pool'] === 'string' ? body['Pool'] : '';
    if (pool === '') pool = IPV6_ONLY_POOL;
    if (parseCidr(pool).length !== 32) throw new PluginError('only subnet mask /32 is supported');
  }
  // The pool id is the string exactly as given (not normalised): Docker shows it back.
  return { PoolID: pool, Pool: pool, Data: null };
}

function requestAddress(body: PluginRequest): { Address: string; Data: null } {
  const pool = typeof body['PoolID'] === 'string' ? body['PoolID'] : '';
  if (pool === '') throw new PluginError('PoolID is required');
  parseCidr(pool);
  // Gateway and endpoint alike get the pool address; a preferred Address (--ip) is ignored.
  return { Address: pool, Data: null };
}

export const ipamHandlers: Record<string, PluginHandler> = {
  'IpamDriver.GetCapabilities': () => ({ RequiresMACAddress: true, Scope: '', ConnectivityScope: '' }),
  'IpamDriver.GetDefaultAddressSpaces': () => ({ LocalDefaultAddressSpace: 'global', GlobalDefaultAddressSpace: 'global' }),
  'IpamDriver.RequestPool': requestPool,
  'IpamDriver.RequestAddress': requestAddress,
  'IpamDriver.ReleaseAddress': () => ({}),
  'IpamDriver.ReleasePool': () => ({}),
};
