/**
 * POST /attach_localport and /detach_localport bodies → typed requests (reference §3.3, §3.4).
 *
 * Field names, defaults, the order in which required fields are checked and the messages are
 * bagpipe-bgp's. Where bagpipe-bgp answers a client mistake with 500 (a body that is not an
 * object, a malformed route target, readvertise without to_rt, an IP with a bad prefix length,
 * a dash-form MAC…, §3.1), bgpipe answers 400 with a message naming the field. Everything is
 * checked here, before any state changes, so that a refused request leaves no trace.
 */
import { isIpv4, parseIpv6Into, readIpv6 } from '../../wire/ip.js';
import { parseRouteTarget, type RouteTarget } from '../../vpn/route-target.js';
import { pyRepr } from '../../vpn/py-repr.js';
import {
  VpnApiError,
  type AttachRequest,
  type AttractTraffic,
  type DetachRequest,
  type Direction,
  type IpEndpoint,
  type Json,
  type JsonObject,
  type LocalPort,
  type Readvertise,
  type VpnType,
} from '../../vpn/types.js';

/** The 400 bagpipe-bgp gives when the body is empty or not JSON: no `API error:` prefix. */
export class NoDetailsError extends Error {
  constructor() {
    super('No local port details received');
  }
}

const fail = (message: string): never => {
  throw new VpnApiError(message);
};

const DIRECTIONS: readonly Direction[] = ['both', 'to-port', 'from-port'];

/** Parses the body text into a JSON object, or throws (NoDetailsError / VpnApiError). */
export function parseBody(text: string): JsonObject {
  let v: Json;
  try {
    if (text.trim() === '') throw new Error('empty');
    v = JSON.parse(text) as Json;
  } catch {
    throw new NoDetailsError();
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(`the request body must be a JSON object, got ${JSON.stringify(v)}`);
  return v as JsonObject;
}

function vpnType(p: JsonObject): VpnType {
  if (!('vpn_type' in p)) fail('missing instance_type');
  const t = p.vpn_type;
  if (t !== 'evpn' && t !== 'ipvpn') fail(`unknown vpn_type: ${typeof t === 'string' ? t : pyRepr(t ?? null)}`);
  return t as VpnType;
}

function required(p: JsonObject, names: readonly string[]): void {
  for (const n of names) if (!(n in p)) fail(`Missing parameter: '${n}'`);
}

function localPort(v: Json | undefined): LocalPort {
  if (typeof v === 'string') {
    if (v === '') fail('local_port: an interface name cannot be empty');
    return { linuxif: v, raw: { linuxif: v } };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail('local_port must be an interface name or an object');
  const raw = v as JsonObject;
  if (!('linuxif' in raw) && !('evpn' in raw)) fail('Mandatory key is missing in local_port parameter (linuxif, or evpn)');
  let linuxif: string | undefined;
  if ('linuxif' in raw && raw.linuxif !== null) {
    if (typeof raw.linuxif !== 'string' || raw.linuxif === '') fail('local_port.linuxif must be a non-empty string');
    linuxif = raw.linuxif as string;
  }
  let evpnId: string | undefined;
  if ('evpn' in raw) {
    const e = raw.evpn;
    if (e === null || typeof e !== 'object' || Array.isArray(e) || typeof (e as JsonObject).id !== 'string') {
      fail(`local_port.evpn must be {"id": "<evpn vpn_instance_id>"}`);
    }
    evpnId = (e as JsonObject).id as string;
    if (linuxif !== undefined) fail('local_port: cannot specify an attachment with both a linuxif and an evpn');
  }
  if (linuxif === undefined && evpnId === undefined) fail('local_port.linuxif must be a non-empty string');
  return { linuxif, evpnId, raw };
}

/** `import_rt` / `export_rt` / readvertise lists: a list, or (`strings`) a string split on `,+ *`. */
function routeTargets(v: Json | undefined, field: string, strings: boolean): RouteTarget[] {
  let list: Json[];
  if (typeof v === 'string' && strings) list = v.split(/,+ */);
  else if (Array.isArray(v)) list = v;
  else return fail(`${field} must be a list of route targets ("ASN:NN")${strings ? ' or a comma-separated string' : ''}`);
  const out: RouteTarget[] = [];
  const seen = new Set<bigint>();
  for (const item of list) {
    if (item === '') continue; // bagpipe-bgp skips empty entries
    if (typeof item !== 'string') return fail(`${field}: malformed route target ${pyRepr(item)}`);
    const rt = parseRouteTarget(item);
    if (!rt) return fail(`${field}: malformed route target '${item}'`);
    // bagpipe-bgp removes duplicates through a set (and loses the order); bgpipe keeps the order.
    if (!seen.has(rt.value)) out.push(rt);
    seen.add(rt.value);
  }
  return out;
}

function macAddress(v: Json | undefined): string {
  const text = typeof v === 'string' ? v : typeof v === 'number' ? String(v) : pyRepr(v ?? null);
  // Colon or dash form; bagpipe-bgp accepts the dash form and then fails with a 500 (§3.1). Six
  // pairs of hex digits: lower case with colons is the canonical text (wire/mac.ts readMac).
  const mac = typeof v === 'string' && /^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/.test(v) ? v.toLowerCase().replaceAll('-', ':') : undefined;
  if (mac === undefined) fail(`MAC address ${text} is not valid`);
  return mac!;
}

/** `a.b.c.d[/len]` or an IPv6 address `[/len]`; host bits are kept (it is an endpoint). */
export function ipEndpoint(v: Json | undefined): IpEndpoint {
  const text = typeof v === 'string' ? v : pyRepr(v ?? null);
  const bad = (): never => fail(`IP address ${text} is not valid`);
  if (typeof v !== 'string') return bad();
  const slash = v.indexOf('/');
  let address = slash < 0 ? v : v.slice(0, slash);
  const v6 = !isIpv4(address);
  if (v6) {
    const b = Buffer.alloc(16);
    if (!address.includes(':') || !parseIpv6Into(address, b, 0)) return bad();
    address = readIpv6(b, 0);
  }
  const max = v6 ? 128 : 32;
  let plen = max;
  if (slash >= 0) {
    const l = v.slice(slash + 1);
    if (!/^\d{1,3}$/.test(l) || Number(l) > max) return bad();
    plen = Number(l);
  }
  return { address, plen, v6, text: `${address}/${plen}` };
}

function optionalInt(p: JsonObject, field: string, min: number, max: number): number | undefined {
  const v = p[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`'${field}' must be an integer between ${min} and ${max}, got ${pyRepr(v)}`);
  return v as number;
}

function optionalString(p: JsonObject, field: string): string | undefined {
  const v = p[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') fail(`'${field}' must be a string, got ${pyRepr(v)}`);
  return v as string;
}

function readvertise(v: Json | undefined): Readvertise | undefined {
  // bagpipe-bgp: `if readvertise:` — null, {} and absent all mean none.
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) return fail(`readvertise must be null or {"from_rt": [...], "to_rt": [...]}`);
  if (Object.keys(v).length === 0) return undefined;
  if (!('from_rt' in v)) fail(`readvertise: missing 'from_rt'`);
  if (!('to_rt' in v)) fail(`readvertise: missing 'to_rt'`);
  return { fromRt: routeTargets(v.from_rt, 'readvertise.from_rt', false), toRt: routeTargets(v.to_rt, 'readvertise.to_rt', false) };
}

/**
 * `attract_traffic` takes effect only with readvertise or its own `to_rt` (as in bagpipe-bgp).
 * Its route part (static destination prefixes advertised towards to_rt) is supported; FlowSpec
 * redirection (non-empty `redirect_rts`) is not, and is refused rather than silently ignored.
 */
function attractTraffic(v: Json | undefined, rd: Readvertise | undefined): AttractTraffic | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) return fail('attract_traffic must be an object');
  if (Object.keys(v).length === 0) return undefined;
  if (!('redirect_rts' in v)) fail(`attract_traffic: missing 'redirect_rts'`);
  const redirectRts = routeTargets(v.redirect_rts, 'attract_traffic.redirect_rts', false);
  const toRt = 'to_rt' in v && v.to_rt !== null ? routeTargets(v.to_rt, 'attract_traffic.to_rt', false) : undefined;
  const classifier = v.classifier;
  if (classifier !== undefined && classifier !== null && (typeof classifier !== 'object' || Array.isArray(classifier))) fail('attract_traffic.classifier must be an object');
  let prefixes: string[] | undefined;
  if ('static_destination_prefixes' in v && v.static_destination_prefixes !== null) {
    const s = v.static_destination_prefixes;
    if (!Array.isArray(s)) return fail('attract_traffic.static_destination_prefixes must be a list of prefixes');
    prefixes = s.map((x) => {
      const e = typeof x === 'string' && x.includes('/') ? ipEndpoint(x) : undefined;
      if (!e) return fail(`attract_traffic.static_destination_prefixes: invalid prefix ${pyRepr(x)}`);
      return e.text;
    });
  }
  const effective = rd !== undefined || (toRt !== undefined && toRt.length > 0);
  if (effective) {
    if (toRt && toRt.length > 0) {
      if (rd && (rd.toRt.length !== toRt.length || !rd.toRt.every((r) => toRt.some((t) => t.value === r.value)))) {
        fail("if both are set, then 'attract_traffic/to_rt' and 'readvertise/to_rt' have to be equal");
      }
      if (prefixes === undefined) fail("'attract_traffic/to_rt' specified without 'static_destination_prefixes'");
    }
    if ((toRt && toRt.length > 0 ? toRt : rd!.toRt).length !== 1) {
      fail("attract_traffic requires exactly one RT to be provided in 'readvertise/to_rt' and 'attract_traffic/to_rt'");
    }
    if (redirectRts.length > 0) fail('attract_traffic: FlowSpec traffic redirection (redirect_rts) is not supported by bgpipe');
  }
  return { redirectRts, classifier: (classifier ?? undefined) as JsonObject | undefined, toRt, staticDestinationPrefixes: prefixes, raw: v };
}

/** The checks attach and detach share (bagpipe-bgp's validate_convert_params). */
function common(p: JsonObject, alsoRequired: readonly string[]) {
  const type = vpnType(p);
  required(p, ['vpn_instance_id', 'mac_address', 'local_port', ...alsoRequired, ...(type === 'ipvpn' ? ['ip_address'] : [])]);
  const id = p.vpn_instance_id;
  if (typeof id !== 'string' || id === '') fail(`vpn_instance_id must be a non-empty string, got ${pyRepr(id ?? null)}`);
  const port = localPort(p.local_port);
  const mac = macAddress(p.mac_address);
  const ip = 'ip_address' in p && !(p.ip_address === null && type === 'evpn') ? ipEndpoint(p.ip_address) : undefined;
  if ('advertise_subnet' in p && typeof p.advertise_subnet !== 'boolean') fail("'advertise_subnet' must be a boolean");
  return { type, id: id as string, port, mac, ip };
}

export function parseAttach(p: JsonObject): AttachRequest {
  const { type, id, port, mac, ip } = common(p, ['import_rt', 'export_rt']);
  const importRts = routeTargets(p.import_rt, 'import_rt', true);
  const exportRts = routeTargets(p.export_rt, 'export_rt', true);
  const d = p.direction;
  const direction = (d === undefined || d === null || d === '' ? 'both' : d) as Direction;
  if (!DIRECTIONS.includes(direction)) fail(`direction should be one of: ${DIRECTIONS.join(', ')}`);
  // bgpipe's dataplane drivers forward both ways only, as bagpipe-bgp's dummy and linux drivers;
  // bagpipe-bgp refuses after creating the instance (§7.7), bgpipe before.
  if (direction !== 'both') fail(`Unsupported direction: ${direction}`);
  if (type === 'ipvpn' && !('gateway_ip' in p)) fail("Missing parameter: 'gateway_ip'");
  const gatewayIp = optionalString(p, 'gateway_ip');
  if (gatewayIp !== undefined && gatewayIp !== '' && ipEndpoint(gatewayIp).plen !== (isIpv4(gatewayIp) ? 32 : 128)) fail(`gateway_ip ${gatewayIp} is not an IP address`);
  if (type === 'evpn' && port.evpnId !== undefined) fail('local_port: an evpn instance can only be plugged into an ipvpn');
  const rd = readvertise(p.readvertise);
  const fallback = p.fallback;
  if (fallback !== undefined && fallback !== null && (typeof fallback !== 'object' || Array.isArray(fallback))) fail(`'fallback' must be an object, got ${pyRepr(fallback)}`);
  return {
    vpnType: type,
    vpnInstanceId: id,
    macAddress: mac,
    localPort: port,
    importRts,
    exportRts,
    ip,
    gatewayIp: gatewayIp === '' ? undefined : gatewayIp,
    advertiseSubnet: p.advertise_subnet === true,
    direction,
    // The networking-bagpipe agent sends the network's segmentation id, null on flat networks.
    vni: optionalInt(p, 'vni', 0, 0xffffff) ?? 0,
    linuxbr: optionalString(p, 'linuxbr'),
    readvertise: rd,
    attractTraffic: attractTraffic(p.attract_traffic, rd),
    lbConsistentHashOrder: optionalInt(p, 'lb_consistent_hash_order', 0, 0xffffffff) ?? 0,
    localPref: optionalInt(p, 'local_pref', 0, 0xffffffff),
    fallback: (fallback ?? undefined) as JsonObject | undefined,
    description: p.description ?? null,
    instanceDescription: p.instance_description ?? null,
  };
}

export function parseDetach(p: JsonObject): DetachRequest {
  const { type, id, port, mac, ip } = common(p, []);
  return { vpnType: type, vpnInstanceId: id, macAddress: mac, localPort: port, ip };
}
