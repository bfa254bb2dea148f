/** EVPN, VPN-IPv4/IPv6 and RTC NLRI, route distinguishers, ESIs and label fields, from
 *  hand-made values and malformed bytes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BgpError } from '../../src/wire/errors.js';
import { IPV4_VPN, IPV6_VPN, L2VPN_EVPN, RTC } from '../../src/wire/family.js';
import { decodeUpdate, encodeUpdates, encodeWithdrawals } from '../../src/wire/update.js';
import { nlriCodec } from '../../src/wire/nlri/registry.js';
import { evpnCodec, evpnRoute, EvpnRouteMaker, parseEvpn, type EvpnRoute, type EvpnRouteInput } from '../../src/wire/nlri/evpn.js';
import { formatEsi, makeEsi, parseEsi, esiType, writeEsi, ZERO_ESI } from '../../src/wire/nlri/esi.js';
import { parseRd, rdType, readRd, writeRd } from '../../src/wire/nlri/rd.js';
import { isBottomOfStack, mplsLabelField, mplsLabelOf, vniField, vniOf } from '../../src/wire/nlri/labels.js';
import { ipv4VpnCodec, ipv6VpnCodec, unicastPrefix, vpnPrefix, type VpnPrefix } from '../../src/wire/nlri/vpn.js';
import { parsePrefix } from '../../src/wire/nlri/prefix.js';
import { RTC_DEFAULT, rtcCodec, rtcMatches, rtcRoute, parseRtc, formatRtc, type RtcRoute } from '../../src/wire/nlri/rtc.js';
import { routeTarget } from '../../src/wire/attributes/ext-communities.js';
import type { Nlri, NlriCodec } from '../../src/wire/nlri/types.js';
import { AS_PATH_65001, attr, bodyOf, hex, IBGP4, ORIGIN_IGP, updateBody } from './helpers.js';

function wire<T extends Nlri>(codec: NlriCodec<T>, nlri: T): Buffer {
  const buf = Buffer.alloc(codec.encodedLength(nlri));
  assert.equal(codec.encode(nlri, buf, 0), buf.length);
  return buf;
}

function roundTrip<T extends Nlri>(codec: NlriCodec<T>, nlri: T): T {
  const buf = wire(codec, nlri);
  const [again, ...rest] = codec.decode(buf, 0, buf.length);
  assert.deepEqual(rest, []);
  assert.deepEqual(again, nlri);
  assert.equal(codec.parse(codec.format(nlri)).key, nlri.key, codec.format(nlri));
  return again!;
}

function invalidNlri(fn: () => unknown, subcode = 10): void {
  assert.throws(fn, (e: unknown) => e instanceof BgpError && e.code === 3 && e.subcode === subcode);
}

// ===== route distinguishers =====

test('route distinguishers of types 0, 1 and 2 read back as written', () => {
  for (const [text, type, hexed] of [
    ['65000:100', 0, '0000fde800000064'],
    ['192.0.2.1:5', 1, '0001c00002010005'],
    ['4200000000:7', 2, '0002fa56ea000007'],
    ['0.100:7', 2, '0002000000640007'],
  ] as const) {
    const buf = Buffer.alloc(8);
    writeRd(text, buf, 0);
    assert.equal(buf.toString('hex'), hexed, text);
    assert.equal(readRd(buf, 0), text);
    assert.equal(rdType(text), type);
  }
  assert.equal(parseRd('64086.59904:7'), '4200000000:7', 'gobgp asdot');
  assert.equal(readRd(hex('0003 000000000001'), 0), '0x0003000000000001', 'unknown type kept');
  assert.equal(parseRd('0x0003000000000001'), '0x0003000000000001');
  for (const bad of ['65000', '65000:4294967296', '192.0.2.1:65536', '4200000000:65536', 'a:1', '', '1.2.3:4']) assert.throws(() => parseRd(bad), /route distinguisher/, bad);
});

test('RDs written again come from writeRd\'s cache with the same octets, also past its size; bad ones are refused each time', () => {
  const octets = (text: string) => {
    const buf = Buffer.alloc(10, 0xee);
    assert.equal(writeRd(text, buf, 1), 9);
    assert.equal(buf[0], 0xee);
    assert.equal(buf[9], 0xee);
    return buf.toString('hex', 1, 9);
  };
  const texts = Array.from({ length: 5000 }, (_, i) => (i % 2 ? `${i}:${i * 7}` : `10.0.${i >> 8}.${i & 255}:${i}`));
  const first = texts.map(octets);
  assert.deepEqual(texts.map(octets), first);
  assert.deepEqual(texts.slice(0, 100).map(octets), first.slice(0, 100));
  assert.equal(first[1], '00000001' + '00000007');
  assert.equal(first[2], '00010a000002' + '0002');
  for (let i = 0; i < 2; i++) assert.throws(() => writeRd('65000:4294967296', Buffer.alloc(8), 0), /invalid route distinguisher "65000:4294967296"/);
});

// ===== labels =====

test('MPLS label fields carry the bottom-of-stack bit; a VNI is the whole 24-bit field', () => {
  assert.equal(mplsLabelField(100, true), 0x000641);
  assert.equal(mplsLabelOf(0x000641), 100);
  assert.ok(isBottomOfStack(0x000641));
  assert.equal(vniOf(vniField(0xffffff)), 0xffffff);
  assert.throws(() => mplsLabelField(0x100000, true));
  assert.throws(() => vniField(0x1000000));
});

// ===== EVPN =====

const RD = '65000:1';
const ESIS = [
  ZERO_ESI,
  makeEsi({ type: 0, value: hex('112233445566778899') }),
  makeEsi({ type: 1, mac: 'aa:bb:cc:dd:ee:01', portKey: 1 }),
  makeEsi({ type: 2, mac: 'aa:bb:cc:dd:ee:06', priority: 32768 }),
  makeEsi({ type: 3, mac: 'aa:bb:cc:dd:ee:03', discriminator: 0xabcdef }),
  makeEsi({ type: 4, routerId: '10.99.0.1', discriminator: 7 }),
  makeEsi({ type: 5, asn: 4200000000, discriminator: 5 }),
];

test('the zero ESI overwrites whatever the buffer held', () => {
  const buf = Buffer.alloc(12, 0xee);
  assert.equal(writeEsi(ZERO_ESI, buf, 1), 11);
  assert.equal(buf.toString('hex'), 'ee' + '00'.repeat(10) + 'ee');
});

test('ESI types 0 to 5 read back from their canonical and gobgp texts', () => {
  assert.deepEqual(ESIS.map(esiType), [0, 0, 1, 2, 3, 4, 5]);
  assert.equal(ESIS[2], '01:aa:bb:cc:dd:ee:01:00:01:00');
  assert.equal(ESIS[4], '03:aa:bb:cc:dd:ee:03:ab:cd:ef');
  for (const esi of ESIS) {
    assert.equal(parseEsi(esi), esi);
    assert.equal(parseEsi(formatEsi(esi)), esi, formatEsi(esi));
  }
  assert.equal(formatEsi(ZERO_ESI), 'single-homed');
  assert.equal(formatEsi('09:00:00:00:00:00:00:00:00:01'), 'ESI_TYPE_9 | 00:00:00:00:00:00:00:00:01');
  assert.equal(parseEsi('ESI_TYPE_9 | 00:00:00:00:00:00:00:00:01'), '09:00:00:00:00:00:00:00:00:01');
  assert.throws(() => parseEsi('01:02'), /ESI/);
  assert.throws(() => makeEsi({ type: 1, mac: 'aa:bb', portKey: 1 }), /ESI/);
});

const ROUTES: EvpnRouteInput[] = [
  { routeType: 1, rd: RD, esi: ESIS[2], ethernetTag: 0, labels: [200] },
  { routeType: 1, rd: '192.0.2.1:5', esi: ESIS[6], ethernetTag: 0xffffffff, labels: [mplsLabelField(16, true)] },
  { routeType: 2, rd: RD, ethernetTag: 0, mac: 'aa:bb:cc:dd:ee:ff', ip: '10.0.0.1', labels: [100] },
  { routeType: 2, rd: RD, esi: ESIS[3], ethernetTag: 10, mac: 'aa:bb:cc:dd:ee:02', labels: [101, 102] },
  { routeType: 2, rd: '4200000000:7', esi: ESIS[5], ethernetTag: 0, mac: 'aa:bb:cc:dd:ee:04', ip: '2001:db8::4', labels: [0xffffff] },
  { routeType: 3, rd: RD, ethernetTag: 0, ip: '10.99.0.1' },
  { routeType: 3, rd: RD, ethernetTag: 7, ip: '2001:db8::1' },
  { routeType: 4, rd: '10.99.0.1:1', esi: ESIS[1], ip: '10.99.0.1' },
  { routeType: 4, rd: RD, esi: ESIS[4], ip: '2001:db8::1' },
  { routeType: 5, rd: RD, esi: ESIS[6], ethernetTag: 0, prefix: '10.20.0.0/24', gateway: '10.99.0.1', labels: [5000] },
  { routeType: 5, rd: RD, ethernetTag: 0, prefix: '2001:db8:20::/64', labels: [5000] },
  { routeType: 5, rd: RD, ethernetTag: 1, prefix: '0.0.0.0/0' },
  { routeType: 42, value: hex('0102030405') },
];

test('every EVPN route type round-trips through wire and text, with every ESI type', () => {
  for (const input of ROUTES) roundTrip(evpnCodec, evpnRoute(input));
  for (const esi of ESIS) roundTrip(evpnCodec, evpnRoute({ routeType: 2, rd: RD, esi, ethernetTag: 0, mac: 'aa:bb:cc:dd:ee:ff', labels: [1] }));
  const all = ROUTES.map(evpnRoute);
  const buf = Buffer.concat(all.map((r) => wire(evpnCodec, r)));
  assert.deepEqual(evpnCodec.decode(buf, 0, buf.length), all, 'several routes in one field');
});

test('EVPN text carries what gobgp prints, and ESI, labels and gateway when given', () => {
  const r = parseEvpn('[type:macadv][rd:65000:1][etag:0][mac:AA:BB:CC:DD:EE:FF][ip:10.0.0.1][esi:single-homed][labels:100]');
  assert.deepEqual(r, evpnRoute(ROUTES[2]!));
  const p = parseEvpn('[type:Prefix][rd:64086.59904:7][etag:0][prefix:10.20.0.9/24][gw:10.99.0.1][esi:ESI_AS | as 65000, local discriminator 5]');
  assert.ok(p.kind === 'ip-prefix');
  assert.deepEqual([p.rd, p.prefix, p.gateway], ['4200000000:7', '10.20.0.0/24', '10.99.0.1'], 'host bits cleared, asdot RD');
  assert.throws(() => parseEvpn('[type:macadv][rd:65000:1]'), /^Error: invalid EVPN route "\[type:macadv\]\[rd:65000:1\]": no \[/);
  assert.throws(() => parseEvpn('type:macadv'), /EVPN/);
  assert.throws(() => parseEvpn('[type:macadv][rd:65000:1][etag:0][mac:zz][ip:<nil>]'), /MAC/);
});

test('a MAC/IP route is keyed by RD, tag, MAC and IP: not by its ESI or labels (RFC 7432 §7.2)', () => {
  const base = { routeType: 2 as const, rd: RD, ethernetTag: 0, mac: 'aa:bb:cc:dd:ee:ff', ip: '10.0.0.1' };
  const a = evpnRoute({ ...base, labels: [100] });
  assert.equal(evpnRoute({ ...base, esi: ESIS[2], labels: [200, 300] }).key, a.key);
  assert.notEqual(evpnRoute({ ...base, ip: '10.0.0.2', labels: [100] }).key, a.key);
  assert.notEqual(evpnRoute({ ...base, ip: undefined, labels: [100] }).key, a.key);
  assert.notEqual(evpnRoute({ ...base, ethernetTag: 1, labels: [100] }).key, a.key);
  assert.notEqual(evpnRoute({ ...base, rd: '65000:2', labels: [100] }).key, a.key);
  assert.notEqual(evpnRoute({ ...base, mac: 'aa:bb:cc:dd:ee:fe', labels: [100] }).key, a.key);
});

test('keys of the other EVPN types: A-D by RD, ESI, tag; IP Prefix by RD, tag, prefix (not ESI, gateway, label)', () => {
  const ad = { routeType: 1 as const, rd: RD, esi: ESIS[2], ethernetTag: 0 };
  assert.equal(evpnRoute({ ...ad, labels: [1] }).key, evpnRoute({ ...ad, labels: [2] }).key);
  assert.notEqual(evpnRoute({ ...ad, esi: ESIS[3] }).key, evpnRoute(ad).key);
  const ip = { routeType: 5 as const, rd: RD, ethernetTag: 0, prefix: '10.20.0.0/24' };
  assert.equal(evpnRoute({ ...ip, esi: ESIS[1], gateway: '10.0.0.1', labels: [9] }).key, evpnRoute(ip).key);
  assert.notEqual(evpnRoute({ ...ip, prefix: '10.20.0.0/25' }).key, evpnRoute(ip).key);
  const es = { routeType: 4 as const, rd: RD, esi: ESIS[1], ip: '10.0.0.1' };
  assert.notEqual(evpnRoute({ ...es, ip: '10.0.0.2' }).key, evpnRoute(es).key);
  const keys = new Set(ROUTES.map((r) => evpnRoute(r).key));
  assert.equal(keys.size, ROUTES.length);
});

test('EvpnRouteMaker builds the routes evpnRoute builds through the codec, key octets included', () => {
  const rds = ['65000:1', '192.0.2.1:5', '4200000000:7', '0.100:7', '64086.59904:7', ' 65000:4294967295 '];
  const macs = ['aa:bb:cc:dd:ee:ff', '02:BB:00:00:03:E8', '2-bb-0-0-3-e8'];
  const ips = [undefined, '10.0.0.1', '255.255.255.255', '2001:db8::1', '2001:0DB8:0:0:0:0:0:1', '::', '::ffff:10.0.0.1'];
  const labelLists = [[0], [100], [0xffffff], [0x1000005], [100, 200], [1, 2, 3]];
  let n = 0;
  for (const rd of rds) {
    const maker = new EvpnRouteMaker(rd);
    for (const tag of [0, 1, 0xffffffff]) {
      for (const mac of macs) {
        for (const ip of ips) {
          for (const labels of labelLists) {
            const made = maker.macIp(tag, mac, ip, labels);
            assert.deepEqual(made, evpnRoute({ routeType: 2, rd, ethernetTag: tag, mac, ...(ip === undefined ? {} : { ip }), labels }), `${rd} ${tag} ${mac} ${ip} ${labels}`);
            assert.deepEqual(evpnCodec.decode(wire(evpnCodec, made), 0, wire(evpnCodec, made).length), [made]);
            n++;
          }
        }
      }
      for (const ip of ips.slice(1) as string[]) {
        const made = maker.inclusiveMulticast(tag, ip);
        assert.deepEqual(made, evpnRoute({ routeType: 3, rd, ethernetTag: tag, ip }), `${rd} ${tag} ${ip}`);
        n++;
      }
    }
  }
  assert.equal(n, rds.length * 3 * (macs.length * ips.length * labelLists.length + ips.length - 1));
});

test('EvpnRouteMaker refuses what evpnRoute refuses, naming the field', () => {
  assert.throws(() => new EvpnRouteMaker('65000'), /invalid route distinguisher "65000"/);
  const maker = new EvpnRouteMaker('65000:1');
  assert.throws(() => maker.macIp(0, 'aa:bb:cc:dd:ee', undefined, [1]), /invalid MAC address "aa:bb:cc:dd:ee"/);
  assert.throws(() => maker.macIp(0, 'aa:bb:cc:dd:ee:ff', '10.0.0.256', [1]), /invalid IP address "10.0.0.256"/);
  assert.throws(() => maker.macIp(-1, 'aa:bb:cc:dd:ee:ff', undefined, [1]), /invalid Ethernet Tag -1/);
  assert.throws(() => maker.inclusiveMulticast(2 ** 32, '10.0.0.1'), /invalid Ethernet Tag 4294967296/);
  assert.throws(() => maker.inclusiveMulticast(0, 'x'), /invalid IP address "x"/);
});

test('malformed EVPN NLRI is Invalid Network Field', () => {
  const macip = wire(evpnCodec, evpnRoute(ROUTES[2]!));
  const cases: [string, Buffer][] = [
    ['route overruns the field', macip.subarray(0, macip.length - 1)],
    ['lone type octet', hex('02')],
    ['A-D of 24 octets', Buffer.concat([hex('0118'), Buffer.alloc(24)])],
    ['MAC length 40', Buffer.from(macip).fill(40, 24, 25)],
    ['MAC/IP with IP length 24', (() => { const b = Buffer.from(macip); b[31] = 24; return b; })()],
    ['Inclusive Multicast with IP length 32 in 29 octets', Buffer.concat([hex('031d'), Buffer.alloc(12), hex('20'), Buffer.alloc(16)])],
    ['Ethernet Segment of 10 octets', Buffer.concat([hex('040a'), Buffer.alloc(10)])],
    ['IP Prefix of 40 octets', Buffer.concat([hex('0528'), Buffer.alloc(40)])],
    ['IP Prefix length 33 for IPv4', (() => { const b = Buffer.concat([hex('0522'), Buffer.alloc(34)]); b[2 + 22] = 33; return b; })()],
  ];
  for (const [why, buf] of cases) assert.throws(() => evpnCodec.decode(buf, 0, buf.length), (e: unknown) => e instanceof BgpError && e.subcode === 10, why);
});

test('malformed EVPN NLRI in MP_REACH_NLRI resets the session (RFC 7606 §7.11), as does a bad next hop', () => {
  const good = wire(evpnCodec, evpnRoute(ROUTES[2]!));
  const mp = (nh: string, nlri: Buffer) => attr(0x90, 14, Buffer.concat([hex('0019 46'), Buffer.from([nh.length / 2]), hex(nh), hex('00'), nlri]));
  const body = (nh: string, nlri: Buffer) => updateBody('', [mp(nh, nlri), ORIGIN_IGP, AS_PATH_65001], '');
  assert.equal(decodeUpdate(body('0a630001', good), IBGP4).announced[0]!.nlri.length, 1);
  invalidNlri(() => decodeUpdate(body('0a630001', good.subarray(0, 20)), IBGP4), 9);
  invalidNlri(() => decodeUpdate(body('0a63000101', good), IBGP4), 9);
});

// ===== VPN-IPv4 / VPN-IPv6 =====

test('VPN prefixes round-trip with RD types 0, 1, 2 and label stacks of 0, 1 and 2 labels', () => {
  for (const [codec, f, prefix] of [
    [ipv4VpnCodec, IPV4_VPN, '10.1.0.0/24'],
    [ipv4VpnCodec, IPV4_VPN, '0.0.0.0/0'],
    [ipv4VpnCodec, IPV4_VPN, '10.1.2.3/32'],
    [ipv6VpnCodec, IPV6_VPN, '2001:db8:7::/48'],
    [ipv6VpnCodec, IPV6_VPN, '2001:db8::1/128'],
  ] as const) {
    for (const rd of ['65000:1', '192.0.2.1:5', '4200000000:7']) {
      for (const labels of [[], [100], [16, 0xfffff]]) roundTrip(codec, vpnPrefix(f, rd, prefix, labels));
    }
  }
  assert.equal(wire(ipv4VpnCodec, vpnPrefix(IPV4_VPN, '65000:1', '10.1.0.0/24', [100, 200])).toString('hex'), '88' + '000640' + '000c81' + '0000fde800000001' + '0a0100');
  assert.equal(wire(ipv4VpnCodec, vpnPrefix(IPV4_VPN, '65000:1', '10.1.0.0/24', [])).toString('hex'), '70' + '800000' + '0000fde800000001' + '0a0100', 'withdrawal label');
});

test('a VPN route is keyed by RD and prefix, not by its labels; its tail is the unicast prefix', () => {
  const a = vpnPrefix(IPV4_VPN, '65000:1', '10.1.0.0/24', [100]);
  assert.equal(vpnPrefix(IPV4_VPN, '65000:1', '10.1.0.0/24', [200, 300]).key, a.key);
  assert.notEqual(vpnPrefix(IPV4_VPN, '65000:2', '10.1.0.0/24', [100]).key, a.key);
  assert.deepEqual(unicastPrefix(a), parsePrefix(1 << 8 | 1, '10.1.0.0/24'));
  assert.equal(ipv4VpnCodec.parse('65000:1:10.1.0.0/24').key, a.key);
  assert.equal(ipv6VpnCodec.format(ipv6VpnCodec.parse('0.100:7:2001:db8::/32')), '0.100:7:2001:db8::/32');
  assert.throws(() => ipv4VpnCodec.parse('10.1.0.0/24'), /VPN prefix/);
  const long = vpnPrefix(IPV6_VPN, '65000:1', '2001:db8::1/128', [1, 2, 3]);
  assert.throws(() => ipv6VpnCodec.encode(long, Buffer.alloc(64), 0), /too many labels/, '3 labels + RD + /128 is over 255 bits');
});

test('a VPN label stack stops at bottom of stack, 0x800000 or a zero field', () => {
  const dec = (h: string) => ipv4VpnCodec.decode(hex(h), 0, hex(h).length)[0]! as VpnPrefix;
  assert.deepEqual(dec('70 800000 0000fde800000001 0a0100').labels, []);
  assert.deepEqual(dec('70 000000 0000fde800000001 0a0100').labels, [0]);
  assert.deepEqual(dec('88 000640 000c81 0000fde800000001 0a0100').labels, [100, 200]);
});

test('malformed VPN NLRI is Invalid Network Field', () => {
  for (const h of [
    '70 000641 0000fde800000001 0a01', // overruns
    '58 000641 0000fde800', // shorter than labels + RD
    '18 000640 000640 000640', // no bottom of stack
    '98 000641 0000fde800000001 0a010203 00', // 40-bit IPv4 prefix
  ]) invalidNlri(() => ipv4VpnCodec.decode(hex(h), 0, hex(h).length));
});

test('VPN next hops: RD of zero + IPv4 (12), + IPv6 (24), + IPv6 and link-local (48); others reset', () => {
  const codec = ipv4VpnCodec;
  for (const [nh, ll, len] of [['10.0.0.1', undefined, 12], ['2001:db8::1', undefined, 24], ['2001:db8::1', 'fe80::1', 48]] as const) {
    assert.equal(codec.nextHopLength(nh, ll), len);
    const buf = Buffer.alloc(len);
    assert.equal(codec.encodeNextHop(nh, ll, buf, 0), len);
    assert.equal(buf.readBigUInt64BE(0), 0n);
    assert.deepEqual(codec.decodeNextHop(buf, 0, len), ll ? { nextHop: nh, linkLocal: ll } : { nextHop: nh });
  }
  assert.equal(ipv6VpnCodec.nextHopLength('10.0.0.1', undefined), 24, 'IPv4-mapped for VPN-IPv6');
  for (const len of [4, 16, 20]) invalidNlri(() => codec.decodeNextHop(Buffer.alloc(len), 0, len), 9);
});

// ===== RTC =====

test('RTC routes of 0, 32, 64 and 96 bits round-trip; the wire form is the key', () => {
  const rt = routeTarget('65000:1');
  const routes: RtcRoute[] = [RTC_DEFAULT, rtcRoute(65001), rtcRoute(65001, rt, 64), rtcRoute(65001, rt), rtcRoute(4200000000, routeTarget('192.0.2.1:5')), rtcRoute(65001, routeTarget('4200000000:7'))];
  for (const r of routes) roundTrip(rtcCodec, r);
  assert.deepEqual(routes.map((r) => wire(rtcCodec, r).toString('hex')), ['00', '200000fde9', '400000fde90002fde8', '600000fde90002fde800000001', '60fa56ea000102c00002010005', '600000fde90202fa56ea000007']);
  assert.deepEqual(routes.map(formatRtc), ['default', '65001:default', '65001:0x0002fde800000000/64', '65001:65000:1', '4200000000:192.0.2.1:5', '65001:4200000000:7']);
  assert.equal(parseRtc('0:default'), RTC_DEFAULT);
  assert.equal(parseRtc('65001:64086.59904:7').key, routes[5]!.key);
  assert.equal(nlriCodec(RTC), rtcCodec);
});

test('RTC membership matches route targets by prefix (RFC 4684 §4)', () => {
  const rt = routeTarget('65000:1');
  assert.ok(rtcMatches(RTC_DEFAULT, rt));
  assert.ok(rtcMatches(rtcRoute(65001), rt));
  assert.ok(rtcMatches(rtcRoute(65001, rt), rt));
  assert.ok(!rtcMatches(rtcRoute(65001, rt), routeTarget('65000:2')));
  assert.ok(rtcMatches(rtcRoute(65001, rt, 64), routeTarget('65000:2')), '64 bits: any local number of AS 65000');
  assert.ok(!rtcMatches(rtcRoute(65001, rt, 64), routeTarget('65001:1')));
});

test('malformed RTC NLRI (length 1–31 or over 96, overrun) is Invalid Network Field', () => {
  for (const h of ['10 0000', '61 0000fde90002fde80000000100', '60 0000fde90002fde8', '20 0000']) invalidNlri(() => rtcCodec.decode(hex(h), 0, hex(h).length));
});

// ===== whole UPDATEs =====

test('VPN families announce through MP_REACH_NLRI and withdraw through MP_UNREACH_NLRI', () => {
  const cases: [number, Nlri[], string][] = [
    [L2VPN_EVPN, ROUTES.slice(0, 12).map(evpnRoute), '10.99.0.1'],
    [IPV4_VPN, [vpnPrefix(IPV4_VPN, '65000:1', '10.1.0.0/24', [100]), vpnPrefix(IPV4_VPN, '192.0.2.1:5', '10.2.0.0/16', [16, 17])], '10.99.0.1'],
    [IPV6_VPN, [vpnPrefix(IPV6_VPN, '65000:1', '2001:db8::/32', [100])], '2001:db8::1'],
    [RTC, [RTC_DEFAULT, rtcRoute(65001), rtcRoute(65001, routeTarget('65000:1'))], '10.99.0.1'],
  ];
  for (const [family, nlri, nextHop] of cases) {
    const attributes = { origin: 0, asPath: [], nextHop, localPref: 100, extCommunities: [routeTarget('65000:1')] };
    const [msg, ...more] = encodeUpdates({ family, attributes, nlri }, IBGP4);
    assert.deepEqual(more, []);
    const u = decodeUpdate(bodyOf(msg!).body, IBGP4);
    assert.deepEqual(u.announced, [{ family, attributes, nlri }]);
    const w = decodeUpdate(bodyOf(encodeWithdrawals({ family, nlri }, IBGP4)[0]!).body, IBGP4);
    assert.deepEqual(w.withdrawn.map((x) => x.nlri.map((n) => n.key)), [nlri.map((n) => n.key)]);
  }
});

test('parsed (key-only) EVPN and VPN routes withdraw the routes announced with labels', () => {
  const announced = evpnRoute(ROUTES[2]!) as EvpnRoute;
  const parsed = evpnCodec.parse(evpnCodec.format(announced));
  const w = decodeUpdate(bodyOf(encodeWithdrawals({ family: L2VPN_EVPN, nlri: [parsed] }, IBGP4)[0]!).body, IBGP4);
  assert.equal(w.withdrawn[0]!.nlri[0]!.key, announced.key);
});
