/**
 * `[DATAPLANE_DRIVER_EVPN]` / `[DATAPLANE_DRIVER_IPVPN]` in the TOML (bagpipe-bgp's INI sections,
 * same keys, docs/CONFIG.md): defaults, values, the daemon settings they become, and errors that
 * name the key. The INI reads the same keys (reconcile_interval included).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/config/load.js';
import { parseIni, settingsFromIni } from '../../src/config/bagpipe-ini.js';
import { settingsFromConfig } from '../../src/daemon/settings-from-config.js';
import { errorOf, MINIMAL } from './fixtures.js';


test('without the sections: dummy drivers, VXLAN port 4789, reconcile every 60 s', () => {
  const c = parseConfigText(MINIMAL, 'x.toml');
  const d = { driver: 'dummy', localAddress: undefined, vxlanDstPort: 4789, reconcileInterval: 60 };
  assert.deepEqual(c.dataplane, { evpn: d, ipvpn: d });
  assert.equal(settingsFromConfig(c).vpn?.evpnDriver, 'dummy');
});

test('the sections as bagpipe-bgp writes them select the Linux drivers and reach the VPN settings', () => {
  const c = parseConfigText(
    `${MINIMAL}
[DATAPLANE_DRIVER_EVPN]
dataplane_driver = "linux_vxlan.LinuxVXLANDataplaneDriver"
dataplane_local_address = "10.99.0.21"
vxlan_dst_port = 4790
reconcile_interval = 5
[DATAPLANE_DRIVER_IPVPN]
dataplane_driver = "linux"
reconcile_interval = 0
`,
    'x.toml',
  );
  assert.deepEqual(c.dataplane.evpn, { driver: 'linux', localAddress: '10.99.0.21', vxlanDstPort: 4790, reconcileInterval: 5 });
  assert.deepEqual(c.dataplane.ipvpn, { driver: 'linux', localAddress: undefined, vxlanDstPort: 4789, reconcileInterval: 0 });
  const vpn = settingsFromConfig(c).vpn!;
  assert.deepEqual(
    [vpn.evpnDriver, vpn.ipvpnDriver, vpn.evpnLocalAddress, vpn.evpnVxlanDstPort, vpn.evpnReconcileInterval, vpn.ipvpnReconcileInterval],
    ['linux', 'linux', '10.99.0.21', 4790, 5, 0],
  );
});

test('bad keys and values in the driver sections are errors naming the key', () => {
  const cases: Array<[string, RegExp]> = [
    ['[DATAPLANE_DRIVER_EVPN]\ndataplane_driver = "ovs"', /bgpiped\.toml: DATAPLANE_DRIVER_EVPN\.dataplane_driver: expected "dummy" or .*"linux".*, got "ovs"/],
    // bagpipe-bgp's MPLS name is accepted for IP VPN only (bgpipe's IP VPN driver is VXLAN).
    ['[DATAPLANE_DRIVER_EVPN]\ndataplane_driver = "mpls_linux_dataplane.MPLSLinuxDataplaneDriver"', /DATAPLANE_DRIVER_EVPN\.dataplane_driver: expected/],
    ['[DATAPLANE_DRIVER_IPVPN]\ndataplane_local_address = "eth0"', /DATAPLANE_DRIVER_IPVPN\.dataplane_local_address: expected an IPv4 address, got "eth0"/],
    ['[DATAPLANE_DRIVER_IPVPN]\nvxlan_dst_port = 0', /DATAPLANE_DRIVER_IPVPN\.vxlan_dst_port: expected an integer 1\.\.65535, got 0/],
    ['[DATAPLANE_DRIVER_EVPN]\nreconcile_interval = "1m"', /DATAPLANE_DRIVER_EVPN\.reconcile_interval: expected a number of seconds 0\.\.86400, got "1m"/],
    ['[DATAPLANE_DRIVER_EVPN]\ndataplane-driver = "linux"', /DATAPLANE_DRIVER_EVPN\.dataplane-driver: unknown key \(did you mean "dataplane_driver"\?\)/],
    ['[DATAPLANE_DRIVER_EVPN]\nmtu = 1400', /DATAPLANE_DRIVER_EVPN\.mtu: unknown key \(known: dataplane_driver, dataplane_local_address, vxlan_dst_port, reconcile_interval\)/],
  ];
  for (const [section, re] of cases) assert.match(errorOf(`${MINIMAL}\n${section}\n`), re, section);
});

test('the INI takes reconcile_interval too, and names it when it is bad', () => {
  const base = '[BGP]\nlocal_address=10.99.0.11\nmy_as=64512\n';
  const s = settingsFromIni(parseIni(`${base}[DATAPLANE_DRIVER_EVPN]\ndataplane_driver=linux\nreconcile_interval=7\n`, 'bgp.conf'), 'bgp.conf');
  assert.deepEqual([s.vpn?.evpnDriver, s.vpn?.evpnReconcileInterval, s.vpn?.ipvpnReconcileInterval], ['linux', 7, 60]);
  assert.throws(
    () => settingsFromIni(parseIni(`${base}[DATAPLANE_DRIVER_IPVPN]\nreconcile_interval=soon\n`, 'bgp.conf'), 'bgp.conf'),
    /\[DATAPLANE_DRIVER_IPVPN\] reconcile_interval: expected an integer 0\.\.86400, got "soon"/,
  );
});
