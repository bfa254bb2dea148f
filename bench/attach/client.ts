/**
 * One attach-benchmark run inside the benchmark's namespace, started by run.ts: the monitor
 * (monitor.ts, listening on the monitor address) and the REST client in ONE process, so that the
 * time a POST is sent and the time its route reaches the monitor are read from the same clock.
 *
 *   node dist/bench/attach/client.js '{"monitor":"10.99.0.1","apiPort":8082,"attachments":1000,...}'
 *
 * Protocol with run.ts: JSON lines on stdout. `listening` once the monitor listens (run.ts then
 * starts the target), `established` when the target's session is up; then it waits for a line
 * `go` on stdin (the target's API answers), settles, and runs the attach phase and the detach
 * phase, emitting `phase` for each, then `done`. Progress goes to stderr.
 *
 * HTTP: a minimal HTTP/1.1 client on raw sockets, one connection per request with
 * `Connection: close` (bagpipe-bgp answers HTTP/1.0 and closes every connection anyway), headers
 * as the networking-bagpipe agent sends them (Content-Type and Accept: application/json).
 * `concurrency` requests are in flight at a time.
 */
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { MAX_MACS, Monitor, macOf } from './monitor.js';

export interface ClientConfig {
  /** Address the monitor listens on (the target's `peers`). */
  monitor: string;
  asn: number;
  apiPort: number;
  attachments: number;
  instances: number;
  concurrency: number;
  detach: boolean;
  /** Give up on routes not seen this long after the last response. */
  stallSeconds: number;
  /** Attachments attached then detached before the measured phases, untimed (other MACs). */
  warmup: number;
  settleMs: number;
}

export interface Stats {
  p50: number;
  p99: number;
  max: number;
}

export interface PhaseResult {
  event: 'phase';
  phase: 'attach' | 'detach';
  n: number;
  ok: number;
  errors: number;
  firstError?: string;
  /** First request started → last response (ms). */
  restWallMs: number;
  /** First request started → last route (or withdrawal) seen at the monitor (ms). */
  routeWallMs?: number;
  rest: Stats;
  route?: Stats;
  missing: number;
  /** Type-2 announcements (attach) or withdrawals (detach) seen more than once per MAC. */
  duplicates: number;
}

export type ClientEvent =
  | { event: 'listening' }
  | { event: 'established' }
  | PhaseResult
  | { event: 'done'; monitor: { updates: number; type2Announced: number; type2Withdrawn: number; otherEvpn: number; otherNlri: number } }
  | { event: 'error'; phase: string; message: string };

function emit(e: ClientEvent): void {
  process.stdout.write(`${JSON.stringify(e)}\n`);
}

export function attachBody(i: number, instances: number, detach = false): Record<string, unknown> {
  const inst = i % instances;
  const host = i + 10;
  const body: Record<string, unknown> = {
    vpn_type: 'evpn',
    vpn_instance_id: `bench-${inst}`,
    mac_address: macOf(i),
    ip_address: `10.${100 + inst}.${(host >> 8) & 255}.${host & 255}/16`,
    local_port: { linuxif: `tapb${i}` },
  };
  if (!detach) {
    body.import_rt = ['64512:10'];
    body.export_rt = ['64512:10'];
    body.gateway_ip = `10.${100 + inst}.255.254`;
  }
  return body;
}

interface HttpReply {
  status: number;
  body: string;
}

/** POST over a fresh connection; resolves when the server has closed it (or sent Content-Length bytes). */
function post(port: number, path: string, body: string): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      const text = Buffer.concat(chunks).toString('latin1');
      const headEnd = text.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      const cl = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, headEnd));
      const bodyText = text.slice(headEnd + 4);
      if (cl?.[1] !== undefined && bodyText.length < Number(cl[1])) return;
      settled = true;
      s.destroy();
      resolve({ status: m?.[1] !== undefined ? Number(m[1]) : 0, body: bodyText });
    };
    s.setNoDelay(true);
    s.on('data', (c: Buffer) => {
      chunks.push(c);
      finish();
    });
    s.on('end', () => {
      finish();
      if (!settled) {
        settled = true;
        reject(new Error(`incomplete HTTP response: ${Buffer.concat(chunks).toString('latin1').slice(0, 200)}`));
      }
    });
    s.on('error', (e) => {
      if (!settled) {
        settled = true;
        reject(e);
      }
    });
    s.write(
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nAccept: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}

/** Nearest-rank percentile of sorted values. */
function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

function stats(values: number[]): Stats {
  const s = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return { p50: pct(s, 50), p99: pct(s, 99), max: s[s.length - 1] ?? NaN };
}

async function main(cfg: ClientConfig): Promise<void> {
  if (cfg.attachments + cfg.warmup > MAX_MACS) throw new Error(`at most ${MAX_MACS} attachments and warm-up attachments`);
  const n = cfg.attachments;
  // Per phase: when each request started, when its response came, when its route was seen.
  const tSend = new Float64Array(n).fill(NaN);
  const tResp = new Float64Array(n).fill(NaN);
  const tSeen = new Float64Array(n).fill(NaN);
  let phase: 'session' | 'attach' | 'detach' = 'session';
  let seen = 0;
  let duplicates = 0;
  let lastSeenAt = performance.now();
  let onSeen: (() => void) | undefined;
  /** Warm-up MACs (indices n .. n + warmup - 1) whose withdrawal the monitor has seen. */
  const warmWithdrawn = new Set<number>();

  const monitor = new Monitor({
    asn: cfg.asn,
    routerId: cfg.monitor,
    holdTime: 180,
    onMac: (i, announced, t) => {
      if (i >= n) {
        if (!announced && i < n + cfg.warmup) warmWithdrawn.add(i);
        return;
      }
      if (phase === 'attach' ? !announced : phase === 'detach' ? announced : true) return;
      if (Number.isNaN(tSend[i] ?? NaN)) return; // not asked for yet in this phase
      if (!Number.isNaN(tSeen[i] ?? NaN)) {
        duplicates++;
        return;
      }
      tSeen[i] = t;
      seen++;
      lastSeenAt = t;
      if (seen === n) onSeen?.();
    },
  });
  await monitor.listen(cfg.monitor);
  emit({ event: 'listening' });

  const lines = createInterface({ input: process.stdin });
  const go = new Promise<void>((res) => lines.on('line', (l) => l.trim() === 'go' && res()));
  await Promise.race([monitor.established, monitor.failed]);
  emit({ event: 'established' });
  await go;
  await new Promise((r) => setTimeout(r, cfg.settleMs));

  /** The warm-up: a daemon with a JIT runs its first requests in the interpreter and compiles
   *  the hot code meanwhile; these requests pay that, the measured ones do not. Done once the
   *  withdrawals have reached the monitor, so the target is quiet again when measuring starts.
   *  Not measured, so an error is reported and passed over (bagpipe-bgp sometimes answers 500 to
   *  the concurrent detach of the last ports of its instances). */
  const warmUp = async (): Promise<void> => {
    let detached = 0;
    const failed: string[] = [];
    for (const which of ['attach', 'detach'] as const) {
      const path = which === 'attach' ? '/attach_localport' : '/detach_localport';
      const bodies = Array.from({ length: cfg.warmup }, (_, k) => JSON.stringify(attachBody(n + k, cfg.instances, which === 'detach')));
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < cfg.warmup) {
          const k = next++;
          const r = await post(cfg.apiPort, path, bodies[k] ?? '').catch((e: Error) => ({ status: 0, body: e.message }));
          if (r.status === 200) detached += which === 'detach' ? 1 : 0;
          else failed.push(`${which} #${k}: HTTP ${r.status} ${r.body.slice(0, 200)}`);
        }
      };
      await Promise.all(Array.from({ length: Math.min(cfg.concurrency, cfg.warmup) }, worker));
    }
    const since = performance.now();
    while (warmWithdrawn.size < detached && performance.now() - since < cfg.stallSeconds * 1000) await new Promise((r) => setTimeout(r, 100));
    process.stderr.write(`  warm-up: ${cfg.warmup} attached and detached, ${failed.length} errors${failed.length ? ` (first: ${failed[0]})` : ''}, ${warmWithdrawn.size} withdrawals seen\n`);
    await new Promise((r) => setTimeout(r, cfg.settleMs));
  };

  const runPhase = async (which: 'attach' | 'detach'): Promise<PhaseResult> => {
    tSend.fill(NaN);
    tResp.fill(NaN);
    tSeen.fill(NaN);
    seen = 0;
    duplicates = 0;
    const bodies = Array.from({ length: n }, (_, i) => JSON.stringify(attachBody(i, cfg.instances, which === 'detach')));
    const path = which === 'attach' ? '/attach_localport' : '/detach_localport';
    let next = 0;
    let ok = 0;
    let errors = 0;
    let firstError: string | undefined;
    phase = which;
    const allSeen = new Promise<void>((res) => {
      onSeen = res;
      if (seen === n) res();
    });
    const progress = setInterval(() => process.stderr.write(`  [${which}] ${next} sent, ${ok + errors} answered, ${seen} seen at the monitor\n`), 2000);
    const t0 = performance.now();
    const worker = async (): Promise<void> => {
      while (next < n) {
        const i = next++;
        tSend[i] = performance.now();
        try {
          const r = await post(cfg.apiPort, path, bodies[i] ?? '');
          tResp[i] = performance.now();
          if (r.status === 200) ok++;
          else {
            errors++;
            firstError ??= `#${i}: HTTP ${r.status} ${r.body.slice(0, 300)}`;
          }
        } catch (e) {
          tResp[i] = performance.now();
          errors++;
          firstError ??= `#${i}: ${(e as Error).message}`;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(cfg.concurrency, n) }, worker));
    const tLastResp = performance.now();
    lastSeenAt = Math.max(lastSeenAt, tLastResp);
    // Wait for the routes still on their way; stop once nothing new came for stallSeconds.
    await Promise.race([
      allSeen,
      new Promise<void>((res) => {
        const tick = setInterval(() => {
          if (seen === n || performance.now() - lastSeenAt > cfg.stallSeconds * 1000) {
            clearInterval(tick);
            res();
          }
        }, 200);
      }),
      monitor.failed,
    ]);
    clearInterval(progress);
    onSeen = undefined;
    const rest: number[] = [];
    const route: number[] = [];
    let lastSeen = -Infinity;
    for (let i = 0; i < n; i++) {
      rest.push((tResp[i] ?? NaN) - (tSend[i] ?? NaN));
      const s = tSeen[i] ?? NaN;
      if (!Number.isNaN(s)) {
        route.push(s - (tSend[i] ?? NaN));
        if (s > lastSeen) lastSeen = s;
      }
    }
    const result: PhaseResult = {
      event: 'phase',
      phase: which,
      n,
      ok,
      errors,
      restWallMs: tLastResp - t0,
      rest: stats(rest),
      missing: n - seen,
      duplicates,
    };
    if (firstError !== undefined) result.firstError = firstError;
    if (seen > 0) {
      result.route = stats(route);
      if (seen === n) result.routeWallMs = lastSeen - t0;
    }
    return result;
  };

  try {
    if (cfg.warmup > 0) await warmUp();
    phase = 'attach';
    emit(await runPhase('attach'));
    if (cfg.detach) {
      await new Promise((r) => setTimeout(r, cfg.settleMs));
      emit(await runPhase('detach'));
    }
    emit({
      event: 'done',
      monitor: {
        updates: monitor.updates,
        type2Announced: monitor.type2Announced,
        type2Withdrawn: monitor.type2Withdrawn,
        otherEvpn: monitor.otherEvpn,
        otherNlri: monitor.otherNlri,
      },
    });
  } catch (e) {
    emit({ event: 'error', phase, message: (e as Error).message });
    process.exitCode = 1;
  } finally {
    lines.close();
    monitor.close();
  }
}

const arg = process.argv[2];
if (arg === undefined) {
  process.stderr.write('usage: client.js CONFIG_JSON (started by run.js)\n');
  process.exit(2);
}
main(JSON.parse(arg) as ClientConfig).then(
  () => process.exit(),
  (e: unknown) => {
    emit({ event: 'error', phase: 'setup', message: (e as Error).message });
    process.exit(1);
  },
);
