/**
 * RFC 4724 §4.2, the receiving speaker ("helper"): when the session of a neighbour that
 * advertised graceful restart drops without a NOTIFICATION (TCP loss, hold timer expiry), its
 * routes of the families in its capability stay in use, marked stale, while its Restart Time
 * runs. When it is back, the families whose F bit its new OPEN lacks are flushed at once, and
 * each End-of-RIB flushes what it did not send again; the stale-path timer (FRR's
 * `stalepath-time`, 360 s) bounds the wait for those End-of-RIBs. The RIB does the route work
 * (retainStale, flushStale); this holds the timers and the rules.
 */
import type { Logger } from '../util/log.js';
import type { Rib } from '../rib/rib.js';
import type { RibPeer } from '../rib/types.js';
import type { Negotiated } from '../session/types.js';
import { familyName, type Family } from '../wire/family.js';

/** Seconds to wait for the End-of-RIBs of a re-established session (FRR's default). */
export const STALE_PATH_TIME = 360;

interface Held {
  /** The RIB id of the session whose routes are held. */
  readonly oldId: number;
  timer: NodeJS.Timeout;
}

export class GracefulRestartHelper {
  /** By neighbour address. */
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly rib: Rib,
    private readonly log: Logger,
    private readonly stalePathTime = STALE_PATH_TIME,
  ) {}

  /**
   * The session of `ribPeer` ended. Keeps its routes and returns true when graceful restart
   * applies (both sides enabled it, the end was `abrupt`, the peer listed families); otherwise
   * the caller removes the peer from the RIB as usual.
   */
  sessionDown(ribPeer: RibPeer, peerGr: Negotiated['peerGracefulRestart'], enabled: boolean, abrupt: boolean): boolean {
    if (!enabled || !abrupt || peerGr === undefined) return false;
    const families = peerGr.families.filter((f) => ribPeer.families.has(f));
    if (families.length === 0) return false;
    this.drop(ribPeer.address);
    this.rib.retainStale(ribPeer.id, families);
    const seconds = peerGr.restartTime;
    this.log.info({ peer: ribPeer.address, restartTime: seconds, families: families.map(familyName) }, 'graceful restart: keeping the routes of the neighbour as stale');
    const timer = setTimeout(() => this.expire(ribPeer.address, 'restart timer expired'), seconds * 1000);
    timer.unref();
    this.held.set(ribPeer.address, { oldId: ribPeer.id, timer });
    return true;
  }

  /** The previous session whose stale routes a new session of `address` replaces, if any. */
  heldFor(address: string): number | undefined {
    return this.held.get(address)?.oldId;
  }

  /** The neighbour is back (after rib.addPeer(…, heldFor(address))): §4.2 on its new OPEN. */
  sessionUp(address: string, negotiated: Negotiated): void {
    const h = this.held.get(address);
    if (h === undefined) return;
    clearTimeout(h.timer);
    const forwarding = new Set(negotiated.peerGracefulRestart?.forwarding ?? []);
    for (const f of [...this.rib.staleFamilies(h.oldId)]) {
      // No capability, family missing or F bit clear: the peer lost its forwarding state.
      if (!forwarding.has(f) || !negotiated.families.has(f)) this.rib.flushStale(h.oldId, f);
    }
    if (!this.settled(address, h)) {
      h.timer = setTimeout(() => this.expire(address, 'stale-path timer expired'), this.stalePathTime * 1000);
      h.timer.unref();
    }
  }

  /** End-of-RIB from the neighbour's new session: its stale routes of `family` that it did
   *  not send again go. */
  endOfRib(address: string, family: Family): void {
    const h = this.held.get(address);
    if (h === undefined) return;
    this.rib.flushStale(h.oldId, family);
    this.settled(address, h);
  }

  /** The neighbour is removed (or its session reset for good): nothing stays held. */
  drop(address: string): void {
    const h = this.held.get(address);
    if (h === undefined) return;
    clearTimeout(h.timer);
    this.held.delete(address);
    this.rib.flushStale(h.oldId);
  }

  /** Stops every timer (daemon stop). */
  close(): void {
    for (const h of this.held.values()) clearTimeout(h.timer);
    this.held.clear();
  }

  private expire(address: string, why: string): void {
    const h = this.held.get(address);
    if (h === undefined) return;
    this.log.warn({ peer: address, families: [...this.rib.staleFamilies(h.oldId)].map(familyName) }, `graceful restart: ${why}, removing stale routes`);
    this.drop(address);
  }

  private settled(address: string, h: Held): boolean {
    if (this.rib.staleFamilies(h.oldId).size > 0) return false;
    clearTimeout(h.timer);
    this.held.delete(address);
    this.log.info({ peer: address }, 'graceful restart: neighbour resynchronised');
    return true;
  }
}
