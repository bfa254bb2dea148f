/**
 * The CNI plugin `bagpipe` under a real runtime: podman 4.3 with its CNI backend (a private
 * containers.conf and storage, test/cni/podman.ts) starts busybox containers on the two hosts of
 * the EVPN lab (test/dataplane/vpn-lab.ts: each host a network namespace running bgpiped with the
 * linux EVPN driver, a bgpiped route reflector on the fabric). Each host has its own network in
 * /etc/cni/net.d — the seed's config, with a unique name (host-local leases and podman's storage
 * are machine-wide) and a host-local range of its own in the shared subnet. h1's conflist says
 * cniVersion 1.0.0, h2's 0.4.0; podman passes each through to the plugin.
 *
 * Proves: the containers ping each other across hosts over VXLAN; `podman stop` runs DEL, which
 * withdraws the container's EVPN route (gone from the other host's RIB and kernel fdb) and leaves
 * nothing of it (veth, attachment, lease, libcni cache entry). And what podman 4.3 does with a
 * cniVersion 1.1.0 conflist. Everything is removed in after().
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../interop/lib/netns.js';
import { labFetch } from '../interop/lib/http.js';
import { waitUntil } from '../daemon/helpers.js';
import { VpnLab, type Host } from '../dataplane/vpn-lab.js';
import { hostIfName } from '../../src/cni/link.js';
import { Podman } from './podman.js';
import { SEED_CONF } from './seed.js';

const PLUGIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/cni/main.js');
const NET1 = `bgpt-pm1-${process.pid}`;
const NET2 = `bgpt-pm2-${process.pid}`;
const C1 = `bgpt-pmc1-${process.pid}`;
const C2 = `bgpt-pmc2-${process.pid}`;
const NET3 = `bgpt-pm3-${process.pid}`;
const C3 = `bgpt-pmc3-${process.pid}`;
const C4 = `bgpt-pmc4-${process.pid}`;

/** The seed README's 10-mynet.conf entry; the range keeps the two hosts' leases apart. */
const seedEntry = (rangeStart: string, rangeEnd: string) => {
  const { name: _name, ...entry } = SEED_CONF;
  return { ...entry, ipam: { ...entry.ipam, rangeStart, rangeEnd } };
};

interface Fdb {
  mac: string;
  dst?: string;
  ifname: string;
}

describe('CNI plugin bagpipe under podman (CNI backend, runc): containers on two bgpiped hosts ping over EVPN/VXLAN; podman stop withdraws', { timeout: 240_000 }, () => {
  let lab: VpnLab;
  let h1: Host, h2: Host;
  let pm: Podman;
  const ip: Record<string, string> = {};
  const mac: Record<string, string> = {};
  const id: Record<string, string> = {};

  const fdb = async (h: Host): Promise<Fdb[]> => JSON.parse((await run('bridge', ['-n', h.lab.name, '-json', 'fdb', 'show'])).stdout) as Fdb[];
  const remoteEntry = async (h: Host, m: string, vtep: string) => (await fdb(h)).some((e) => e.mac === m && e.dst === vtep);
  const evpnRib = async (h: Host): Promise<string> => (await labFetch(h.lab, 8082, 'GET', '/bgpipe/v1/rib?family=l2vpn-evpn')).body;
  const ports = async (h: Host, net: string): Promise<Record<string, unknown>> => {
    const r = await labFetch(h.lab, 8082, 'GET', `/looking-glass/vpns/instances/${net}/ports`, undefined, { accept: 'application/json' });
    return r.status === 404 ? {} : (r.json as Record<string, unknown>);
  };
  const links = async (h: Host): Promise<string[]> => (JSON.parse((await run('ip', ['-n', h.lab.name, '-json', 'link', 'show'])).stdout) as { ifname: string }[]).map((l) => l.ifname);
  const pings = async (from: string, to: string): Promise<boolean> => {
    try {
      await pm.exec(from, ['ping', '-c', '1', '-W', '1', to]);
      return true;
    } catch {
      return false;
    }
  };

  before(async () => {
    pm = new Podman(PLUGIN);
    await pm.importImage();
    lab = await VpnLab.create('pm');
    [h1, h2] = lab.hosts as [Host, Host];
    pm.addNetwork(NET1, '1.0.0', seedEntry('10.1.2.10', '10.1.2.99'));
    pm.addNetwork(NET2, '0.4.0', seedEntry('10.1.2.100', '10.1.2.199'));
  });

  after(async () => {
    // Containers first, while their hosts' bgpipeds still answer DEL; then the lab.
    try {
      await pm?.destroy();
    } finally {
      await lab?.destroy();
    }
  });

  it('podman run on each host: the plugin (found by type in cni_plugin_dirs) gets the conflist cniVersion, ADDs, and the containers ping across hosts', async () => {
    await pm.runContainer(C1, NET1, h1.lab);
    await pm.runContainer(C2, NET2, h2.lab);
    for (const [c, net] of [[C1, NET1], [C2, NET2]] as const) {
      const info = await pm.inspect(c);
      id[c] = info.Id as string;
      const n = (info.NetworkSettings as { Networks: Record<string, { IPAddress: string; MacAddress: string }> }).Networks[net]!;
      [ip[c], mac[c]] = [n.IPAddress, n.MacAddress];
    }
    assert.match(ip[C1]!, /^10\.1\.2\.(1\d|[2-9]\d)$/, 'h1 range');
    assert.match(ip[C2]!, /^10\.1\.2\.1\d\d$/, 'h2 range');

    // What podman passed: VERSION first, then ADD with the conflist's version, in the host's netns.
    const adds = pm.calls().filter((c) => c.command === 'ADD');
    assert.deepEqual(adds.map((c) => [c.conf.name, c.conf.cniVersion, c.containerId, c.ifName]), [[NET1, '1.0.0', id[C1], 'eth0'], [NET2, '0.4.0', id[C2], 'eth0']]);
    assert.ok(adds.every((c) => /^\/run\/netns\/netns-/.test(c.netns)), adds.map((c) => c.netns).join());
    assert.ok(pm.calls().some((c) => c.command === 'VERSION'), 'podman asks VERSION');
    // The veth's host side is in the host namespace podman ran in, plugged into bgpiped's bridge.
    assert.ok((await links(h1)).includes(hostIfName(id[C1]!, 'eth0')));
    assert.ok((await links(h2)).includes(hostIfName(id[C2]!, 'eth0')));
    // Inside the container: the seed's default route via the IPAM gateway, the vxlan's MTU.
    assert.match((await pm.exec(C1, ['ip', 'route'])).stdout, /default via 10\.1\.2\.1 dev eth0/);
    assert.match((await pm.exec(C1, ['ip', 'link', 'show', 'eth0'])).stdout, /mtu 1450/);

    await waitUntil(`${C1} to ping ${ip[C2]}`, () => pings(C1, ip[C2]!), 20_000).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${await lab.logs()}`);
    });
    assert.ok(await pings(C2, ip[C1]!), `${C2} pings ${ip[C1]}`);
    // Over VXLAN: each host's kernel forwards the other's MAC to the other's VTEP, learned by BGP.
    assert.ok(await remoteEntry(h1, mac[C2]!, h2.address), `h1 fdb has ${mac[C2]} → ${h2.address}`);
    assert.ok(await remoteEntry(h2, mac[C1]!, h1.address), `h2 fdb has ${mac[C1]} → ${h1.address}`);
    assert.ok((await evpnRib(h1)).includes(mac[C2]!), `h1's RIB has the MAC/IP route of ${mac[C2]}`);
  });

  it('a container that exits by itself (run --rm) reaches the other host on the way, and podman\'s cleanup runs DEL', async () => {
    // The container pings C1 on h1 until it answers (its MAC/IP route crosses the reflector
    // meanwhile), then exits; podman's cleanup of an exited container runs DEL.
    const script = `for i in 1 2 3 4 5 6 7 8 9 10; do ping -c 1 -W 1 ${ip[C1]} && exit 0; done; exit 1`;
    const r = await pm.runOnce(C4, NET2, h2.lab, ['sh', '-c', script]);
    assert.match(r.stdout, /1 packets received/);
    const calls = pm.calls().filter((c) => c.conf.name === NET2 && c.containerId !== id[C2]);
    assert.deepEqual(calls.map((c) => c.command), ['ADD', 'DEL']);
    const prev = calls[1]!.conf.prevResult as { interfaces: { mac: string }[] };
    const mac4 = prev.interfaces[1]!.mac;
    assert.ok(!(await links(h2)).includes(hostIfName(calls[0]!.containerId, 'eth0')));
    assert.deepEqual(Object.keys(await ports(h2, NET2)), [hostIfName(id[C2]!, 'eth0')]);
    await waitUntil(`h1 to forget ${mac4}`, async () => !(await remoteEntry(h1, mac4, h2.address)), 10_000);
  });

  it('podman stop runs DEL (with prevResult): the route is withdrawn at the other host, and nothing of the container is left', async () => {
    const port = hostIfName(id[C2]!, 'eth0');
    const t0 = Date.now();
    await pm.stop(C2);
    const stopMs = Date.now() - t0;
    const del = pm.calls().filter((c) => c.command === 'DEL' && c.containerId === id[C2]);
    assert.equal(del.length, 1, 'one DEL');
    assert.equal(del[0]!.conf.cniVersion, '0.4.0');
    assert.ok(del[0]!.conf.prevResult !== undefined, 'DEL carries the cached ADD result');

    // Withdrawn at h1: out of its RIB and its kernel fdb; the ping stops.
    await waitUntil(`h1 to drop the route of ${mac[C2]}`, async () => !(await evpnRib(h1)).includes(mac[C2]!) && !(await remoteEntry(h1, mac[C2]!, h2.address)), 10_000);
    console.log(`# podman stop: ${stopMs} ms; withdrawn at h1 ${Date.now() - t0} ms after the stop began`);
    assert.equal(await pings(C1, ip[C2]!), false);
    // Nothing left on h2: the container's netns, veth, attachment, lease, libcni's cached result.
    assert.equal(existsSync(del[0]!.netns), false, `${del[0]!.netns} removed`);
    assert.ok(!(await links(h2)).includes(port), `${port} deleted`);
    assert.deepEqual(await ports(h2, NET2), {});
    const leases = `/var/lib/cni/networks/${NET2}`;
    assert.deepEqual(existsSync(leases) ? readdirSync(leases).filter((f) => /^\d/.test(f)) : [], []);
    assert.ok(!existsSync('/var/lib/cni/results') || !readdirSync('/var/lib/cni/results').some((f) => f.includes(id[C2]!)), 'no cached result');
    // C1 is untouched.
    assert.deepEqual(Object.keys(await ports(h1, NET1)), [hostIfName(id[C1]!, 'eth0')]);
  });

  it('podman start after the stop: ADD again (same container id, same port name); h2 re-creates the instance with C1\'s route already in its RIB, and the ping crosses again', async () => {
    await pm.podman(['start', C2], h2.lab);
    const adds = pm.calls().filter((c) => c.command === 'ADD' && c.containerId === id[C2]);
    assert.equal(adds.length, 2);
    assert.ok((await links(h2)).includes(hostIfName(id[C2]!, 'eth0')));
    await waitUntil(`${C2} to ping ${ip[C1]} again`, () => pings(C2, ip[C1]!), 15_000).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${await lab.logs()}`);
    });
    // host-local leases the next free address, so the restarted container may have a new one.
    const again = (await pm.inspect(C2)).NetworkSettings as { Networks: Record<string, { IPAddress: string }> };
    assert.ok(await pings(C1, again.Networks[NET2]!.IPAddress), `${C1} pings ${C2} at ${again.Networks[NET2]!.IPAddress}`);
  });

  it('a cniVersion 1.1.0 conflist: podman 4.3 passes it through (the plugin lists 1.1.0) but cannot read a 1.1.0 result; the DEL it then runs leaves nothing', async () => {
    pm.addNetwork(NET3, '1.1.0', seedEntry('10.1.2.200', '10.1.2.250'));
    // Its libcni (containernetworking/cni 1.1) parses results up to 1.0.0. The reference plugins
    // (1.1.1) do not list 1.1.0, so podman refuses such a conflist for them before any ADD.
    await assert.rejects(pm.runContainer(C3, NET3, h1.lab), /unsupported CNI result version "1\.1\.0"/);
    const calls = pm.calls().filter((c) => c.conf.name === NET3);
    assert.deepEqual(calls.map((c) => [c.command, c.conf.cniVersion]), [['ADD', '1.1.0'], ['DEL', '1.1.0']]);
    assert.ok(!(await links(h1)).includes(hostIfName(calls[0]!.containerId, 'eth0')));
    assert.deepEqual(await ports(h1, NET3), {});
    const leases = `/var/lib/cni/networks/${NET3}`;
    assert.deepEqual(existsSync(leases) ? readdirSync(leases).filter((f) => /^\d/.test(f)) : [], []);
  });
});
