/**
 * RFC 4724 §4.1 selection deferral in a daemon that restarted (settings.server.restarted, what
 * the restart marker gives bgpiped): nothing is advertised until every graceful-restart
 * neighbour has sent End-of-RIB, or until the deferral timer runs out when one never comes.
 * Raw speakers on 127.0.0.x.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { parseConfigText } from '../../src/config/load.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { settingsFromConfig } from '../../src/daemon/settings-from-config.js';
import { silentLogger } from '../../src/util/log.js';
import { IPV4_UNICAST } from '../../src/wire/family.js';
import { encodeEndOfRib } from '../../src/wire/update.js';
import { RawSpeaker, speakerToml, testPort, waitUntil } from './helpers.js';

const cleanup: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

const GR = '[neighbors.graceful-restart.config]\nenabled = true';

async function restartedHub(port: number, last: number, neighbors: { last: number; gr: boolean }[], deferral: number): Promise<Daemon> {
  const toml = speakerToml({
    asn: 65000,
    routerId: `10.0.0.${last}`,
    address: `127.0.0.${last}`,
    port,
    neighbors: neighbors.map((n) => ({ address: `127.0.0.${n.last}`, asn: 65000 + n.last, passive: true, extra: n.gr ? GR : '' })),
    statics: ['10.131.0.0/24'],
  });
  const s = settingsFromConfig(parseConfigText(toml, 'test.toml'));
  const d = new Daemon({ ...s, server: { ...s.server, restarted: true, selectionDeferralTime: deferral } }, silentLogger());
  await d.start();
  cleanup.push(() => d.stop());
  return d;
}

async function connect(port: number, hub: number, last: number, capabilities = false): Promise<RawSpeaker> {
  const s = await RawSpeaker.connect({
    host: `127.0.0.${hub}`,
    port,
    localAddress: `127.0.0.${last}`,
    asn: 65000 + last,
    routerId: `10.0.0.${last}`,
    capabilities: capabilities ? [{ code: 64, restarting: false, notification: false, restartTime: 120, families: [{ family: IPV4_UNICAST, forwardingPreserved: false }] }] : [],
  });
  cleanup.push(() => s.close());
  return s;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('graceful restart: selection deferral after our own restart', () => {
  it('holds every UPDATE back until the graceful-restart neighbour sends End-of-RIB', async () => {
    const port = testPort();
    await restartedHub(port, 131, [{ last: 132, gr: true }, { last: 133, gr: false }], 60);
    const plain = await connect(port, 131, 133);
    const gr = await connect(port, 131, 132, true);
    await pause(500);
    assert.deepEqual([plain.updates.length, gr.updates.length], [0, 0], 'nothing sent while deferring, End-of-RIB included');
    gr.send(encodeEndOfRib(IPV4_UNICAST));
    await waitUntil('the static route and End-of-RIB to both', () => plain.updates.length >= 2 && gr.updates.length >= 2, 3000);
  });

  it('advertises when the deferral timer runs out if a graceful-restart neighbour never comes', async () => {
    const port = testPort();
    await restartedHub(port, 141, [{ last: 142, gr: true }, { last: 143, gr: false }], 1);
    const plain = await connect(port, 141, 143);
    const started = Date.now();
    await pause(300);
    assert.equal(plain.updates.length, 0, 'deferring');
    await waitUntil('the static route and End-of-RIB after the timer', () => plain.updates.length >= 2, 3000);
    assert.ok(Date.now() - started >= 500, 'not before the timer');
  });
});
