// The RFC 4271 §8 FSM, driven event by event with no sockets or timers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionFsm, type FsmAction } from '../../src/session/fsm.js';
import { BgpError } from '../../src/wire/errors.js';

const open = { version: 4, myAs: 65001, holdTime: 90, bgpId: '10.0.0.2', capabilities: [] };

function fsm(passive = false) {
  return new SessionFsm({ passive, connectRetryTime: 5, idleHoldTime: 1 });
}
const types = (actions: FsmAction[]) => actions.map((a) => a.type);
function timer(actions: FsmAction[], name: string) {
  return actions.find((a) => a.type === 'startTimer' && a.timer === name) as { seconds: number } | undefined;
}

function toEstablished(f: SessionFsm) {
  f.handle({ type: 'ManualStart' });
  f.handle({ type: 'TcpCrAcked' });
  f.handle({ type: 'BgpOpen', open, holdTime: 9, keepaliveInterval: 3 });
  return f.handle({ type: 'KeepAliveMsg' });
}

test('ManualStart connects, and a successful connect sends OPEN with a large hold timer', () => {
  const f = fsm();
  const start = f.handle({ type: 'ManualStart' });
  assert.equal(f.state, 'Connect');
  assert.ok(types(start).includes('connect'));
  assert.equal(timer(start, 'connectRetry')?.seconds, 5);
  const acked = f.handle({ type: 'TcpCrAcked' });
  assert.equal(f.state, 'OpenSent');
  assert.ok(types(acked).includes('sendOpen'));
  assert.equal(timer(acked, 'hold')?.seconds, 240);
});

test('a passive peer waits in Active and never connects, even when the retry timer fires', () => {
  const f = fsm(true);
  assert.ok(!types(f.handle({ type: 'ManualStart' })).includes('connect'));
  assert.equal(f.state, 'Active');
  assert.ok(!types(f.handle({ type: 'ConnectRetryTimerExpires' })).includes('connect'));
  assert.equal(f.state, 'Active');
  f.handle({ type: 'TcpConnectionConfirmed' });
  assert.equal(f.state, 'OpenSent');
});

test('OPEN then KEEPALIVE reaches Established with the negotiated timers', () => {
  const f = fsm();
  f.handle({ type: 'ManualStart' });
  f.handle({ type: 'TcpCrAcked' });
  const opened = f.handle({ type: 'BgpOpen', open, holdTime: 9, keepaliveInterval: 3 });
  assert.equal(f.state, 'OpenConfirm');
  assert.ok(types(opened).includes('sendKeepalive'));
  assert.equal(timer(opened, 'hold')?.seconds, 9);
  assert.equal(timer(opened, 'keepalive')?.seconds, 3);
  const up = f.handle({ type: 'KeepAliveMsg' });
  assert.equal(f.state, 'Established');
  assert.ok(types(up).includes('established'));
});

test('hold time 0 runs no hold or keepalive timer (RFC 4271 §4.2)', () => {
  const f = fsm();
  f.handle({ type: 'ManualStart' });
  f.handle({ type: 'TcpCrAcked' });
  const opened = f.handle({ type: 'BgpOpen', open, holdTime: 0, keepaliveInterval: 0 });
  assert.equal(timer(opened, 'hold'), undefined);
  assert.equal(timer(opened, 'keepalive'), undefined);
  f.handle({ type: 'KeepAliveMsg' });
  assert.deepEqual(f.handle({ type: 'UpdateMsg' }), []);
});

test('every UPDATE and KEEPALIVE in Established restarts the hold timer', () => {
  const f = fsm();
  toEstablished(f);
  assert.equal(timer(f.handle({ type: 'UpdateMsg' }), 'hold')?.seconds, 9);
  assert.equal(timer(f.handle({ type: 'KeepAliveMsg' }), 'hold')?.seconds, 9);
});

test('hold timer expiry in Established sends NOTIFICATION 4 and reports the session down', () => {
  const f = fsm();
  toEstablished(f);
  const actions = f.handle({ type: 'HoldTimerExpires' });
  assert.equal(f.state, 'Idle');
  const notification = actions.find((a) => a.type === 'sendNotification') as { code: number };
  assert.equal(notification.code, 4);
  const down = actions.find((a) => a.type === 'down') as { wasEstablished: boolean; reason: string };
  assert.equal(down.wasEstablished, true);
  assert.match(down.reason, /hold timer/);
  assert.ok(timer(actions, 'idleHold'), 'restarts automatically after the idle hold time');
});

test('an UPDATE error in Established sends its NOTIFICATION code and subcode', () => {
  const f = fsm();
  toEstablished(f);
  const actions = f.handle({ type: 'UpdateMsgErr', error: new BgpError(3, 1, 'bad attribute list') });
  const n = actions.find((a) => a.type === 'sendNotification') as { code: number; subcode: number };
  assert.deepEqual([n.code, n.subcode], [3, 1]);
  assert.equal(f.state, 'Idle');
});

test('a KEEPALIVE before OPEN is an FSM error (RFC 6608 subcode 1)', () => {
  const f = fsm();
  f.handle({ type: 'ManualStart' });
  f.handle({ type: 'TcpCrAcked' });
  const actions = f.handle({ type: 'KeepAliveMsg' });
  const n = actions.find((a) => a.type === 'sendNotification') as { code: number; subcode: number };
  assert.deepEqual([n.code, n.subcode], [5, 1]);
});

test('ManualStop in Established sends Cease with the shutdown communication and does not restart', () => {
  const f = fsm();
  toEstablished(f);
  const actions = f.handle({ type: 'ManualStop', reason: 'maintenance' });
  const n = actions.find((a) => a.type === 'sendNotification') as { code: number; subcode: number; communication: string };
  assert.deepEqual([n.code, n.subcode, n.communication], [6, 2, 'maintenance']);
  assert.equal(timer(actions, 'idleHold'), undefined);
  assert.equal(f.state, 'Idle');
});

test('a failed connection attempt falls back to Active and retries on the timer', () => {
  const f = fsm();
  f.handle({ type: 'ManualStart' });
  f.handle({ type: 'TcpConnectionFails' });
  assert.equal(f.state, 'Active');
  const retry = f.handle({ type: 'ConnectRetryTimerExpires' });
  assert.equal(f.state, 'Connect');
  assert.ok(types(retry).includes('connect'));
});

test('repeated failures back off the idle hold time', () => {
  const f = fsm();
  toEstablished(f);
  const first = timer(f.handle({ type: 'HoldTimerExpires' }), 'idleHold')!.seconds;
  f.handle({ type: 'IdleHoldTimerExpires' });
  f.handle({ type: 'TcpCrAcked' });
  const second = timer(f.handle({ type: 'HoldTimerExpires' }), 'idleHold')!.seconds;
  assert.ok(second > first, `${second} > ${first}`);
});

test('collision dump in OpenConfirm sends Cease subcode 7', () => {
  const f = fsm();
  f.handle({ type: 'ManualStart' });
  f.handle({ type: 'TcpCrAcked' });
  f.handle({ type: 'BgpOpen', open, holdTime: 9, keepaliveInterval: 3 });
  const actions = f.handle({ type: 'OpenCollisionDump' });
  const n = actions.find((a) => a.type === 'sendNotification') as { code: number; subcode: number };
  assert.deepEqual([n.code, n.subcode], [6, 7]);
});

test('graceful restart: TCP loss and hold timer expiry end a session abruptly, a NOTIFICATION does not (RFC 4724 §4.2)', () => {
  const downOf = (event: Parameters<SessionFsm["handle"]>[0]) => {
    const f = fsm();
    toEstablished(f);
    return f.handle(event).find((a) => a.type === 'down') as { abrupt?: boolean };
  };
  assert.equal(downOf({ type: 'TcpConnectionFails' }).abrupt, true);
  assert.equal(downOf({ type: 'HoldTimerExpires' }).abrupt, true);
  assert.ok(!downOf({ type: 'NotifMsg', notification: { code: 6, subcode: 2, data: Buffer.alloc(0) } }).abrupt);
  assert.ok(!downOf({ type: 'ManualStop', reason: 'bye' }).abrupt);
  assert.ok(!downOf({ type: 'UpdateMsgErr', error: new BgpError(3, 1, 'bad attribute list') }).abrupt);
});
