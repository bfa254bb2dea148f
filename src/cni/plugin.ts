/**
 * The CNI commands (CNI spec 1.1 §"Plugin operations", answered in the config's version):
 *
 *   ADD     IPAM ADD → veth (host side hostIfName(), container side CNI_IFNAME in CNI_NETNS)
 *           → addresses, routes, up → POST /attach_localport (evpn, instance = network name).
 *           Any failure undoes what was done, newest first (detach, veth, IPAM DEL).
 *   DEL     detach every endpoint the looking glass shows on the host side → IPAM DEL → veth
 *           del. Nothing of it needs to exist; bgpiped unreachable is code 11 after the local
 *           cleanup, so a retried DEL can still detach (the port name is stable).
 *   CHECK   the interfaces and addresses of prevResult, IPAM CHECK, and the attachment.
 *   STATUS  (1.1.0) bgpiped answers /ping, else 50.
 *   GC      (1.1.0) every port of the network's EVPN instance that this plugin made (bgp<hex>)
 *           and that no valid attachment names is detached and its veth deleted; IPAM GC when
 *           the IPAM plugin speaks 1.1.0.
 *   VERSION the versions this plugin speaks.
 */
import { Bgpiped } from './bgpiped.js';
import { configVersion, parseJsonObject, parseNetConf, readEnv, type CniEnv, type NetConf } from './config.js';
import { CniCode, CniError } from './errors.js';
import { Ipam } from './ipam.js';
import * as link from './link.js';
import { parseResult, renderResult, SUPPORTED_VERSIONS, type CniResult } from './version.js';

type Undo = () => Promise<unknown>;

function endpointBody(conf: NetConf, host: string, mac: string, ip: string | null): Record<string, unknown> {
  return { vpn_type: 'evpn', vpn_instance_id: conf.name, mac_address: mac, ip_address: ip, local_port: { linuxif: host } };
}

export async function cmdAdd(conf: NetConf, env: CniEnv): Promise<Record<string, unknown>> {
  if (!link.netnsExists(env.netns)) throw new CniError(CniCode.UnknownContainer, `CNI_NETNS ${env.netns} does not exist`);
  const api = new Bgpiped(conf.api);
  // Before anything is made: with bgpiped down there is nothing to undo.
  await api.ping();
  const ipam = new Ipam(conf, env.path);
  const host = link.hostIfName(env.containerId, env.ifName);
  const ipamResult = await ipam.add();
  const undo: Undo[] = [() => ipam.del()];
  try {
    await link.createVeth(host, env.netns, env.ifName, conf.mtu);
    undo.push(() => link.deleteVeth(host));
    await link.configureContainer(env.netns, env.ifName, ipamResult);
    await link.setUp(host);
    const c = await link.containerLink(env.netns, env.ifName);
    if (!c) throw new CniError(CniCode.IoFailure, `${env.ifName} vanished from ${env.netns}`);
    // One endpoint per address (EVPN MAC/IP routes carry one IP each).
    const gateway = conf.gateway ?? ipamResult.ips.find((ip) => ip.gateway !== undefined)?.gateway;
    for (const ip of ipamResult.ips) {
      const body = {
        ...endpointBody(conf, host, c.address, ip.address),
        import_rt: conf.importRts,
        export_rt: conf.exportRts,
        ...(gateway !== undefined && gateway.includes(':') === ip.address.includes(':') ? { gateway_ip: gateway } : {}),
        ...(conf.vni !== undefined ? { vni: conf.vni } : {}),
      };
      await api.attach(body);
      undo.push(() => api.detach(endpointBody(conf, host, c.address, ip.address)));
    }
    // bgpiped plugs the port into its bridge after its 200 (its dataplane work is queued) and
    // lowers the port to the vxlan device's MTU (underlay − 50). Wait for the plug, briefly, so
    // the container starts connected, and make the container follow the MTU: it must not send
    // frames the port cannot take.
    const h = await link.waitForMaster(host, 3000);
    let mtu = c.mtu;
    if (h && h.mtu < c.mtu) {
      await link.setContainerMtu(env.netns, env.ifName, h.mtu);
      mtu = h.mtu;
    }
    const result: CniResult = {
      interfaces: [{ name: host, mac: h?.address ?? '' }, { name: env.ifName, mac: c.address, sandbox: env.netns, mtu }],
      ips: ipamResult.ips.map((ip) => ({ ...ip, interface: 1 })),
      routes: ipamResult.routes,
      dns: ipamResult.dns,
    };
    return renderResult(result, conf.cniVersion);
  } catch (e) {
    for (const u of undo.reverse()) await u().catch(() => undefined);
    throw e;
  }
}

export async function cmdDel(conf: NetConf, env: CniEnv): Promise<void> {
  const api = new Bgpiped(conf.api);
  const host = link.hostIfName(env.containerId, env.ifName);
  let apiError: unknown;
  try {
    for (const ep of await api.endpoints(conf.name, host)) await api.detach(endpointBody(conf, host, ep.mac_address, ep.ip_address));
  } catch (e) {
    apiError = e;
  }
  await new Ipam(conf, env.path).del();
  await link.deleteVeth(host);
  if (apiError !== undefined) throw apiError;
}

export async function cmdCheck(conf: NetConf, env: CniEnv): Promise<void> {
  if (conf.prevResult === undefined) throw new CniError(CniCode.InvalidConfig, 'prevResult is required for CHECK');
  let prev: CniResult;
  try {
    prev = parseResult(conf.prevResult, 'prevResult');
  } catch (e) {
    throw new CniError(CniCode.DecodingFailure, (e as Error).message);
  }
  const fail = (msg: string): never => {
    throw new CniError(CniCode.CheckFailed, msg);
  };
  if (!link.netnsExists(env.netns)) throw new CniError(CniCode.UnknownContainer, `CNI_NETNS ${env.netns} does not exist`);
  const host = link.hostIfName(env.containerId, env.ifName);
  const c = await link.containerLink(env.netns, env.ifName);
  if (!c) return fail(`${env.ifName} is missing in ${env.netns}`);
  const want = prev.interfaces.find((i) => i.name === env.ifName && i.sandbox !== undefined);
  if (want && want.mac !== '' && want.mac.toLowerCase() !== c.address.toLowerCase()) fail(`${env.ifName} has MAC ${c.address}, prevResult says ${want.mac}`);
  const have = await link.containerAddresses(env.netns, env.ifName);
  for (const ip of prev.ips) if (!have.includes(ip.address)) fail(`${env.ifName} lacks address ${ip.address} (has ${have.join(', ') || 'none'})`);
  const h = await link.hostLink(host);
  if (!h) return fail(`host side ${host} is missing`);
  if (h.operstate === 'DOWN') fail(`host side ${host} is down`);
  await new Ipam(conf, env.path).check();
  const eps = await new Bgpiped(conf.api).endpoints(conf.name, host);
  for (const ip of prev.ips) {
    if (!eps.some((ep) => ep.mac_address === c.address.toLowerCase() && ep.ip_address === ip.address)) {
      fail(`bgpiped has no attachment of ${c.address} ${ip.address} on ${host} in EVPN instance ${conf.name}`);
    }
  }
}

/** GC's `cni.dev/valid-attachments` (CNI 1.1): the host-side names of the attachments to keep. */
function validPorts(raw: Record<string, unknown>): Set<string> {
  const v = raw['cni.dev/valid-attachments'];
  // Absent is not "none valid": collecting everything on a runtime's omission would cut every
  // container of the network off.
  if (!Array.isArray(v)) throw new CniError(CniCode.InvalidConfig, `cni.dev/valid-attachments must be a list of {"containerID", "ifname"} for GC, got ${JSON.stringify(v)}`);
  return new Set(
    v.map((a: unknown, i) => {
      const o = (a ?? {}) as Record<string, unknown>;
      if (typeof o.containerID !== 'string' || o.containerID === '' || typeof o.ifname !== 'string' || o.ifname === '') {
        throw new CniError(CniCode.InvalidConfig, `cni.dev/valid-attachments[${i}] must have a non-empty "containerID" and "ifname", got ${JSON.stringify(a)}`);
      }
      return link.hostIfName(o.containerID, o.ifname);
    }),
  );
}

export async function cmdGc(conf: NetConf, keep: Set<string>, cniPath: string[]): Promise<string[]> {
  const api = new Bgpiped(conf.api);
  const collected: string[] = [];
  for (const [port, eps] of await api.ports(conf.name)) {
    // Ports of other tools attached to the same instance are not this plugin's to collect.
    if (!link.isHostIfName(port) || keep.has(port)) continue;
    for (const ep of eps) await api.detach(endpointBody(conf, port, ep.mac_address, ep.ip_address));
    await link.deleteVeth(port);
    collected.push(port);
  }
  if (cniPath.length > 0) await new Ipam(conf, cniPath).gc();
  return collected;
}

/** Runs one command; the answer object for stdout, or undefined when there is none (DEL…). */
export async function runCommand(command: string | undefined, stdin: string, envVars: NodeJS.ProcessEnv): Promise<Record<string, unknown> | undefined> {
  if (command === 'VERSION') {
    let v: unknown;
    try {
      v = (JSON.parse(stdin) as { cniVersion?: unknown }).cniVersion;
    } catch {
      v = undefined;
    }
    return { cniVersion: typeof v === 'string' && v !== '' ? v : SUPPORTED_VERSIONS[SUPPORTED_VERSIONS.length - 1], supportedVersions: [...SUPPORTED_VERSIONS] };
  }
  if (command === undefined || command === '') throw new CniError(CniCode.InvalidEnvironment, 'CNI_COMMAND is required');
  const raw = parseJsonObject(stdin);
  if (command === 'STATUS' || command === 'GC') {
    if (configVersion(raw) !== '1.1.0') throw new CniError(CniCode.IncompatibleVersion, `${command} needs cniVersion 1.1.0`);
    const conf = parseNetConf(raw);
    if (command === 'STATUS') {
      await new Bgpiped(conf.api).ping().catch((e: Error) => {
        throw new CniError(CniCode.NotAvailable, e.message);
      });
    } else {
      await cmdGc(conf, validPorts(raw), (envVars.CNI_PATH ?? '').split(':').filter(Boolean));
    }
    return undefined;
  }
  const conf = parseNetConf(raw);
  switch (command) {
    case 'ADD':
      return cmdAdd(conf, readEnv(envVars, true));
    case 'DEL':
      await cmdDel(conf, readEnv(envVars, false));
      return undefined;
    case 'CHECK':
      await cmdCheck(conf, readEnv(envVars, true));
      return undefined;
    default:
      throw new CniError(CniCode.InvalidEnvironment, `unknown CNI_COMMAND ${JSON.stringify(command)}`);
  }
}
