/**
 * CNI versions this plugin speaks, and the result in each one's shape.
 *
 * 0.1.0, 0.2.0 (legacy): `{ip4: {ip, gateway, routes}, ip6, dns}`. A config without cniVersion
 * is 0.1.0 (libcni's and skel's rule) — the seed's example has none, so it gets this shape.
 * 0.3.0, 0.3.1, 0.4.0: `ips[].version` ("4"/"6") is required. 1.0.0 dropped it. 1.1.0 added
 * optional `interfaces[].mtu`. Everything else (interfaces, ips[].interface, routes, dns) is the
 * same, so one internal result is rendered per version.
 */
export const SUPPORTED_VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export type CniVersion = (typeof SUPPORTED_VERSIONS)[number];

export function isSupportedVersion(v: unknown): v is CniVersion {
  return typeof v === 'string' && (SUPPORTED_VERSIONS as readonly string[]).includes(v);
}

export interface CniInterface {
  name: string;
  mac: string;
  sandbox?: string;
  mtu?: number;
}

export interface CniIp {
  /** `a.b.c.d/len` */
  address: string;
  gateway?: string;
  /** Index into interfaces. */
  interface?: number;
}

export interface CniRoute {
  dst: string;
  gw?: string;
}

export interface CniDns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

export interface CniResult {
  interfaces: CniInterface[];
  ips: CniIp[];
  routes: CniRoute[];
  dns: CniDns;
}

/** `version` is in ips before 1.0.0 (CNI spec 0.3/0.4 "Result"). */
export function renderResult(r: CniResult, v: CniVersion): Record<string, unknown> {
  if (v === '0.1.0' || v === '0.2.0') return renderLegacy(r, v);
  const pre1 = v.startsWith('0.');
  return {
    cniVersion: v,
    interfaces: r.interfaces.map((i) => ({ name: i.name, mac: i.mac, ...(i.sandbox !== undefined ? { sandbox: i.sandbox } : {}), ...(v === '1.1.0' && i.mtu !== undefined ? { mtu: i.mtu } : {}) })),
    ips: r.ips.map((ip) => ({
      ...(pre1 ? { version: ip.address.includes(':') ? '6' : '4' } : {}),
      address: ip.address,
      ...(ip.gateway !== undefined ? { gateway: ip.gateway } : {}),
      ...(ip.interface !== undefined ? { interface: ip.interface } : {}),
    })),
    routes: r.routes.map((rt) => ({ dst: rt.dst, ...(rt.gw !== undefined ? { gw: rt.gw } : {}) })),
    dns: r.dns,
  };
}

/**
 * Reads a result in any supported version (an IPAM plugin's answer, or prevResult): the fields
 * this plugin uses, checked. Throws a message naming what is wrong.
 */
export function parseResult(v: unknown, what: string): CniResult {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${what} is not a JSON object`);
  const o = v as Record<string, unknown>;
  const arr = (k: string): Record<string, unknown>[] => {
    const a = o[k];
    if (a === undefined || a === null) return [];
    if (!Array.isArray(a) || !a.every((x) => x !== null && typeof x === 'object')) throw new Error(`${what}: "${k}" must be a list of objects`);
    return a as Record<string, unknown>[];
  };
  const str = (x: unknown, field: string): string => {
    if (typeof x !== 'string' || x === '') throw new Error(`${what}: ${field} must be a non-empty string`);
    return x;
  };
  const optStr = (x: unknown, field: string): string | undefined => (x === undefined || x === null ? undefined : str(x, field));
  const interfaces = arr('interfaces').map((i, n) => ({ name: str(i.name, `interfaces[${n}].name`), mac: typeof i.mac === 'string' ? i.mac : '', ...(typeof i.sandbox === 'string' ? { sandbox: i.sandbox } : {}) }));
  const ips = arr('ips').map((ip, n) => {
    const address = str(ip.address, `ips[${n}].address`);
    if (!/\/\d{1,3}$/.test(address)) throw new Error(`${what}: ips[${n}].address ${address} has no prefix length`);
    const gateway = optStr(ip.gateway, `ips[${n}].gateway`);
    const out: CniIp = { address };
    if (gateway !== undefined) out.gateway = gateway;
    if (typeof ip.interface === 'number') out.interface = ip.interface;
    return out;
  });
  const routes = arr('routes').map((r, n) => {
    const gw = optStr(r.gw, `routes[${n}].gw`);
    return gw === undefined ? { dst: str(r.dst, `routes[${n}].dst`) } : { dst: str(r.dst, `routes[${n}].dst`), gw };
  });
  const dns = o.dns !== null && typeof o.dns === 'object' && !Array.isArray(o.dns) ? (o.dns as CniDns) : {};
  return { interfaces, ips, routes, dns };
}

/** 0.1.0/0.2.0: one address per family, routes under the family of their destination. */
function renderLegacy(r: CniResult, v: CniVersion): Record<string, unknown> {
  const out: Record<string, unknown> = { cniVersion: v };
  for (const fam of ['ip4', 'ip6'] as const) {
    const v6 = fam === 'ip6';
    const ip = r.ips.find((i) => i.address.includes(':') === v6);
    if (!ip) continue;
    out[fam] = {
      ip: ip.address,
      ...(ip.gateway !== undefined ? { gateway: ip.gateway } : {}),
      routes: r.routes.filter((rt) => rt.dst.includes(':') === v6).map((rt) => ({ dst: rt.dst, ...(rt.gw !== undefined ? { gw: rt.gw } : {}) })),
    };
  }
  out.dns = r.dns;
  return out;
}
