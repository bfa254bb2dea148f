/**
 * The bgpiped (or bagpipe-bgp) REST API as this plugin uses it: GET /ping, POST
 * /attach_localport and /detach_localport (bagpipe-bgp's bodies), and the looking glass's
 * `vpns/instances/<id>/ports` to find what is attached to a port. A connection that fails or
 * times out is CNI code 11 (try again later): the runtime retries once bgpiped is back.
 */
import { CniCode, CniError } from './errors.js';

export interface PortEndpoint {
  mac_address: string;
  ip_address: string | null;
}

interface Reply {
  status: number;
  body: string;
}

export class Bgpiped {
  constructor(
    private readonly base: string,
    private readonly timeoutMs = 15_000,
  ) {}

  private async call(method: string, path: string, body?: unknown): Promise<Reply> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      const r = await fetch(`${this.base}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      return { status: r.status, body: await r.text() };
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      const why = err.cause?.code ?? err.cause?.message ?? err.message;
      throw new CniError(CniCode.TryAgainLater, `bgpiped is not reachable at ${this.base} (${why})`, `${method} ${path}`);
    }
  }

  /** bagpipe-bgp's error body is {"code", "title", "description"}; keep the description. */
  private static describe(r: Reply): string {
    try {
      const j = JSON.parse(r.body) as { description?: unknown };
      if (typeof j.description === 'string') return j.description;
    } catch {
      // not JSON
    }
    return r.body.trim().slice(0, 500) || `HTTP ${r.status}`;
  }

  async ping(): Promise<string> {
    const r = await this.call('GET', '/ping');
    if (r.status !== 200) throw new CniError(CniCode.TryAgainLater, `bgpiped at ${this.base} answered /ping with ${r.status}`);
    return r.body;
  }

  async attach(body: Record<string, unknown>): Promise<void> {
    const r = await this.call('POST', '/attach_localport', body);
    if (r.status === 200) return;
    // 5xx: bgpiped could not do it now; 4xx: it will never accept this request.
    const code = r.status >= 500 ? CniCode.TryAgainLater : CniCode.AttachRefused;
    throw new CniError(code, `bgpiped refused the attachment (${r.status}): ${Bgpiped.describe(r)}`);
  }

  /**
   * Detaches; an endpoint or instance bgpiped does not know (already detached, or forgotten)
   * is success, so DEL stays idempotent.
   */
  async detach(body: Record<string, unknown>): Promise<void> {
    const r = await this.call('POST', '/detach_localport', body);
    if (r.status === 200) return;
    const text = Bgpiped.describe(r);
    if (r.status === 400 && /could not be found|not plugged/.test(text)) return;
    throw new CniError(r.status >= 500 ? CniCode.TryAgainLater : CniCode.AttachRefused, `bgpiped refused the detach (${r.status}): ${text}`);
  }

  /** Every port of EVPN instance `id` with its endpoints ({} when the instance does not exist). */
  async ports(id: string): Promise<Map<string, PortEndpoint[]>> {
    const r = await this.call('GET', `/looking-glass/vpns/instances/${encodeURIComponent(id)}/ports`);
    if (r.status === 404) return new Map();
    if (r.status !== 200) throw new CniError(CniCode.TryAgainLater, `bgpiped looking glass answered ${r.status}: ${Bgpiped.describe(r)}`);
    const ports = JSON.parse(r.body) as Record<string, { endpoints?: PortEndpoint[] }>;
    return new Map(Object.entries(ports).map(([port, p]) => [port, p.endpoints ?? []]));
  }

  /** Endpoints attached to `port` in EVPN instance `id` ([] when the instance does not exist). */
  async endpoints(id: string, port: string): Promise<PortEndpoint[]> {
    return (await this.ports(id)).get(port) ?? [];
  }
}
