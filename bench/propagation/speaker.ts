/**
 * A lean BGP speaker over one raw TCP socket, for the benchmark's tester and monitor:
 * OPEN, KEEPALIVE, and a callback per received UPDATE over the receive buffer (no copies
 * beyond joining a message split across two reads). No FSM beyond "OPEN sent → OPEN seen →
 * KEEPALIVE seen = established"; a NOTIFICATION or a closed socket is an error.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { keepalive, open } from './wire.js';

export interface SpeakerOptions {
  label: string;
  asn: number;
  routerId: string;
  /** The multiprotocol families (AFI, SAFI) offered in the OPEN. */
  families: readonly (readonly [number, number])[];
  holdTime: number;
  /** Called as each batch of bytes arrives, before it is walked (a receive timestamp). */
  onReceive?: () => void;
  /** Called with each UPDATE (header included) at b[start, end). */
  onUpdate?: (b: Buffer, start: number, end: number) => void;
  /** Called after each batch of received bytes has been walked. */
  onData?: () => void;
}

const NOTIFICATION_NAMES: Record<number, string> = {
  1: 'Message Header Error',
  2: 'OPEN Message Error',
  3: 'UPDATE Message Error',
  4: 'Hold Timer Expired',
  5: 'FSM Error',
  6: 'Cease',
};

export class Speaker {
  readonly established: Promise<void>;
  /** Rejects when the session ends (NOTIFICATION, socket closed or error) before close(). */
  readonly failed: Promise<never>;
  socket: Socket | undefined;
  private pending: Buffer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private isEstablished = false;
  private closing = false;
  private resolveEstablished!: () => void;
  private rejectFailed!: (e: Error) => void;
  private rejectEstablished!: (e: Error) => void;

  constructor(readonly o: SpeakerOptions) {
    this.established = new Promise<void>((res, rej) => {
      this.resolveEstablished = res;
      this.rejectEstablished = rej;
    });
    this.failed = new Promise<never>((_, rej) => (this.rejectFailed = rej));
    // Nobody may be awaiting these yet: keep Node from calling them unhandled.
    this.established.catch(() => undefined);
    this.failed.catch(() => undefined);
  }

  /** Connect actively from `local` to `remote`:179. */
  connect(remote: string, local: string, port = 179): void {
    const s = connect({ host: remote, port, localAddress: local });
    s.once('connect', () => this.attach(s));
    s.on('error', (e) => this.fail(new Error(`${this.o.label}: ${e.message}`)));
  }

  /** Take over an accepted socket. */
  attach(s: Socket): void {
    this.socket = s;
    s.setNoDelay(true);
    s.on('data', (chunk: Buffer) => this.receive(chunk));
    s.on('error', (e) => this.fail(new Error(`${this.o.label}: ${e.message}`)));
    s.on('close', () => this.fail(new Error(`${this.o.label}: connection closed by the peer`)));
    s.write(open(this.o.asn, this.o.holdTime, this.o.routerId, this.o.families));
  }

  /** Write, resolving once the kernel has taken the bytes (Node's write callback). */
  write(b: Buffer): Promise<void> {
    const s = this.socket;
    if (s === undefined) return Promise.reject(new Error(`${this.o.label}: not connected`));
    return new Promise((res, rej) => s.write(b, (e) => (e ? rej(e) : res())));
  }

  close(): void {
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    this.socket?.destroy();
  }

  private fail(e: Error): void {
    if (this.closing) return;
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    this.socket?.destroy();
    if (!this.isEstablished) this.rejectEstablished(e);
    this.rejectFailed(e);
  }

  private receive(chunk: Buffer): void {
    this.o.onReceive?.();
    let b = chunk;
    if (this.pending !== undefined) {
      b = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    let off = 0;
    const len = b.length;
    while (off + 19 <= len) {
      const msgLen = b.readUInt16BE(off + 16);
      if (msgLen < 19) {
        this.fail(new Error(`${this.o.label}: bad message length ${msgLen}`));
        return;
      }
      if (off + msgLen > len) break;
      const type = b[off + 18];
      if (type === 2) this.o.onUpdate?.(b, off, off + msgLen);
      else if (type === 1) this.onOpen(b, off);
      else if (type === 4) {
        if (!this.isEstablished) {
          this.isEstablished = true;
          this.resolveEstablished();
        }
      } else if (type === 3) {
        const code = b[off + 19] ?? 0;
        const sub = b[off + 20] ?? 0;
        const data = b.subarray(off + 21, off + msgLen);
        this.fail(new Error(`${this.o.label}: NOTIFICATION ${code}/${sub} (${NOTIFICATION_NAMES[code] ?? '?'}) ${data.toString('hex')}`));
        return;
      }
      off += msgLen;
    }
    if (off < len) this.pending = Buffer.from(b.subarray(off));
    this.o.onData?.();
  }

  private onOpen(b: Buffer, off: number): void {
    const peerHold = b.readUInt16BE(off + 22);
    const hold = Math.min(peerHold, this.o.holdTime);
    this.socket?.write(keepalive());
    if (hold > 0) {
      const every = Math.max(1, Math.floor(hold / 3)) * 1000;
      this.timer = setInterval(() => this.socket?.write(keepalive()), every);
      this.timer.unref();
    }
  }
}

/** Listen on `address`:179 and hand the first connection to `speaker`. */
export function listenOnce(speaker: Speaker, address: string, port = 179): Promise<Server> {
  return new Promise((res, rej) => {
    const server = createServer((s) => {
      server.close();
      speaker.attach(s);
    });
    server.once('error', rej);
    server.listen(port, address, () => res(server));
  });
}
