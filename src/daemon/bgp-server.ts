/**
 * The BGP server: the one place that knows sessions, the RIB and policy at once. It creates a
 * Peer per neighbour, feeds received UPDATEs to the RIB, and drains the RIB's packed outbound
 * batches into each session as fast as its socket takes them.
 */
import type net from 'node:net';
import type { Logger } from '../util/log.js';
import { Rib } from '../rib/rib.js';
import type { RibPeer } from '../rib/types.js';
import { Peer, type PeerEvents } from '../session/peer.js';
import { Listener } from '../session/listener.js';
import type { Negotiated } from '../session/types.js';
import { CeaseSubcode } from '../wire/errors.js';
import { RTC } from '../wire/family.js';
import { UpdateWriter } from '../wire/update.js';
import { MessageType, type RouteRefreshMessage, type UpdateMessage } from '../wire/messages.js';
import type { NeighborSettings, ServerSettings, StaticRoute } from './settings.js';
import { ipv6OnSameInterface } from './interface-address.js';
import { GracefulRestartHelper } from './graceful-restart.js';

const MESSAGE_NAMES: Record<number, string> = {
  [MessageType.Open]: 'open',
  [MessageType.Update]: 'update',
  [MessageType.Notification]: 'notification',
  [MessageType.Keepalive]: 'keepalive',
  [MessageType.RouteRefresh]: 'route-refresh',
};

/** RFC 4684 §6: longest wait for a peer's RTC End-of-RIB before our VPN End-of-RIB goes anyway. */
const RTC_END_OF_RIB_WAIT_MS = 5000;

/** RFC 4724 §4.1: longest selection deferral after our restart (FRR's select-defer-time). */
const SELECTION_DEFERRAL_TIME = 360;

/** Routes taken from the RIB per write: large enough to pack well, small enough to stay responsive. */
const BATCH_ROUTES = 20000;

/** A pump that wrote no more than this (a few small UPDATEs) makes the next one wait a turn. */
const LITTLE_WRITE = 4096;

export interface NeighborEntry {
  peer: Peer;
  settings: NeighborSettings;
  dynamic: boolean;
  ribPeer: RibPeer | undefined;
  /** The graceful restart capability of the current (or last) session's OPEN. */
  peerGracefulRestart: Negotiated['peerGracefulRestart'];
  /** Families whose End-of-RIB the current session has sent. */
  endOfRibReceived: Set<number>;
  pumpScheduled: boolean;
  /** The last pump that wrote wrote at most LITTLE_WRITE octets: the next one waits a turn. */
  pumpWroteLittle: boolean;
  readonly messages: { received: Record<string, number>; sent: Record<string, number> };
}

export interface ServerHooks {
  message?(address: string, direction: 'in' | 'out', type: string, count: number): void;
  session?(address: string, to: 'up' | 'down'): void;
  /** The neighbour sent End-of-RIB for `family` (RFC 4724 §2). */
  endOfRib?(address: string, family: number): void;
}

export class BgpServer implements PeerEvents {
  readonly rib: Rib;
  readonly neighbors = new Map<string, NeighborEntry>();
  private readonly byPeer = new Map<Peer, NeighborEntry>();
  private readonly byRibId = new Map<number, NeighborEntry>();
  private listener: Listener | undefined;
  private nextRibPeerId = 1;
  private statics = new Map<string, StaticRoute>();
  readonly startedAt = Date.now();
  private readonly gr: GracefulRestartHelper;
  /** RFC 4724 §4.1: we restarted (R and F in our OPENs) and hold our advertisements back. */
  private restarting: boolean;
  private deferralTimer: NodeJS.Timeout | undefined;
  /** Packs each outbound batch (pump is synchronous: one writer serves every neighbour). */
  private readonly writer = new UpdateWriter();

  constructor(
    public settings: ServerSettings,
    private readonly log: Logger,
    private readonly hooks: ServerHooks = {},
  ) {
    this.rib = new Rib({
      localAs: settings.localAs,
      routerId: settings.routerId,
      clusterId: settings.clusterId,
      multipath: settings.multipath,
    });
    this.gr = new GracefulRestartHelper(this.rib, log);
    this.restarting = settings.restarted === true && settings.neighbors.some((n) => n.session.gracefulRestart !== undefined && !n.adminDown);
    this.rib.onOutbound = (ribPeerId) => {
      const entry = this.byRibId.get(ribPeerId);
      if (entry) this.schedulePump(entry);
    };
  }

  async start(): Promise<void> {
    if (this.restarting) {
      const seconds = this.settings.selectionDeferralTime ?? SELECTION_DEFERRAL_TIME;
      this.log.info({ seconds }, 'graceful restart: deferring our advertisements until the End-of-RIB of every graceful-restart neighbour');
      this.deferralTimer = setTimeout(() => this.endDeferral('selection deferral timer expired'), seconds * 1000);
      this.deferralTimer.unref();
    }
    for (const route of this.settings.staticRoutes) this.originate(route);
    if (this.settings.listenPort >= 0) {
      this.listener = new Listener({ peerFor: (remote) => this.peerFor(remote) }, this.log);
      this.listener.setMd5Keys(this.settings.md5Keys ?? []);
      this.listener.setMinTtl(this.settings.listenMinTtl ?? 0);
      await this.listener.listen(this.settings.listenAddresses, this.settings.listenPort);
    }
    for (const n of this.settings.neighbors) this.addNeighbor(n, false);
  }

  /** Bound BGP ports (tests listen on port 0). */
  listenPorts(): number[] {
    return this.listener?.ports() ?? [];
  }

  async stop(reason = 'bgpiped shutting down'): Promise<void> {
    this.listener?.close();
    for (const entry of [...this.neighbors.values()]) this.removeNeighbor(entry, reason);
    this.gr.close();
    clearTimeout(this.deferralTimer);
    // Give the Cease NOTIFICATIONs a moment to leave.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  /**
   * Applies new settings (SIGHUP): neighbours added, removed or changed come and go; unchanged
   * ones keep their sessions. Global changes (AS, router id, listen addresses) need a restart.
   */
  reload(next: ServerSettings): void {
    // Keys first: a neighbour restarted below with a new password must find it on the listener.
    try {
      this.listener?.setMd5Keys(next.md5Keys ?? []);
      this.listener?.setMinTtl(next.listenMinTtl ?? 0);
    } catch (err) {
      this.log.error({ error: (err as Error).message }, 'cannot set TCP MD5 keys or GTSM on the listening sockets');
    }
    const wanted = new Map(next.neighbors.map((n) => [n.session.peerAddress, n]));
    for (const entry of [...this.neighbors.values()]) {
      if (entry.dynamic) continue;
      const n = wanted.get(entry.settings.session.peerAddress);
      if (!n) {
        this.log.info({ peer: entry.settings.session.peerAddress }, 'neighbour removed by reload');
        this.removeNeighbor(entry, 'neighbour deconfigured', CeaseSubcode.PeerDeconfigured);
      } else if (n.fingerprint !== entry.settings.fingerprint) {
        this.log.info({ peer: n.session.peerAddress }, 'neighbour changed by reload, restarting its session');
        this.removeNeighbor(entry, 'neighbour configuration changed', CeaseSubcode.OtherConfigurationChange);
        this.addNeighbor(n, false);
      } else if (n.policyFingerprint !== entry.settings.policyFingerprint) {
        entry.settings = n;
        if (entry.ribPeer) {
          this.log.info({ peer: n.session.peerAddress }, 'policy changed by reload, re-evaluating routes');
          this.rib.setPolicy(entry.ribPeer.id, { import: n.importPolicy, export: n.exportPolicy });
        }
      }
    }
    for (const n of next.neighbors) if (!this.neighbors.has(n.session.peerAddress)) this.addNeighbor(n, false);

    const nextStatics = new Map(next.staticRoutes.map((r) => [r.key, r]));
    for (const [key, route] of this.statics) if (!nextStatics.has(key)) this.withdrawStatic(route);
    for (const route of next.staticRoutes) {
      if (!this.statics.has(route.key)) this.originate(route);
    }
    this.settings = next;
  }

  // ===== neighbours =====

  private addNeighbor(settings: NeighborSettings, dynamic: boolean): NeighborEntry {
    const offer = settings.session.gracefulRestart;
    // The R and F bits follow our own restart state (RFC 4724 §4.1), whatever the config says.
    const session = offer === undefined ? settings.session : { ...settings.session, gracefulRestart: { ...offer, restarting: () => this.restarting } };
    const peer = new Peer(session, this, this.log, { idleHoldTime: this.settings.idleHoldTime, dynamic });
    const entry: NeighborEntry = {
      peer,
      settings,
      dynamic,
      ribPeer: undefined,
      peerGracefulRestart: undefined,
      endOfRibReceived: new Set(),
      pumpScheduled: false,
      pumpWroteLittle: false,
      messages: { received: {}, sent: {} },
    };
    this.neighbors.set(settings.session.peerAddress, entry);
    this.byPeer.set(peer, entry);
    if (!settings.adminDown) peer.start();
    return entry;
  }

  private removeNeighbor(entry: NeighborEntry, reason: string, subcode?: number): void {
    entry.peer.dispose(reason, subcode);
    this.gr.drop(entry.settings.session.peerAddress);
    this.detachFromRib(entry);
    this.neighbors.delete(entry.settings.session.peerAddress);
    this.byPeer.delete(entry.peer);
  }

  private peerFor(remoteAddress: string): { accept(socket: net.Socket): void } | undefined {
    const entry = this.neighbors.get(remoteAddress);
    if (entry) return entry.peer;
    const settings = this.settings.dynamicNeighbor(remoteAddress);
    if (!settings) return undefined;
    this.log.info({ peer: remoteAddress }, 'dynamic neighbour accepted');
    return this.addNeighbor(settings, true).peer;
  }

  private detachFromRib(entry: NeighborEntry): void {
    if (!entry.ribPeer) return;
    this.byRibId.delete(entry.ribPeer.id);
    this.rib.removePeer(entry.ribPeer.id);
    entry.ribPeer = undefined;
  }

  // ===== PeerEvents =====

  established(peer: Peer, negotiated: Negotiated): void {
    const entry = this.byPeer.get(peer);
    if (!entry) return;
    const localAddress = peer.localAddress ?? '0.0.0.0';
    const ribPeer: RibPeer = {
      id: this.nextRibPeerId++,
      address: peer.config.peerAddress,
      localAddress,
      localAddressV6: localAddress.includes(':') ? localAddress : this.ipv6NextHopSelf(entry, localAddress),
      peerAs: negotiated.peerAs,
      localAs: peer.config.localAs,
      routerId: negotiated.peerRouterId,
      routeReflectorClient: entry.settings.routeReflectorClient,
      nextHopSelf: entry.settings.nextHopSelf,
      families: negotiated.families,
    };
    entry.ribPeer = ribPeer;
    entry.peerGracefulRestart = negotiated.peerGracefulRestart;
    entry.endOfRibReceived = new Set();
    this.byRibId.set(ribPeer.id, entry);
    const policy = { import: entry.settings.importPolicy, export: entry.settings.exportPolicy };
    this.rib.addPeer(ribPeer, policy, this.gr.heldFor(ribPeer.address));
    this.gr.sessionUp(ribPeer.address, negotiated);
    if (negotiated.families.has(RTC)) {
      // RFC 4684 §6: our VPN End-of-RIB waits for the peer's RTC End-of-RIB; a peer that never
      // sends one (ExaBGP, older speakers) gets it after this long.
      const id = ribPeer.id;
      setTimeout(() => this.rib.rtcMembershipsComplete(id), RTC_END_OF_RIB_WAIT_MS).unref();
    }
    this.hooks.session?.(ribPeer.address, 'up');
    this.schedulePump(entry);
    if (this.restarting) this.checkDeferral();
  }

  down(peer: Peer, _reason: string, abrupt: boolean): void {
    const entry = this.byPeer.get(peer);
    if (!entry) return;
    const ribPeer = entry.ribPeer;
    const enabled = entry.settings.session.gracefulRestart !== undefined && !entry.dynamic;
    if (ribPeer !== undefined && this.gr.sessionDown(ribPeer, entry.peerGracefulRestart, enabled, abrupt)) {
      this.byRibId.delete(ribPeer.id);
      entry.ribPeer = undefined;
    } else {
      this.gr.drop(peer.config.peerAddress);
      this.detachFromRib(entry);
    }
    this.hooks.session?.(peer.config.peerAddress, 'down');
    if (entry.dynamic) {
      // GoBGP semantics: a dynamic neighbour exists only while its session does.
      this.neighbors.delete(peer.config.peerAddress);
      this.byPeer.delete(peer);
      queueMicrotask(() => peer.dispose('dynamic neighbour gone'));
    }
  }

  update(peer: Peer, update: UpdateMessage): void {
    const entry = this.byPeer.get(peer);
    if (!entry?.ribPeer) return;
    this.rib.receive(entry.ribPeer.id, update);
    if (update.endOfRib !== undefined) {
      this.gr.endOfRib(peer.config.peerAddress, update.endOfRib);
      entry.endOfRibReceived.add(update.endOfRib);
      if (this.restarting) this.checkDeferral();
      this.hooks.endOfRib?.(peer.config.peerAddress, update.endOfRib);
    }
    const limit = entry.settings.maxPrefixes;
    if (limit !== undefined) {
      let accepted = 0;
      for (const c of this.rib.counters(entry.ribPeer.id).values()) accepted += c.accepted;
      if (accepted > limit) {
        this.log.warn({ peer: peer.config.peerAddress, limit, accepted }, 'prefix limit exceeded, closing session');
        peer.stop(`maximum number of prefixes (${limit}) reached`, CeaseSubcode.MaxPrefixes);
      }
    }
  }

  routeRefresh(peer: Peer, message: RouteRefreshMessage): void {
    const entry = this.byPeer.get(peer);
    if (!entry?.ribPeer) return;
    if (message.subtype !== 0) return; // BoRR/EoRR from the peer: nothing to do for us
    if (!entry.ribPeer.families.has(message.family)) return;
    this.log.info({ peer: peer.config.peerAddress, family: message.family }, 'route refresh requested');
    this.rib.refreshPeer(entry.ribPeer.id, message.family);
  }

  drained(peer: Peer): void {
    const entry = this.byPeer.get(peer);
    if (entry) this.pump(entry);
  }

  message(peer: Peer, direction: 'in' | 'out', type: number, count: number): void {
    const entry = this.byPeer.get(peer);
    const name = MESSAGE_NAMES[type] ?? `type-${type}`;
    if (entry) {
      const table = direction === 'in' ? entry.messages.received : entry.messages.sent;
      table[name] = (table[name] ?? 0) + count;
    }
    this.hooks.message?.(peer.config.peerAddress, direction, name, count);
  }

  /**
   * Our IPv6 address for next-hop-self over an IPv4 session: the neighbour's own setting, else
   * an explicit IPv6 address bgpiped listens on (the operator named it), else a global address
   * of the interface that holds the session's IPv4 address (what FRR does).
   */
  private ipv6NextHopSelf(entry: NeighborEntry, localAddress: string): string | undefined {
    return (
      entry.settings.localAddressV6 ??
      this.settings.listenAddresses.find((a) => a.includes(':') && a !== '::' && !a.startsWith('fe80')) ??
      ipv6OnSameInterface(localAddress)
    );
  }

  // ===== outbound =====

  /**
   * The pump runs in the check phase of the turn that asked for it; after a pump that wrote
   * little, in the next turn's, so that the routes of every request handled in either turn leave
   * in one write: REST attaches in flight side by side each arrive in a turn of their own, and a
   * socket write per route (one small UPDATE each) cost more than building the route. The wait is
   * bounded by one turn: with an immediate pending, libuv polls without blocking, so only the I/O
   * callbacks already ready run in between. Bulk propagation (batches of thousands of routes) is
   * not held back: its writes are large already, and waiting there looked slower (1M routes).
   */
  private schedulePump(entry: NeighborEntry): void {
    if (entry.pumpScheduled) return;
    entry.pumpScheduled = true;
    setImmediate(entry.pumpWroteLittle ? this.pumpNextTurn : this.scheduledPump, entry);
  }

  /** Queued from a check phase: Node runs it in the next turn's (immediates added while the
   *  queue runs wait for the next iteration). */
  private readonly pumpNextTurn = (entry: NeighborEntry): void => {
    setImmediate(this.scheduledPump, entry);
  };

  private readonly scheduledPump = (entry: NeighborEntry): void => {
    entry.pumpScheduled = false;
    this.pump(entry);
  };

  /** Moves packed batches from the RIB to the socket until either runs dry. */
  private pump(entry: NeighborEntry): void {
    const ribPeer = entry.ribPeer;
    const codec = entry.peer.codec;
    if (!ribPeer || !codec || this.restarting) return;
    let octets = 0;
    while (entry.peer.writable) {
      // Packed: unicast NLRI leave as octets copied from the RIB's keys, no object per route.
      const batch = this.rib.takeOutbound(ribPeer.id, BATCH_ROUTES, true);
      if (!batch) break;
      // The whole batch in one Buffer, one socket write.
      const out = this.writer;
      try {
        for (const w of batch.withdrawn) out.withdraw(w, codec);
        for (const a of batch.announced) out.announce(a, codec);
        for (const f of batch.endOfRib ?? []) out.endOfRib(f);
      } catch (err) {
        out.discard(); // not half a batch in front of the next neighbour's
        throw err;
      }
      const count = out.messages;
      const data = out.take();
      if (data === undefined) continue;
      octets += data.length;
      const table = entry.messages.sent;
      table.update = (table.update ?? 0) + count;
      this.hooks.message?.(ribPeer.address, 'out', 'update', count);
      if (!entry.peer.write(data)) break;
    }
    if (octets > 0) entry.pumpWroteLittle = octets <= LITTLE_WRITE;
  }

  // ===== restarting speaker (RFC 4724 §4.1) =====

  /**
   * Selection deferral: our UPDATEs and End-of-RIBs wait until every graceful-restart neighbour
   * has sent End-of-RIB for each family of its session — except those whose OPEN had no
   * capability or the R bit (restarting too) — so that peers, which keep our old routes until
   * our End-of-RIB, never see a route withdrawn only because we had not relearned it yet.
   */
  private checkDeferral(): void {
    for (const e of this.neighbors.values()) {
      if (e.dynamic || e.settings.adminDown || e.settings.session.gracefulRestart === undefined) continue;
      if (e.ribPeer === undefined) return; // not up again yet
      const gr = e.peerGracefulRestart;
      if (gr === undefined || gr.restarting) continue;
      for (const f of e.ribPeer.families) if (!e.endOfRibReceived.has(f)) return;
    }
    this.endDeferral('End-of-RIB received from every graceful-restart neighbour');
  }

  private endDeferral(why: string): void {
    if (!this.restarting) return;
    this.restarting = false;
    clearTimeout(this.deferralTimer);
    this.log.info(`graceful restart: ${why}, advertising`);
    for (const e of this.neighbors.values()) this.schedulePump(e);
  }

  // ===== local routes =====

  private originate(route: StaticRoute): void {
    this.statics.set(route.key, route);
    this.rib.originate(route.family, route.nlri, route.attributes);
  }

  private withdrawStatic(route: StaticRoute): void {
    this.statics.delete(route.key);
    this.rib.withdrawOriginated(route.family, route.nlri);
  }
}
