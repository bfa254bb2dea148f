/**
 * A bare HTTP/1.1 client for API tests: exact methods, headers (or none: fetch always sends
 * Accept) and bodies, as the networking-bagpipe agent (httplib2), curl and scripts send them.
 */
import http from 'node:http';

/** API port → the address it listens on, for servers not on 127.0.0.1 (in-process daemons
 *  each bind their own 127.0.0.x). */
export const apiHosts = new Map<number, string>();

export interface HttpResult {
  status: number;
  contentType: string;
  text: string;
}

export function request(
  port: number,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/json' },
  host = apiHosts.get(port) ?? '127.0.0.1',
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, method, path, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** The agent's client: POST a JSON body with Accept and Content-Type application/json. */
export async function post(port: number, path: string, body: unknown, host = apiHosts.get(port) ?? '127.0.0.1'): Promise<HttpResult & { json: unknown }> {
  const r = await request(port, 'POST', path, typeof body === 'string' ? body : JSON.stringify(body), undefined, host);
  return { ...r, json: r.contentType.startsWith('application/json') && r.text ? (JSON.parse(r.text) as unknown) : undefined };
}

export async function getJson(port: number, path: string, host = apiHosts.get(port) ?? '127.0.0.1'): Promise<{ status: number; json: unknown }> {
  const r = await request(port, 'GET', path, undefined, { accept: 'application/json' }, host);
  return { status: r.status, json: r.text ? (JSON.parse(r.text) as unknown) : undefined };
}
