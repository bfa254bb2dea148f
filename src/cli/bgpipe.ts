#!/usr/bin/env node
/**
 * bgpipe: the operator's CLI. Talks to bgpiped's local HTTP API (127.0.0.1:8082 unless
 * --api or BGPIPE_API says otherwise); `-j` prints the API's JSON as is.
 *
 *   bgpipe [global]                       AS, router id, listeners
 *   bgpipe neighbor [ADDRESS]             sessions (summary, or one in detail)
 *   bgpipe rib [-a FAMILY]                Loc-RIB (ipv4, ipv6, or a GoBGP afi-safi-name)
 *   bgpipe neighbor ADDRESS adj-in|adj-out [-a FAMILY]
 */
import { parseArgs } from 'node:util';
import { renderGlobal, renderNeighbor, renderNeighbors, renderPaths, renderRib } from './render.js';
import type { DestinationView, GlobalView, NeighborView, PathView } from '../api/model.js';
import { familyName, parseFamily } from '../wire/family.js';

const USAGE = `usage: bgpipe [--api URL] [-j] <command>
  global                               daemon identity and listeners
  neighbor [ADDRESS]                   BGP sessions
  neighbor ADDRESS adj-in|adj-out [-a FAMILY]
  rib [-a FAMILY]                      routes (FAMILY: ipv4, ipv6, evpn, vpnv4, vpnv6, rtc, or ipv4-unicast ...)`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      api: { type: 'string', default: process.env.BGPIPE_API ?? 'http://127.0.0.1:8082' },
      json: { type: 'boolean', short: 'j', default: false },
      'address-family': { type: 'string', short: 'a', default: 'ipv4' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const family = parseFamily(values['address-family']!);
  if (family === undefined) {
    console.error(`bgpipe: -a: unknown address family "${values['address-family']}"`);
    return 2;
  }
  const api = values.api!.replace(/\/$/, '');
  const [command = 'global', ...rest] = positionals;
  const print = <T>(data: T, text: (d: T) => string) => console.log(values.json ? JSON.stringify(data, null, 2) : text(data));

  switch (command) {
    case 'global':
      print(await get<GlobalView>(api, '/bgpipe/v1/global'), renderGlobal);
      return 0;
    case 'neighbor':
    case 'neighbors': {
      const [address, table] = rest;
      if (!address) {
        print(await get<NeighborView[]>(api, '/bgpipe/v1/neighbors'), renderNeighbors);
      } else if (!table) {
        print(await get<NeighborView>(api, `/bgpipe/v1/neighbors/${encodeURIComponent(address)}`), renderNeighbor);
      } else if (table === 'adj-in' || table === 'adj-out') {
        const query = `neighbor=${encodeURIComponent(address)}&table=${table === 'adj-in' ? 'in' : 'out'}&family=${familyName(family)}`;
        print(await get<PathView[]>(api, `/bgpipe/v1/rib?${query}`), renderPaths);
      } else {
        console.error(`bgpipe: neighbor ${address}: unknown table "${table}" (adj-in or adj-out)`);
        return 2;
      }
      return 0;
    }
    case 'rib':
      print(await get<DestinationView[]>(api, `/bgpipe/v1/rib?family=${familyName(family)}`), renderRib);
      return 0;
    default:
      console.error(`bgpipe: unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}

async function get<T>(api: string, path: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(api + path);
  } catch (err) {
    throw new CliError(`cannot reach bgpiped at ${api}: ${(err as Error).cause ?? (err as Error).message}`);
  }
  const body = (await response.json()) as T & { description?: string };
  if (!response.ok) throw new CliError(`${response.status}: ${body.description ?? response.statusText}`);
  return body;
}

class CliError extends Error {}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`bgpipe: ${err instanceof CliError ? err.message : String(err)}`);
    process.exit(1);
  },
);
