/**
 * What bgpiped runs on when started without -f: a speaker that only talks to itself and to
 * daemons on the same host, so that `bgpiped` followed by `bgpipe neighbor` works out of the
 * box without exposing anything. It is kept as TOML, parsed like any file, so that it doubles
 * as an example of the format.
 */
import { parseConfigText } from './load.js';
import type { Config } from './types.js';

export const DEFAULT_CONFIG_TOML = `
[global.config]
  as = 64512                       # private ASN (RFC 6996)
  router-id = "127.0.0.1"
  port = 179
  local-address-list = ["127.0.0.1"]

# bgpipe extension: a peer group without peer-as accepts whatever AS the peer announces in its
# OPEN (GoBGP would require peer-as; FRR calls this remote-as external/internal).
[[peer-groups]]
  [peer-groups.config]
    peer-group-name = "loopback"
  [[peer-groups.afi-safis]]
    [peer-groups.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
  [[peer-groups.afi-safis]]
    [peer-groups.afi-safis.config]
      afi-safi-name = "ipv6-unicast"

[[dynamic-neighbors]]
  [dynamic-neighbors.config]
    prefix = "127.0.0.0/8"
    peer-group = "loopback"

# bgpipe extension: the local HTTP API (bagpipe-compatible REST, looking glass, /metrics).
[api]
  listen-address = "127.0.0.1"
  port = 8082
`;

export function defaultConfig(): Config {
  return parseConfigText(DEFAULT_CONFIG_TOML, '<defaults>');
}
