/**
 * `npm run demo`: the CNI plugin `bagpipe` connecting containers on two hosts over EVPN/VXLAN,
 * all on this machine, in network namespaces (needs root, iproute2 and containernetworking-
 * plugins' host-local: `npm run setup`):
 *
 *     fabric: bridge 10.99.0.0/24, bgpiped route reflector 10.99.0.1
 *       ├─ host h1 10.99.0.11: bgpiped (linux EVPN driver) ── container c1
 *       └─ host h2 10.99.0.12: bgpiped (linux EVPN driver) ── container c2
 *
 * The lab is the one the dataplane tests use (test/dataplane/vpn-lab.ts). Each container gets
 * its network exactly as a runtime gives it: the plugin executable run in the host's namespace
 * with CNI_COMMAND/CONTAINERID/NETNS/IFNAME/PATH and the seed's network config on stdin. Then:
 * a ping across hosts, the EVPN routes each host learned (`bgpipe rib -a evpn`), DEL of one
 * container and its route gone at the other host. Everything is removed at the end, on a
 * failure, and on Ctrl-C / SIGTERM (the lab's exit hooks and the one below).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { createLab, run, type Lab } from '../test/interop/lib/netns.js';
import { VpnLab, type Host } from '../test/dataplane/vpn-lab.js';
import { waitUntil } from '../test/daemon/helpers.js';
import { SEED_CONF } from '../test/cni/seed.js';

const DIST = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PLUGIN = join(DIST, 'src/cni/main.js');
const BGPIPE = join(DIST, 'src/cli/bgpipe.js');
const NET = `bgpipe-demo-${process.pid}`;
const LEASES = `/var/lib/cni/networks/${NET}`;
/** The seed README's /etc/cni/net.d/10-mynet.conf, with cniVersion and a name of the demo's own. */
const CONFIG = { cniVersion: '1.0.0', ...SEED_CONF, name: NET };

interface Pod {
  name: string;
  host: Host;
  hostName: string;
  ns: Lab;
  id: string;
  ip?: string;
  mac?: string;
}

const say = (text: string) => console.log(`\n==> ${text}`);
const show = (text: string) => console.log(text.trimEnd().replace(/^/gm, '    '));

let binDir: string | undefined;
/** Files outside the namespaces; the lab removes its namespaces, links and processes itself. */
function removeFiles(): void {
  rmSync(LEASES, { recursive: true, force: true });
  if (binDir) rmSync(binDir, { recursive: true, force: true });
}
// Runs on every exit, also after Ctrl-C (the lab's signal handlers call process.exit).
process.on('exit', removeFiles);

/** Runs the plugin as a runtime does: in the host's namespace, CNI_* set, config on stdin. */
async function cni(command: 'ADD' | 'DEL', pod: Pod): Promise<Record<string, unknown>> {
  const env = { CNI_COMMAND: command, CNI_CONTAINERID: pod.id, CNI_NETNS: `/run/netns/${pod.ns.name}`, CNI_IFNAME: 'eth0', CNI_PATH: '/usr/lib/cni' };
  const { stdout } = await pod.host.lab.exec(join(binDir!, 'bagpipe'), [], { env, input: JSON.stringify(CONFIG), timeoutMs: 30_000 });
  return stdout.trim() === '' ? {} : (JSON.parse(stdout) as Record<string, unknown>);
}

async function bgpipe(h: Host, args: string[]): Promise<string> {
  return (await h.lab.exec(process.execPath, [BGPIPE, ...args])).stdout;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the demo makes network namespaces: run it as root (sudo npm run demo)');
  execFileSync('/usr/lib/cni/host-local', ['--help'], { stdio: 'ignore' });
  binDir = mkdtempSync(join(tmpdir(), `${NET}-bin-`));
  chmodSync(PLUGIN, 0o755);
  symlinkSync(PLUGIN, join(binDir, 'bagpipe'));
  const started = Date.now();

  say('Building the lab: a fabric bridge with a bgpiped route reflector (10.99.0.1), hosts h1 (10.99.0.11) and h2 (10.99.0.12) each running bgpiped');
  const lab = await VpnLab.create('demo');
  try {
    const [h1, h2] = lab.hosts as [Host, Host];
    for (const h of [h1, h2]) show(`${h.address}: bgpiped pid ${h.proc!.pid} in namespace ${h.lab.name}`);

    say(`The network config (the seed's /etc/cni/net.d/10-mynet.conf; the name is the EVPN instance):`);
    show(JSON.stringify(CONFIG));

    const pods: Pod[] = [];
    for (const [name, host, hostName] of [['c1', h1, 'h1'], ['c2', h2, 'h2']] as const) {
      const ns = await createLab(`demo${name}`);
      lab.labs.push(ns);
      pods.push({ name, host, hostName, ns, id: randomBytes(32).toString('hex') });
    }
    for (const pod of pods) {
      say(`CNI ADD: container ${pod.name} on ${pod.hostName} (CNI_NETNS=/run/netns/${pod.ns.name}, CNI_IFNAME=eth0)`);
      const r = await cni('ADD', pod);
      const ifs = r.interfaces as { name: string; mac: string; sandbox?: string }[];
      const ips = r.ips as { address: string; gateway?: string }[];
      pod.ip = ips[0]!.address.split('/')[0]!;
      pod.mac = ifs[1]!.mac;
      show(`eth0 ${ips[0]!.address} (MAC ${ifs[1]!.mac}), gateway ${ips[0]!.gateway ?? '-'}; host side ${ifs[0]!.name}, attached to bgpiped`);
    }
    const [c1, c2] = pods as [Pod, Pod];

    say(`Ping from c1 (${c1.ip}, on h1) to c2 (${c2.ip}, on h2): VXLAN between the hosts, learned through BGP EVPN`);
    // The first ping can come before the MAC/IP routes have crossed the reflector.
    await waitUntil('the EVPN routes to reach both hosts', async () => c1.ns.exec('ping', ['-c', '1', '-W', '1', c2.ip!]).then(() => true, () => false), 20_000);
    show((await c1.ns.exec('ping', ['-c', '3', '-i', '0.2', c2.ip!])).stdout);

    say('h1: BGP session to the route reflector (bgpipe neighbor)');
    show(await bgpipe(h1, ['neighbor']));
    for (const h of [h1, h2]) {
      say(`${h === h1 ? 'h1' : 'h2'}: EVPN routes (bgpipe rib -a evpn): its own container's and the other host's (next hop = that host)`);
      show(await bgpipe(h, ['rib', '-a', 'evpn']));
    }

    say('CNI DEL: container c2 (as when the runtime stops it); its route is withdrawn at h1');
    await cni('DEL', c2);
    // h1's vxlan forgets c2's MAC (its entry pointing at h2) once bgpiped has the withdrawal:
    // cheaper to poll than the CLI.
    const fdb = async () => JSON.parse((await run('bridge', ['-n', h1.lab.name, '-json', 'fdb', 'show'])).stdout) as { mac: string; dst?: string }[];
    await waitUntil('h1 to drop c2', async () => !(await fdb()).some((e) => e.mac === c2.mac && e.dst === h2.address), 10_000);
    show(await bgpipe(h1, ['rib', '-a', 'evpn']));
    const lost = await c1.ns.exec('ping', ['-c', '1', '-W', '1', c2.ip!]).then(() => false, () => true);
    show(`ping ${c2.ip} from c1: ${lost ? 'no answer (as expected)' : 'ANSWERED (unexpected)'}`);
    if (!lost) throw new Error(`c2 ${c2.ip} still answers after DEL`);
    await cni('DEL', c1);
    say(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s. Removing the lab (namespaces, links, bgpipeds, leases).`);
  } finally {
    await lab.destroy();
    removeFiles();
  }
}

try {
  await main();
  console.log('    removed.');
} catch (e) {
  console.error(`\ndemo failed: ${(e as Error).message}`);
  process.exitCode = 1;
}
