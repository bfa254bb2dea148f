/**
 * bagpipe-bgp's REST API (reference §3) on bgpiped's HTTP server:
 *
 *   GET  /                      200 {}
 *   any  /ping                  the restart detector, exact 128-bit digits (§3.2)
 *   POST /attach_localport      200 null, or 400 {"code":400,…,"description":"API error: …"}
 *   POST /detach_localport      likewise; GET answers {}, PUT/DELETE 405
 *   GET  /looking-glass/…       looking-glass.ts (§4); other methods 405 on the root, 404 below
 *
 * `.json` is parsed off the last path segment and a trailing `/` is accepted, as pecan does;
 * `.html`/`.txt`/`.xml` are 404. Errors follow the Accept header (error-format.ts). Attach and
 * detach are checked and applied synchronously by the backend, so in arrival order, and what is
 * persisted is what was applied; only their wait for the disk overlaps (group commit).
 */
import type http from 'node:http';
import { VpnApiError, type Json } from '../../vpn/types.js';
import type { AttachRequest, DetachRequest } from '../../vpn/types.js';
import { NoDetailsError, parseAttach, parseBody, parseDetach } from './attach-request.js';
import { errorBody, negotiate, type ErrorFormat } from './error-format.js';
import { LookingGlassNotFound } from './lg-tree.js';
import { pyJson } from './py-json.js';

export interface BagpipeBackend {
  /** Checks and applies an attachment before its first await, then resolves once it is
   *  persisted; throws VpnApiError for a client mistake. */
  attach(req: AttachRequest): Promise<void>;
  detach(req: DetachRequest): Promise<void>;
  /** The looking-glass object at `path` under `base` (`http://host/looking-glass`); throws
   *  LookingGlassNotFound. */
  lookingGlass(path: readonly string[], base: string): Json;
}

export interface BagpipeReply {
  readonly status: number;
  readonly text: string;
  readonly contentType: string;
}

const MAX_BODY = 1 << 20;

export class BagpipeRest {
  constructor(
    private readonly backend: BagpipeBackend,
    private readonly ping: string,
    private readonly onError: (err: unknown, what: string) => void = () => undefined,
  ) {}

  /** Whether bagpipe-bgp's API owns this path (the rest stays bgpipe's own API). */
  owns(pathname: string): boolean {
    const p = stripExtension(pathname).path;
    return p === '/' || /^\/(ping|attach_localport|detach_localport)\/?$/.test(p) || /^\/looking-glass(\/|$)/.test(p);
  }

  async handle(req: http.IncomingMessage, pathname: string): Promise<BagpipeReply> {
    const negotiated = negotiate(req.headers.accept);
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    const { path, badExtension } = stripExtension(pathname);
    if (typeof negotiated === 'object') return this.error(406, null, negotiated.refuse);
    const format: ErrorFormat = negotiated;
    if (badExtension) return this.error(404, null, format);
    const ok = (body: Json): BagpipeReply => ({ status: 200, text: pyJson(body), contentType: 'application/json' });
    const noSlash = path.length > 1 ? path.replace(/\/$/, '') : path;

    if (noSlash === '/') return method === 'GET' ? ok({}) : this.error(405, '', format);
    if (noSlash === '/ping') return { status: 200, text: this.ping, contentType: 'application/json' };
    const action = /^\/(attach|detach)_localport$/.exec(noSlash)?.[1];
    if (action) {
      if (method === 'GET') return ok({});
      if (method !== 'POST') return this.error(405, '', format);
      const body = await readBody(req);
      return this.attachOrDetach(action as 'attach' | 'detach', body, format);
    }
    // /looking-glass[/…]
    const segments = noSlash.split('/').slice(2).map(decodeSegment);
    if (method !== 'GET') return this.error(segments.length === 0 ? 405 : 404, '', format);
    const base = `http://${req.headers.host ?? 'localhost'}/looking-glass`;
    try {
      return ok(this.backend.lookingGlass(segments, base));
    } catch (err) {
      if (err instanceof LookingGlassNotFound) return this.error(404, err.message, format);
      this.onError(err, 'looking glass');
      return this.error(500, 'Server error', format);
    }
  }

  private async attachOrDetach(action: 'attach' | 'detach', body: string | undefined, format: ErrorFormat): Promise<BagpipeReply> {
    try {
      if (body === undefined) throw new VpnApiError(`the request body is larger than ${MAX_BODY} octets`);
      const params = parseBody(body);
      if (action === 'attach') await this.backend.attach(parseAttach(params));
      else await this.backend.detach(parseDetach(params));
      return { status: 200, text: 'null', contentType: 'application/json' };
    } catch (err) {
      if (err instanceof NoDetailsError) return this.error(400, err.message, format);
      if (err instanceof VpnApiError) return this.error(400, `API error: ${err.message}`, format);
      this.onError(err, `${action}_localport`);
      const what = action === 'attach' ? 'plug to VPN' : 'unplug from VPN';
      return this.error(500, `An error occurred during local port ${what}`, format);
    }
  }

  private error(code: number, description: string | null, format: ErrorFormat): BagpipeReply {
    const { text, contentType } = errorBody(code, description, format);
    return { status: code, text, contentType };
  }
}

/** pecan parses a known extension off the last segment: `.json` is JSON, others are not served. */
function stripExtension(pathname: string): { path: string; badExtension: boolean } {
  const m = /\.(json|html?|txt|xml)(\/?)$/.exec(pathname);
  if (!m) return { path: pathname, badExtension: false };
  return { path: pathname.slice(0, m.index) + m[2], badExtension: m[1] !== 'json' };
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The body as text, undefined when larger than MAX_BODY (the rest is read and dropped, so that
 *  the 400 still reaches the client). Events rather than an async iterator: one body is one
 *  chunk, and the iterator's promises cost more than the rest of reading it. */
function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.once('end', () => resolve(size > MAX_BODY ? undefined : chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}
