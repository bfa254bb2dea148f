/**
 * RIB micro benchmark: 1M IPv4 /32 routes from one eBGP peer, through import, decision and
 * export, out to another eBGP peer as packed batches (receive → takeOutbound), and RSS.
 *
 *   node dist/bench/rib-throughput.js            # both scenarios, each in a fresh process
 *   node dist/bench/rib-throughput.js one|ten    # one scenario
 *
 * Scenarios: "one" — every UPDATE carries the same attributes (a fresh but equal object per
 * UPDATE, as the codec makes them), ~800 NLRI per UPDATE as in a full 4096-octet message;
 * "ten" — one attribute set per 10 routes (a distinct second community, so the sets stay
 * distinct after export), so 100k UPDATEs of 10 NLRI.
 * The UPDATEs are built before timing starts: this measures the RIB, not the codec. They stay in
 * the heap meanwhile (~75 MB of NLRI objects), which every full GC marks: the GC figure is
 * higher than the RIB alone would cause.
 *
 * Then every route is withdrawn and the withdrawals taken (timed apart; the table and its
 * attribute sets must be empty after).
 *
 * Printed: routes/s and wall ns/route of receive and takeOutbound, GC time, the process's CPU
 * time (all threads, so V8's GC helpers too; on a shared host compare this, not the wall clock)
 * with its system part and minor page faults (on a VM each fresh page costs ~10 µs in the kernel:
 * a table's size is also its build time), and RSS growth.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver } from 'node:perf_hooks';
import type { PathAttributes } from '../src/wire/attributes/types.js';
import { IPV4_UNICAST } from '../src/wire/family.js';
import type { UpdateMessage } from '../src/wire/messages.js';
import type { Prefix } from '../src/wire/nlri/types.js';
import { Rib } from '../src/rib/rib.js';
import type { RibPeer } from '../src/rib/types.js';

const ROUTES = 1_000_000;
const PER_UPDATE = 800;
const BATCH = 4096;

function peer(id: number, as: number, addr: string): RibPeer {
  return {
    id,
    address: addr,
    localAddress: '192.0.2.254',
    peerAs: as,
    localAs: 65000,
    routerId: addr,
    routeReflectorClient: false,
    nextHopSelf: false,
    families: new Set([IPV4_UNICAST]),
  };
}

function host(i: number): Prefix {
  // 10.0.0.0/8 onwards, one /32 each; the key is the wire encoding (length octet + 4 octets).
  const a = 10 + (i >>> 24);
  return { key: String.fromCharCode(32, a, (i >>> 16) & 255, (i >>> 8) & 255, i & 255), length: 32 };
}

function attrs(tag: number): PathAttributes {
  return { origin: 0, asPath: [{ type: 2, asns: [65001, 64512, 64513] }], nextHop: "192.0.2.1", communities: [(65001 << 16) | 100, tag] };
}

function build(scenario: string): UpdateMessage[] {
  const perUpdate = scenario === 'ten' ? 10 : PER_UPDATE;
  const updates: UpdateMessage[] = [];
  for (let i = 0; i < ROUTES; i += perUpdate) {
    const nlri: Prefix[] = [];
    for (let j = i; j < Math.min(i + perUpdate, ROUTES); j++) nlri.push(host(j));
    const a = attrs(scenario === 'ten' ? i / 10 : 0);
    updates.push({ announced: [{ family: IPV4_UNICAST, attributes: a, nlri }], withdrawn: [], discarded: [] });
  }
  return updates;
}

async function run(scenario: string): Promise<void> {
  const updates = build(scenario);
  const rib = new Rib({ localAs: 65000, routerId: '192.0.2.254' });
  let changes = 0;
  if (process.env.NOFIB) changes = ROUTES; else rib.onBestPathChange = () => void changes++; // the daemon's FIB hook is always there
  rib.addPeer(peer(1, 65001, '192.0.2.1'));
  rib.addPeer(peer(2, 65002, '192.0.2.2'));
  rib.takeOutbound(1);
  rib.takeOutbound(2);

  let gcMs = 0;
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const rss0 = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const faults0 = process.resourceUsage().minorPageFault;
  const t0 = process.hrtime.bigint();
  for (const u of updates) rib.receive(1, u);
  const t1 = process.hrtime.bigint();
  let out = 0;
  let announcements = 0;
  for (let b = rib.takeOutbound(2, BATCH); b !== undefined; b = rib.takeOutbound(2, BATCH)) {
    for (const a of b.announced) {
      out += a.nlri.length;
      announcements++;
    }
  }
  const t2 = process.hrtime.bigint();
  // CPU time as well as wall time: on a shared host the wall clock mostly measures the neighbours.
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  // Fresh pages are what a big table costs most on a VM: each minor fault is a trip to the kernel
  // (and maybe the hypervisor) that zeroes 4 KiB.
  const faults = process.resourceUsage().minorPageFault - faults0;
  await new Promise((r) => setTimeout(r, 200)); // let the observer deliver
  gcObserver.disconnect();
  if (out !== ROUTES || changes !== ROUTES) throw new Error(`expected ${ROUTES} out, got ${out} (changes ${changes})`);

  const recvS = Number(t1 - t0) / 1e9;
  const takeS = Number(t2 - t1) / 1e9;
  const mem = process.memoryUsage();
  const sets = rib.attributeSetCount;

  // Then the full withdrawal, as the propagation benchmark does (same NLRI objects, no new ones).
  const withdrawals: UpdateMessage[] = updates.map((u) => ({ announced: [], withdrawn: [{ family: IPV4_UNICAST, nlri: u.announced[0]!.nlri }], discarded: [] }));
  const cpuW = process.cpuUsage();
  const t3 = process.hrtime.bigint();
  for (const u of withdrawals) rib.receive(1, u);
  let gone = 0;
  for (let b = rib.takeOutbound(2, BATCH); b !== undefined; b = rib.takeOutbound(2, BATCH)) for (const w of b.withdrawn) gone += w.nlri.length;
  const withdrawS = Number(process.hrtime.bigint() - t3) / 1e9;
  const cpuWithdraw = process.cpuUsage(cpuW);
  if (gone !== ROUTES || rib.routeCount(IPV4_UNICAST) !== 0 || rib.attributeSetCount !== 0) {
    throw new Error(`withdrawal: ${gone} withdrawn, ${rib.routeCount(IPV4_UNICAST)} routes and ${rib.attributeSetCount} attribute sets left`);
  }
  const mb = (n: number): string => (n / 1048576).toFixed(0) + ' MB';
  console.log(
    `${scenario === 'ten' ? 'one attribute set per 10 routes' : 'one attribute set          '}: ` +
      `${Math.round(ROUTES / (recvS + takeS)).toLocaleString('en')} routes/s end to end ` +
      `(receive ${(recvS * 1e9 / ROUTES).toFixed(0)} ns/route, takeOutbound ${(takeS * 1e9 / ROUTES).toFixed(0)} ns/route, ` +
      `${announcements} announcements, ${sets} attribute sets, GC ${gcMs.toFixed(0)} ms of ${((recvS + takeS) * 1e3).toFixed(0)}, ` +
      `CPU ${cpuMs.toFixed(0)} ms = ${((cpuMs * 1e6) / ROUTES).toFixed(0)} ns/route, of which system ${(cpu.system / 1000).toFixed(0)} ms, ` +
      `${faults} page faults), ` +
      `RSS ${mb(mem.rss)} (+${mb(mem.rss - rss0)} for the RIB), heap ${mb(mem.heapUsed)}; ` +
      `full withdrawal ${((withdrawS * 1e9) / ROUTES).toFixed(0)} ns/route, CPU ${(((cpuWithdraw.user + cpuWithdraw.system) * 1e3) / ROUTES).toFixed(0)} ns/route`,
  );
}

const arg = process.argv[2];
if (arg === 'one' || arg === 'ten') await run(arg);
else {
  // Each scenario in its own process so RSS figures do not add up.
  const self = fileURLToPath(import.meta.url);
  for (const s of ['one', 'ten']) {
    await new Promise<void>((resolve, reject) => {
      fork(self, [s], { execArgv: process.execArgv }).on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${s}: exit ${code}`))));
    });
  }
}
