/**
 * Docker's legacy remote-plugin protocol (moby pkg/plugins, libnetwork
 * remote drivers), served on a unix socket.
 *
 * Every call is `POST /<Interface>.<Method>` with a JSON body (no request
 * Content-Type; the body is empty for Plugin.Activate and the
 * GetCapabilities/GetDefaultAddressSpaces calls). The daemon never checks
 * the reply content type; we send `application/vnd.docker.plugins.v1+json`
 * like go-plugins-helpers' family does.
 *
 * Errors (docs/specs docker-plugins §1.4): a non-200 reply whose body is
 * `{"Err":"..."}` is shown by Docker as "<Call>: <Err>"; a handler throws
 * PluginError for that (500 by default, docker-bgp-lb's convention). A body
 * that is not a JSON object is a 400 with plain text, an unknown call a 404
 * (`404 page not found`, Go's mux text).
 *
 * The server is generic: drivers register one handler per call. It knows
 * nothing of networks or IPAM.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../util/log.js';

/** The content type Docker plugins answer with. */
export const PLUGIN_CONTENT_TYPE = 'application/vnd.docker.plugins.v1+json';

/** The decoded request body: always an object (`{}` for an empty body). */
export type PluginRequest = Record<string, unknown>;

/** A call handler: its return value is JSON-encoded as the 200 reply. */
export type PluginHandler = (body: PluginRequest, call: string) => unknown;

/** An error Docker should see as `{"Err": message}` with this HTTP status. */
export class PluginError extends Error {
  constructor(
    message: string,
    readonly status = 500,
  ) {
    super(message);
    this.name = 'PluginError';
  }
}

/** Who is told about calls and failures (the plugin's logger). */
export interface PluginServerLog {
  debug(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

/** A plugin's bgpipe logger as the server's. */
export function pluginLog(log: Logger): PluginServerLog {
  return {
    debug: (msg, fields) => log.debug(fields ?? {}, msg),
    warn: (msg, fields) => log.warn(fields ?? {}, msg),
  };
}

export interface PluginServerOptions {
  /** e.g. /run/docker/plugins/bgplb.sock; the parent dir is created (0755). */
  socketPath: string;
  /** Plugin.Activate's answer, e.g. ["NetworkDriver", "IpamDriver"]. */
  implements: string[];
  /** Socket file mode; default 0o660 (root and the docker group, as go-plugins-helpers). */
  mode?: number;
  log?: PluginServerLog;
}

/** Largest request body accepted (Docker's are a few hundred bytes). */
const MAX_BODY = 1 << 20;

export class PluginServer {
  readonly socketPath: string;
  private readonly handlers = new Map<string, PluginHandler>();
  private readonly opts: PluginServerOptions;
  private server: Server | undefined;

  constructor(opts: PluginServerOptions) {
    this.opts = opts;
    this.socketPath = opts.socketPath;
    this.handlers.set('Plugin.Activate', () => ({ Implements: [...opts.implements] }));
  }

  /** Register (or replace) the handler of one call, e.g. "NetworkDriver.Join". */
  handle(call: string, handler: PluginHandler): this {
    if (!/^[A-Za-z]+\.[A-Za-z]+$/.test(call)) throw new Error(`plugin call name "${call}" is not <Interface>.<Method>`);
    this.handlers.set(call, handler);
    return this;
  }

  /** Register several handlers at once: { "NetworkDriver.Join": fn, ... }. */
  handleAll(handlers: Record<string, PluginHandler>): this {
    for (const [call, h] of Object.entries(handlers)) this.handle(call, h);
    return this;
  }

  /** The calls served (for logs and tests). */
  get calls(): string[] {
    return [...this.handlers.keys()].sort();
  }

  /**
   * Create the socket and start serving. A stale socket file (nothing
   * listening) is replaced; a live one, or a file that is not a socket, is
   * an error: two plugins must not fight over one driver name.
   */
  async listen(): Promise<void> {
    if (this.server) throw new Error('plugin server already listening');
    mkdirSync(dirname(this.socketPath), { recursive: true, mode: 0o755 });
    await removeStaleSocket(this.socketPath);
    const server = createServer((req, res) => void this.serve(req, res));
    // Docker keeps connections open between calls (keep-alive).
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
    chmodSync(this.socketPath, this.opts.mode ?? 0o660);
    this.server = server;
  }

  /** Stop serving and remove the socket file. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    try {
      unlinkSync(this.socketPath);
    } catch {
      // already gone (node removes it on close on some versions)
    }
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const call = (req.url ?? '/').replace(/^\//, '').split('?')[0] ?? '';
    const handler = this.handlers.get(call);
    if (!handler) {
      this.opts.log?.debug('plugin: unknown call', { method: req.method, url: req.url });
      send(res, 404, '404 page not found\n', 'text/plain; charset=utf-8');
      return;
    }
    if (req.method !== 'POST') {
      send(res, 405, 'method not allowed\n', 'text/plain; charset=utf-8');
      return;
    }
    let body: PluginRequest;
    try {
      body = parseBody(await readBody(req));
    } catch (e) {
      send(res, 400, `${(e as Error).message}\n`, 'text/plain; charset=utf-8');
      return;
    }
    try {
      const reply = await handler(body, call);
      this.opts.log?.debug('plugin: call', { call });
      send(res, 200, JSON.stringify(reply ?? {}), PLUGIN_CONTENT_TYPE);
    } catch (e) {
      const status = e instanceof PluginError ? e.status : 500;
      const message = e instanceof Error ? e.message : String(e);
      this.opts.log?.warn('plugin: call failed', { call, status, err: message });
      send(res, status, JSON.stringify({ Err: message }), PLUGIN_CONTENT_TYPE);
    }
  }
}

function send(res: ServerResponse, status: number, text: string, contentType: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error(`request body larger than ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Docker's body: a JSON object plus a newline, or nothing at all. */
export function parseBody(text: string): PluginRequest {
  if (text.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`invalid JSON request body: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new Error('request body is not a JSON object');
  }
  return v as PluginRequest;
}

/** Remove `path` if it is a socket nobody listens on; refuse a live socket or another file. */
async function removeStaleSocket(path: string): Promise<void> {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return;
  }
  if (!st.isSocket()) throw new Error(`${path} exists and is not a socket: refusing to replace it`);
  const alive = await new Promise<boolean>((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`${path}: another plugin is already listening on this socket`);
  unlinkSync(path);
}
