/**
 * Text rendering of the model's views for `bgpipe`, in the layout `gobgp neighbor` and
 * `gobgp global rib` use, so operators read it without thinking.
 */
import type { DestinationView, GlobalView, NeighborView, PathView } from '../api/model.js';

export function formatDuration(seconds: number | null): string {
  if (seconds === null) return 'never';
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const hms = [h, m, s].map((v) => String(v).padStart(2, '0')).join(':');
  return d > 0 ? `${d}d ${hms}` : hms;
}

function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

const SHORT_STATE: Record<string, string> = { Established: 'Establ', OpenConfirm: 'OpenConf', OpenSent: 'OpenSent' };

export function renderNeighbors(neighbors: readonly NeighborView[]): string {
  const rows = [['Peer', 'AS', 'Up/Down', 'State', '|#Received', 'Accepted']];
  for (const n of neighbors) {
    const received = n.prefixes.reduce((s, p) => s + p.received, 0);
    const accepted = n.prefixes.reduce((s, p) => s + p.accepted, 0);
    rows.push([
      n.address,
      n.peerAs === null ? '*' : String(n.peerAs),
      formatDuration(n.uptimeSeconds),
      n.adminDown ? 'Idle(Admin)' : (SHORT_STATE[n.state] ?? n.state),
      `|${received}`,
      String(accepted),
    ]);
  }
  return table(rows);
}

export function renderNeighbor(n: NeighborView): string {
  const lines = [
    `BGP neighbor is ${n.address}, remote AS ${n.peerAs ?? 'any'}${n.dynamic ? ' (dynamic)' : ''}`,
    `  Description: ${n.description}`,
    `  BGP version 4, remote router ID ${n.routerId ?? 'unknown'}`,
    `  BGP state = ${n.state}${n.adminDown ? ' (admin down)' : ''}, up for ${formatDuration(n.uptimeSeconds)}`,
    `  Local AS ${n.localAs}${n.routeReflectorClient ? ', route reflector client' : ''}${n.passive ? ', passive' : ''}`,
    `  Hold time ${n.holdTime ?? '-'}, keepalive interval ${n.keepaliveInterval ?? '-'} seconds`,
    `  Families: ${n.families.join(', ') || '-'}`,
  ];
  if (n.hostname) lines.push(`  Hostname: ${n.hostname}`);
  lines.push('  Prefixes:');
  for (const p of n.prefixes) lines.push(`    ${p.family}: received ${p.received}, accepted ${p.accepted}, advertised ${p.advertised}`);
  const kinds = new Set([...Object.keys(n.messages.received), ...Object.keys(n.messages.sent)]);
  lines.push('  Messages:          Sent       Rcvd');
  for (const k of kinds) {
    lines.push(`    ${k.padEnd(14)} ${String(n.messages.sent[k] ?? 0).padStart(8)}  ${String(n.messages.received[k] ?? 0).padStart(8)}`);
  }
  if (n.lastError) lines.push(`  Last down reason: ${n.lastError}`);
  return lines.join('\n');
}

function attrs(p: PathView): string {
  const parts = [`{Origin: ${p.origin}}`];
  if (p.med !== null) parts.push(`{Med: ${p.med}}`);
  if (p.localPref !== null) parts.push(`{LocalPref: ${p.localPref}}`);
  if (p.communities.length) parts.push(`{Communities: ${p.communities.join(', ')}}`);
  if (p.extendedCommunities.length) parts.push(`{Extcomms: ${p.extendedCommunities.join(', ')}}`);
  if (p.largeCommunities.length) parts.push(`{LargeCommunity: ${p.largeCommunities.map((c) => `[${c}]`).join(', ')}}`);
  if (p.originatorId) parts.push(`{Originator: ${p.originatorId}}`);
  if (p.clusterList.length) parts.push(`{ClusterList: [${p.clusterList.join(', ')}]}`);
  if (p.atomicAggregate) parts.push('{AtomicAggregate}');
  if (p.aggregator) parts.push(`{Aggregate: ${p.aggregator}}`);
  if (p.pmsiTunnel) parts.push(`{Pmsi: ${p.pmsiTunnel}}`);
  return `[${parts.join(' ')}]`;
}

export function renderRib(destinations: readonly DestinationView[]): string {
  if (destinations.length === 0) return 'Network not in table';
  // Like `gobgp global rib -a evpn|vpnv4`: a Labels column when the family carries labels.
  const withLabels = destinations.some((d) => d.paths.some((p) => p.labels.length > 0));
  const rows = [['   Network', ...(withLabels ? ['Labels'] : []), 'Next Hop', 'AS_PATH', 'Source', 'Attrs']];
  for (const d of destinations) {
    for (const p of d.paths) {
      const mark = p.best ? '*>' : p.multipath ? '*=' : '* ';
      const labels = withLabels ? [`[${p.labels.join(',')}]`] : [];
      rows.push([`${mark} ${d.prefix}`, ...labels, p.nextHop, p.asPath || '', p.source, attrs(p)]);
    }
  }
  return table(rows);
}

export function renderPaths(paths: readonly PathView[]): string {
  return renderRib(paths.map((p) => ({ prefix: p.prefix, paths: [p] })));
}

export function renderGlobal(g: GlobalView): string {
  return [
    `AS:        ${g.as}`,
    `Router-ID: ${g.routerId}`,
    `Listening Port: ${g.listenPort}, Addresses: ${g.listenAddresses.join(', ')}`,
    `Cluster-ID: ${g.clusterId}`,
    `Version: bgpipe ${g.version}, up ${formatDuration(g.uptimeSeconds)}`,
  ].join('\n');
}
