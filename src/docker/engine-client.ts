/**
 * A small Docker Engine API client, reaching the daemon the way the docker
 * CLI does: DOCKER_HOST (`unix:///path` or `tcp://host:port`), else
 * /var/run/docker.sock. Unversioned paths: the daemon serves its own API
 * version for them, and everything used here exists since API 1.24.
 *
 * Only what the Docker network plugins need: inspect a container or a
 * network, list networks, the /events stream (with reconnect), and
 * POST /containers/{id}/kill?signal= (unlike the stop API's `signal`
 * parameter, which needs API 1.42 / Docker 23, kill takes a signal on
 * Docker 20.10).
 */
import { request, type IncomingMessage } from 'node:http';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** Where the daemon is: a unix socket path or a TCP host/port. */
export type EngineEndpoint = { socketPath: string } | { host: string; port: number };

/** Parse DOCKER_HOST as the docker CLI accepts it (unix:// and tcp:// only). */
export function engineEndpointFromEnv(env: NodeJS.ProcessEnv = process.env): EngineEndpoint {
  const host = env.DOCKER_HOST?.trim();
  if (!host) return { socketPath: DEFAULT_DOCKER_SOCKET };
  if (host.startsWith('unix://')) {
    const path = host.slice('unix://'.length);
    if (!path.startsWith('/')) throw new Error(`DOCKER_HOST ${host}: unix:// needs an absolute socket path`);
    return { socketPath: path };
  }
  if (host.startsWith('tcp://')) {
    if (env.DOCKER_TLS_VERIFY) throw new Error('DOCKER_HOST: TLS (DOCKER_TLS_VERIFY) is not supported; use a unix socket');
    const u = new URL(`http://${host.slice('tcp://'.length)}`);
    const port = u.port === '' ? 2375 : Number(u.port);
    return { host: u.hostname.replace(/^\[|\]$/g, ''), port };
  }
  throw new Error(`DOCKER_HOST ${host}: only unix:// and tcp:// are supported`);
}

/** An HTTP error from the daemon; `message` is the daemon's own `message`. */
export class EngineError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/** The parts of GET /containers/{id}/json we read. */
export interface ContainerInspect {
  Id: string;
  Name: string;
  State: {
    Status: string;
    Running: boolean;
    Paused?: boolean;
    Health?: { Status: string };
  };
  Config?: { Healthcheck?: { Test?: string[] }; StopSignal?: string; Labels?: Record<string, string> };
  NetworkSettings: {
    Networks: Record<string, { NetworkID: string; EndpointID: string; IPAddress: string; GlobalIPv6Address: string }>;
  };
}

/** The parts of GET /networks/{id} (and of the list) we read. */
export interface NetworkInspect {
  Id: string;
  Name: string;
  Driver: string;
  Scope: string;
  Labels: Record<string, string> | null;
  IPAM: { Driver: string; Config: Array<{ Subnet?: string; Gateway?: string }> | null };
  Containers?: Record<string, { Name: string; EndpointID: string; IPv4Address: string; IPv6Address: string }> | null;
}

/** One line of GET /events. */
export interface EngineEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes?: Record<string, string> };
  time: number;
  timeNano: number;
}

/** /events filters, e.g. { type: ['container'], event: ['kill', 'health_status'] }. */
export type EventFilters = Record<string, string[]>;

export interface EventWatchOptions {
  filters?: EventFilters;
  /** Called on each (re)connection, before events flow: resync state here. */
  onConnect?: () => void;
  /** Called when the stream breaks; it is retried after a backoff. */
  onError?: (err: Error) => void;
  /** First retry delay (ms), multiplied by 1.5 up to maxBackoffMs. Default 1000 / 5000. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

export interface EventWatch {
  close(): void;
}

export class EngineClient {
  readonly endpoint: EngineEndpoint;

  constructor(endpoint: EngineEndpoint = engineEndpointFromEnv()) {
    this.endpoint = endpoint;
  }

  /** GET /version (the daemon answers: it is up). */
  version(): Promise<{ Version: string; ApiVersion: string }> {
    return this.json('GET', '/version');
  }

  inspectContainer(id: string): Promise<ContainerInspect> {
    return this.json('GET', `/containers/${encodeURIComponent(id)}/json`);
  }

  inspectNetwork(id: string): Promise<NetworkInspect> {
    return this.json('GET', `/networks/${encodeURIComponent(id)}`);
  }

  listNetworks(filters?: Record<string, string[]>): Promise<NetworkInspect[]> {
    const q = filters ? `?filters=${encodeURIComponent(JSON.stringify(filters))}` : '';
    return this.json('GET', `/networks${q}`);
  }

  /** Send a signal to a container's main process (no stop timeout, no SIGKILL escalation). */
  async killContainer(id: string, signal: string): Promise<void> {
    await this.json('POST', `/containers/${encodeURIComponent(id)}/kill?signal=${encodeURIComponent(signal)}`);
  }

  /**
   * Follow GET /events with these filters until close(). A broken stream is
   * reopened after a backoff with `since` = the last event seen, so nothing
   * between the two connections is lost; `since` is inclusive, so the events
   * replayed at that instant are recognised and not delivered twice.
   * onConnect runs on every (re)connection.
   */
  watchEvents(onEvent: (e: EngineEvent) => void, opts: EventWatchOptions = {}): EventWatch {
    let closed = false;
    let current: IncomingMessage | undefined;
    let timer: NodeJS.Timeout | undefined;
    let since: string | undefined;
    // The newest instant seen, and the lines seen at it (several events can share one).
    let lastNano = -1n;
    const atLast = new Set<string>();
    const base = opts.backoffMs ?? 1000;
    const max = opts.maxBackoffMs ?? 5000;
    let delay = base;

    const retry = (err: Error): void => {
      current = undefined;
      if (closed) return;
      opts.onError?.(err);
      timer = setTimeout(open, delay);
      delay = Math.min(max, delay * 1.5);
    };

    const open = (): void => {
      if (closed) return;
      const q = new URLSearchParams();
      if (opts.filters) q.set('filters', JSON.stringify(opts.filters));
      if (since !== undefined) q.set('since', since);
      const qs = q.toString();
      const path = `/events${qs === '' ? '' : `?${qs}`}`;
      const req = request({ ...this.target(), method: 'GET', path, headers: { Accept: 'application/json' } }, (res) => {
        if (res.statusCode !== 200) {
          collect(res)
            .then((text) => retry(new EngineError(res.statusCode ?? 0, daemonMessage(text), path)))
            .catch(retry);
          return;
        }
        current = res;
        delay = base;
        opts.onConnect?.();
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (line === '') continue;
            let ev: EngineEvent;
            try {
              ev = JSON.parse(line) as EngineEvent;
            } catch {
              continue;
            }
            // timeNano does not fit a double: take its digits from the text.
            const nano = /"timeNano":\s*(\d+)/.exec(line)?.[1];
            if (nano !== undefined) {
              const n = BigInt(nano);
              if (n < lastNano || (n === lastNano && atLast.has(line))) continue;
              if (n > lastNano) {
                lastNano = n;
                atLast.clear();
              }
              atLast.add(line);
              since = nanosToSince(nano);
            }
            onEvent(ev);
          }
        });
        res.on('end', () => retry(new Error('event stream ended')));
        res.on('error', retry);
      });
      req.on('error', retry);
      req.end();
    };

    open();
    return {
      close: () => {
        closed = true;
        if (timer) clearTimeout(timer);
        current?.destroy();
      },
    };
  }

  private target(): { socketPath: string } | { host: string; port: number } {
    return 'socketPath' in this.endpoint
      ? { socketPath: this.endpoint.socketPath }
      : { host: this.endpoint.host, port: this.endpoint.port };
  }

  /** One request; a JSON reply is decoded (an empty one gives undefined). */
  private json<T>(method: string, path: string, body?: unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string> = {};
      if (data !== undefined) {
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = String(Buffer.byteLength(data));
      }
      const req = request({ ...this.target(), method, path, headers }, (res) => {
        collect(res)
          .then((text) => {
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) {
              reject(new EngineError(status, daemonMessage(text), path));
              return;
            }
            resolve((text.trim() === '' ? undefined : JSON.parse(text)) as T);
          })
          .catch(reject);
      });
      req.setTimeout(30_000, () => req.destroy(new Error(`docker API ${method} ${path}: no answer in 30 s`)));
      req.on('error', reject);
      req.end(data);
    });
  }
}

function collect(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

/** The daemon's error body is {"message": "..."}; fall back to the raw text. */
function daemonMessage(text: string): string {
  try {
    const v = JSON.parse(text) as { message?: unknown };
    if (typeof v.message === 'string') return v.message;
  } catch {
    // not JSON
  }
  return text.trim();
}

/** Docker's `since` takes "<seconds>.<nanoseconds>". */
export function nanosToSince(timeNano: string): string {
  const ns = BigInt(timeNano);
  const sec = ns / 1_000_000_000n;
  const frac = ns % 1_000_000_000n;
  return `${sec}.${frac.toString().padStart(9, '0')}`;
}
