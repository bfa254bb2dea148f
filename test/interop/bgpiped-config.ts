/**
 * bgpiped TOML for interop tests: GoBGP's schema plus bgpipe's static routes, with short timers.
 */
export interface TestNeighbor {
  address: string;
  asn: number;
  passive?: boolean;
  localAddress?: string;
  routeReflectorClient?: boolean;
  clusterId?: string;
  families?: string[];
  /** Default 9 s (bagpipe-bgp needs more than 30: see lib/bagpipe.ts). */
  holdTime?: number;
  /** auth-password: TCP MD5 (RFC 2385). */
  password?: string;
  /** ttl-security (GTSM) with this ttl-min. */
  ttlMin?: number;
  /** `[neighbors.graceful-restart.config] enabled = true` with this restart-time. */
  gracefulRestartTime?: number;
}

export interface TestStatic {
  prefix: string;
  nextHop?: string;
  med?: number;
  localPref?: number;
  communities?: string[];
}

export interface TestConfig {
  asn: number;
  routerId: string;
  listen: string[];
  neighbors: TestNeighbor[];
  statics?: TestStatic[];
  apiPort?: number;
  multipath?: boolean;
}

export function bgpipedToml(c: TestConfig): string {
  const lines = [
    '[global.config]',
    `  as = ${c.asn}`,
    `  router-id = "${c.routerId}"`,
    '  port = 179',
    `  local-address-list = [${c.listen.map((a) => `"${a}"`).join(', ')}]`,
  ];
  if (c.multipath) lines.push('[global.use-multiple-paths.config]', '  enabled = true');
  for (const n of c.neighbors) {
    lines.push(
      '[[neighbors]]',
      '  [neighbors.config]',
      `    neighbor-address = "${n.address}"`,
      `    peer-as = ${n.asn}`,
      ...(n.password !== undefined ? [`    auth-password = "${n.password}"`] : []),
      ...(n.ttlMin !== undefined ? ['  [neighbors.ttl-security.config]', '    enabled = true', `    ttl-min = ${n.ttlMin}`] : []),
      '  [neighbors.timers.config]',
      `    hold-time = ${n.holdTime ?? 9}`,
      '    connect-retry = 1',
      '  [neighbors.transport.config]',
      `    passive-mode = ${n.passive === true}`,
    );
    if (n.localAddress) lines.push(`    local-address = "${n.localAddress}"`);
    if (n.gracefulRestartTime !== undefined) {
      lines.push('  [neighbors.graceful-restart.config]', '    enabled = true', `    restart-time = ${n.gracefulRestartTime}`);
    }
    if (n.routeReflectorClient) {
      lines.push('  [neighbors.route-reflector.config]', '    route-reflector-client = true');
      if (n.clusterId) lines.push(`    route-reflector-cluster-id = "${n.clusterId}"`);
    }
    for (const f of n.families ?? ['ipv4-unicast', 'ipv6-unicast']) {
      lines.push('  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]', `      afi-safi-name = "${f}"`);
    }
  }
  for (const s of c.statics ?? []) {
    lines.push('[[static-routes]]', `  prefix = "${s.prefix}"`);
    if (s.nextHop) lines.push(`  next-hop = "${s.nextHop}"`);
    if (s.med !== undefined) lines.push(`  med = ${s.med}`);
    if (s.localPref !== undefined) lines.push(`  local-pref = ${s.localPref}`);
    if (s.communities) lines.push(`  communities = [${s.communities.map((x) => `"${x}"`).join(', ')}]`);
  }
  lines.push('[api]', '  listen-address = "127.0.0.1"', `  port = ${c.apiPort ?? 8082}`);
  return lines.join('\n') + '\n';
}
