/**
 * The Linux sink (src/dataplane/linux/) against a real kernel, in a namespace made here with one
 * veth: what the probe detects, per-command error reporting through the persistent
 * `ip -force -batch -` child, and recovery when that child dies.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LinuxRouteSink } from '../../src/dataplane/linux/routes.js';
import { IpBatch } from '../../src/dataplane/linux/ip-batch.js';
import { createLab, run, type Lab } from '../interop/lib/netns.js';

describe('Linux route sink in a test namespace (veth, ip -batch child, ip -json)', () => {
  let lab: Lab;
  const sinks: LinuxRouteSink[] = [];
  const sink = (over: Partial<ConstructorParameters<typeof LinuxRouteSink>[0]> = {}) => {
    const s = new LinuxRouteSink({ table: 100, protocol: 186, metric: 20, netns: lab.name, ...over });
    sinks.push(s);
    return s;
  };

  before(async () => {
    lab = await createLab('fib-sink');
    await run('ip', ['-n', lab.name, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
    await run('ip', ['-n', lab.name, 'addr', 'add', '10.0.0.1/24', 'dev', 'v0']);
    await run('ip', ['-n', lab.name, 'addr', 'add', 'fd00::1/64', 'dev', 'v0', 'nodad']);
    await run('ip', ['-n', lab.name, 'link', 'set', 'v0', 'up']);
    await run('ip', ['-n', lab.name, 'link', 'set', 'v1', 'up']);
  });

  after(async () => {
    for (const s of sinks) s.close();
    await lab.destroy();
  });

  it('probe: routes with our protocol can go into the table, for IPv4 and IPv6, and nothing is left behind', async () => {
    const p = await sink().probe();
    assert.deepEqual(p, { usable: true, ipv4: true, ipv6: true, problems: [] });
    const { stdout } = await run('ip', ['-n', lab.name, 'route', 'show', 'table', 'all', 'proto', '186']);
    assert.equal(stdout.trim(), '');
  });

  it('probe: without ip (iproute2) the sink says so and is unusable', async () => {
    const p = await sink({ ip: '/nonexistent/ip' }).probe();
    assert.equal(p.usable, false);
    assert.match(p.problems[0]!, /cannot run \/nonexistent\/ip \(iproute2\)/);
  });

  it('reports each refused command by kind and goes on with the rest of the batch', async () => {
    const s = sink();
    s.add('10.9.0.1/32', ['10.0.0.2']);
    s.add('10.9.0.2/32', ['192.0.2.99']); // no connected route: refused, not installed onlink
    s.add('10.9.0.1/32', ['10.0.0.3']); // exists
    s.remove('10.9.0.3/32'); // absent
    s.add('10.9.0.4/32', ['10.0.0.2', '10.0.0.3']);
    s.add('fd00:9::1/128', ['fd00::2', 'fd00::3']);
    const failures = await s.flush();
    assert.deepEqual(failures.map((f) => `${f.index} ${f.kind}`), ['1 unreachable', '2 exists', '3 absent']);
    assert.deepEqual(await s.dump(), [
      { prefix: '10.9.0.1/32', nexthops: ['10.0.0.2'], metric: 20 },
      { prefix: '10.9.0.4/32', nexthops: ['10.0.0.2', '10.0.0.3'], metric: 20 },
      { prefix: 'fd00:9::1/128', nexthops: ['fd00::2', 'fd00::3'], metric: 20 },
    ]);
    s.replace('10.9.0.4/32', ['10.0.0.3']);
    s.remove('10.9.0.1/32');
    s.remove('fd00:9::1/128');
    assert.deepEqual(await s.flush(), []);
    assert.deepEqual(await s.dump(), [{ prefix: '10.9.0.4/32', nexthops: ['10.0.0.3'], metric: 20 }]);
  });

  it('ip child that dies (a line it cannot parse) fails the batch in flight; the next batch starts a new child', async () => {
    const b = new IpBatch({ netns: lab.name });
    try {
      await assert.rejects(b.run(['route add 10.9.9.9/32 via not-an-address']), /exited/);
      const errors = await b.run(['route add 10.9.9.9/32 via 10.0.0.2 table 100 proto 186', 'route del 10.9.9.9/32 table 100 proto 186']);
      assert.equal(errors.size, 0);
    } finally {
      b.close();
    }
  });
});
