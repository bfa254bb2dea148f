/**
 * The life of bgpipe's long-running executables (bgpiped, bgplb, bgpipe-l3), one way for all:
 * start; serve until SIGTERM or SIGINT; stop cleanly (Cease to every neighbour, sockets closed);
 * exit 0. Exit codes: 1 when the service could not start (what it had opened is closed again),
 * 70 (EX_SOFTWARE) for an exception nobody caught, i.e. a bug; a bad option or setting is 2,
 * decided by each executable before anything is opened.
 */
import type { Logger } from '../util/log.js';

export interface Service {
  start(): Promise<void>;
  /** Also called after a failed start: closes whatever start had opened. */
  stop(): Promise<void>;
}

/**
 * Starts `service` and serves until SIGTERM/SIGINT; resolves with the exit code. A failed start
 * is logged (JSON) and said once more in plain words on stderr, through `describe` when given.
 */
export async function serve(name: string, log: Logger, service: Service, describe: (e: unknown) => string = (e) => (e as Error).message): Promise<number> {
  try {
    await service.start();
  } catch (e) {
    const message = describe(e);
    log.fatal({ error: message }, `${name} could not start`);
    console.error(`${name}: ${message}`);
    await service.stop().catch(() => undefined);
    return 1;
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => resolve(sig));
  });
  log.info({ signal }, `${name} stopping`);
  await service.stop();
  return 0;
}

/** Runs an executable's main and exits with its code; an exception is a bug (exit 70). */
export function runMain(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`${name}: fatal:`, err);
      process.exit(70);
    },
  );
}
