/**
 * One TCP connection to a neighbour and the FSM that drives it: the I/O half of the sans-IO
 * FSM in fsm.ts. It turns socket events, received messages and timer expiries into FSM events,
 * and carries out the FSM's actions. What a message *means* beyond the FSM (routes, collisions)
 * is handed to its owner, the Peer, through `ConnectionOwner`.
 */
import net from 'node:net';
import { BgpError, ErrorCode, OpenSubcode } from '../wire/errors.js';
import { MessageReader } from '../wire/header.js';
import { encodeOpen, decodeOpen } from '../wire/open.js';
import { encodeKeepalive } from '../wire/keepalive.js';
import { decodeNotification, encodeNotification, encodeShutdownNotification } from '../wire/notification.js';
import { decodeRouteRefresh } from '../wire/route-refresh.js';
import { decodeUpdate } from '../wire/update.js';
import {
  MAX_EXTENDED_MESSAGE_LENGTH,
  MessageType,
  type CodecContext,
  type OpenMessage,
  type RouteRefreshMessage,
  type UpdateMessage,
} from '../wire/messages.js';
import { SessionFsm, type FsmAction, type FsmEvent, type TimerName } from './fsm.js';
import { buildOpen, negotiate } from './negotiate.js';
import { activeSocket, setMinTtl, setTtl, socketFd } from './socket-options.js';
import type { Negotiated, SessionConfig, SessionState } from './types.js';

export type Direction = 'outgoing' | 'incoming';

export interface ConnectionOwner {
  /** An OPEN arrived and was acceptable: return false to dump this connection (collision). */
  openReceived(conn: Connection, negotiated: Negotiated): boolean;
  established(conn: Connection): void;
  down(conn: Connection, reason: string, wasEstablished: boolean, abrupt: boolean): void;
  update(conn: Connection, update: UpdateMessage): void;
  routeRefresh(conn: Connection, message: RouteRefreshMessage): void;
  /** Counts for metrics: `count` messages of `type` (received UPDATEs are counted once per
   *  socket read, not once each). */
  message(conn: Connection, direction: 'in' | 'out', type: number, count: number): void;
  /** The socket can take more data. */
  drained(conn: Connection): void;
  logEvent(level: 'debug' | 'info' | 'warn', message: string, fields?: Record<string, unknown>): void;
}

interface Timer {
  handle: NodeJS.Timeout;
  /** Wall-clock deadline; a timer restarted before it fires only moves this (see restartTimer). */
  deadline: number;
}

const KEEPALIVE = encodeKeepalive();

export class Connection {
  readonly fsm: SessionFsm;
  socket: net.Socket | undefined;
  negotiated: Negotiated | undefined;
  peerOpen: OpenMessage | undefined;
  codec: CodecContext = { as4: false, extendedMessage: false, ibgp: false };
  localAddress: string | undefined;
  private reader = new MessageReader();
  private readonly timers = new Map<TimerName, Timer>();
  private disposed = false;

  constructor(
    readonly config: SessionConfig,
    public direction: Direction,
    private readonly owner: ConnectionOwner,
    idleHoldTime: number,
  ) {
    this.fsm = new SessionFsm({ passive: config.passive, connectRetryTime: config.connectRetryTime, idleHoldTime });
  }

  get state(): SessionState {
    return this.fsm.state;
  }

  /** Hands an accepted socket to this connection (Event 17). */
  accept(socket: net.Socket): void {
    this.closeSocket();
    this.direction = 'incoming';
    // The MD5 key came from the listening socket; TTLs are per socket, set once accepted (as
    // GoBGP does): segments after the handshake with a lower TTL are dropped by the kernel.
    if (!this.applyTtls(socket)) {
      socket.destroy();
      return;
    }
    this.attach(socket);
    this.dispatch({ type: 'TcpConnectionConfirmed' });
  }

  dispatch(event: FsmEvent): void {
    if (this.disposed) return;
    const actions = this.fsm.handle(event);
    for (const action of actions) {
      if (this.disposed) return;
      this.perform(action);
    }
  }

  /** Writes already-encoded messages; returns false when the socket wants a 'drain' first. */
  write(data: Buffer): boolean {
    if (!this.socket || this.socket.destroyed) return false;
    return this.socket.write(data);
  }

  get writable(): boolean {
    return !!this.socket && !this.socket.destroyed && !this.socket.writableNeedDrain;
  }

  /** Releases timers and the socket for good; the FSM is not driven again. */
  dispose(): void {
    this.disposed = true;
    for (const timer of this.timers.values()) clearTimeout(timer.handle);
    this.timers.clear();
    this.closeSocket();
  }

  // ===== actions =====

  private perform(action: FsmAction): void {
    switch (action.type) {
      case 'connect':
        this.connect();
        break;
      case 'close':
        this.closeSocket();
        break;
      case 'sendOpen':
        this.send(encodeOpen(buildOpen(this.config)), MessageType.Open);
        break;
      case 'sendKeepalive':
        this.send(KEEPALIVE, MessageType.Keepalive);
        break;
      case 'sendNotification': {
        const message =
          action.communication !== undefined
            ? encodeShutdownNotification(action.subcode, action.communication)
            : encodeNotification(action.code, action.subcode, action.data);
        this.send(message, MessageType.Notification);
        break;
      }
      case 'startTimer':
        this.startTimer(action.timer, action.seconds);
        break;
      case 'stopTimer':
        this.stopTimer(action.timer);
        break;
      case 'established':
        this.owner.established(this);
        break;
      case 'down':
        this.owner.down(this, action.reason, action.wasEstablished, action.abrupt === true);
        break;
    }
  }

  private send(message: Buffer, type: number): void {
    if (!this.socket || this.socket.destroyed) return;
    this.socket.write(message);
    this.owner.message(this, 'out', type, 1);
  }

  private connect(): void {
    this.closeSocket();
    this.direction = 'outgoing';
    const { peerAddress: host, peerPort: port, localAddress, md5Key, ttl, minTtl } = this.config;
    let socket: net.Socket;
    if (md5Key === undefined && ttl === undefined && minTtl === undefined) {
      socket = net.connect({ host, port, localAddress });
    } else {
      // Key and TTLs must be on the socket before its SYN leaves (RFC 2385 signs the SYN too).
      try {
        socket = activeSocket({ peerAddress: host, localAddress, md5Key, ttl, minTtl });
      } catch (err) {
        this.owner.logEvent('warn', 'cannot prepare the TCP socket', { error: (err as Error).message });
        queueMicrotask(() => this.dispatch({ type: 'TcpConnectionFails' }));
        return;
      }
      socket.connect({ host, port });
    }
    this.attach(socket);
    socket.once('connect', () => {
      if (this.socket === socket) this.dispatch({ type: 'TcpCrAcked' });
    });
  }

  /** Sets the configured TTLs on an accepted socket; false when GTSM could not be applied. */
  private applyTtls(socket: net.Socket): boolean {
    const { ttl, minTtl } = this.config;
    if (ttl === undefined && minTtl === undefined) return true;
    const fd = socketFd(socket);
    try {
      if (fd === undefined) throw new Error('no file descriptor');
      if (ttl !== undefined) setTtl(fd, ttl);
      if (minTtl !== undefined) setMinTtl(fd, minTtl);
      return true;
    } catch (err) {
      this.owner.logEvent('warn', 'cannot set TTL options on an accepted connection', { error: (err as Error).message });
      // A TTL left at the default is harmless; a GTSM check left out is not.
      return minTtl === undefined;
    }
  }

  private attach(socket: net.Socket): void {
    this.socket = socket;
    this.reader = new MessageReader();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (this.socket === socket) this.received(chunk);
    });
    socket.on('drain', () => {
      if (this.socket === socket) this.owner.drained(this);
    });
    socket.on('error', (err) => {
      if (this.socket === socket) this.owner.logEvent('debug', 'socket error', { error: err.message });
    });
    socket.on('close', () => {
      if (this.socket === socket) {
        this.socket = undefined;
        this.dispatch({ type: 'TcpConnectionFails' });
      }
    });
    if (socket.localAddress) this.localAddress = normalizeAddress(socket.localAddress);
    socket.once('connect', () => {
      if (socket.localAddress) this.localAddress = normalizeAddress(socket.localAddress);
    });
  }

  private closeSocket(): void {
    const socket = this.socket;
    if (!socket) return;
    this.socket = undefined;
    // Let a NOTIFICATION just written leave before the FIN; do not wait for the peer.
    socket.end();
    setTimeout(() => socket.destroy(), 1000).unref();
  }

  // ===== timers =====

  /**
   * Timers restarted on every received message (the hold timer, once per UPDATE) must cost
   * next to nothing: a running timer only has its deadline moved, and re-arms itself for the
   * remainder when it fires early. RFC 4271 §10 jitter (0.75–1.0) for keepalive and connect retry.
   */
  private startTimer(name: TimerName, seconds: number): void {
    const jitter = name === 'keepalive' || name === 'connectRetry' ? 0.75 + Math.random() * 0.25 : 1;
    const ms = Math.max(1, seconds * 1000 * jitter);
    const deadline = Date.now() + ms;
    const existing = this.timers.get(name);
    if (existing && existing.deadline <= deadline) {
      existing.deadline = deadline;
      return;
    }
    if (existing) clearTimeout(existing.handle);
    this.arm(name, deadline);
  }

  private arm(name: TimerName, deadline: number): void {
    const handle = setTimeout(() => this.fired(name), Math.max(1, deadline - Date.now()));
    this.timers.set(name, { handle, deadline });
  }

  private fired(name: TimerName): void {
    const timer = this.timers.get(name);
    if (!timer) return;
    if (Date.now() < timer.deadline - 2) {
      this.arm(name, timer.deadline);
      return;
    }
    this.timers.delete(name);
    this.dispatch(TIMER_EVENTS[name]);
  }

  private stopTimer(name: TimerName): void {
    const timer = this.timers.get(name);
    if (timer) clearTimeout(timer.handle);
    this.timers.delete(name);
  }

  // ===== receive =====

  private received(chunk: Buffer): void {
    this.reader.push(chunk);
    // A 64 KiB read holds up to ~2,800 small UPDATEs: one metrics call for all of them.
    let updates = 0;
    try {
      for (;;) {
        if (this.disposed || !this.socket) return;
        let message: { type: number; body: Buffer } | undefined;
        try {
          message = this.reader.next();
        } catch (err) {
          if (err instanceof BgpError) return this.dispatch({ type: 'BgpHeaderErr', error: err });
          throw err;
        }
        if (!message) return;
        if (message.type === MessageType.Update) updates++;
        else this.owner.message(this, 'in', message.type, 1);
        try {
          this.handleMessage(message.type, message.body);
        } catch (err) {
          // A bug of ours, not the peer's: reset this session rather than take the daemon down.
          this.owner.logEvent('warn', 'internal error while handling a message, resetting the session', {
            type: message.type,
            error: (err as Error).stack ?? String(err),
          });
          return this.dispatch({ type: 'UpdateMsgErr', error: new BgpError(ErrorCode.Cease, 0, 'internal error') });
        }
      }
    } finally {
      if (updates > 0) this.owner.message(this, 'in', MessageType.Update, updates);
    }
  }

  private handleMessage(type: number, body: Buffer): void {
    switch (type) {
      case MessageType.Open:
        return this.handleOpen(body);
      case MessageType.Update:
        return this.handleUpdate(body);
      case MessageType.Notification: {
        const notification = decodeNotification(body);
        this.owner.logEvent('debug', 'NOTIFICATION received', { code: notification.code, subcode: notification.subcode });
        if (notification.code === ErrorCode.OpenMessage && notification.subcode === OpenSubcode.UnsupportedVersion) {
          return this.dispatch({ type: 'NotifMsgVerErr' });
        }
        return this.dispatch({ type: 'NotifMsg', notification });
      }
      case MessageType.Keepalive:
        return this.dispatch({ type: 'KeepAliveMsg' });
      case MessageType.RouteRefresh: {
        if (this.state !== 'Established') return this.dispatch({ type: 'RouteRefreshMsg' });
        let message: RouteRefreshMessage;
        try {
          message = decodeRouteRefresh(body);
        } catch (err) {
          if (err instanceof BgpError) return this.dispatch({ type: 'UpdateMsgErr', error: err });
          throw err;
        }
        this.dispatch({ type: 'RouteRefreshMsg' });
        this.owner.routeRefresh(this, message);
        return;
      }
    }
  }

  private handleOpen(body: Buffer): void {
    if (this.state !== 'OpenSent') {
      // An OPEN anywhere else is an FSM error (RFC 4271 §8.2.2); the FSM sends the NOTIFICATION.
      return this.dispatch({ type: 'BgpOpenMsgErr', error: fsmOpenError(this.state) });
    }
    let negotiated: Negotiated;
    try {
      const open = decodeOpen(body);
      negotiated = negotiate(this.config, open);
      this.peerOpen = open;
    } catch (err) {
      if (err instanceof BgpError) return this.dispatch({ type: 'BgpOpenMsgErr', error: err });
      throw err;
    }
    this.negotiated = negotiated;
    // packUnicast: the RIB reads unicast NLRI straight from the message (prefix.ts PackedPrefixes).
    this.codec = { as4: negotiated.as4, extendedMessage: negotiated.extendedMessage, ibgp: negotiated.ibgp, packUnicast: true };
    if (negotiated.extendedMessage) this.reader.setMaxLength(MAX_EXTENDED_MESSAGE_LENGTH);
    if (!this.owner.openReceived(this, negotiated)) return this.dispatch({ type: 'OpenCollisionDump' });
    this.dispatch({
      type: 'BgpOpen',
      open: this.peerOpen!,
      holdTime: negotiated.holdTime,
      keepaliveInterval: negotiated.keepaliveInterval,
    });
  }

  private handleUpdate(body: Buffer): void {
    if (this.state !== 'Established') return this.dispatch(UPDATE_MSG);
    let update: UpdateMessage;
    try {
      update = decodeUpdate(body, this.codec);
    } catch (err) {
      if (err instanceof BgpError) return this.dispatch({ type: 'UpdateMsgErr', error: err });
      throw err;
    }
    this.dispatch(UPDATE_MSG);
    if (update.treatAsWithdraw !== undefined || update.discarded.length > 0) {
      this.owner.logEvent('warn', 'malformed UPDATE handled per RFC 7606', {
        treatAsWithdraw: update.treatAsWithdraw,
        discarded: update.discarded.map((d) => `${d.code}: ${d.reason}`),
      });
    }
    this.owner.update(this, update);
  }
}

/** Event 27, once per UPDATE: one object for all of them. */
const UPDATE_MSG: FsmEvent = { type: 'UpdateMsg' };

const TIMER_EVENTS: Record<TimerName, FsmEvent> = {
  connectRetry: { type: 'ConnectRetryTimerExpires' },
  hold: { type: 'HoldTimerExpires' },
  keepalive: { type: 'KeepaliveTimerExpires' },
  idleHold: { type: 'IdleHoldTimerExpires' },
};

function fsmOpenError(state: SessionState): BgpError {
  const subcode = state === 'OpenConfirm' ? 2 : state === 'Established' ? 3 : 0;
  return new BgpError(ErrorCode.FsmError, subcode, `OPEN received in ${state}`);
}

/** `::ffff:10.0.0.1` (a dual-stack socket's view of an IPv4 peer) → `10.0.0.1`. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
