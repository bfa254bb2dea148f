/**
 * The daemons under test, each started in the benchmark's namespace with its own temp dir,
 * config, pid file and control socket (through the interop harness), listening passively on
 * 10.99.0.1 / fd00:99::1 with the tester and the monitor as eBGP neighbours.
 *
 * Per-daemon settings that matter for the figures:
 * - all: hold time 240 s, so a daemon busy for a few seconds does not drop a session;
 *   one family per session (the scenario's), the sessions over that family's addresses
 *   (IPv4 for l2vpn-evpn).
 * - BIRD: no EVPN in 2.0.12: the evpn scenario's row says so (not run, not a failure).
 * - BIRD: `multihop` (harness default: /32s on lo are not directly connected), import all,
 *   export all (the harness's export filter accepts everything).
 * - FRR: bgpd alone (-Z, no zebra: every next hop is reachable, no FIB),
 *   `no bgp ebgp-requires-policy`; EVPN with `address-family l2vpn evpn` + `neighbor X activate`
 *   only (it relays EVPN routes learned from one eBGP peer to another without
 *   `advertise-all-vni`, which needs zebra).
 * - gobgpd: defaults (accepts and exports everything). EVPN: gobgpd 3.10 re-advertises one route
 *   per UPDATE and its CPU per route grows with the table (5k routes 1.5 s, 20k 21 s; at 100k,
 *   ~50 routes/s after the first ~26k): use --gobgp-max-routes to keep the run short.
 * - EVPN next hop at the monitor: bgpiped and gobgpd put their own address (eBGP next-hop-self),
 *   FRR keeps the tester's (the VTEP), as FRR does for EVPN over eBGP.
 * - bgpiped: defaults, passive neighbours.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import {
  bgpipedScript,
  startBgpiped,
  startBird,
  startFrr,
  startGobgpd,
  type Family,
  type Lab,
  type LabProcess,
} from '../../test/interop/lib/index.js';
import { gitDescribe } from '../lib/run.js';
import { ADDR, AS, type ScenarioFamily } from './scenarios.js';

export type TargetName = 'bgpiped' | 'bird' | 'frr' | 'gobgpd';
export const TARGET_NAMES: TargetName[] = ['bgpiped', 'bird', 'frr', 'gobgpd'];

export interface Running {
  process: LabProcess;
  logs(): Promise<string>;
  stop(): Promise<void>;
}

export interface Target {
  name: TargetName;
  /** Why it cannot run here, or undefined. */
  missing(): string | undefined;
  version(): string;
  /** Why it cannot carry a family (the row says so instead of running), or undefined. */
  lacks?(family: ScenarioFamily): string | undefined;
  start(lab: Lab, family: ScenarioFamily): Promise<Running>;
}

const HOLD = 240;
const FRR_BGPD = '/usr/lib/frr/bgpd';

function inPath(bin: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const p = join(dir, bin);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** First line matching `re` in a command's stdout+stderr (BIRD prints its version on stderr). */
function versionOf(cmd: string, args: string[], re: RegExp): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  const text = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  return re.exec(text)?.[1] ?? (text.trim().split('\n')[0] || 'unknown');
}

function neighbors(family: ScenarioFamily): { address: string; asn: number; passive: boolean; families: Family[] }[] {
  const fam = family === 'ipv6-unicast' ? 'v6' : 'v4';
  const families: Family[] = [family];
  return [
    { address: ADDR.tester[fam], asn: AS.tester, passive: true, families },
    { address: ADDR.monitor[fam], asn: AS.monitor, passive: true, families },
  ];
}

function bgpipedToml(family: ScenarioFamily, apiPort: number): string {
  const lines = [
    '[global.config]',
    `  as = ${AS.target}`,
    `  router-id = "${ADDR.target.v4}"`,
    '  port = 179',
    `  local-address-list = ["${ADDR.target.v4}", "${ADDR.target.v6}"]`,
  ];
  for (const n of neighbors(family)) {
    lines.push(
      '[[neighbors]]',
      '  [neighbors.config]',
      `    neighbor-address = "${n.address}"`,
      `    peer-as = ${n.asn}`,
      '  [neighbors.timers.config]',
      `    hold-time = ${HOLD}`,
      '  [neighbors.transport.config]',
      '    passive-mode = true',
      `    local-address = "${family === 'ipv6-unicast' ? ADDR.target.v6 : ADDR.target.v4}"`,
      '  [[neighbors.afi-safis]]',
      '    [neighbors.afi-safis.config]',
      `      afi-safi-name = "${n.families[0]}"`,
    );
  }
  lines.push('[api]', '  listen-address = "127.0.0.1"', `  port = ${apiPort}`);
  return `${lines.join('\n')}\n`;
}

const daemonOpts = (family: ScenarioFamily) => ({
  routerId: ADDR.target.v4,
  asn: AS.target,
  listenAddress: [ADDR.target.v4, ADDR.target.v6],
  neighbors: neighbors(family),
  holdTime: HOLD,
});

export const TARGETS: Record<TargetName, Target> = {
  bgpiped: {
    name: 'bgpiped',
    missing: () => (existsSync(bgpipedScript) ? undefined : `${bgpipedScript} not found (run npx tsc -p tsconfig.json)`),
    version: () => `${versionOf(process.execPath, [bgpipedScript, '--version'], /bgpiped (\S+)/)} @ ${gitDescribe()}`,
    async start(lab, family) {
      const d = await startBgpiped(lab, { configToml: bgpipedToml(family, 18082), apiPort: 18082, label: 'bench' });
      return { process: d.process, logs: d.logs, stop: () => d.stop() };
    },
  },
  bird: {
    name: 'bird',
    missing: () => (inPath('bird') && inPath('birdc') ? undefined : 'bird/birdc not in PATH (apt-get install bird2)'),
    version: () => versionOf('bird', ['--version'], /BIRD version (\S+)/),
    lacks: (family) => (family === 'l2vpn-evpn' ? 'no EVPN in BIRD 2.0.12' : undefined),
    async start(lab, family) {
      const d = await startBird(lab, daemonOpts(family));
      return { process: d.process, logs: d.logs, stop: () => d.stop() };
    },
  },
  frr: {
    name: 'frr',
    missing: () => (existsSync(FRR_BGPD) && inPath('vtysh') ? undefined : `${FRR_BGPD} or vtysh missing (apt-get install frr)`),
    version: () => versionOf(FRR_BGPD, ['--version'], /bgpd version (\S+)/),
    async start(lab, family) {
      const d = await startFrr(lab, daemonOpts(family));
      return { process: d.process, logs: d.logs, stop: () => d.stop() };
    },
  },
  gobgpd: {
    name: 'gobgpd',
    missing: () => (inPath('gobgpd') && inPath('gobgp') ? undefined : 'gobgpd/gobgp not in PATH (apt-get install gobgpd)'),
    version: () => versionOf('gobgpd', ['--version'], /gobgpd version (\S+)/),
    async start(lab, family) {
      const d = await startGobgpd(lab, daemonOpts(family));
      return { process: d.process, logs: d.logs, stop: () => d.stop() };
    },
  },
};
