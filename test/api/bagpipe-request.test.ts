/**
 * bagpipe-bgp's REST API surface through the real HTTP server (reference §3.1–3.4): every field
 * of attach and detach, every error path (those bagpipe-bgp answers with 500 become 400 with a
 * message naming the field), the Accept-header error formats, 404/405/406, /ping.
 * The backend here only records what it is asked; VPN behaviour is proved in test/vpn.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HttpApi } from '../../src/api/http-server.js';
import { Metrics } from '../../src/api/metrics.js';
import type { BgpipeModel } from '../../src/api/model.js';
import { BagpipeRest, type BagpipeBackend } from '../../src/api/bagpipe/rest.js';
import { LookingGlassNotFound } from '../../src/api/bagpipe/lg-tree.js';
import { silentLogger } from '../../src/util/log.js';
import type { AttachRequest, DetachRequest, Json } from '../../src/vpn/types.js';
import { post, request } from './http-client.js';

const seen: (AttachRequest | DetachRequest)[] = [];
const backend: BagpipeBackend = {
  attach: async (r) => void seen.push(r),
  detach: async (r) => void seen.push(r),
  lookingGlass: (path: readonly string[], base: string): Json => {
    if (path[0] === 'nope') throw new LookingGlassNotFound(`'nope'`, base);
    return { path: [...path], base };
  },
};
const PING = '249256360317673412493039088197015798701';
const model = { global: () => ({}), neighbors: () => [] } as unknown as BgpipeModel;
const api = new HttpApi({ host: '127.0.0.1', port: 0, model, metrics: new Metrics(model), ping: PING, log: silentLogger(), bagpipe: new BagpipeRest(backend, PING) });
before(() => api.listen());
after(() => api.close());

const EVPN = {
  vpn_instance_id: 'net-a',
  vpn_type: 'evpn',
  mac_address: '52:54:00:99:00:01',
  ip_address: '10.99.10.1/24',
  gateway_ip: '10.99.10.254',
  local_port: { linuxif: 'tap-c1' },
  import_rt: ['64512:10'],
  export_rt: ['64512:10'],
};
const IPVPN = { ...EVPN, vpn_type: 'ipvpn', vpn_instance_id: 'vrf-a' };

function without(o: Record<string, unknown>, key: string): Record<string, unknown> {
  const c = { ...o };
  delete c[key];
  return c;
}

async function expect400(body: unknown, description: string, path = '/attach_localport'): Promise<void> {
  const before = seen.length;
  const r = await post(api.port, path, body);
  assert.equal(r.status, 400, `${JSON.stringify(body)} → ${r.text}`);
  assert.deepEqual(r.json, { code: 400, title: 'Bad Request', description });
  assert.equal(seen.length, before, 'a refused request reaches no backend');
}

describe('attach_localport: success and defaults', () => {
  it('answers 200 null and hands a typed request with bagpipe-bgp defaults', async () => {
    const r = await post(api.port, '/attach_localport', EVPN);
    assert.equal(r.status, 200);
    assert.equal(r.text, 'null');
    const req = seen.at(-1) as AttachRequest;
    assert.equal(req.vpnType, 'evpn');
    assert.equal(req.macAddress, '52:54:00:99:00:01');
    assert.deepEqual(req.ip, { address: '10.99.10.1', plen: 24, v6: false, text: '10.99.10.1/24' });
    assert.deepEqual(req.localPort, { linuxif: 'tap-c1', evpnId: undefined, raw: { linuxif: 'tap-c1' } });
    assert.equal(req.advertiseSubnet, false);
    assert.equal(req.direction, 'both');
    assert.equal(req.vni, 0);
    assert.equal(req.lbConsistentHashOrder, 0);
    assert.equal(req.localPref, undefined);
    assert.equal(req.readvertise, undefined);
    assert.equal(req.attractTraffic, undefined);
    assert.equal(req.description, null);
    assert.equal(req.instanceDescription, null);
  });

  it('takes local_port as a string, RTs as a comma string, drops duplicates and empty entries', async () => {
    await post(api.port, '/attach_localport', { ...EVPN, local_port: 'tap9', import_rt: '64512:1,,64512:2, 64512:1', export_rt: ['', '64512:3'] });
    const req = seen.at(-1) as AttachRequest;
    assert.deepEqual(req.localPort.raw, { linuxif: 'tap9' });
    assert.deepEqual(req.importRts.map((r) => r.text), ['64512:1', '64512:2']);
    assert.deepEqual(req.exportRts.map((r) => r.text), ['64512:3']);
  });

  it('accepts null/"" direction as both, a bare IP as /32, upper-case and dash MACs (normalised)', async () => {
    for (const direction of [null, '', 'both']) {
      await post(api.port, '/attach_localport', { ...EVPN, direction, ip_address: '10.0.0.1', mac_address: '52-54-00-AB-00-01' });
      const req = seen.at(-1) as AttachRequest;
      assert.equal(req.direction, 'both');
      assert.equal(req.ip?.text, '10.0.0.1/32');
      assert.equal(req.macAddress, '52:54:00:ab:00:01');
    }
  });

  it('takes every optional field with its type', async () => {
    await post(api.port, '/attach_localport', {
      ...EVPN,
      vni: 5000,
      linuxbr: 'brq-1',
      advertise_subnet: true,
      lb_consistent_hash_order: 7,
      local_pref: 200,
      fallback: { src_mac: 'aa:bb:cc:dd:ee:ff' },
      description: { port: 'p1' },
      instance_description: 'net a',
      readvertise: { from_rt: ['64512:20'], to_rt: ['64512:30'] },
      attract_traffic: { redirect_rts: [], to_rt: ['64512:30'], static_destination_prefixes: ['0.0.0.0/0'] },
      unknown_field: 'ignored',
    });
    const req = seen.at(-1) as AttachRequest;
    assert.equal(req.vni, 5000);
    assert.equal(req.linuxbr, 'brq-1');
    assert.equal(req.advertiseSubnet, true);
    assert.equal(req.lbConsistentHashOrder, 7);
    assert.equal(req.localPref, 200);
    assert.deepEqual(req.fallback, { src_mac: 'aa:bb:cc:dd:ee:ff' });
    assert.deepEqual(req.description, { port: 'p1' });
    assert.equal(req.instanceDescription, 'net a');
    assert.deepEqual(req.readvertise?.toRt.map((r) => r.text), ['64512:30']);
    assert.deepEqual(req.attractTraffic?.staticDestinationPrefixes, ['0.0.0.0/0']);
  });

  it('accepts IPv6 endpoints and the networking-bagpipe agent null vni / local_pref', async () => {
    await post(api.port, '/attach_localport', { ...EVPN, ip_address: '2001:DB8::1/64', vni: null, local_pref: null });
    const req = seen.at(-1) as AttachRequest;
    assert.deepEqual(req.ip, { address: '2001:db8::1', plen: 64, v6: true, text: '2001:db8::1/64' });
    assert.equal(req.vni, 0);
  });

  it('accepts a text/plain Content-Type with a JSON body (bagpipe-bgp never checks it)', async () => {
    const r = await request(api.port, 'POST', '/attach_localport', JSON.stringify(EVPN), { accept: 'application/json', 'content-type': 'text/plain' });
    assert.equal(r.status, 200);
  });
});

describe('attach_localport: every client mistake is a 400 naming the field', () => {
  const cases: [string, unknown, string][] = [
    ['empty body', '', 'No local port details received'],
    ['not JSON', '{nope', 'No local port details received'],
    ['a JSON list', '[]', 'API error: the request body must be a JSON object, got []'],
    ['a JSON string', '"x"', 'API error: the request body must be a JSON object, got "x"'],
    ['JSON null', 'null', 'API error: the request body must be a JSON object, got null'],
    ['no vpn_type', without(EVPN, 'vpn_type'), 'API error: missing instance_type'],
    ['vpn_type l2vpn', { ...EVPN, vpn_type: 'l2vpn' }, 'API error: unknown vpn_type: l2vpn'],
    ['vpn_type EVPN (case)', { ...EVPN, vpn_type: 'EVPN' }, 'API error: unknown vpn_type: EVPN'],
    ['no vpn_instance_id', without(EVPN, 'vpn_instance_id'), "API error: Missing parameter: 'vpn_instance_id'"],
    ['no mac_address', without(EVPN, 'mac_address'), "API error: Missing parameter: 'mac_address'"],
    ['no local_port', without(EVPN, 'local_port'), "API error: Missing parameter: 'local_port'"],
    ['no import_rt', without(EVPN, 'import_rt'), "API error: Missing parameter: 'import_rt'"],
    ['no export_rt', without(EVPN, 'export_rt'), "API error: Missing parameter: 'export_rt'"],
    ['ipvpn without ip_address', without(IPVPN, 'ip_address'), "API error: Missing parameter: 'ip_address'"],
    ['ipvpn without gateway_ip', without(IPVPN, 'gateway_ip'), "API error: Missing parameter: 'gateway_ip'"],
    ['required order: vpn_instance_id first', { vpn_type: 'evpn' }, "API error: Missing parameter: 'vpn_instance_id'"],
    ['vpn_instance_id a number', { ...EVPN, vpn_instance_id: 3 }, 'API error: vpn_instance_id must be a non-empty string, got 3'],
    ['local_port without linuxif or evpn', { ...EVPN, local_port: { ovs: {} } }, 'API error: Mandatory key is missing in local_port parameter (linuxif, or evpn)'],
    ['local_port a list', { ...EVPN, local_port: [] }, 'API error: local_port must be an interface name or an object'],
    ['local_port evpn on an evpn', { ...EVPN, local_port: { evpn: { id: 'x' } } }, 'API error: local_port: an evpn instance can only be plugged into an ipvpn'],
    ['local_port evpn without id', { ...IPVPN, local_port: { evpn: {} } }, 'API error: local_port.evpn must be {"id": "<evpn vpn_instance_id>"}'],
    ['bad MAC', { ...EVPN, mac_address: 'zz:54:00:00:0f:01' }, 'API error: MAC address zz:54:00:00:0f:01 is not valid'],
    ['MAC as a number', { ...EVPN, mac_address: 1 }, 'API error: MAC address 1 is not valid'],
    ['MAC without separators', { ...EVPN, mac_address: '525400000f01' }, 'API error: MAC address 525400000f01 is not valid'],
    ['bad IP', { ...EVPN, ip_address: '10.0.0.300' }, 'API error: IP address 10.0.0.300 is not valid'],
    ['bad IP with a prefix', { ...EVPN, ip_address: '10.0.0.300/24' }, 'API error: IP address 10.0.0.300/24 is not valid'],
    ['bad prefix length', { ...EVPN, ip_address: '10.0.0.1/33' }, 'API error: IP address 10.0.0.1/33 is not valid'],
    ['advertise_subnet a string', { ...EVPN, advertise_subnet: 'yes' }, "API error: 'advertise_subnet' must be a boolean"],
    ['advertise_subnet null', { ...EVPN, advertise_subnet: null }, "API error: 'advertise_subnet' must be a boolean"],
    ['malformed RT', { ...EVPN, import_rt: ['64512'] }, "API error: import_rt: malformed route target '64512'"],
    ['RT not a string', { ...EVPN, export_rt: [64512] }, 'API error: export_rt: malformed route target 64512'],
    ['RTs an object', { ...EVPN, import_rt: {} }, 'API error: import_rt must be a list of route targets ("ASN:NN") or a comma-separated string'],
    ['direction sideways', { ...EVPN, direction: 'sideways' }, 'API error: direction should be one of: both, to-port, from-port'],
    ['direction to-port', { ...EVPN, direction: 'to-port' }, 'API error: Unsupported direction: to-port'],
    ['direction from-port', { ...EVPN, direction: 'from-port' }, 'API error: Unsupported direction: from-port'],
    ['vni a string', { ...EVPN, vni: '5000' }, "API error: 'vni' must be an integer between 0 and 16777215, got '5000'"],
    ['vni too large', { ...EVPN, vni: 1 << 24 }, "API error: 'vni' must be an integer between 0 and 16777215, got 16777216"],
    ['local_pref negative', { ...EVPN, local_pref: -1 }, "API error: 'local_pref' must be an integer between 0 and 4294967295, got -1"],
    ['lb order a float', { ...EVPN, lb_consistent_hash_order: 1.5 }, "API error: 'lb_consistent_hash_order' must be an integer between 0 and 4294967295, got 1.5"],
    ['linuxbr a number', { ...EVPN, linuxbr: 3 }, "API error: 'linuxbr' must be a string, got 3"],
    ['gateway_ip not an IP', { ...EVPN, gateway_ip: 'gw' }, 'API error: IP address gw is not valid'],
    ['fallback a list', { ...EVPN, fallback: [] }, "API error: 'fallback' must be an object, got []"],
    ['readvertise without to_rt', { ...EVPN, readvertise: { from_rt: ['64512:1'] } }, "API error: readvertise: missing 'to_rt'"],
    ['readvertise without from_rt', { ...EVPN, readvertise: { to_rt: ['64512:1'] } }, "API error: readvertise: missing 'from_rt'"],
    ['readvertise RTs a string', { ...EVPN, readvertise: { from_rt: '64512:1', to_rt: ['64512:2'] } }, 'API error: readvertise.from_rt must be a list of route targets ("ASN:NN")'],
    ['attract_traffic without redirect_rts', { ...EVPN, attract_traffic: { classifier: {} } }, "API error: attract_traffic: missing 'redirect_rts'"],
    [
      'attract_traffic FlowSpec redirection',
      { ...IPVPN, readvertise: { from_rt: ['64512:1'], to_rt: ['64512:2'] }, attract_traffic: { redirect_rts: ['64512:9'], classifier: { protocol: 'tcp' } } },
      'API error: attract_traffic: FlowSpec traffic redirection (redirect_rts) is not supported by bgpipe',
    ],
    [
      'attract_traffic to_rt without prefixes',
      { ...IPVPN, attract_traffic: { redirect_rts: [], to_rt: ['64512:2'] } },
      "API error: 'attract_traffic/to_rt' specified without 'static_destination_prefixes'",
    ],
    [
      'attract_traffic two to_rt',
      { ...IPVPN, readvertise: { from_rt: ['64512:1'], to_rt: ['64512:2', '64512:3'] }, attract_traffic: { redirect_rts: [] } },
      "API error: attract_traffic requires exactly one RT to be provided in 'readvertise/to_rt' and 'attract_traffic/to_rt'",
    ],
  ];
  for (const [name, body, description] of cases) {
    it(name, () => expect400(body, description));
  }
});

describe('detach_localport', () => {
  it('needs no RTs, and ip_address only for ipvpn', async () => {
    const r = await post(api.port, '/detach_localport', without(without(EVPN, 'import_rt'), 'export_rt'));
    assert.equal(r.status, 200);
    assert.equal(r.text, 'null');
    await expect400(without(IPVPN, 'ip_address'), "API error: Missing parameter: 'ip_address'", '/detach_localport');
    await expect400(without(EVPN, 'local_port'), "API error: Missing parameter: 'local_port'", '/detach_localport');
    await expect400(without(EVPN, 'vpn_type'), 'API error: missing instance_type', '/detach_localport');
    await expect400('', 'No local port details received', '/detach_localport');
  });
});

describe('paths, methods and error formats (§3.1)', () => {
  it('GET / and GET on the action paths answer {}', async () => {
    for (const p of ['/', '/attach_localport', '/detach_localport', '/attach_localport/']) {
      const r = await request(api.port, 'GET', p);
      assert.equal(r.status, 200, p);
      assert.equal(r.text, '{}');
    }
  });

  it('answers 405 with an empty description to PUT/DELETE on actions and POST/PUT on /', async () => {
    for (const [m, p] of [['PUT', '/attach_localport'], ['DELETE', '/detach_localport'], ['POST', '/'], ['PUT', '/'], ['POST', '/looking-glass']]) {
      const r = await request(api.port, m!, p!);
      assert.equal(r.status, 405, `${m} ${p}`);
      assert.deepEqual(JSON.parse(r.text), { code: 405, title: 'Method Not Allowed', description: '' });
    }
    for (const m of ['PUT', 'DELETE']) {
      const r = await request(api.port, m, '/looking-glass/summary');
      assert.equal(r.status, 404);
      assert.deepEqual(JSON.parse(r.text), { code: 404, title: 'Not Found', description: '' });
    }
  });

  it('writes /ping as the exact integer digits, for any method, with .json and a trailing /', async () => {
    for (const [m, p] of [['GET', '/ping'], ['POST', '/ping'], ['GET', '/ping.json'], ['GET', '/ping/']]) {
      const r = await request(api.port, m!, p!);
      assert.equal(r.status, 200);
      assert.equal(r.text, PING);
    }
    assert.equal((await request(api.port, 'GET', '/ping.html')).status, 404);
    assert.equal((await request(api.port, 'GET', '/ping.txt')).status, 404);
  });

  it('formats errors from the Accept header: JSON, HTML for */*, text without Accept; 406 for text only', async () => {
    const json = await request(api.port, 'POST', '/attach_localport', '{}', { accept: 'application/json' });
    assert.equal(json.contentType, 'application/json');
    assert.equal(json.text, '{"code": 400, "title": "Bad Request", "description": "API error: missing instance_type"}');
    const html = await request(api.port, 'POST', '/attach_localport', JSON.stringify({ ...EVPN, import_rt: ["6'4"] }), { accept: '*/*' });
    assert.equal(html.status, 400);
    assert.equal(html.contentType, 'text/html; charset=UTF-8');
    assert.match(html.text, /<title>400 Bad Request<\/title>/);
    assert.match(html.text, /import_rt: malformed route target &#x27;6&#x27;4&#x27;/);
    const text = await request(api.port, 'POST', '/attach_localport', '{}', {});
    assert.equal(text.contentType, 'text/plain; charset=UTF-8');
    assert.match(text.text, /^400 Bad Request\n\nThe server could not comply/);
    assert.match(text.text, / API error: missing instance_type/);
    const before = seen.length;
    for (const accept of ['text/plain', 'text/html']) {
      const r = await request(api.port, 'POST', '/attach_localport', JSON.stringify(EVPN), { accept });
      assert.equal(r.status, 406, accept);
    }
    assert.equal(seen.length, before, '406 comes before the handler');
  });

  it('answers an unknown path 404 with description null', async () => {
    const r = await request(api.port, 'GET', '/nothing-here');
    assert.equal(r.status, 404);
    assert.deepEqual(JSON.parse(r.text), { code: 404, title: 'Not Found', description: null });
  });

  it('routes the looking glass with the Host header as href base and its 404 description', async () => {
    const r = await request(api.port, 'GET', '/looking-glass/vpns/instances', undefined, { accept: 'application/json', host: 'example:8082' });
    assert.deepEqual(JSON.parse(r.text), { path: ['vpns', 'instances'], base: 'http://example:8082/looking-glass' });
    const nope = await request(api.port, 'GET', '/looking-glass/nope');
    assert.equal(nope.status, 404);
    assert.equal(JSON.parse(nope.text).description, "No such looking glass object: 'nope' at http://127.0.0.1:" + api.port + '/looking-glass');
  });
});
