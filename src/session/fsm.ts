/**
 * The BGP finite state machine of one connection, RFC 4271 §8, "sans-IO": it takes events and
 * returns the actions the driver must carry out (open or close TCP, send a message, start or
 * stop a timer, report the session up or down). It owns no socket, no timer and no clock, so
 * every transition is a plain unit test (test/session/fsm.test.ts).
 *
 * Events are named after RFC 4271 §8.1 (ManualStart is Event 1, ...). Optional session
 * attributes we do not implement: DelayOpen, DampPeerOscillations (an idle hold time is used
 * instead, see `idleHold`), SendNOTIFICATIONwithoutOPEN, TrackTcpState. Collision detection
 * (§6.8) involves two connections and lives in peer.ts; this FSM only takes its verdict
 * (OpenCollisionDump, Event 23).
 */
import { BgpError, CeaseSubcode, ErrorCode, FsmSubcode } from '../wire/errors.js';
import type { NotificationMessage, OpenMessage } from '../wire/messages.js';
import type { SessionState } from './types.js';

export type TimerName = 'connectRetry' | 'hold' | 'keepalive' | 'idleHold';

export type FsmEvent =
  | { readonly type: 'ManualStart' } // Event 1
  | { readonly type: 'ManualStop'; readonly reason?: string; readonly subcode?: number } // Event 2
  | { readonly type: 'AutomaticStart' } // Event 3
  | { readonly type: 'ManualStartPassive' } // Event 4
  | { readonly type: 'AutomaticStartPassive' } // Event 5
  | { readonly type: 'ConnectRetryTimerExpires' } // Event 9
  | { readonly type: 'HoldTimerExpires' } // Event 10
  | { readonly type: 'KeepaliveTimerExpires' } // Event 11
  | { readonly type: 'IdleHoldTimerExpires' } // Event 13 (in place of DampPeerOscillations)
  | { readonly type: 'TcpCrAcked' } // Event 16: our connection attempt succeeded
  | { readonly type: 'TcpConnectionConfirmed' } // Event 17: we accepted the peer's connection
  | { readonly type: 'TcpConnectionFails' } // Event 18
  | { readonly type: 'BgpOpen'; readonly open: OpenMessage; readonly holdTime: number; readonly keepaliveInterval: number } // Event 19, already negotiated
  | { readonly type: 'BgpHeaderErr'; readonly error: BgpError } // Event 21
  | { readonly type: 'BgpOpenMsgErr'; readonly error: BgpError } // Event 22
  | { readonly type: 'OpenCollisionDump' } // Event 23
  | { readonly type: 'NotifMsgVerErr' } // Event 24
  | { readonly type: 'NotifMsg'; readonly notification: NotificationMessage } // Event 25
  | { readonly type: 'KeepAliveMsg' } // Event 26
  | { readonly type: 'UpdateMsg' } // Event 27
  | { readonly type: 'UpdateMsgErr'; readonly error: BgpError } // Event 28
  | { readonly type: 'RouteRefreshMsg' }; // RFC 2918: not an RFC 4271 event; counts as traffic

export type FsmAction =
  | { readonly type: 'connect' }
  | { readonly type: 'close' }
  | { readonly type: 'sendOpen' }
  | { readonly type: 'sendKeepalive' }
  | { readonly type: 'sendNotification'; readonly code: number; readonly subcode: number; readonly data?: Buffer; readonly communication?: string }
  | { readonly type: 'startTimer'; readonly timer: TimerName; readonly seconds: number }
  | { readonly type: 'stopTimer'; readonly timer: TimerName }
  | { readonly type: 'established' }
  /** The connection is gone; `reason` is what an operator wants in the log. */
  /** `abrupt`: an Established session lost its TCP connection or hold timer, with no NOTIFICATION
   *  from either side otherwise: what RFC 4724 §4.2 lets a graceful-restart helper ride out. */
  | { readonly type: 'down'; readonly reason: string; readonly wasEstablished: boolean; readonly abrupt?: boolean };

export interface FsmOptions {
  readonly passive: boolean;
  readonly connectRetryTime: number;
  /** RFC 4271 §8.2.2: "a large value" for the hold timer while waiting for OPEN; 4 minutes suggested. */
  readonly initialHoldTime?: number;
  /** Seconds to wait in Idle before an automatic restart after an error. */
  readonly idleHoldTime: number;
}

export class SessionFsm {
  state: SessionState = 'Idle';
  /** RFC 4271 §8: counts failed attempts; the driver may use it to back off. */
  connectRetryCounter = 0;
  /** Whether the FSM restarts by itself after falling back to Idle (false after ManualStop). */
  private automatic = false;
  private holdTime = 0;
  private keepaliveInterval = 0;
  /** Why the last session went down, for logs and the CLI. */
  lastError = '';

  constructor(private readonly options: FsmOptions) {}

  handle(event: FsmEvent): FsmAction[] {
    switch (this.state) {
      case 'Idle':
        return this.inIdle(event);
      case 'Connect':
        return this.inConnect(event);
      case 'Active':
        return this.inActive(event);
      case 'OpenSent':
        return this.inOpenSent(event);
      case 'OpenConfirm':
        return this.inOpenConfirm(event);
      case 'Established':
        return this.inEstablished(event);
    }
  }

  // ===== Idle (§8.2.2) =====
  private inIdle(event: FsmEvent): FsmAction[] {
    switch (event.type) {
      case 'ManualStart':
      case 'AutomaticStart':
      case 'ManualStartPassive':
      case 'AutomaticStartPassive':
      case 'IdleHoldTimerExpires': {
        if (event.type === 'ManualStart' || event.type === 'ManualStartPassive') this.connectRetryCounter = 0;
        this.automatic = true;
        const passive = this.options.passive || event.type === 'ManualStartPassive' || event.type === 'AutomaticStartPassive';
        const timer = this.startTimer('connectRetry', this.options.connectRetryTime);
        if (passive) {
          this.state = 'Active';
          return [timer];
        }
        this.state = 'Connect';
        return [timer, { type: 'connect' }];
      }
      // A connection accepted while Idle (the peer connected before our idle hold ran out):
      // the listener only hands it over when the neighbour is enabled, so take it.
      case 'TcpConnectionConfirmed':
        this.automatic = true;
        return this.connected();
      case 'ManualStop':
        this.automatic = false;
        return [this.stopTimer('idleHold')];
      default:
        return [];
    }
  }

  // ===== Connect =====
  private inConnect(event: FsmEvent): FsmAction[] {
    switch (event.type) {
      case 'ManualStop':
        return this.stop(event, false);
      case 'ConnectRetryTimerExpires':
        // Drop the attempt in progress and try again.
        return [{ type: 'close' }, this.startTimer('connectRetry', this.options.connectRetryTime), { type: 'connect' }];
      case 'TcpCrAcked':
      case 'TcpConnectionConfirmed':
        return this.connected();
      case 'TcpConnectionFails':
        // §8.2.2 Connect, Event 18: keep listening in Active, retry when the timer fires.
        this.state = 'Active';
        return [{ type: 'close' }, this.startTimer('connectRetry', this.options.connectRetryTime)];
      default:
        return this.toIdle('unexpected event in Connect', false);
    }
  }

  // ===== Active =====
  private inActive(event: FsmEvent): FsmAction[] {
    switch (event.type) {
      case 'ManualStop':
        return this.stop(event, false);
      case 'ConnectRetryTimerExpires':
        if (this.options.passive) return [this.startTimer('connectRetry', this.options.connectRetryTime)];
        this.state = 'Connect';
        return [this.startTimer('connectRetry', this.options.connectRetryTime), { type: 'connect' }];
      case 'TcpCrAcked':
      case 'TcpConnectionConfirmed':
        return this.connected();
      case 'TcpConnectionFails':
        this.connectRetryCounter++;
        return this.toIdle('connection failed', false);
      default:
        return this.toIdle('unexpected event in Active', false);
    }
  }

  // ===== OpenSent =====
  private inOpenSent(event: FsmEvent): FsmAction[] {
    switch (event.type) {
      case 'ManualStop':
        return this.stop(event, false);
      case 'HoldTimerExpires':
        return this.fail(ErrorCode.HoldTimerExpired, 0, 'hold timer expired in OpenSent', false);
      case 'TcpConnectionFails':
        // §8.2.2 OpenSent, Event 18: go back to listening.
        this.state = 'Active';
        return [{ type: 'close' }, this.stopTimer('hold'), this.startTimer('connectRetry', this.options.connectRetryTime), this.down('connection closed in OpenSent', false)];
      case 'BgpOpen': {
        this.holdTime = event.holdTime;
        this.keepaliveInterval = event.keepaliveInterval;
        this.state = 'OpenConfirm';
        const actions: FsmAction[] = [this.stopTimer('connectRetry'), { type: 'sendKeepalive' }];
        if (this.holdTime > 0) {
          actions.push(this.startTimer('keepalive', this.keepaliveInterval), this.startTimer('hold', this.holdTime));
        } else {
          actions.push(this.stopTimer('hold'));
        }
        return actions;
      }
      case 'BgpHeaderErr':
      case 'BgpOpenMsgErr':
        return this.failWith(event.error, false);
      case 'OpenCollisionDump':
        return this.fail(ErrorCode.Cease, CeaseSubcode.ConnectionCollisionResolution, 'connection collision', false);
      case 'NotifMsgVerErr':
        return this.toIdle('peer does not support BGP version 4', false);
      case 'NotifMsg':
        return this.toIdle(`NOTIFICATION received in OpenSent: ${describeNotification(event.notification)}`, false);
      default:
        return this.fail(ErrorCode.FsmError, FsmSubcode.UnexpectedInOpenSent, `unexpected ${event.type} in OpenSent`, false);
    }
  }

  // ===== OpenConfirm =====
  private inOpenConfirm(event: FsmEvent): FsmAction[] {
    switch (event.type) {
      case 'ManualStop':
        return this.stop(event, false);
      case 'HoldTimerExpires':
        return this.fail(ErrorCode.HoldTimerExpired, 0, 'hold timer expired in OpenConfirm', false);
      case 'KeepaliveTimerExpires':
        return [{ type: 'sendKeepalive' }, this.startTimer('keepalive', this.keepaliveInterval)];
      case 'TcpConnectionFails':
        return this.toIdle('connection closed in OpenConfirm', false);
      case 'NotifMsg':
        return this.toIdle(`NOTIFICATION received in OpenConfirm: ${describeNotification(event.notification)}`, false);
      case 'NotifMsgVerErr':
        return this.toIdle('peer does not support BGP version 4', false);
      case 'BgpHeaderErr':
      case 'BgpOpenMsgErr':
        return this.failWith(event.error, false);
      case 'OpenCollisionDump':
        return this.fail(ErrorCode.Cease, CeaseSubcode.ConnectionCollisionResolution, 'connection collision', false);
      case 'KeepAliveMsg': {
        this.state = 'Established';
        this.connectRetryCounter = 0;
        const actions: FsmAction[] = [];
        if (this.holdTime > 0) actions.push(this.startTimer('hold', this.holdTime));
        actions.push({ type: 'established' });
        return actions;
      }
      default:
        return this.fail(ErrorCode.FsmError, FsmSubcode.UnexpectedInOpenConfirm, `unexpected ${event.type} in OpenConfirm`, false);
    }
  }

  // ===== Established =====
  private inEstablished(event: FsmEvent): FsmAction[] {
    switch (event.type) {
      case 'ManualStop':
        return this.stop(event, true);
      case 'HoldTimerExpires':
        // GoBGP and FRR take a hold timer expiry, though it sends a NOTIFICATION, as a restart.
        return this.fail(ErrorCode.HoldTimerExpired, 0, 'hold timer expired', true, undefined, true);
      case 'KeepaliveTimerExpires':
        return [{ type: 'sendKeepalive' }, this.startTimer('keepalive', this.keepaliveInterval)];
      case 'KeepAliveMsg':
      case 'UpdateMsg':
      case 'RouteRefreshMsg':
        return this.holdTime > 0 ? [this.startTimer('hold', this.holdTime)] : [];
      case 'TcpConnectionFails':
        return this.toIdle('connection closed by peer', true, true);
      case 'NotifMsg':
      case 'NotifMsgVerErr':
        return this.toIdle(
          event.type === 'NotifMsg' ? `NOTIFICATION received: ${describeNotification(event.notification)}` : 'NOTIFICATION received',
          true,
        );
      case 'UpdateMsgErr':
      case 'BgpHeaderErr':
      case 'BgpOpenMsgErr':
        return this.failWith(event.error, true);
      case 'OpenCollisionDump':
        return this.fail(ErrorCode.Cease, CeaseSubcode.ConnectionCollisionResolution, 'connection collision', true);
      default:
        return this.fail(ErrorCode.FsmError, FsmSubcode.UnexpectedInEstablished, `unexpected ${event.type} in Established`, true);
    }
  }

  // ===== shared transitions =====

  /** TCP is up (either direction): send OPEN and wait for the peer's with a large hold timer. */
  private connected(): FsmAction[] {
    this.state = 'OpenSent';
    return [
      this.stopTimer('connectRetry'),
      this.stopTimer('idleHold'),
      { type: 'sendOpen' },
      this.startTimer('hold', this.options.initialHoldTime ?? 240),
    ];
  }

  private stop(event: Extract<FsmEvent, { type: 'ManualStop' }>, wasEstablished: boolean): FsmAction[] {
    this.automatic = false;
    this.connectRetryCounter = 0;
    const actions: FsmAction[] = [];
    if (this.state === 'OpenSent' || this.state === 'OpenConfirm' || this.state === 'Established') {
      // RFC 8203/9003: say why in the Cease NOTIFICATION.
      actions.push({
        type: 'sendNotification',
        code: ErrorCode.Cease,
        subcode: event.subcode ?? CeaseSubcode.AdministrativeShutdown,
        communication: event.reason,
      });
    }
    const reason = event.reason ? `stopped: ${event.reason}` : 'stopped';
    return actions.concat(this.toIdle(reason, wasEstablished));
  }

  private failWith(error: BgpError, wasEstablished: boolean): FsmAction[] {
    return this.fail(error.code, error.subcode, error.message, wasEstablished, error.data);
  }

  private fail(code: number, subcode: number, reason: string, wasEstablished: boolean, data?: Buffer, abrupt = false): FsmAction[] {
    this.connectRetryCounter++;
    const send: FsmAction = { type: 'sendNotification', code, subcode, data };
    return [send, ...this.toIdle(reason, wasEstablished, abrupt)];
  }

  /** Release everything and fall back to Idle; schedule an automatic restart unless stopped by hand. */
  private toIdle(reason: string, wasEstablished: boolean, abrupt = false): FsmAction[] {
    const left = this.state;
    this.state = 'Idle';
    this.lastError = reason;
    const actions: FsmAction[] = [
      { type: 'close' },
      this.stopTimer('connectRetry'),
      this.stopTimer('hold'),
      this.stopTimer('keepalive'),
    ];
    if (left !== 'Idle') actions.push(abrupt ? { type: 'down', reason, wasEstablished, abrupt } : this.down(reason, wasEstablished));
    if (this.automatic) {
      // Back off on repeated failures (RFC 4271 §8.1.1 DampPeerOscillations, simplified):
      // idle hold doubles with each consecutive failure, up to 32 times the base.
      const factor = Math.min(32, 2 ** Math.max(0, this.connectRetryCounter - 1));
      actions.push(this.startTimer('idleHold', this.options.idleHoldTime * factor));
    }
    return actions;
  }

  private down(reason: string, wasEstablished: boolean): FsmAction {
    return { type: 'down', reason, wasEstablished };
  }

  private startTimer(timer: TimerName, seconds: number): FsmAction {
    return { type: 'startTimer', timer, seconds };
  }

  private stopTimer(timer: TimerName): FsmAction {
    return { type: 'stopTimer', timer };
  }
}

export function describeNotification(n: NotificationMessage): string {
  const error = new BgpError(n.code, n.subcode, n.communication ?? (n.data.length ? n.data.toString('hex') : ''));
  return error.message.replace(/: $/, '');
}
