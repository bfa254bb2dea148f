/**
 * The network configuration on stdin → a checked NetConf. Every refusal is a CniError with
 * code 7 (invalid network config) whose message names the field, or 1 for an unknown
 * cniVersion, or 6 when stdin is not JSON.
 *
 * The seed plugin's fields, as its README writes them: `importrt`, `exportrt` (one RT, or here
 * also a comma-separated string or a list), `mtu` (a number or a string of digits), `isGateway`,
 * `ipMasq`, `ipam` (delegated). bgpipe adds `vni`, `gateway` (sent as gateway_ip) and `api` (the
 * bgpiped REST URL). Unknown fields are ignored, as CNI plugins do.
 */
import { isIP } from 'node:net';
import { parseRouteTarget } from '../vpn/route-target.js';
import { CniCode, CniError } from './errors.js';
import { isSupportedVersion, SUPPORTED_VERSIONS, type CniVersion } from './version.js';

export const DEFAULT_API = 'http://127.0.0.1:8082';

export interface NetConf {
  cniVersion: CniVersion;
  /** The network name; also the EVPN instance id (vpn_instance_id). */
  name: string;
  importRts: string[];
  exportRts: string[];
  mtu?: number;
  vni?: number;
  gateway?: string;
  isGateway: boolean;
  ipMasq: boolean;
  /** bgpiped's REST API, without a trailing slash. */
  api: string;
  ipamType: string;
  prevResult?: unknown;
  /** The configuration as received, for the IPAM plugin. */
  raw: Record<string, unknown>;
}

const invalid = (msg: string): never => {
  throw new CniError(CniCode.InvalidConfig, msg);
};

/** The CNI spec's network name syntax (it is also a file name for host-local). */
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function parseJsonObject(text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new CniError(CniCode.DecodingFailure, `network configuration on stdin is not JSON: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new CniError(CniCode.DecodingFailure, 'network configuration on stdin must be a JSON object');
  return v as Record<string, unknown>;
}

/** The cniVersion of a config, checked (code 1 if it is not one this plugin speaks). */
export function configVersion(raw: Record<string, unknown>): CniVersion {
  // No cniVersion is 0.1.0, as libcni and the reference plugins read it (the seed has none).
  const v = raw.cniVersion === undefined || raw.cniVersion === '' ? '0.1.0' : raw.cniVersion;
  if (!isSupportedVersion(v)) {
    throw new CniError(CniCode.IncompatibleVersion, `cniVersion ${JSON.stringify(v)} is not supported`, `supported versions: ${SUPPORTED_VERSIONS.join(', ')}`);
  }
  return v as CniVersion;
}

function routeTargets(raw: Record<string, unknown>, field: string): string[] {
  const v = raw[field];
  if (v === undefined || v === null) return invalid(`${field} is required (route targets "ASN:NN", e.g. "64512:90")`);
  let items: unknown[];
  if (typeof v === 'string') items = v.split(',').map((s) => s.trim());
  else if (Array.isArray(v)) items = v;
  else return invalid(`${field} must be a route target string or a list of them, got ${JSON.stringify(v)}`);
  const out: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string' || parseRouteTarget(item.trim()) === undefined) {
      return invalid(`${field}: malformed route target ${JSON.stringify(item)} (expected "ASN:NN" or "a.b.c.d:NN")`);
    }
    if (!out.includes(item.trim())) out.push(item.trim());
  }
  if (out.length === 0) invalid(`${field} must name at least one route target`);
  return out;
}

/** `mtu`: a number or a string of digits (the seed writes "1500"); 68–65535 (IPv4's minimum). */
function mtu(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 68 || n > 65535) invalid(`mtu must be an integer between 68 and 65535 (a number or a string of digits), got ${JSON.stringify(v)}`);
  return n;
}

function bool(raw: Record<string, unknown>, field: string): boolean {
  const v = raw[field];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') invalid(`${field} must be true or false, got ${JSON.stringify(v)}`);
  return v as boolean;
}

function api(v: unknown): string {
  if (v === undefined || v === null) return DEFAULT_API;
  let u: URL | undefined;
  try {
    if (typeof v === 'string') u = new URL(v);
  } catch {
    u = undefined;
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) return invalid(`api must be an http:// URL of bgpiped's REST API, got ${JSON.stringify(v)}`);
  return u.href.replace(/\/+$/, '');
}

export function parseNetConf(raw: Record<string, unknown>): NetConf {
  const cniVersion = configVersion(raw);
  const name = raw.name;
  if (typeof name !== 'string' || !NAME_RE.test(name)) invalid(`name must be a network name (letters, digits, _ . -), got ${JSON.stringify(name)}`);
  const importRts = routeTargets(raw, 'importrt');
  const exportRts = routeTargets(raw, 'exportrt');
  const ipam = raw.ipam;
  if (ipam === null || typeof ipam !== 'object' || Array.isArray(ipam)) return invalid('ipam is required: an object with the IPAM plugin "type", e.g. "host-local"');
  const ipamType = (ipam as Record<string, unknown>).type;
  if (typeof ipamType !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(ipamType)) invalid(`ipam.type must name an IPAM plugin, got ${JSON.stringify(ipamType)}`);
  const conf: NetConf = {
    cniVersion,
    name: name as string,
    importRts,
    exportRts,
    isGateway: bool(raw, 'isGateway'),
    ipMasq: bool(raw, 'ipMasq'),
    api: api(raw.api),
    ipamType: ipamType as string,
    raw,
  };
  const m = mtu(raw.mtu);
  if (m !== undefined) conf.mtu = m;
  if (raw.vni !== undefined && raw.vni !== null) {
    const v = raw.vni;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 0xffffff) invalid(`vni must be an integer between 1 and 16777215, got ${JSON.stringify(v)}`);
    conf.vni = v as number;
  }
  if (raw.gateway !== undefined && raw.gateway !== null) {
    if (typeof raw.gateway !== 'string' || isIP(raw.gateway) === 0) invalid(`gateway must be an IP address, got ${JSON.stringify(raw.gateway)}`);
    conf.gateway = raw.gateway as string;
  }
  if (raw.prevResult !== undefined) conf.prevResult = raw.prevResult;
  return conf;
}

/** The CNI_* variables of ADD, DEL and CHECK (code 4 when one is missing). */
export interface CniEnv {
  command: string;
  containerId: string;
  netns: string;
  ifName: string;
  path: string[];
  args: string;
}

export function readEnv(env: NodeJS.ProcessEnv, needNetns: boolean): CniEnv {
  const need = (k: string): string => {
    const v = env[k];
    if (v === undefined || v === '') throw new CniError(CniCode.InvalidEnvironment, `${k} is required`);
    return v;
  };
  const containerId = need('CNI_CONTAINERID');
  const ifName = need('CNI_IFNAME');
  if (!/^[^\s/:]{1,15}$/.test(ifName) || ifName === '.' || ifName === '..') throw new CniError(CniCode.InvalidEnvironment, `CNI_IFNAME ${JSON.stringify(ifName)} is not a valid interface name`);
  return {
    command: need('CNI_COMMAND'),
    containerId,
    netns: needNetns ? need('CNI_NETNS') : (env.CNI_NETNS ?? ''),
    ifName,
    path: need('CNI_PATH').split(':').filter(Boolean),
    args: env.CNI_ARGS ?? '',
  };
}
