/**
 * ExaBGP 4.2 as an interop peer: `/usr/bin/python3 /usr/sbin/exabgp CONF`,
 * configured through `exabgp_*` environment variables (bind address, port,
 * pid file), with one API process: a small Python script written into the
 * daemon's dir that
 *   - forwards lines written to a FIFO (commands.fifo) to ExaBGP's API
 *     ("announce route …", "withdraw route …"),
 *   - appends ExaBGP's JSON messages (state, received updates) to received.jsonl,
 *   - appends the API's acks ("done"/"error") to acks.log, so every command
 *     the harness sends is confirmed or fails loudly.
 * routes() replays received.jsonl into the routes currently held per peer.
 *
 * Quirks seen here:
 * - Environment variable names with dots are not valid shell names: use the
 *   underscore form (exabgp_tcp_bind=…); node passes either.
 * - exabgp drops to user "nobody" unless exabgp_daemon_user=root, and then
 *   cannot write the harness's files.
 * - The API's CLI named pipes are not wanted: exabgp_api_cli=false.
 * - Its JSON says "exabgp": "4.0.1" (the JSON format version), not 4.2.
 * - No route reflection.
 * - RTC (RFC 4684): 4.2's config has no RTC family keyword and its API no RTC announcement, but a
 *   neighbour without a `family` block negotiates RTC among everything else. It then crashes on
 *   the first RTC NLRI it would report as JSON ("AttributeError: 'RTC' object has no attribute
 *   'json'", session dropped), so an RTC session reports no received updates: read what it was
 *   sent from the other side's Adj-RIB-Out.
 */
import { constants as fsConstants } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exitReason, LabDaemon, listenAddresses, makeDaemonDir, sourceAddressFor, spawnLabel, timers, waitReady } from './daemon.js';
import { readIfExists, run, type Lab } from './netns.js';
import type { LabProcess } from './process.js';
import {
  assertNoTransportSecurity,
  defaultFamilies,
  normalizeState,
  type Announcement,
  type BgpDaemon,
  type Family,
  type NeighborState,
  type PeerOptions,
  type Route,
} from './types.js';
import { waitFor } from './wait.js';

/** listenAddress: ExaBGP binds to all of them; the session source is the one of the peer's family, else the first. */
export type ExabgpOptions = PeerOptions;

const exaFamily: Record<Family, string> = {
  'ipv4-unicast': 'ipv4 unicast',
  'ipv6-unicast': 'ipv6 unicast',
  'l2vpn-evpn': 'l2vpn evpn',
  'l3vpn-ipv4-unicast': 'ipv4 mpls-vpn',
  // Only for reading its JSON: 4.2's config has no `ipv4 rtc` (see familyLines).
  rtc: 'ipv4 rtc',
};

/**
 * The `family { … }` block of a neighbour. ExaBGP 4.2's config knows no RTC family ("invalid
 * afi/safi pair ipv4/rtc", and `all;` is "invalid keyword"), but a neighbour without a family
 * block offers every NLRI it can decode, RTC (AFI 1/SAFI 132) included; the peer's families then
 * decide what the session carries.
 */
function rtcSession(families: Family[] | undefined): boolean {
  return families?.includes('rtc') === true;
}

function familyBlock(families: Family[]): string[] {
  if (rtcSession(families)) return [];
  return ['  family {', ...families.map((f) => `    ${exaFamily[f]};`), '  }'];
}

const familyFromExa = new Map<string, Family>(Object.entries(exaFamily).map(([k, v]) => [v, k as Family]));

const API_SCRIPT = `# Written by the bgpipe interop harness: ExaBGP API bridge.
import os, sys, threading
cmd_path, recv_path, ack_path = sys.argv[1:4]

def pump():
    # O_RDWR: the FIFO always has a writer, so reads never see EOF between commands.
    with os.fdopen(os.open(cmd_path, os.O_RDWR), 'r') as commands:
        for line in commands:
            line = line.strip()
            if line:
                sys.stdout.write(line + '\\n')
                sys.stdout.flush()

threading.Thread(target=pump, daemon=True).start()
with open(recv_path, 'a', buffering=1) as recv, open(ack_path, 'a', buffering=1) as ack:
    for line in sys.stdin:
        (recv if line.lstrip().startswith('{') else ack).write(line)
os._exit(0)  # exabgp went away: do not outlive it
`;

export function exabgpConfig(o: ExabgpOptions, apiRun: string): string {
  const listen = listenAddresses(o);
  const { hold } = timers(o);
  const lines = ['process harness {', `  run ${apiRun};`, '  encoder json;', '}'];
  for (const n of o.neighbors) {
    assertNoTransportSecurity(n);
    const local = sourceAddressFor(listen, n.address) ?? listen[0];
    lines.push(
      `neighbor ${n.address} {`,
      `  router-id ${o.routerId};`,
      `  local-address ${local ?? ''};`,
      `  local-as ${o.asn};`,
      `  peer-as ${n.asn};`,
      `  hold-time ${hold};`,
      ...(n.passive === true ? ['  passive true;'] : []),
      ...familyBlock(n.families ?? defaultFamilies),
      '  api {',
      '    processes [ harness ];',
      '    neighbor-changes;',
      // 4.2.21 cannot render an RTC NLRI as JSON: AttributeError: 'RTC' object has no attribute
      // 'json' (reactor/peer.py:429), and it drops the session. On RTC sessions it reports state only.
      ...(rtcSession(n.families) ? [] : ['    receive { parsed; update; }']),
      '  }',
      '}',
    );
  }
  return `${lines.join('\n')}\n`;
}

type ExaAsPath = number[] | (number | number[])[] | Record<string, { value?: number[] }>;

interface ExaAttributes {
  origin?: string;
  'as-path'?: ExaAsPath;
  med?: number;
  'local-preference'?: number;
  community?: [number, number][];
  'originator-id'?: string;
  'cluster-list'?: string[];
}

interface ExaNlri {
  nlri?: string;
  prefix?: string;
  string?: string;
}

interface ExaMessage {
  type?: string;
  neighbor?: {
    address?: { local?: string; peer?: string };
    state?: string;
    message?: {
      update?: {
        attribute?: ExaAttributes;
        announce?: Record<string, Record<string, ExaNlri[]>>;
        withdraw?: Record<string, ExaNlri[]>;
      };
    };
  };
}

function nlriKey(n: ExaNlri): string {
  return n.nlri ?? n.prefix ?? n.string ?? JSON.stringify(n);
}

function flattenAsPath(p: ExaAsPath | undefined): number[] {
  if (p === undefined) return [];
  if (Array.isArray(p)) return p.flat();
  return Object.values(p).flatMap((seg) => seg.value ?? []);
}

/** What exabgp holds from its peers, replayed from its JSON messages. */
export interface ExabgpReceived {
  routes: Map<Family, Route[]>;
  states: Map<string, string>;
}

export function replayExabgp(jsonl: string): ExabgpReceived {
  const table = new Map<string, Route & { family: Family }>();
  const states = new Map<string, string>();
  for (const line of jsonl.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    let msg: ExaMessage;
    try {
      msg = JSON.parse(line) as ExaMessage;
    } catch {
      continue; // a line being written right now
    }
    const peer = msg.neighbor?.address?.peer ?? '';
    if (msg.type === 'state' && msg.neighbor?.state !== undefined) {
      states.set(peer, msg.neighbor.state);
      if (msg.neighbor.state === 'down') {
        for (const [k, r] of table) if (r.from === peer) table.delete(k);
      }
      continue;
    }
    const update = msg.neighbor?.message?.update;
    if (msg.type !== 'update' || update === undefined) continue;
    for (const [fam, nlris] of Object.entries(update.withdraw ?? {})) {
      const family = familyFromExa.get(fam);
      if (family === undefined || !Array.isArray(nlris)) continue;
      for (const n of nlris) table.delete(`${peer}|${family}|${nlriKey(n)}`);
    }
    const a = update.attribute ?? {};
    for (const [fam, byNextHop] of Object.entries(update.announce ?? {})) {
      const family = familyFromExa.get(fam);
      if (family === undefined) continue;
      for (const [nextHop, nlris] of Object.entries(byNextHop)) {
        if (!Array.isArray(nlris)) continue;
        for (const n of nlris) {
          const prefix = nlriKey(n);
          const r: Route & { family: Family } = {
            family,
            prefix,
            nextHop,
            asPath: flattenAsPath(a['as-path']),
            communities: (a.community ?? []).map(([hi, lo]) => `${hi}:${lo}`),
            best: true,
            from: peer,
          };
          const origin = a.origin?.toLowerCase();
          if (origin === 'igp' || origin === 'egp' || origin === 'incomplete') r.origin = origin;
          if (a.med !== undefined) r.med = a.med;
          if (a['local-preference'] !== undefined) r.localPref = a['local-preference'];
          if (a['originator-id'] !== undefined) r.originatorId = a['originator-id'];
          if (a['cluster-list'] !== undefined) r.clusterList = a['cluster-list'];
          table.set(`${peer}|${family}|${prefix}`, r);
        }
      }
    }
  }
  const routes = new Map<Family, Route[]>();
  for (const { family, ...r } of table.values()) {
    const list = routes.get(family) ?? [];
    list.push(r);
    routes.set(family, list);
  }
  return { routes, states };
}

export class Exabgp extends LabDaemon implements BgpDaemon {
  readonly kind = 'exabgp' as const;

  constructor(
    lab: Lab,
    process: LabProcess,
    readonly dir: string,
    readonly configFile: string,
    readonly commandFifo: string,
    readonly receivedFile: string,
    readonly ackFile: string,
    outFile: string,
  ) {
    super(lab, process, 'exabgp', [outFile]);
  }

  /**
   * Send one API command and wait for ExaBGP's ack; an "error" ack throws.
   * e.g. "announce route 10.1.0.0/24 next-hop 10.99.0.3 med 10 community [65000:1]".
   */
  async send(command: string): Promise<void> {
    if (command.includes('\n')) throw new Error('one command per send()');
    const acksBefore = ackLines(await readIfExists(this.ackFile)).length;
    // O_NONBLOCK: fail (ENXIO) instead of blocking a libuv thread if the bridge is gone.
    const fh = await open(this.commandFifo, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
    try {
      await fh.write(`${command}\n`);
    } finally {
      await fh.close();
    }
    const acks = await waitFor(async () => ackLines(await readIfExists(this.ackFile)), {
      what: `${this.label} ack for "${command}"`,
      until: (l) => l.length > acksBefore,
      timeoutMs: 5000,
      intervalMs: 20,
      abortIf: () => exitReason(this.process),
      diagnostics: () => this.lab.dumpLogs(),
    });
    const ack = acks[acksBefore];
    if (ack !== 'done') throw new Error(`${this.label}: "${command}" answered "${ack ?? ''}"\n${await this.logs()}`);
  }

  /** `announce route P next-hop NH [med] [local-preference] [community [..]] [as-path [..]] [origin]`. */
  async addRoute(family: Family, prefix: string, attrs: Announcement = {}): Promise<void> {
    if (family !== 'ipv4-unicast' && family !== 'ipv6-unicast' && family !== 'l3vpn-ipv4-unicast') {
      throw new Error(`${this.label}: use send() for ${family} announcements`);
    }
    const words = ['announce', 'route', prefix, 'next-hop', attrs.nextHop ?? 'self'];
    if (attrs.med !== undefined) words.push('med', String(attrs.med));
    if (attrs.localPref !== undefined) words.push('local-preference', String(attrs.localPref));
    if (attrs.communities !== undefined && attrs.communities.length > 0) words.push('community', `[${attrs.communities.join(' ')}]`);
    if (attrs.asPath !== undefined && attrs.asPath.length > 0) words.push('as-path', `[${attrs.asPath.join(' ')}]`);
    if (attrs.origin !== undefined) words.push('origin', attrs.origin);
    await this.send(words.join(' '));
  }

  async deleteRoute(family: Family, prefix: string): Promise<void> {
    if (family !== 'ipv4-unicast' && family !== 'ipv6-unicast' && family !== 'l3vpn-ipv4-unicast') {
      throw new Error(`${this.label}: use send() for ${family} withdrawals`);
    }
    await this.send(`withdraw route ${prefix}`);
  }

  /** What ExaBGP *received* from its peers (it has no RIB of its own to show). */
  async routes(family: Family): Promise<Route[]> {
    return replayExabgp(await readIfExists(this.receivedFile)).routes.get(family) ?? [];
  }

  async neighborState(address: string): Promise<NeighborState> {
    const s = replayExabgp(await readIfExists(this.receivedFile)).states.get(address);
    if (s === 'up') return 'established';
    if (s === 'connected') return 'opensent';
    return s === undefined || s === 'down' ? 'idle' : normalizeState(s);
  }
}

function ackLines(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

export async function startExabgp(lab: Lab, opts: ExabgpOptions): Promise<Exabgp> {
  const dir = await makeDaemonDir(lab, 'exabgp');
  const configFile = join(dir, 'exabgp.conf');
  const script = join(dir, 'api.py');
  const fifo = join(dir, 'commands.fifo');
  const received = join(dir, 'received.jsonl');
  const acks = join(dir, 'acks.log');
  const outFile = join(dir, 'exabgp.out');
  await writeFile(script, API_SCRIPT);
  await run('mkfifo', [fifo]);
  await writeFile(configFile, exabgpConfig(opts, `/usr/bin/python3 ${script} ${fifo} ${received} ${acks}`));
  const listen = listenAddresses(opts);
  const proc = lab.spawn('/usr/bin/python3', ['/usr/sbin/exabgp', configFile], {
    stdoutFile: outFile,
    stderrFile: outFile,
    label: spawnLabel(opts),
    env: {
      exabgp_tcp_bind: listen.join(' '),
      exabgp_tcp_port: '179',
      exabgp_daemon_pid: join(dir, 'exabgp.pid'),
      exabgp_daemon_user: 'root',
      exabgp_daemon_daemonize: 'false',
      exabgp_api_cli: 'false',
      exabgp_api_ack: 'true',
      exabgp_log_destination: 'stdout',
      exabgp_log_level: 'INFO',
    },
  });
  const d = new Exabgp(lab, proc, dir, configFile, fifo, received, acks, outFile);
  // Ready when the API bridge holds the FIFO open for reading.
  await waitReady(lab, proc, `${d.label} API bridge`, async () => {
    const fh = await open(fifo, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
    await fh.close();
  });
  return d;
}
