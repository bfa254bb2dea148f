/**
 * One-shot `ip` commands that answer: the Docker plugins' kernel modules (lb-bridge.ts for bgplb,
 * container-links.ts for bgpipe-l3) run them, because Docker's Join must fail — and roll back —
 * when a link could not be made. The VPN drivers do not wait for the kernel and go through the
 * batch queue instead (kernel.ts, ip-batch.ts).
 *
 * A refused command throws IpCommandError with the kernel's own words; `isGone` tells the
 * refusals that mean "that object is not there", which teardown treats as done.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** Long enough for a loaded host, short enough that a hung `ip` fails Docker's call. */
const TIMEOUT_MS = 20_000;

/** A refused `ip` command, with the kernel's own words. */
export class IpCommandError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly kernelMessage: string,
  ) {
    super(`ip ${args.join(' ')}: ${kernelMessage}`);
    this.name = 'IpCommandError';
  }
}

/** The link, address or route named does not exist (deleted already, or never made). */
export function isGone(e: unknown): boolean {
  return e instanceof IpCommandError && /No such process|Cannot find device|does not exist|No such device/i.test(e.kernelMessage);
}

/** It is there already (a restore re-making what survived). */
export function isThere(e: unknown): boolean {
  return e instanceof IpCommandError && /File exists/i.test(e.kernelMessage);
}

export class IpCommand {
  /** iproute2's ip; default `ip` from PATH. */
  constructor(readonly path = 'ip') {}

  /** Runs `ip ARGS`; resolves with its stdout. */
  async run(args: readonly string[]): Promise<string> {
    try {
      const { stdout } = await execFileP(this.path, args, { encoding: 'utf8', timeout: TIMEOUT_MS });
      return stdout;
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new IpCommandError(args, (err.stderr ?? '').trim() || err.message);
    }
  }

  /** `ip -json ARGS`, parsed; [] for empty output. */
  async json<T>(args: readonly string[]): Promise<T[]> {
    const text = (await this.run(['-json', ...args])).trim();
    return text === '' ? [] : (JSON.parse(text) as T[]);
  }

  /** Runs `ip ARGS`; false, not an error, when the object it names is not there. */
  async runUnlessGone(args: readonly string[]): Promise<boolean> {
    try {
      await this.run(args);
      return true;
    } catch (e) {
      if (isGone(e)) return false;
      throw e;
    }
  }

  linkExists(name: string): Promise<boolean> {
    return this.runUnlessGone(['link', 'show', 'dev', name]);
  }

  /** Deletes a link (a veth's peer goes with it); false when it was not there, also when it
   *  went meanwhile (a veth goes with its peer when the container's namespace is destroyed). */
  deleteLink(name: string): Promise<boolean> {
    return this.runUnlessGone(['link', 'del', 'dev', name]);
  }
}
