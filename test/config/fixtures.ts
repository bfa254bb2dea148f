/** The seed configs from /work/shared/seeds with documentation addresses (RFC 5737) swapped in;
 *  everything else is as published. */
import assert from 'node:assert/strict';
import { ConfigError, parseConfigText } from '../../src/config/load.js';

/** The ConfigError message of a config that must not load. */
export function errorOf(text: string, source = 'bgpiped.toml'): string {
  try {
    parseConfigText(text, source);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.message;
  }
  assert.fail('config loaded but should not have');
}

/** bagpipe-bgp EVPN blog: GoBGP as route reflector for two bagpipe nodes. */
export const BLOG_RR = `
[global.config]
  as = 64512
  router-id = "192.0.2.30"

[[neighbors]]
[neighbors.config]
  neighbor-address = "192.0.2.10"
  peer-as = 64512
[neighbors.route-reflector.config]
  route-reflector-client = true
  route-reflector-cluster-id = "192.0.2.30"
[[neighbors.afi-safis]]
  afi-safi-name = "l2vpn-evpn"

[[neighbors]]
[neighbors.config]
  neighbor-address = "192.0.2.20"
  peer-as = 64512
[neighbors.route-reflector.config]
  route-reflector-client = true
  route-reflector-cluster-id = "192.0.2.30"
[[neighbors.afi-safis]]
  afi-safi-name = "l2vpn-evpn"
`;

/** docker-bgp-lb README: a peer group for every host of a /24, accepted dynamically. */
export const DOCKER_LB = `
[global.config]
  as = 64512
  router-id = "198.51.100.137"

[[peer-groups]]
  [peer-groups.config]
    peer-group-name = "bgp-lb"
    peer-as = 65534
  [[peer-groups.afi-safis]]
    [peer-groups.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
  [[peer-groups.afi-safis]]
    [peer-groups.afi-safis.config]
      afi-safi-name = "ipv4-flowspec"

[[dynamic-neighbors]]
  [dynamic-neighbors.config]
    prefix = "198.51.100.0/24"
    peer-group = "bgp-lb"
`;

export const MINIMAL = `
[global.config]
  as = 65000
  router-id = "192.0.2.1"
`;
