/**
 * The tester and the monitor of one propagation run, in one process started inside the
 * benchmark's namespace by run.ts:
 *
 *   node dist/bench/propagation/peers.js '{"scenario":"v4-one-attr","routes":1000000,"mode":"daemon",...}'
 *
 * mode "daemon": both connect to the target (10.99.0.1 / fd00:99::1), the monitor first.
 * mode "direct": the monitor listens and the tester connects to it: the ceiling of the pair.
 *
 * All UPDATEs are encoded before the sessions come up. The clock starts just before the
 * tester's first UPDATE is written and stops when the monitor has seen every route (then:
 * every withdrawal). Events go to stdout as JSON lines; progress to stderr.
 */
import { performance } from 'node:perf_hooks';
import { ADDR, AS, SCENARIOS, encode, isScenario, transport } from './scenarios.js';
import { listenOnce, Speaker } from './speaker.js';
import { RouteCounter } from './wire.js';

export interface PeersConfig {
  scenario: string;
  routes: number;
  mode: 'daemon' | 'direct';
  /** Give up when the monitor has seen nothing new for this long. */
  stallSeconds: number;
  /** Pause after the sessions are up and after the announcements (ms). */
  settleMs: number;
}

export type PeersEvent =
  | { event: 'encoded'; ms: number; announceMessages: number; withdrawMessages: number; bytes: number }
  | { event: 'established' }
  | { event: 'announced'; ms: number }
  | {
      event: 'result';
      announceMs: number;
      testerWriteMs: number;
      withdrawMs: number;
      withdrawWriteMs: number;
      monitorUpdates: number;
      announcedNlri: number;
      withdrawnNlri: number;
      /** The next hop (hex) of the first MP_REACH_NLRI at the monitor. */
      mpNextHop?: string;
      /** The EXTENDED_COMMUNITIES (hex) of the first UPDATE at the monitor that had one. */
      extCommunities?: string;
    }
  | { event: 'error'; phase: string; message: string; live: number; routes: number };

function emit(e: PeersEvent): void {
  process.stdout.write(`${JSON.stringify(e)}\n`);
}

const HOLD_TIME = 240;

async function main(cfg: PeersConfig): Promise<void> {
  if (!isScenario(cfg.scenario)) throw new Error(`unknown scenario ${cfg.scenario}`);
  const s = SCENARIOS[cfg.scenario];
  const fam = transport(s);
  let phase = 'encode';
  const t = performance.now();
  const enc = encode(s, cfg.routes);
  emit({ event: 'encoded', ms: performance.now() - t, announceMessages: enc.announceMessages, withdrawMessages: enc.withdrawMessages, bytes: enc.bytes });

  // Warm the monitor's walk (JIT) on the very messages it will see, before any clock runs.
  const warm = new RouteCounter(cfg.routes, enc.format);
  for (const b of [...enc.announce, ...enc.withdraw]) {
    for (let off = 0; off < b.length; off += b.readUInt16BE(off + 16)) warm.update(b, off, off + b.readUInt16BE(off + 16));
  }
  if (warm.live !== 0 || warm.announcedNlri !== cfg.routes) throw new Error(`self-check: encoded ${warm.announcedNlri} routes, ${warm.live} left after withdrawal`);

  const counter = new RouteCounter(cfg.routes, enc.format);
  let waiter: { done: () => boolean; resolve: (t: number) => void } | undefined;
  const monitor = new Speaker({
    label: 'monitor',
    asn: AS.monitor,
    routerId: ADDR.monitor.v4,
    families: [[enc.afi, enc.safi]],
    holdTime: HOLD_TIME,
    onUpdate: (b, start, end) => counter.update(b, start, end),
    onData: () => {
      if (waiter !== undefined && waiter.done()) {
        const w = waiter;
        waiter = undefined;
        w.resolve(performance.now());
      }
    },
  });
  const tester = new Speaker({ label: 'tester', asn: AS.tester, routerId: ADDR.tester.v4, families: [[enc.afi, enc.safi]], holdTime: HOLD_TIME });
  const failed = Promise.race([monitor.failed, tester.failed]);

  /** Resolves with the time `done()` first held after some received data; rejects on a stall. */
  const until = (done: () => boolean): Promise<number> =>
    new Promise<number>((resolve, reject) => {
      let last = -1;
      let lastChange = performance.now();
      const tick = setInterval(() => {
        const seen = counter.announcedNlri + counter.withdrawnNlri;
        const now = performance.now();
        if (seen !== last) {
          last = seen;
          lastChange = now;
          process.stderr.write(`  [${phase}] monitor: ${counter.live} of ${cfg.routes} routes live, ${counter.updates} UPDATEs\n`);
        } else if (now - lastChange > cfg.stallSeconds * 1000) {
          clearInterval(tick);
          waiter = undefined;
          reject(new Error(`stalled: nothing new at the monitor for ${cfg.stallSeconds} s`));
        }
      }, 1000);
      waiter = {
        done,
        resolve: (t) => {
          clearInterval(tick);
          resolve(t);
        },
      };
    });

  try {
    phase = 'session';
    const target = ADDR.target[fam];
    if (cfg.mode === 'daemon') {
      monitor.connect(target, ADDR.monitor[fam]);
      await Promise.race([monitor.established, failed]);
      tester.connect(target, ADDR.tester[fam]);
    } else {
      await listenOnce(monitor, ADDR.monitor[fam]);
      tester.connect(ADDR.monitor[fam], ADDR.tester[fam]);
    }
    await Promise.race([Promise.all([monitor.established, tester.established]), failed]);
    emit({ event: 'established' });
    await new Promise((r) => setTimeout(r, cfg.settleMs));

    phase = 'announce';
    const allSeen = until(() => counter.live === cfg.routes);
    const t0 = performance.now();
    const writes = enc.announce.map((b) => tester.write(b));
    writes.push(tester.write(enc.eor));
    const written = Promise.all(writes).then(() => performance.now());
    written.catch(() => undefined);
    const tAnnounced = await Promise.race([allSeen, failed]);
    const tWritten = await written;
    emit({ event: 'announced', ms: tAnnounced - t0 });
    await new Promise((r) => setTimeout(r, cfg.settleMs));

    phase = 'withdraw';
    const noneLeft = until(() => counter.live === 0);
    const t1 = performance.now();
    const wWritten = Promise.all(enc.withdraw.map((b) => tester.write(b))).then(() => performance.now());
    wWritten.catch(() => undefined);
    const tWithdrawn = await Promise.race([noneLeft, failed]);
    const tw = await wWritten;
    emit({
      event: 'result',
      announceMs: tAnnounced - t0,
      testerWriteMs: tWritten - t0,
      withdrawMs: tWithdrawn - t1,
      withdrawWriteMs: tw - t1,
      monitorUpdates: counter.updates,
      announcedNlri: counter.announcedNlri,
      withdrawnNlri: counter.withdrawnNlri,
      ...(counter.firstMpNextHop !== undefined ? { mpNextHop: counter.firstMpNextHop } : {}),
      ...(counter.firstExtCommunities !== undefined ? { extCommunities: counter.firstExtCommunities } : {}),
    });
  } catch (e) {
    emit({ event: 'error', phase, message: (e as Error).message, live: counter.live, routes: cfg.routes });
    process.exitCode = 1;
  } finally {
    tester.close();
    monitor.close();
  }
}

const arg = process.argv[2];
if (arg === undefined) {
  process.stderr.write('usage: peers.js CONFIG_JSON (started by run.js)\n');
  process.exit(2);
}
main(JSON.parse(arg) as PeersConfig).then(
  () => process.exit(),
  (e: unknown) => {
    emit({ event: 'error', phase: 'setup', message: (e as Error).message, live: 0, routes: 0 });
    process.exit(1);
  },
);
