/**
 * The `bagpipe` CNI plugin run as a runtime runs it (CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS,
 * CNI_IFNAME, CNI_PATH=/usr/lib/cni, the config on stdin; the real host-local IPAM from
 * containernetworking-plugins) on two hosts of the EVPN lab (test/dataplane/vpn-lab.ts: each
 * host runs bgpiped with the linux EVPN driver, a bgpiped route reflector). "Containers" are
 * namespaces the test makes. Kernel objects: veth, the bgpiped bridge/vxlan; host-local leases in
 * /var/lib/cni/networks/<unique network name>. Everything is removed in after(), also on failure.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { createLab, run, CommandError, type Lab } from '../interop/lib/netns.js';
import { labFetch } from '../interop/lib/http.js';
import { VpnLab, type Container, type Host } from '../dataplane/vpn-lab.js';
import { hostIfName } from '../../src/cni/link.js';
import { SEED_CONF } from './seed.js';

const PLUGIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/cni/main.js');
const NET = `bgpt-cni-${process.pid}`;
const LEASES = `/var/lib/cni/networks/${NET}`;
/** The seed README's 10-mynet.conf as written; only the name is the test's own. */
const SEED = { ...SEED_CONF, name: NET };

interface Pod {
  id: string;
  ns: Lab;
  host: Host | { lab: Lab };
}

interface Answer {
  code: number;
  json: Record<string, unknown>;
}

describe('CNI plugin bagpipe: ADD on two bgpiped hosts, ping over EVPN/VXLAN, DEL, bgpiped down (host-local IPAM, veth, netns)', { timeout: 120_000 }, () => {
  let lab: VpnLab;
  let binDir: string;
  let h1: Host, h2: Host;
  let down: Lab;
  const pods: Record<string, Pod> = {};
  const results: Record<string, Record<string, unknown>> = {};

  const newPod = async (name: string, host: Host | { lab: Lab }): Promise<Pod> => {
    const ns = await createLab(name);
    lab.labs.push(ns);
    return (pods[name] = { id: randomBytes(32).toString('hex'), ns, host });
  };

  /** Runs the plugin in the pod's host namespace as a runtime would. */
  const cni = async (command: string, pod: Pod, conf: Record<string, unknown>): Promise<Answer> => {
    const env = { CNI_COMMAND: command, CNI_CONTAINERID: pod.id, CNI_NETNS: `/run/netns/${pod.ns.name}`, CNI_IFNAME: 'eth0', CNI_PATH: '/usr/lib/cni', CNI_ARGS: 'IgnoreUnknown=1' };
    try {
      const r = await pod.host.lab.exec(join(binDir, 'bagpipe'), [], { env, input: JSON.stringify(conf), timeoutMs: 30_000 });
      return { code: 0, json: r.stdout.trim() === '' ? {} : (JSON.parse(r.stdout) as Record<string, unknown>) };
    } catch (e) {
      if (!(e instanceof CommandError)) throw e;
      return { code: Number(e.code), json: JSON.parse(e.stdout) as Record<string, unknown> };
    }
  };

  const leases = (): string[] => (existsSync(LEASES) ? readdirSync(LEASES).filter((f) => /^\d/.test(f)) : []);
  const hostLinks = async (l: Lab): Promise<string[]> => (JSON.parse((await run('ip', ['-n', l.name, '-json', 'link', 'show'])).stdout) as { ifname: string }[]).map((x) => x.ifname);
  const ports = async (h: Host): Promise<Record<string, unknown>> => {
    const r = await labFetch(h.lab, 8082, 'GET', `/looking-glass/vpns/instances/${NET}/ports`, undefined, { accept: 'application/json' });
    return r.status === 404 ? {} : (r.json as Record<string, unknown>);
  };
  const asContainer = (pod: Pod, ip: string): Container => ({ lab: pod.ns, host: pod.host as Host, port: hostIfName(pod.id, 'eth0'), mac: '', ip });
  const ipOf = (r: Record<string, unknown>): string => {
    const ips = r.ips as { address: string }[] | undefined;
    return (ips?.[0]?.address ?? (r.ip4 as { ip: string }).ip).split('/')[0]!;
  };

  before(async () => {
    binDir = mkdtempSync(join(tmpdir(), 'bgpt-cnibin-'));
    chmodSync(PLUGIN, 0o755);
    symlinkSync(PLUGIN, join(binDir, 'bagpipe'));
    lab = await VpnLab.create('cni');
    [h1, h2] = lab.hosts as [Host, Host];
    down = await createLab('cnidown');
    lab.labs.push(down);
    await newPod('cnic1', h1);
    await newPod('cnic3', h1);
    await newPod('cnic2', h2);
    await newPod('cnic4', { lab: down });
  });

  after(async () => {
    await lab?.destroy();
    rmSync(LEASES, { recursive: true, force: true });
    if (binDir) rmSync(binDir, { recursive: true, force: true });
  });

  it('ADD with the seed config on both hosts (two at once on h1) gives each container its veth, address and attachment; they ping across hosts', async () => {
    const v1 = { ...SEED, cniVersion: '1.0.0' };
    // c1 and c3 concurrently on h1 (seed config with cniVersion 1.0.0, as podman passes it);
    // c2 on h2 with the seed config exactly as written (no cniVersion: a 0.1.0 answer).
    const [a1, a3] = await Promise.all([cni('ADD', pods.cnic1!, v1), cni('ADD', pods.cnic3!, v1)]);
    const a2 = await cni('ADD', pods.cnic2!, SEED);
    for (const a of [a1, a2, a3]) assert.equal(a.code, 0, JSON.stringify(a.json));
    [results.cnic1, results.cnic2, results.cnic3] = [a1.json, a2.json, a3.json];

    const port1 = hostIfName(pods.cnic1!.id, 'eth0');
    assert.equal(a1.json.cniVersion, '1.0.0');
    const ifs = a1.json.interfaces as { name: string; mac: string; sandbox?: string }[];
    assert.deepEqual(ifs.map((i) => [i.name, i.sandbox]), [[port1, undefined], ['eth0', `/run/netns/${pods.cnic1!.ns.name}`]]);
    const ips = a1.json.ips as { address: string; gateway: string; interface: number; version?: string }[];
    assert.equal(ips.length, 1);
    assert.match(ips[0]!.address, /^10\.1\.2\.\d+\/24$/);
    assert.deepEqual([ips[0]!.gateway, ips[0]!.interface, ips[0]!.version], ['10.1.2.1', 1, undefined]);
    assert.deepEqual(a1.json.routes, [{ dst: '0.0.0.0/0' }]);
    assert.equal(a2.json.cniVersion, '0.1.0');
    assert.match((a2.json.ip4 as { ip: string }).ip, /^10\.1\.2\.\d+\/24$/);
    assert.equal(new Set([ipOf(a1.json), ipOf(a2.json), ipOf(a3.json)]).size, 3, 'three distinct leases');
    assert.equal(leases().length, 3);

    // The container side: address, default route via the IPAM gateway, MTU following the port
    // (bgpiped lowers it to the vxlan's 1450).
    const addr = JSON.parse((await pods.cnic1!.ns.exec('ip', ['-json', '-4', 'addr', 'show', 'dev', 'eth0'])).stdout) as { mtu: number; addr_info: { local: string }[] }[];
    assert.deepEqual([addr[0]!.mtu, addr[0]!.addr_info.map((a) => a.local)], [1450, [ipOf(a1.json)]]);
    const eth0 = JSON.parse((await pods.cnic1!.ns.exec('ip', ['-json', 'link', 'show', 'dev', 'eth0'])).stdout) as { address: string }[];
    assert.equal(eth0[0]!.address, ifs[1]!.mac);
    assert.match((await pods.cnic1!.ns.exec('ip', ['route', 'show', 'default'])).stdout, /default via 10\.1\.2\.1 dev eth0/);
    // The attachment as bgpiped shows it, on the port the plugin made (in bgpiped's bridge).
    const p = (await ports(h1))[port1] as { endpoints: { mac_address: string; ip_address: string }[] };
    assert.deepEqual(p.endpoints.map((e) => [e.mac_address, e.ip_address]), [[ifs[1]!.mac, ips[0]!.address]]);

    await lab.pingable(asContainer(pods.cnic1!, ipOf(a1.json)), ipOf(a2.json));
    await lab.pingable(asContainer(pods.cnic2!, ipOf(a2.json)), ipOf(a1.json));
    await lab.pingable(asContainer(pods.cnic3!, ipOf(a3.json)), ipOf(a2.json));
  });

  it('CHECK with prevResult passes (interface, MAC, addresses, IPAM, attachment); without prevResult it is code 7', async () => {
    const conf = { ...SEED, cniVersion: '1.0.0', prevResult: results.cnic1 };
    const ok = await cni('CHECK', pods.cnic1!, conf);
    assert.equal(ok.code, 0, JSON.stringify(ok.json));
    const noPrev = await cni('CHECK', pods.cnic1!, { ...SEED, cniVersion: '1.0.0' });
    assert.equal(noPrev.json.code, 7);
  });

  it('DEL removes the veth, the lease and the attachment; the peer loses the route; DEL again succeeds, also with the netns gone', async () => {
    const pod = pods.cnic2!;
    const port = hostIfName(pod.id, 'eth0');
    const del = await cni('DEL', pod, { ...SEED, prevResult: results.cnic2 });
    assert.equal(del.code, 0, JSON.stringify(del.json));
    assert.ok(!(await hostLinks(h2.lab)).includes(port), 'veth gone');
    assert.equal(leases().length, 2, 'lease released');
    assert.deepEqual(await ports(h2), {});
    assert.ok(await lab.cannotPing(asContainer(pods.cnic1!, ipOf(results.cnic1!)), ipOf(results.cnic2!)));
    assert.equal((await cni('DEL', pod, SEED)).code, 0, 'DEL again');
    // CHECK of a deleted container fails.
    assert.equal((await cni('CHECK', pod, { ...SEED, cniVersion: '1.0.0', prevResult: results.cnic2 })).json.code, 101);

    // c3: its namespace disappears first (the runtime killed the container), then DEL.
    const c3 = pods.cnic3!;
    await c3.ns.destroy();
    const d3 = await cni('DEL', c3, { ...SEED, cniVersion: '1.0.0' });
    assert.equal(d3.code, 0, JSON.stringify(d3.json));
    assert.equal(leases().length, 1);
    assert.deepEqual(Object.keys(await ports(h1)), [hostIfName(pods.cnic1!.id, 'eth0')]);
  });

  it('bgpiped down: ADD answers 11 (try again later) and leaves no veth and no lease behind', async () => {
    const pod = pods.cnic4!;
    const before = await hostLinks(down);
    const a = await cni('ADD', pod, { ...SEED, cniVersion: '0.4.0' });
    assert.equal(a.code, 1);
    assert.equal(a.json.code, 11, JSON.stringify(a.json));
    assert.equal(a.json.cniVersion, '0.4.0');
    assert.match(String(a.json.msg), /bgpiped is not reachable at http:\/\/127\.0\.0\.1:8082/);
    assert.deepEqual(await hostLinks(down), before);
    assert.deepEqual(JSON.parse((await pod.ns.exec('ip', ['-json', 'link', 'show'])).stdout).map((l: { ifname: string }) => l.ifname), ['lo']);
    assert.equal(leases().length, 1);
  });

  it('bgpiped refuses the attach (a VNI another instance holds): code 100, and the veth and lease are undone', async () => {
    const pod = await newPod('cnic5', h1);
    // An instance of another name holding VNI 4242 on h1.
    const holder = await labFetch(h1.lab, 8082, 'POST', '/attach_localport', { vpn_type: 'evpn', vpn_instance_id: 'other', mac_address: '52:54:00:00:42:42', ip_address: '10.9.9.9/24', local_port: { linuxif: 'lo' }, import_rt: ['64512:1'], export_rt: ['64512:1'], vni: 4242 }, { accept: 'application/json' });
    assert.equal(holder.status, 200, holder.body);
    const a = await cni('ADD', pod, { ...SEED, name: `${NET}-b`, cniVersion: '1.1.0', vni: 4242 });
    rmSync(`${LEASES}-b`, { recursive: true, force: true });
    assert.equal(a.json.code, 100, JSON.stringify(a.json));
    assert.match(String(a.json.msg), /vni 4242/);
    assert.ok(!(await hostLinks(h1.lab)).includes(hostIfName(pod.id, 'eth0')));
    assert.deepEqual(JSON.parse((await pod.ns.exec('ip', ['-json', 'link', 'show'])).stdout).map((l: { ifname: string }) => l.ifname), ['lo']);
  });

  it('STATUS (1.1.0) succeeds with bgpiped up; GC detaches and deletes what no valid attachment names, and keeps the rest', async () => {
    const v11 = { ...SEED, cniVersion: '1.1.0' };
    assert.equal((await cni('STATUS', pods.cnic1!, v11)).code, 0);
    // Two attachments the runtime lost track of: one whose netns is gone (no DEL came), one whose
    // container still exists.
    const gone = await newPod('cnic6', h1);
    const forgotten = await newPod('cnic7', h1);
    for (const p of [gone, forgotten]) assert.equal((await cni('ADD', p, v11)).code, 0);
    await gone.ns.destroy();
    const keep = hostIfName(pods.cnic1!.id, 'eth0');
    assert.deepEqual(Object.keys(await ports(h1)).sort(), [keep, hostIfName(gone.id, 'eth0'), hostIfName(forgotten.id, 'eth0')].sort());

    const gc = await cni('GC', pods.cnic1!, { ...v11, 'cni.dev/valid-attachments': [{ containerID: pods.cnic1!.id, ifname: 'eth0' }] });
    assert.equal(gc.code, 0, JSON.stringify(gc.json));
    assert.deepEqual(Object.keys(await ports(h1)), [keep]);
    const links = await hostLinks(h1.lab);
    assert.ok(links.includes(keep) && !links.includes(hostIfName(forgotten.id, 'eth0')));
    assert.deepEqual(JSON.parse((await forgotten.ns.exec('ip', ['-json', 'link', 'show'])).stdout).map((l: { ifname: string }) => l.ifname), ['lo']);
    // host-local (1.1.1) has no GC: the runtime's DEL still releases the leases.
    for (const p of [gone, forgotten]) assert.equal((await cni('DEL', p, v11)).code, 0);
    assert.equal(leases().length, 1);
  });
});
