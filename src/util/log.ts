/**
 * Logging: pino JSON lines on stderr. One line per event an operator cares about (sessions up
 * and down with the reason, config reloads, prefix limits); per-route detail only at debug.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level = process.env.BGPIPE_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2));
}

/** For tests and tools that want silence. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
