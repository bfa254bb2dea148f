/**
 * The CNI plugin's network configuration and result shapes (src/cni/config.ts, version.ts):
 * the seed's example as written, bgpipe's additions, and refusals that name the field with the
 * CNI spec's code.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseNetConf, readEnv, DEFAULT_API } from '../../src/cni/config.js';
import { CniError } from '../../src/cni/errors.js';
import { renderResult, parseResult, type CniResult } from '../../src/cni/version.js';
import { runCommand } from '../../src/cni/plugin.js';
import { SEED_CONF } from './seed.js';

const SEED = SEED_CONF;

function refusal(raw: Record<string, unknown>): CniError {
  try {
    parseNetConf(raw);
  } catch (e) {
    assert.ok(e instanceof CniError, String(e));
    return e;
  }
  assert.fail(`accepted ${JSON.stringify(raw)}`);
}

describe('CNI network configuration', () => {
  it('reads the seed example as written: string MTU, one RT each way, no cniVersion (0.1.0)', () => {
    const c = parseNetConf({ ...SEED });
    assert.equal(c.cniVersion, '0.1.0');
    assert.equal(c.name, 'mynet');
    assert.deepEqual([c.importRts, c.exportRts, c.mtu, c.isGateway, c.ipMasq, c.api, c.ipamType], [['64512:90'], ['64512:90'], 1500, false, false, DEFAULT_API, 'host-local']);
  });

  it('takes an MTU number, RT lists and comma strings, vni, gateway and the API URL', () => {
    const c = parseNetConf({ ...SEED, cniVersion: '1.0.0', mtu: 1400, importrt: ['64512:90', '10.0.0.1:7'], exportrt: '64512:90, 64512:91', vni: 5000, gateway: '10.1.2.254', api: 'http://127.0.0.1:9000/' });
    assert.deepEqual([c.mtu, c.importRts, c.exportRts, c.vni, c.gateway, c.api], [1400, ['64512:90', '10.0.0.1:7'], ['64512:90', '64512:91'], 5000, '10.1.2.254', 'http://127.0.0.1:9000']);
  });

  it('code 7 naming the field: missing importrt/exportrt, malformed RT, bad MTU, bad vni, no ipam', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...SEED, importrt: undefined }, /^importrt is required/],
      [{ ...SEED, exportrt: undefined }, /^exportrt is required/],
      [{ ...SEED, importrt: '64512' }, /^importrt: malformed route target "64512"/],
      [{ ...SEED, exportrt: ['64512:1', 'x:y'] }, /^exportrt: malformed route target "x:y"/],
      [{ ...SEED, importrt: 64512 }, /^importrt must be/],
      [{ ...SEED, mtu: 'big' }, /^mtu must be an integer/],
      [{ ...SEED, mtu: 20 }, /^mtu must be an integer/],
      [{ ...SEED, mtu: 1500.5 }, /^mtu must be an integer/],
      [{ ...SEED, vni: 1 << 24 }, /^vni must be/],
      [{ ...SEED, gateway: '10.1.2' }, /^gateway must be an IP address/],
      [{ ...SEED, isGateway: 'yes' }, /^isGateway must be true or false/],
      [{ ...SEED, api: 'ftp://x' }, /^api must be an http/],
      [{ ...SEED, ipam: undefined }, /^ipam is required/],
      [{ ...SEED, ipam: { subnet: '10.0.0.0/8' } }, /^ipam.type must name/],
      [{ ...SEED, name: '' }, /^name must be/],
    ];
    for (const [raw, msg] of cases) {
      const e = refusal(raw);
      assert.equal(e.code, 7, e.message);
      assert.match(e.message, msg);
    }
  });

  it('code 1 for a cniVersion it does not speak; code 4 for a missing CNI_* variable; code 6 for stdin that is not JSON', async () => {
    assert.equal(refusal({ ...SEED, cniVersion: '2.0.0' }).code, 1);
    assert.throws(() => readEnv({ CNI_COMMAND: 'ADD', CNI_IFNAME: 'eth0', CNI_PATH: '/usr/lib/cni', CNI_NETNS: '/run/netns/x' }, true), (e: CniError) => e.code === 4 && /CNI_CONTAINERID/.test(e.message));
    assert.throws(() => readEnv({ CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c', CNI_IFNAME: 'eth0', CNI_PATH: '/usr/lib/cni' }, true), (e: CniError) => e.code === 4 && /CNI_NETNS/.test(e.message));
    await assert.rejects(runCommand('ADD', '{not json', {}), (e: CniError) => e.code === 6);
    await assert.rejects(runCommand('STATUS', JSON.stringify({ ...SEED, cniVersion: '1.0.0' }), {}), (e: CniError) => e.code === 1);
    await assert.rejects(runCommand('FROB', JSON.stringify({ ...SEED, cniVersion: '1.0.0' }), {}), (e: CniError) => e.code === 4);
  });

  it('VERSION lists every version and answers in the one asked', async () => {
    assert.deepEqual(await runCommand('VERSION', '{"cniVersion":"1.0.0"}', {}), { cniVersion: '1.0.0', supportedVersions: ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] });
  });

  it('GC (1.1.0) needs cni.dev/valid-attachments (7 naming it) and bgpiped (11); STATUS (1.1.0) is 50 when bgpiped does not answer', async () => {
    const conf = { ...SEED, cniVersion: '1.1.0', api: 'http://127.0.0.1:1' };
    await assert.rejects(runCommand('GC', JSON.stringify(conf), {}), (e: CniError) => e.code === 7 && /cni\.dev\/valid-attachments must be a list/.test(e.message));
    const bad = { ...conf, 'cni.dev/valid-attachments': [{ containerID: 'a', ifname: 'eth0' }, { containerID: 'b' }] };
    await assert.rejects(runCommand('GC', JSON.stringify(bad), {}), (e: CniError) => e.code === 7 && /valid-attachments\[1\]/.test(e.message));
    const ok = { ...conf, 'cni.dev/valid-attachments': [] };
    await assert.rejects(runCommand('GC', JSON.stringify(ok), {}), (e: CniError) => e.code === 11 && /not reachable/.test(e.message));
    await assert.rejects(runCommand('STATUS', JSON.stringify(conf), {}), (e: CniError) => e.code === 50 && /not reachable/.test(e.message));
  });
});

describe('CNI results per version', () => {
  const r: CniResult = {
    interfaces: [{ name: 'bgp0123456789ab', mac: '02:00:00:00:00:01' }, { name: 'eth0', mac: '02:00:00:00:00:02', sandbox: '/run/netns/c', mtu: 1450 }],
    ips: [{ address: '10.1.2.2/24', gateway: '10.1.2.1', interface: 1 }],
    routes: [{ dst: '0.0.0.0/0' }],
    dns: {},
  };

  it('0.3.x and 0.4.0 carry ips[].version; 1.0.0 does not; 1.1.0 adds the interface MTU', () => {
    for (const v of ['0.3.0', '0.3.1', '0.4.0'] as const) assert.deepEqual((renderResult(r, v).ips as object[])[0], { version: '4', address: '10.1.2.2/24', gateway: '10.1.2.1', interface: 1 });
    assert.deepEqual((renderResult(r, '1.0.0').ips as object[])[0], { address: '10.1.2.2/24', gateway: '10.1.2.1', interface: 1 });
    assert.equal((renderResult(r, '1.0.0').interfaces as { mtu?: number }[])[1]!.mtu, undefined);
    assert.equal((renderResult(r, '1.1.0').interfaces as { mtu?: number }[])[1]!.mtu, 1450);
    assert.equal(renderResult(r, '1.1.0').cniVersion, '1.1.0');
  });

  it('0.1.0/0.2.0 are the legacy ip4 shape', () => {
    assert.deepEqual(renderResult(r, '0.2.0'), { cniVersion: '0.2.0', ip4: { ip: '10.1.2.2/24', gateway: '10.1.2.1', routes: [{ dst: '0.0.0.0/0' }] }, dns: {} });
  });

  it('reads a host-local 0.4.0 answer and its own results back', () => {
    const hl = { cniVersion: '0.4.0', ips: [{ version: '4', address: '10.1.2.2/24', gateway: '10.1.2.1' }], routes: [{ dst: '0.0.0.0/0' }], dns: {} };
    assert.deepEqual(parseResult(hl, 'ipam'), { interfaces: [], ips: [{ address: '10.1.2.2/24', gateway: '10.1.2.1' }], routes: [{ dst: '0.0.0.0/0' }], dns: {} });
    assert.deepEqual(parseResult(renderResult(r, '1.0.0'), 'prev').ips, r.ips);
    assert.throws(() => parseResult({ ips: [{ address: '10.1.2.2' }] }, 'ipam'), /no prefix length/);
  });
});
