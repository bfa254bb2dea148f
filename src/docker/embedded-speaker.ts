/**
 * The Docker plugins' BGP speaker: bgpipe's own, in the plugin's process (docker-bgp-lb embeds
 * GoBGP the same way; bgpipe-l3's seed drove an external gobgpd through its CLI instead), and the
 * prefixes the plugin announces through it.
 *
 * A prefix is announced on behalf of owners (an endpoint, a network): it stays in the RIB while
 * any owner holds it and is withdrawn when the last lets go, so two containers that share an
 * address, or two networks with one subnet, do not withdraw each other's route. Announced paths
 * are originated straight into the RIB — not as `[[static-routes]]`, which a reload would diff
 * away — with ORIGIN IGP, an empty AS_PATH and the NEXT_HOP the plugin chooses per family.
 *
 * How the speaker runs is the plugin's: bgplb builds a bare BgpServer from its environment, with
 * an export policy that sends only these prefixes (src/docker/bgplb/speaker.ts); bgpipe-l3 runs
 * the whole bgpiped Daemon from its flags or a bgpiped TOML file (src/docker/l3/bgp.ts). Either
 * way learned routes reach the kernel through src/daemon/kernel-routes.ts when asked for.
 */
import type { Logger } from '../util/log.js';
import type { BgpServer } from '../daemon/bgp-server.js';
import type { Nlri } from '../wire/nlri/types.js';
import { IPV4_UNICAST, IPV6_UNICAST, type Family } from '../wire/family.js';
import { Origin, type PathAttributes } from '../wire/attributes/types.js';
import { parsePrefix } from '../wire/nlri/prefix.js';
import '../wire/index.js';

/** What runs the sessions: a bgpiped Daemon, or a plugin's own BgpServer with its kernel routes. */
export interface SpeakerRuntime {
  readonly server: BgpServer;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface EmbeddedSpeakerOptions {
  /** NEXT_HOP of the paths we originate, per family ("0.0.0.0": our address on each session). */
  nextHop(family: Family): string;
  /** Withdraw every prefix, and give the UPDATEs a moment to leave, before the Cease. */
  readonly withdrawOnStop?: boolean;
}

/** The announcements a plugin makes (the l3 driver's view; a test may stand in for it). */
export interface Announcer {
  advertise(owner: string, prefix: string): void;
  withdraw(owner: string, prefix: string): void;
}

export class EmbeddedSpeaker implements Announcer {
  /** prefix → owners. */
  private readonly owners = new Map<string, Set<string>>();
  /** family|nlri key of what we announce, for export policies. */
  private readonly announced = new Set<string>();

  constructor(
    readonly runtime: SpeakerRuntime,
    private readonly options: EmbeddedSpeakerOptions,
    private readonly log: Logger,
  ) {}

  get server(): BgpServer {
    return this.runtime.server;
  }

  async start(): Promise<void> {
    await this.runtime.start();
  }

  async stop(): Promise<void> {
    if (this.options.withdrawOnStop && this.owners.size > 0) {
      for (const [prefix, owners] of [...this.owners]) for (const o of [...owners]) this.withdraw(o, prefix);
      await new Promise((r) => setTimeout(r, 100));
    }
    await this.runtime.stop();
  }

  /** Announce `prefix` ("10.0.0.101/32", "2001:db8::/64") for `owner`. */
  advertise(owner: string, prefix: string): void {
    let set = this.owners.get(prefix);
    if (set === undefined) {
      set = new Set();
      this.owners.set(prefix, set);
    }
    if (set.has(owner)) return;
    set.add(owner);
    if (set.size > 1) return;
    const family = familyOf(prefix);
    const nlri = parsePrefix(family, prefix);
    this.announced.add(`${family}|${nlri.key}`);
    const attrs: PathAttributes = { origin: Origin.Igp, asPath: [], nextHop: this.options.nextHop(family) };
    this.server.rib.originate(family, nlri, attrs);
    this.log.info({ prefix, owner }, 'advertised');
  }

  /** Release `owner`'s hold on `prefix`; the route is withdrawn when nobody holds it. */
  withdraw(owner: string, prefix: string): void {
    const set = this.owners.get(prefix);
    if (set === undefined || !set.delete(owner)) return;
    if (set.size > 0) return;
    this.owners.delete(prefix);
    const family = familyOf(prefix);
    const nlri = parsePrefix(family, prefix);
    this.announced.delete(`${family}|${nlri.key}`);
    this.server.rib.withdrawOriginated(family, nlri);
    this.log.info({ prefix, owner }, 'withdrawn');
  }

  /** Is this one of our announcements (export policies)? */
  owns(family: Family, nlri: Nlri): boolean {
    return this.announced.has(`${family}|${nlri.key}`);
  }

  /** All announced prefixes, sorted (logs, tests). */
  prefixes(): string[] {
    return [...this.owners.keys()].sort();
  }
}

function familyOf(prefix: string): Family {
  return prefix.includes(':') ? IPV6_UNICAST : IPV4_UNICAST;
}
