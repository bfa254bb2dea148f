/**
 * The daemon's route path without sockets: the propagation benchmark's own UPDATEs (the tester's
 * bytes, bench/propagation/scenarios.ts) → decodeUpdate → Rib.receive → takeOutbound →
 * UpdateWriter, in one process, in the order the daemon does it (a socket read's worth of
 * messages received, then a pump to the other peer). A quick loop for profiling the path
 * (`node --cpu-prof dist/bench/pipeline.js ten`) without namespaces and peer daemons; the
 * propagation benchmark stays the measure against other daemons.
 *
 *   node dist/bench/pipeline.js [one|ten|v6|evpn] [--routes N] [--repeat K]
 *
 * Printed per round: CPU ms (user + system, all threads) and wall ms of the announcements and
 * of the withdrawals, GC ms, minor page faults, routes out. With --repeat, the rounds after the
 * first show the warm (JIT-compiled) cost.
 */
import { parseArgs } from 'node:util';
import { PerformanceObserver } from 'node:perf_hooks';
import { Rib } from '../src/rib/rib.js';
import type { RibPeer } from '../src/rib/types.js';
import { decodeUpdate, UpdateWriter } from '../src/wire/update.js';
import { family as familyOf } from '../src/wire/family.js';
import { nlriCount, type CodecContext } from '../src/wire/messages.js';
import { encode, SCENARIOS, type ScenarioName } from './propagation/scenarios.js';

const ALIASES: Record<string, ScenarioName> = { one: 'v4-one-attr', ten: 'v4-attr-per-10', v6: 'v6', evpn: 'evpn' };
/** Node's socket reads are 64 KiB: the daemon receives about this much between pumps. */
const READ = 65536;
const BATCH_ROUTES = 20000;

const { values, positionals } = parseArgs({ allowPositionals: true, options: { routes: { type: 'string' }, repeat: { type: 'string' } } });
const name = ALIASES[positionals[0] ?? 'ten'];
if (name === undefined) throw new Error(`scenario: one of ${Object.keys(ALIASES).join(', ')}`);
const scenario = SCENARIOS[name];
const routes = Number(values.routes ?? scenario.defaultSizes.at(-1)!);
const repeat = Number(values.repeat ?? 1);
const enc = encode(scenario, routes);
const family = familyOf(enc.afi, enc.safi);
const ctx: CodecContext = { as4: true, extendedMessage: false, ibgp: false, packUnicast: true };

function peer(id: number, as: number, addr: string): RibPeer {
  return {
    id,
    address: addr,
    localAddress: '10.99.0.1',
    localAddressV6: 'fd00:99::1',
    peerAs: as,
    localAs: 65000,
    routerId: addr,
    routeReflectorClient: false,
    nextHopSelf: false,
    families: new Set([family]),
  };
}

/** Message bodies (after the 19-octet header), grouped by the READ-sized piece they end in. */
function reads(chunks: readonly Buffer[]): Buffer[][] {
  const all = Buffer.concat(chunks);
  const out: Buffer[][] = [];
  let group: Buffer[] = [];
  let boundary = READ;
  for (let o = 0; o < all.length; ) {
    const len = all.readUInt16BE(o + 16);
    group.push(all.subarray(o + 19, o + len));
    o += len;
    if (o >= boundary) {
      out.push(group);
      group = [];
      boundary += READ;
    }
  }
  if (group.length > 0) out.push(group);
  return out;
}

const announce = reads(enc.announce);
const withdraw = reads(enc.withdraw);

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ['gc'] });

const rib = new Rib({ localAs: 65000, routerId: '10.99.0.1' });
const writer = new UpdateWriter();

function phase(input: Buffer[][], sender: number, receiver: number): { cpuMs: number; sysMs: number; wallMs: number; faults: number; out: number; octets: number } {
  const cpu0 = process.cpuUsage();
  const faults0 = process.resourceUsage().minorPageFault;
  const t0 = process.hrtime.bigint();
  let out = 0;
  let octets = 0;
  const pump = () => {
    for (let b = rib.takeOutbound(receiver, BATCH_ROUTES, true); b !== undefined; b = rib.takeOutbound(receiver, BATCH_ROUTES, true)) {
      for (const w of b.withdrawn) {
        writer.withdraw(w, ctx);
        out += nlriCount(w);
      }
      for (const a of b.announced) {
        writer.announce(a, ctx);
        out += nlriCount(a);
      }
      octets += writer.take()?.length ?? 0;
    }
  };
  for (const group of input) {
    for (const body of group) rib.receive(sender, decodeUpdate(body, ctx));
    pump();
  }
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  return { cpuMs: (cpu.user + cpu.system) / 1000, sysMs: cpu.system / 1000, wallMs, faults: process.resourceUsage().minorPageFault - faults0, out, octets };
}

async function main(): Promise<void> {
  console.log(`${scenario.title}: ${routes.toLocaleString('en-US')} routes, ${enc.announceMessages.toLocaleString('en-US')} UPDATEs in`);
  for (let round = 1; round <= repeat; round++) {
    const sender = 2 * round;
    const receiver = sender + 1;
    rib.addPeer(peer(sender, 65001, '10.99.0.2'));
    rib.addPeer(peer(receiver, 65002, '10.99.0.3'));
    rib.takeOutbound(receiver);
    const gc0 = gcMs;
    const a = phase(announce, sender, receiver);
    const w = phase(withdraw, sender, receiver);
    await new Promise((r) => setTimeout(r, 50)); // the GC observer reports asynchronously
    if (a.out !== routes || w.out !== routes) throw new Error(`expected ${routes} routes out each way, got ${a.out} and ${w.out}`);
    rib.removePeer(sender);
    rib.removePeer(receiver);
    const f = (n: number) => n.toFixed(0).padStart(6);
    console.log(
      `round ${round}: announce CPU ${f(a.cpuMs)} ms wall ${f(a.wallMs)} ms (${(a.cpuMs * 1e3 / routes).toFixed(2)} µs/route; system ${f(a.sysMs)} ms, ${a.faults} minor faults)` +
        ` · withdraw CPU ${f(w.cpuMs)} ms wall ${f(w.wallMs)} ms · GC ${f(gcMs - gc0)} ms · ${(a.octets / 1048576).toFixed(1)} MiB out`,
    );
  }
}

await main();
