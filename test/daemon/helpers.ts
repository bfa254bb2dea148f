/**
 * In-process bgpiped instances for daemon tests: each one a Daemon built from TOML text, bound to
 * its own 127.0.0.x address (traffic stays on loopback), with a silent logger; plus a minimal raw
 * BGP speaker that sends hand-made bytes, for what no real daemon will send (malformed UPDATEs).
 */
import net from 'node:net';
import { parseConfigText } from '../../src/config/load.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { settingsFromConfig } from '../../src/daemon/settings-from-config.js';
import { silentLogger } from '../../src/util/log.js';
import { MessageReader } from '../../src/wire/header.js';
import { encodeOpen } from '../../src/wire/open.js';
import { encodeKeepalive } from '../../src/wire/keepalive.js';
import { decodeNotification } from '../../src/wire/notification.js';
import { IPV4_UNICAST } from '../../src/wire/family.js';
import { MessageType, type NotificationMessage } from '../../src/wire/messages.js';
import type { Capability } from '../../src/wire/capabilities.js';

/** A BGP port unlikely to collide between concurrently running test files. */
export function testPort(): number {
  return 20000 + Math.floor(Math.random() * 20000);
}

export async function startDaemon(toml: string, reread?: () => string): Promise<Daemon> {
  const settings = settingsFromConfig(parseConfigText(toml, 'test.toml'));
  const daemon = new Daemon(settings, silentLogger(), reread ? () => settingsFromConfig(parseConfigText(reread(), 'test.toml')) : undefined);
  await daemon.start();
  return daemon;
}

export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function speakerToml(o: {
  asn: number;
  routerId: string;
  address: string;
  port: number;
  apiPort?: number;
  neighbors: { address: string; asn: number; passive?: boolean; password?: string; extra?: string }[];
  statics?: string[];
  extra?: string;
}): string {
  const lines = [
    '[global.config]',
    `as = ${o.asn}`,
    `router-id = "${o.routerId}"`,
    `port = ${o.port}`,
    `local-address-list = ["${o.address}"]`,
  ];
  for (const n of o.neighbors) {
    lines.push(
      '[[neighbors]]',
      '[neighbors.config]',
      `neighbor-address = "${n.address}"`,
      `peer-as = ${n.asn}`,
      n.password === undefined ? '' : `auth-password = "${n.password}"`,
      '[neighbors.transport.config]',
      `local-address = "${o.address}"`,
      `remote-port = ${o.port}`,
      `passive-mode = ${n.passive === true}`,
      '[neighbors.timers.config]',
      'connect-retry = 0.5',
      'hold-time = 9',
      n.extra ?? '',
    );
  }
  for (const prefix of o.statics ?? []) lines.push('[[static-routes]]', `prefix = "${prefix}"`);
  lines.push(o.extra ?? '', '[api]', `listen-address = "${o.address}"`, `port = ${o.apiPort ?? -1}`);
  return lines.join('\n') + '\n';
}

/**
 * A raw BGP speaker: connects, exchanges OPEN/KEEPALIVE, then sends whatever bytes a test
 * builds. It records every NOTIFICATION it receives and whether the connection closed.
 */
export class RawSpeaker {
  readonly notifications: NotificationMessage[] = [];
  readonly received: number[] = [];
  /** Bodies of the UPDATEs received, in order. */
  readonly updates: Buffer[] = [];
  closed = false;
  private readonly reader = new MessageReader(65535);

  constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      this.reader.push(chunk);
      for (let m = this.reader.next(); m; m = this.reader.next()) {
        this.received.push(m.type);
        if (m.type === MessageType.Notification) this.notifications.push(decodeNotification(m.body));
        if (m.type === MessageType.Update) this.updates.push(Buffer.from(m.body));
      }
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }

  static async connect(o: { host: string; port: number; localAddress: string; asn: number; routerId: string; holdTime?: number; capabilities?: Capability[] }): Promise<RawSpeaker> {
    const socket = net.connect({ host: o.host, port: o.port, localAddress: o.localAddress });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const speaker = new RawSpeaker(socket);
    speaker.sendOpen(o.asn, o.routerId, o.holdTime, o.capabilities);
    speaker.send(encodeKeepalive());
    await waitUntil('OPEN and KEEPALIVE from bgpiped', () => speaker.received.includes(MessageType.Open) && speaker.received.includes(MessageType.Keepalive));
    return speaker;
  }

  sendOpen(asn: number, routerId: string, holdTime = 90, more: Capability[] = []): void {
    this.socket.write(
      encodeOpen({ version: 4, myAs: asn, holdTime, bgpId: routerId, capabilities: [{ code: 1, family: IPV4_UNICAST }, { code: 65, asn }, ...more] }),
    );
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }
}
