/**
 * Kernel link events for the VPN drivers: a persistent `ip -o monitor link` child, one line per
 * event (`-o`), of which the deletions are passed on by name:
 *
 *     Deleted 7: vxlan--net-a: <BROADCAST,...> mtu 1450 ...
 *     Deleted 5: tap-c1@if2: <...>            (a veth: the peer's index after @)
 *
 * The drivers do not trust an event's details: a deletion only makes them re-read the kernel
 * soon (their periodic reconcile, early), which also covers a burst of events and their own
 * deletions. A monitor that dies is restarted after a second; events lost meanwhile are caught
 * by the periodic reconcile. After a kill -9 of bgpiped the child lives on until the next link
 * event, when writing to the closed pipe ends it (SIGPIPE).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../../util/log.js';

export class LinkMonitor {
  private child: ChildProcess | undefined;
  private closed = false;
  private tail = '';
  private restart: NodeJS.Timeout | undefined;

  constructor(
    private readonly onDeleted: (name: string) => void,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.closed || this.child) return;
    const child = spawn('ip', ['-o', 'monitor', 'link'], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.child = child;
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => this.onData(chunk));
    child.on('error', (err) => this.log.error({ error: err.message }, 'dataplane: cannot run ip monitor link; kernel events are only seen by the periodic reconcile'));
    child.on('exit', () => {
      if (this.child === child) this.child = undefined;
      if (this.closed) return;
      this.restart = setTimeout(() => this.start(), 1000);
      this.restart.unref();
    });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.restart);
    this.child?.kill('SIGTERM');
    this.child = undefined;
  }

  private onData(chunk: string): void {
    const lines = (this.tail + chunk).split('\n');
    this.tail = lines.pop()!;
    for (const l of lines) {
      const m = /^Deleted \d+: ([^:@\s]+)/.exec(l);
      if (m) this.onDeleted(m[1]!);
    }
  }
}
