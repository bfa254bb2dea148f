/**
 * HTTP from inside a lab: a daemon's API listens on 127.0.0.1 of its namespace, which is not
 * the host's, so the request is a one-line fetch run by node inside the namespace.
 */
import type { Lab } from './netns.js';

export interface ApiResponse {
  status: number;
  body: string;
  /** body parsed as JSON, or undefined if it is not JSON. */
  json: unknown;
}

const FETCH_SCRIPT = [
  'const [url, method, headers, body] = process.argv.slice(1);',
  'const init = { method, headers: JSON.parse(headers) };',
  'if (body) init.body = body;',
  'fetch(url, init).then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() })))',
  '  .catch((e) => { process.stderr.write(String(e && e.cause ? e.cause : e)); process.exit(1); });',
].join('\n');

/** `method http://127.0.0.1:port/path` inside the lab; a body is sent as JSON. */
export async function labFetch(
  lab: Lab,
  port: number,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResponse> {
  const h = body !== undefined ? { 'content-type': 'application/json', ...headers } : headers;
  const args = ['-e', FETCH_SCRIPT, `http://127.0.0.1:${port}${path}`, method, JSON.stringify(h)];
  if (body !== undefined) args.push(JSON.stringify(body));
  const { stdout } = await lab.exec(process.execPath, args, { timeoutMs: 10_000 });
  const r = JSON.parse(stdout) as { status: number; body: string };
  let json: unknown;
  try {
    json = JSON.parse(r.body);
  } catch {
    json = undefined;
  }
  return { status: r.status, body: r.body, json };
}
