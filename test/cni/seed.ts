/**
 * The seed README's /etc/cni/net.d/10-mynet.conf as written (bagpipe-cni-README.md "Example
 * configuration"): the tests, and the demo, give it to the plugin with only a name of their own.
 */
export const SEED_CONF = {
  name: 'mynet',
  type: 'bagpipe',
  importrt: '64512:90',
  exportrt: '64512:90',
  isGateway: false,
  ipMasq: false,
  mtu: '1500',
  ipam: { type: 'host-local', subnet: '10.1.2.0/24', routes: [{ dst: '0.0.0.0/0' }] },
} as const;
