/**
 * bgplb's PEER_PASSWORD (TCP MD5, RFC 2385) against FRR 8.4 with `neighbor X password`: bgplb
 * (the CLI, no dockerd needed for the BGP side; DOCKER_HOST points nowhere so it never reaches
 * the host's engine) in one namespace, FRR in another, joined by a veth pair made by the test.
 * The matching password establishes; a wrong one does not, and FRR's kernel counts MD5 failures.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bgpipedScript } from '../interop/lib/bgpiped.js';
import { createLab, run, startFrr, type Lab } from '../interop/lib/index.js';

const BGPLB = { v4: '10.99.7.1', asn: 65001 };
const ROUTER = { v4: '10.99.7.2', asn: 65002 };
const bgplbScript = join(bgpipedScript, '..', 'bgplb.js');

async function link(a: Lab, b: Lab): Promise<void> {
  const [ea, eb] = [a.linkName('md5a'), b.linkName('md5b')];
  await run('ip', ['link', 'add', ea, 'netns', a.name, 'type', 'veth', 'peer', 'name', eb, 'netns', b.name]);
  await a.exec('ip', ['addr', 'add', `${BGPLB.v4}/24`, 'dev', ea]);
  await b.exec('ip', ['addr', 'add', `${ROUTER.v4}/24`, 'dev', eb]);
  for (const [lab, dev] of [[a, ea], [b, eb]] as const) {
    await lab.exec('ip', ['link', 'set', dev, 'up']);
    await lab.exec('ip', ['link', 'set', 'lo', 'up']);
  }
}

async function md5Failures(lab: Lab): Promise<number> {
  const { stdout } = await lab.exec('nstat', ['-asz', '--json']);
  return (JSON.parse(stdout) as { kernel: Record<string, number> }).kernel.TcpExtTCPMD5Failure ?? 0;
}

function pairing(name: string, bgplbPassword: string, routerPassword: string, expectUp: boolean): void {
  it(name, async (t) => {
    const host = await createLab('md5lb-h');
    const router = await createLab('md5lb-r');
    t.after(async () => {
      await host.destroy();
      await router.destroy();
    });
    try {
      await link(host, router);
      const frr = await startFrr(router, {
        routerId: ROUTER.v4,
        asn: ROUTER.asn,
        listenAddress: [ROUTER.v4],
        neighbors: [{ address: BGPLB.v4, asn: BGPLB.asn, passive: true, password: routerPassword, families: ['ipv4-unicast'] }],
      });
      const stderrFile = join(host.dir, 'bgplb.log');
      host.addLogSource({ label: 'bgplb', logs: () => readFile(stderrFile, 'utf8').catch(() => '') });
      host.spawn(process.execPath, [bgplbScript], {
        label: 'bgplb',
        stderrFile,
        stdoutFile: stderrFile,
        env: {
          ROUTER_ID: BGPLB.v4,
          LOCAL_AS: String(BGPLB.asn),
          PEER_ADDRESS: ROUTER.v4,
          PEER_AS: String(ROUTER.asn),
          PEER_PASSWORD: bgplbPassword,
          CONNECT_RETRY: '1',
          HOLD_TIME: '9',
          BGPLB_SOCKET: join(host.dir, 'bgplb.sock'),
          BGPLB_STATE_FILE: join(host.dir, 'bgplb.json'),
          DOCKER_HOST: `unix://${join(host.dir, 'no-docker.sock')}`,
        },
      });
      if (expectUp) {
        await frr.waitEstablished(BGPLB.v4, 20_000);
        assert.equal(await md5Failures(router), 0);
      } else {
        const until = Date.now() + 6000;
        while (Date.now() < until) {
          assert.notEqual(await frr.neighborState(BGPLB.v4), 'established');
          await new Promise((r) => setTimeout(r, 500));
        }
        assert.ok((await md5Failures(router)) > 0, 'FRR’s kernel counted no MD5 failure');
      }
    } catch (err) {
      console.error(await host.dumpLogs());
      console.error(await router.dumpLogs());
      throw err;
    }
  });
}

describe('bgplb PEER_PASSWORD ↔ FRR (TCP MD5)', () => {
  pairing('the matching password establishes', 'lb-s3cret', 'lb-s3cret', true);
  pairing('a wrong password does not', 'lb-s3cret', 'other', false);
});
