/**
 * Logging: pino JSON lines on stderr. One line per event an operator cares about (sessions up
 * and down with the reason, config reloads, prefix limits); per-route detail only at debug.
 *
 * The last warnings and errors are also kept in memory for the looking glass's `/logs`
 * (bagpipe-bgp shows its last 100 WARNING-or-higher records there, newest first).
 */
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

export type { Logger };

/** A warning or error as bagpipe-bgp's looking glass lists it. */
export interface LogRecordView {
  readonly level: string;
  /** "YYYY-MM-DD HH:MM:SS,mmm", bagpipe-bgp's format. */
  readonly time: string;
  readonly name: string;
  readonly message: string;
}

const KEPT = 100;
const recent: LogRecordView[] = [];
const LEVELS: Record<number, string> = { 40: 'WARNING', 50: 'ERROR', 60: 'CRITICAL' };

/** The last warnings and errors of this process, newest first. */
export function recentWarnings(): LogRecordView[] {
  return [...recent].reverse();
}

const warningTap = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      try {
        const r = JSON.parse(line) as { level: number; time?: string; msg?: string; peer?: string; reason?: string; error?: string };
        const time = (r.time ?? new Date().toISOString()).replace('T', ' ').replace('.', ',').replace(/Z$/, '');
        const detail = r.reason ?? r.error;
        recent.push({ level: LEVELS[r.level] ?? String(r.level), time, name: r.peer ? `BGP-${r.peer}` : 'bgpiped', message: detail ? `${r.msg}: ${detail}` : (r.msg ?? '') });
        if (recent.length > KEPT) recent.shift();
      } catch {
        // not a JSON line: nothing to keep
      }
    }
    done();
  },
});

export function createLogger(level = process.env.BGPIPE_LOG_LEVEL ?? 'info'): Logger {
  const streams = pino.multistream([
    { level: level as pino.Level, stream: pino.destination(2) },
    { level: 'warn', stream: warningTap },
  ]);
  return pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, streams);
}

/** For tests and tools that want silence. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
