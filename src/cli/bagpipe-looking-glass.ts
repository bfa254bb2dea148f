#!/usr/bin/env node
/**
 * bagpipe-looking-glass, as bagpipe-bgp ships it (cli/looking_glass.py), working on Python-free
 * hosts: `bagpipe-looking-glass [--server IP] [--port P] [--prefix P] [-r] path to object`.
 * Same output: nested keys indented by two, `*` list items, `-` for an empty list, `(...)`
 * after an object that has an href (followed with -r), `No such looking glass path: …` on 404.
 */
import { parseArgs } from 'node:util';

const INDENT = 2;
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const USAGE = `usage: bagpipe-looking-glass [--server <ip>] [--port <port>] [--prefix <prefix>] [-r] path to object in looking-glass

e.g.: bagpipe-looking-glass vpns instances`;

async function fetchJson(url: string): Promise<{ status: number; body: Json | string }> {
  const r = await fetch(url, { headers: { accept: 'application/json' } });
  const text = await r.text();
  try {
    return { status: r.status, body: JSON.parse(text) as Json };
  } catch {
    return { status: r.status, body: text };
  }
}

async function print(data: Json, indent: number, recurse: boolean, url: string, out: string[], anewLine = false): Promise<void> {
  const w = (s: string) => out.push(s);
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
    const d = { ...data };
    let more = false;
    if ('id' in d && 'href' in d) {
      w(String(d.id));
      delete d.id;
    }
    if ('href' in d) {
      more = true;
      const target = String(d.href);
      if (recurse && target.startsWith(url)) {
        const r = await fetchJson(target);
        if (r.status === 200) {
          await print(r.body as Json, indent + INDENT, recurse, target, out, false);
          return;
        }
        w(` (ERROR ${r.status})`);
        return;
      }
      delete d.href;
      w(' (...)');
      anewLine = false;
    }
    const entries = Object.entries(d);
    if (entries.length > 0) {
      if (!anewLine) w('\n');
      let first = true;
      for (const [k, v] of entries) {
        if (!first || !anewLine) w(' '.repeat(indent));
        first = false;
        w(`${k}: `);
        await print(v, indent + INDENT, recurse, url, out);
      }
    } else w(more ? '\n' : '-\n');
  } else if (Array.isArray(data)) {
    if (data.length === 0) return void w('-\n');
    if (!anewLine) w('\n');
    for (const v of data) {
      w(`${' '.repeat(indent)}* `);
      if (v !== null && typeof v === 'object') await print(v, indent + INDENT, recurse, url, out, true);
      else w(`${pyStr(v)}\n`);
    }
  } else {
    let s = pyStr(data);
    if (typeof data === 'string' && data.includes('\n')) {
      s = data.replace(/^\n+|\n+$/g, '').replace(/\n/g, `\n${' '.repeat(indent)}`);
      w(`\n${' '.repeat(indent)}`);
    }
    w(`${s}\n`);
  }
}

/** Python's str() of a JSON scalar. */
function pyStr(v: Json): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  return String(v);
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        server: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '8082' },
        prefix: { type: 'string', default: 'looking-glass' },
        recurse: { type: 'boolean', short: 'r', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const o = parsed.values;
  if (o.help) {
    console.log(USAGE);
    return 0;
  }
  const quoted = parsed.positionals.map((a) => encodeURIComponent(a));
  let url = `http://${o.server}:${o.port}/${o.prefix}/${quoted.join('/')}`;
  let r;
  try {
    r = await fetchJson(url);
  } catch (err) {
    console.log(`No server at http://${o.server}:${o.port} : ${(err as Error).message}`);
    return 0;
  }
  if (r.status === 404) {
    console.log(`No such looking glass path: ${quoted.join(' ')}\n(${url})`);
    return 0;
  }
  if (r.status !== 200) {
    console.log(`Error code ${r.status}: ${typeof r.body === 'string' ? r.body : JSON.stringify(r.body)}`);
    return 0;
  }
  let data = r.body as Json;
  if (data !== null && typeof data === 'object' && !Array.isArray(data) && typeof data.href === 'string') {
    const bis = await fetchJson(data.href);
    if (bis.status === 200) {
      url = data.href;
      data = bis.body as Json;
    }
  }
  const out: string[] = [];
  await print(data, 0, o.recurse, url, out, true);
  process.stdout.write(out.join(''));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('bagpipe-looking-glass:', err);
    process.exit(1);
  },
);
