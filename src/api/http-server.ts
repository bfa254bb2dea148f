/**
 * The daemon's local HTTP API (127.0.0.1:8082 by default, bagpipe-bgp's address):
 *   GET /ping                         bagpipe-bgp compatible restart detector
 *   GET /openapi.json                 this API, described (api/openapi.ts)
 *   GET /bgpipe/v1/global             GlobalView
 *   GET /bgpipe/v1/neighbors[/ADDR]   NeighborView
 *   GET /bgpipe/v1/rib?family=F       Loc-RIB; &neighbor=ADDR&table=in|out for Adj-RIBs
 *   GET /metrics                      Prometheus text format
 *   /, /ping, /attach_localport, /detach_localport, /looking-glass/…   bagpipe-bgp's REST API
 *                                     and looking glass (api/bagpipe/rest.ts), when given
 */
import http from 'node:http';
import type { Logger } from '../util/log.js';
import type { BgpipeModel } from './model.js';
import type { Metrics } from './metrics.js';
import type { BagpipeRest } from './bagpipe/rest.js';
import { OPENAPI } from './openapi.js';

/** A request target that new URL() would return unchanged as pathname: no query, no
 *  percent-escapes, no dot segments. */
const PLAIN_PATH = /^\/(?:[A-Za-z0-9_-]+\/?)*$/;

type Handler = (url: URL, req: http.IncomingMessage) => Promise<Reply> | Reply;
interface Reply {
  status: number;
  body: unknown;
  /** Body already serialised (the ping integer, metrics text). */
  raw?: string;
  contentType?: string;
}

export interface HttpApiOptions {
  readonly host: string;
  readonly port: number;
  readonly model: BgpipeModel;
  readonly metrics: Metrics;
  readonly ping: string;
  readonly log: Logger;
  /** bagpipe-bgp's API: it answers the paths it owns, with its own error formats. */
  readonly bagpipe?: BagpipeRest;
}

export class HttpApi {
  private server: http.Server | undefined;
  private readonly routes: { method: string; pattern: RegExp; handler: Handler }[] = [];

  constructor(private readonly options: HttpApiOptions) {
    const { model } = options;
    this.get(/^\/ping(\.json)?\/?$/, () => ({ status: 200, body: null, raw: options.ping }));
    this.get(/^\/openapi\.json$/, () => ({ status: 200, body: OPENAPI }));
    this.get(/^\/bgpipe\/v1\/global\/?$/, () => ({ status: 200, body: model.global() }));
    this.get(/^\/bgpipe\/v1\/neighbors\/?$/, () => ({ status: 200, body: model.neighbors() }));
    this.get(/^\/bgpipe\/v1\/neighbors\/([^/]+)\/?$/, (url) => {
      const address = decodeURIComponent(url.pathname.split('/')[4]!);
      const n = model.neighbor(address);
      return n ? { status: 200, body: n } : notFound(`no neighbor ${address}`);
    });
    this.get(/^\/bgpipe\/v1\/rib\/?$/, (url) => this.rib(url));
    this.get(/^\/metrics\/?$/, async () => ({
      status: 200,
      body: null,
      raw: await options.metrics.registry.metrics(),
      contentType: options.metrics.registry.contentType,
    }));
  }

  async listen(): Promise<void> {
    const server = http.createServer((req, res) => void this.serve(req, res));
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.options.log.info({ host: this.options.host, port: this.port }, 'API listening');
  }

  get port(): number {
    const address = this.server?.address();
    return typeof address === 'object' && address ? address.port : this.options.port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private get(pattern: RegExp, handler: Handler): void {
    this.routes.push({ method: 'GET', pattern, handler });
  }

  private rib(url: URL): Reply {
    const { model } = this.options;
    const family = url.searchParams.get('family') ?? 'ipv4-unicast';
    const neighbor = url.searchParams.get('neighbor');
    if (neighbor) {
      const table = url.searchParams.get('table') ?? 'in';
      if (table !== 'in' && table !== 'out') return badRequest(`table must be "in" or "out", got "${table}"`);
      const paths = table === 'in' ? model.adjRibIn(neighbor, family) : model.adjRibOut(neighbor, family);
      return paths ? { status: 200, body: paths } : notFound(`no neighbor ${neighbor} or unknown family ${family}`);
    }
    const rib = model.rib(family);
    return rib ? { status: 200, body: rib } : badRequest(`family: unknown address family "${family}"`);
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const target = req.url ?? '/';
    // A plain path (every bagpipe-bgp request) is its own pathname: no URL object per attach.
    const url = PLAIN_PATH.test(target) ? undefined : new URL(target, `http://${req.headers.host ?? 'localhost'}`);
    const pathname = url?.pathname ?? target;
    let reply: Reply;
    try {
      const bagpipe = this.options.bagpipe;
      if (bagpipe?.owns(pathname)) {
        const r = await bagpipe.handle(req, pathname);
        reply = { status: r.status, body: null, raw: r.text, contentType: r.contentType };
      } else {
        const matching = this.routes.filter((r) => r.pattern.test(pathname));
        const route = matching.find((r) => r.method === req.method || (r.method === 'GET' && req.method === 'HEAD'));
        if (route) reply = await route.handler(url ?? new URL(target, `http://${req.headers.host ?? 'localhost'}`), req);
        else if (matching.length > 0) reply = { status: 405, body: { code: 405, title: 'Method Not Allowed', description: '' } };
        else reply = { status: 404, body: { code: 404, title: 'Not Found', description: null } };
      }
    } catch (err) {
      this.options.log.error({ err, url: req.url }, 'API handler failed');
      reply = { status: 500, body: { code: 500, title: 'Internal Server Error', description: String(err) } };
    }
    const text = reply.raw ?? JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'Content-Type': reply.contentType ?? 'application/json',
      'Content-Length': Buffer.byteLength(text),
    });
    res.end(req.method === 'HEAD' ? undefined : text);
  }
}

function notFound(description: string): Reply {
  return { status: 404, body: { code: 404, title: 'Not Found', description } };
}

function badRequest(description: string): Reply {
  return { status: 400, body: { code: 400, title: 'Bad Request', description } };
}
