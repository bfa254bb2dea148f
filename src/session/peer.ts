/**
 * A configured (or dynamic) neighbour: its main connection, at most one more while a
 * connection collision is being resolved (RFC 4271 §6.8), and what it tells the daemon.
 */
import type net from 'node:net';
import type { Logger } from '../util/log.js';
import type { RouteRefreshMessage, UpdateMessage } from '../wire/messages.js';
import { Connection, type ConnectionOwner } from './connection.js';
import { compareRouterIds } from './negotiate.js';
import type { Negotiated, SessionConfig, SessionState } from './types.js';

export interface PeerEvents {
  established(peer: Peer, negotiated: Negotiated): void;
  /** Only for a session that had been Established. `abrupt`: TCP loss or hold timer expiry, no
   *  other NOTIFICATION (RFC 4724 §4.2: a graceful-restart peer's routes may be kept). */
  down(peer: Peer, reason: string, abrupt: boolean): void;
  update(peer: Peer, update: UpdateMessage): void;
  routeRefresh(peer: Peer, message: RouteRefreshMessage): void;
  /** The socket of the Established session can take more. */
  drained(peer: Peer): void;
  message(peer: Peer, direction: 'in' | 'out', type: number, count: number): void;
}

export interface PeerOptions {
  /** Seconds in Idle before restarting after an error (doubles on repeated failures). */
  readonly idleHoldTime: number;
  /** Created by the listener for a `dynamic-neighbors` prefix; removed when it goes down. */
  readonly dynamic: boolean;
}

export class Peer implements ConnectionOwner {
  private main: Connection;
  private other: Connection | undefined;
  private current: Connection | undefined;
  enabled = false;
  establishedAt: number | undefined;
  lastDownReason = '';
  readonly log: Logger;

  constructor(
    readonly config: SessionConfig,
    private readonly events: PeerEvents,
    log: Logger,
    readonly options: PeerOptions,
  ) {
    this.log = log.child({ peer: config.peerAddress });
    this.main = new Connection(config, 'outgoing', this, options.idleHoldTime);
  }

  get state(): SessionState {
    return this.current?.state ?? this.main.state;
  }

  get negotiated(): Negotiated | undefined {
    return this.current?.negotiated;
  }

  /** Our address on the Established session (the next hop for next-hop-self). */
  get localAddress(): string | undefined {
    return this.current?.localAddress;
  }

  get codec() {
    return this.current?.codec;
  }

  start(): void {
    this.enabled = true;
    this.main.dispatch({ type: this.config.passive ? 'ManualStartPassive' : 'ManualStart' });
  }

  /** Administrative stop: Cease NOTIFICATION with `reason` (RFC 9003) and no automatic restart. */
  stop(reason: string, subcode?: number): void {
    this.enabled = false;
    for (const conn of [this.other, this.main]) conn?.dispatch({ type: 'ManualStop', reason, subcode });
  }

  /** Stops for good and releases every timer and socket. */
  dispose(reason: string, subcode?: number): void {
    this.stop(reason, subcode);
    this.other?.dispose();
    this.main.dispose();
  }

  /** A connection from this neighbour arrived on a listening socket. */
  accept(socket: net.Socket): void {
    if (!this.enabled) {
      socket.destroy();
      return;
    }
    const state = this.main.state;
    if (state === 'Idle' || state === 'Connect' || state === 'Active') {
      this.main.accept(socket);
      return;
    }
    if (this.other) {
      // Already resolving a collision; a third connection has nothing to add.
      socket.destroy();
      return;
    }
    this.log.debug('second connection from neighbour, resolving collision');
    this.other = new Connection(this.config, 'incoming', this, this.options.idleHoldTime);
    this.other.accept(socket);
  }

  write(data: Buffer): boolean {
    return this.current ? this.current.write(data) : false;
  }

  get writable(): boolean {
    return !!this.current && this.current.state === 'Established' && this.current.writable;
  }

  // ===== ConnectionOwner =====

  openReceived(conn: Connection, negotiated: Negotiated): boolean {
    const rival = conn === this.main ? this.other : this.main;
    if (!rival || rival === conn) return true;
    if (rival.state === 'Established') return false; // RFC 4271 §6.8: the new connection goes
    if (rival.state !== 'OpenSent' && rival.state !== 'OpenConfirm') return true;
    // RFC 4271 §6.8: if our BGP Identifier is lower, close the connection we initiated;
    // otherwise close the one the peer initiated.
    const closeOutgoing = compareRouterIds(this.config.routerId, negotiated.peerRouterId) < 0;
    const loser = (conn.direction === 'outgoing') === closeOutgoing ? conn : rival;
    this.log.info({ kept: loser === conn ? rival.direction : conn.direction }, 'connection collision resolved');
    if (loser === conn) return false;
    rival.dispatch({ type: 'OpenCollisionDump' });
    return true;
  }

  established(conn: Connection): void {
    const rival = conn === this.main ? this.other : this.main;
    if (rival && rival !== conn) {
      if (rival.state === 'OpenSent' || rival.state === 'OpenConfirm') rival.dispatch({ type: 'OpenCollisionDump' });
      this.retire(rival);
    }
    this.current = conn;
    this.establishedAt = Date.now();
    const n = conn.negotiated!;
    this.log.info(
      { peerAs: n.peerAs, routerId: n.peerRouterId, holdTime: n.holdTime, families: n.families.size, direction: conn.direction },
      'session established',
    );
    this.events.established(this, n);
  }

  down(conn: Connection, reason: string, wasEstablished: boolean, abrupt: boolean): void {
    if (wasEstablished && conn === this.current) {
      this.current = undefined;
      this.establishedAt = undefined;
      this.lastDownReason = reason;
      this.log.warn({ reason }, 'session down');
      this.events.down(this, reason, abrupt);
    } else {
      this.log.debug({ reason, state: conn.state }, 'connection attempt ended');
      if (!this.current) this.lastDownReason = reason;
    }
    if (conn === this.other) {
      this.retire(conn);
    } else if (this.other) {
      // The main connection lost; the other one carries on as the neighbour's connection.
      this.retire(conn);
    }
  }

  update(_conn: Connection, update: UpdateMessage): void {
    this.events.update(this, update);
  }

  routeRefresh(_conn: Connection, message: RouteRefreshMessage): void {
    this.events.routeRefresh(this, message);
  }

  message(_conn: Connection, direction: 'in' | 'out', type: number, count: number): void {
    this.events.message(this, direction, type, count);
  }

  drained(conn: Connection): void {
    if (conn === this.current) this.events.drained(this);
  }

  logEvent(level: 'debug' | 'info' | 'warn', message: string, fields?: Record<string, unknown>): void {
    this.log[level](fields ?? {}, message);
  }

  /** Drops a connection that lost a collision or failed while another one exists. */
  private retire(conn: Connection): void {
    // Defer: we may be inside that connection's own dispatch loop.
    queueMicrotask(() => conn.dispose());
    if (conn === this.main) {
      if (this.other) {
        this.main = this.other;
        this.other = undefined;
      }
    } else if (conn === this.other) {
      this.other = undefined;
    }
  }
}
