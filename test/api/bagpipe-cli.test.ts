/**
 * bagpipe-bgp's INI configuration and its two CLIs, as a host that switched from bagpipe-bgp
 * uses them: `bgpiped --config-file bgp.conf`, `bagpipe-rest-attach`, `bagpipe-looking-glass`
 * (real processes on 127.0.0.x), and the networking-bagpipe agent's bodies accepted unchanged.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { parseIni, settingsFromIni } from '../../src/config/bagpipe-ini.js';
import { testPort, waitUntil } from '../daemon/helpers.js';
import { post, request } from './http-client.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = (name: string) => join(root, `dist/src/cli/${name}.js`);
const dir = mkdtempSync(join(tmpdir(), 'bgpipe-bagpipe-cli-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

const ini = (text: string) => settingsFromIni(parseIni(text, 'bgp.conf'), 'bgp.conf');

describe('bagpipe-bgp INI (reference §2)', () => {
  it('reads the test-namespace config: iBGP peers connected and accepted, families, API, RTC', () => {
    const s = ini('[bgp]\nlocal_address=127.0.0.1\npeers=10.99.0.1, 10.99.0.2\nmy_as=4200000000\nenable_rtc=False\nbgp_port=1179\n[API]\napi_host=127.0.0.2\napi_port=9999\n[DATAPLANE_DRIVER_EVPN]\ndataplane_driver=dummy\n');
    assert.equal(s.server.localAs, 4200000000);
    assert.deepEqual(s.server.neighbors.map((n) => [n.session.peerAddress, n.session.peerAs, n.session.passive, n.session.peerPort]), [
      ['10.99.0.1', 4200000000, false, 1179],
      ['10.99.0.2', 4200000000, false, 1179],
    ]);
    assert.deepEqual(s.server.neighbors[0]!.session.families, [0x1946, 0x180]);
    assert.deepEqual(s.api, { host: '127.0.0.2', port: 9999 });
    assert.equal(s.vpn?.enableRtc, false);
    assert.match(s.warnings.join('\n'), /deprecated/);
    assert.equal(ini('[BGP]\nlocal_address=127.0.0.1\nmy_as=1\n[API]\nhost=127.0.0.3\nport=8083\n').api?.port, 8083);
  });

  it('names the key of every error', () => {
    assert.throws(() => ini('[BGP]\nmy_as=64512\n'), /bgp\.conf: \[BGP\] local_address: required/);
    assert.throws(() => ini('[BGP]\nlocal_address=127.0.0.1\n'), /\[BGP\] my_as: required/);
    assert.throws(() => ini('[BGP]\nlocal_address=127.0.0.1\nmy_as=0\n'), /\[BGP\] my_as: expected an integer 1\.\.4294967295, got "0"/);
    assert.throws(() => ini('[BGP]\nlocal_address=nosuchif0\nmy_as=1\n'), /\[BGP\] local_address: interface nosuchif0 does not exist/);
    assert.throws(() => ini('[BGP]\nlocal_address=127.0.0.1\nmy_as=1\nenable_rtc=maybe\n'), /\[BGP\] enable_rtc: expected True or False/);
    assert.throws(() => ini('[BGP]\nlocal_address=127.0.0.1\nmy_as=1\npeers=rr1\n'), /\[BGP\] peers: expected IPv4 addresses/);
  });
});

describe('bgpiped --config-file with the bagpipe CLIs', { timeout: 60_000 }, () => {
  it('attaches with bagpipe-rest-attach, shows it with bagpipe-looking-glass, accepts the agent bodies', async () => {
    const apiPort = testPort();
    const conf = join(dir, 'bgp.conf');
    writeFileSync(conf, `[BGP]\nlocal_address=127.0.0.91\nmy_as=64512\nbgp_port=${testPort()}\n[API]\nhost=127.0.0.91\nport=${apiPort}\n`);
    const d = spawn(process.execPath, [cli('bgpiped'), '--config-file', conf, '--state-dir', join(dir, 'state'), '-l', 'warn'], { stdio: 'ignore' });
    children.push(d);
    await waitUntil('API', async () => (await request(apiPort, 'GET', '/ping', undefined, {}, '127.0.0.91').catch(() => ({ status: 0 }))).status === 200);
    const api = ['--api-host', '127.0.0.91', '--api-port', String(apiPort)];
    const a = await run(process.execPath, [cli('bagpipe-rest-attach'), '--attach', '--network-type', 'evpn', '--port', 'tap9', '--mac', '52:54:00:00:09:01', '--ip', '10.9.0.1', ...api]);
    assert.match(a.stdout, /using 10\.9\.0\.254 as gateway address/);
    assert.match(a.stdout, /"import_rt":\["64512:513"\]/);
    assert.match(a.stdout, /response: 200 null/);
    const lg = await run(process.execPath, [cli('bagpipe-looking-glass'), '--server', '127.0.0.91', '--port', String(apiPort), 'vpns', 'instances']);
    assert.match(lg.stdout, /\* evpn-bagpipe-test \(\.\.\.\)/);
    const nope = await run(process.execPath, [cli('bagpipe-looking-glass'), '--server', '127.0.0.91', '--port', String(apiPort), 'nope']);
    assert.match(nope.stdout, /^No such looking glass path: nope/);
    const bad = await run(process.execPath, [cli('bagpipe-rest-attach'), '--detach', '--network-type', 'evpn', '--port', 'tap9', '--mac', '52:54:00:00:09:02', '--ip', '10.9.0.1', ...api]).catch((e: { stdout: string; code: number }) => e);
    assert.equal((bad as { code: number }).code, 1);

    // The networking-bagpipe agent's bodies (agent/bgpvpn/agent_extension.py, linuxbridge): sets
    // serialised as lists, null local_pref, the tap name, a vni from the network.
    const evpnBody = {
      mac_address: 'fa:16:3e:11:22:33',
      local_port: { linuxif: 'tap1234abcd-ef' },
      gateway_ip: '10.0.0.1',
      linuxbr: 'brq1234abcd-ef',
      vni: 1001,
      description: { port: '1234abcd-ef00' },
      ip_address: '10.0.0.5',
      instance_description: 'BGPVPN evpn associations for net n1 (10.0.0.1)',
      import_rt: ['64512:100'],
      export_rt: ['64512:100'],
      vpn_instance_id: 'evpn_n1',
      vpn_type: 'evpn',
    };
    assert.equal((await post(apiPort, '/attach_localport', evpnBody, '127.0.0.91')).status, 200);
    const ipvpnBody = {
      mac_address: 'fa:16:3e:11:22:33',
      local_port: { evpn: { id: 'evpn_n1' } },
      gateway_ip: '10.0.0.1',
      local_pref: null,
      description: { port: '1234abcd-ef00' },
      ip_address: '10.0.0.5',
      instance_description: 'BGPVPN ipvpn associations for net n1 (10.0.0.1)',
      import_rt: ['64512:200'],
      export_rt: ['64512:200'],
      vpn_instance_id: 'ipvpn_n1',
      vpn_type: 'ipvpn',
    };
    assert.equal((await post(apiPort, '/attach_localport', ipvpnBody, '127.0.0.91')).status, 200);
    const evi = await request(apiPort, 'GET', '/looking-glass/vpns/instances/evpn_n1', undefined, { accept: 'application/json' }, '127.0.0.91');
    assert.match(JSON.parse(evi.text).gateway_port.interface, /'evpn\d+-ipvpn\d+'/);
    for (const body of [ipvpnBody, evpnBody]) {
      const { import_rt: _i, export_rt: _e, ...detach } = body;
      assert.equal((await post(apiPort, '/detach_localport', detach, '127.0.0.91')).status, 200);
    }
    d.kill('SIGTERM');
    await waitUntil('exit', () => d.exitCode !== null);
    assert.equal(d.exitCode, 0);
  });
});
