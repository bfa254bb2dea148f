/**
 * podman 4 with its CNI backend, private to one test: its own containers.conf (CONTAINERS_CONF:
 * network_backend cni, runtime runc, cgroupfs, events to a file, tmp_dir) and storage.conf
 * (CONTAINERS_STORAGE_CONF: vfs driver, graphroot/runroot in the temp dir), a busybox image
 * imported from a tarball (no registry is reachable), and a `bagpipe` wrapper in a
 * cni_plugin_dirs entry (podman finds a plugin by its `type`) that records each call — command,
 * CNI_* variables and stdin — then execs the built plugin.
 *
 * podman runs in a lab host's namespace through `nsenter --net=…` (not `ip netns exec`, whose
 * /sys remount makes runc fail: "no cgroup mount found in mountinfo"), so the plugin runs there
 * and reaches that host's bgpiped on 127.0.0.1:8082.
 *
 * What podman writes outside the temp dir, and destroy() removes when this run created it:
 * /etc/cni/net.d/cni.lock, /var/lib/cni/results (libcni's cache), /var/lib/containers (the
 * image blob-info cache), /dev/shm/libpod_lock (its lock table). The conflists and host-local
 * lease dirs are the test's own and removed by name.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, type ExecResult, type Lab } from '../interop/lib/netns.js';

const NET_D = '/etc/cni/net.d';
const LEASES = '/var/lib/cni/networks';
/** Shared paths podman (or libcni) creates on first use: removed at the end if this run made them. */
const SHARED = [join(NET_D, 'cni.lock'), '/var/lib/cni/results', '/var/lib/containers', '/dev/shm/libpod_lock'];

export interface PluginCall {
  command: string;
  containerId: string;
  netns: string;
  ifName: string;
  /** The network configuration podman gave on stdin. */
  conf: Record<string, unknown>;
}

export class Podman {
  readonly dir: string;
  readonly image = 'localhost/bgpt-bb:latest';
  private readonly env: Record<string, string>;
  private readonly preexisting: Set<string>;
  private readonly networks: string[] = [];
  private readonly containers = new Map<string, Lab>();

  constructor(pluginJs: string) {
    this.preexisting = new Set(SHARED.filter((p) => existsSync(p)));
    this.dir = mkdtempSync(join(tmpdir(), `bgpt-podman-${process.pid}-`));
    const bin = join(this.dir, 'bin');
    mkdirSync(join(this.dir, 'calls'), { recursive: true });
    mkdirSync(bin);
    chmodSync(pluginJs, 0o755);
    writeFileSync(
      join(bin, 'bagpipe'),
      [
        '#!/bin/sh',
        '# The test records each call podman makes, then runs the plugin under test.',
        `f=${join(this.dir, 'calls')}/$(date +%s%N)-$$`,
        'printf \'%s\\n%s\\n%s\\n%s\\n\' "$CNI_COMMAND" "$CNI_CONTAINERID" "$CNI_NETNS" "$CNI_IFNAME" > "$f.env"',
        'cat > "$f.json"',
        `exec ${process.execPath} ${pluginJs} < "$f.json"`,
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    writeFileSync(
      join(this.dir, 'containers.conf'),
      [
        '[containers]',
        'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]',
        '[network]',
        'network_backend = "cni"',
        `network_config_dir = "${NET_D}"`,
        `cni_plugin_dirs = ["${bin}", "/usr/lib/cni"]`,
        '[engine]',
        // crun (not installed) fails on this host's hybrid cgroups; runc works.
        'runtime = "runc"',
        'cgroup_manager = "cgroupfs"',
        'events_logger = "file"',
        `events_logfile_path = "${join(this.dir, 'events.log')}"`,
        `tmp_dir = "${join(this.dir, 'tmp')}"`,
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(this.dir, 'storage.conf'),
      ['[storage]', 'driver = "vfs"', `graphroot = "${join(this.dir, 'storage')}"`, `runroot = "${join(this.dir, 'run')}"`, ''].join('\n'),
    );
    this.env = { CONTAINERS_CONF: join(this.dir, 'containers.conf'), CONTAINERS_STORAGE_CONF: join(this.dir, 'storage.conf') };
  }

  /** `podman ARGS` inside the host namespace `ns` (or the machine's when omitted). */
  podman(args: string[], ns?: Lab, timeoutMs = 60_000): Promise<ExecResult> {
    const argv = ns ? ['nsenter', `--net=/run/netns/${ns.name}`, 'podman', ...args] : ['podman', ...args];
    return run(argv[0]!, argv.slice(1), { env: this.env, timeoutMs });
  }

  /** The busybox image: /bin/busybox (busybox-static) and the applets a test uses, as one layer. */
  async importImage(): Promise<void> {
    const root = join(this.dir, 'rootfs');
    mkdirSync(join(root, 'bin'), { recursive: true });
    writeFileSync(join(root, 'bin', 'busybox'), readFileSync('/usr/bin/busybox'), { mode: 0o755 });
    for (const applet of ['sh', 'ip', 'ping', 'sleep', 'cat']) symlinkSync('busybox', join(root, 'bin', applet));
    await run('tar', ['-C', root, '-cf', join(this.dir, 'bb.tar'), '.']);
    await this.podman(['import', join(this.dir, 'bb.tar'), this.image]);
  }

  /** /etc/cni/net.d/NAME.conflist with one plugin entry. */
  addNetwork(name: string, cniVersion: string, plugin: Record<string, unknown>): void {
    this.networks.push(name);
    writeFileSync(join(NET_D, `${name}.conflist`), `${JSON.stringify({ cniVersion, name, plugins: [plugin] }, null, 2)}\n`);
  }

  /** `podman run -d` of a container sleeping on `network`, in host namespace `ns`. */
  async runContainer(name: string, network: string, ns: Lab): Promise<void> {
    this.containers.set(name, ns);
    await this.podman(['run', '-d', '--name', name, '--network', network, this.image, '/bin/sleep', '3600'], ns);
  }

  /** `podman run --rm` in the foreground: the container exits by itself and podman cleans up. */
  async runOnce(name: string, network: string, ns: Lab, cmd: string[]): Promise<ExecResult> {
    this.containers.set(name, ns);
    return this.podman(['run', '--rm', '--name', name, '--network', network, this.image, ...cmd], ns);
  }

  /** `podman exec` of a command in a container; rejects on a non-zero exit. */
  exec(name: string, cmd: string[]): Promise<ExecResult> {
    return this.podman(['exec', name, ...cmd], this.containers.get(name));
  }

  /** `podman stop -t 0` (SIGKILL at once: sleep as PID 1 ignores SIGTERM): teardown runs DEL. */
  async stop(name: string): Promise<void> {
    await this.podman(['stop', '-t', '0', name], this.containers.get(name));
  }

  async inspect(name: string): Promise<Record<string, unknown>> {
    const { stdout } = await this.podman(['inspect', '--format', 'json', name], this.containers.get(name));
    return (JSON.parse(stdout) as Record<string, unknown>[])[0]!;
  }

  /** The plugin calls recorded so far, oldest first. */
  calls(): PluginCall[] {
    const dir = join(this.dir, 'calls');
    return readdirSync(dir)
      .filter((f) => f.endsWith('.env'))
      .sort()
      .map((f) => {
        const [command = '', containerId = '', netns = '', ifName = ''] = readFileSync(join(dir, f), 'utf8').split('\n');
        const text = readFileSync(join(dir, f.replace(/\.env$/, '.json')), 'utf8');
        return { command, containerId, netns, ifName, conf: JSON.parse(text) as Record<string, unknown> };
      });
  }

  /**
   * Removes the containers (in their host namespace, so that a DEL still reaches that host's
   * bgpiped), the storage, the conflists and leases, and the shared paths this run created.
   * Every step runs even when one fails; the first failure is thrown at the end.
   */
  async destroy(): Promise<void> {
    const errors: unknown[] = [];
    const step = async (f: () => unknown): Promise<void> => {
      try {
        await f();
      } catch (e) {
        errors.push(e);
      }
    };
    for (const [name, ns] of this.containers) {
      const rm = ['rm', '--force', '--ignore', '--time', '0', name];
      await step(() => (ns.isDestroyed ? this.podman(rm) : this.podman(rm, ns)));
    }
    // Not `podman system reset`: it would also delete every network's conflist in net.d.
    await step(() => this.podman(['rmi', '--force', this.image]));
    for (const name of this.networks) {
      await step(() => rmSync(join(NET_D, `${name}.conflist`), { force: true }));
      await step(() => rmSync(join(LEASES, name), { recursive: true, force: true }));
    }
    for (const p of SHARED) {
      if (this.preexisting.has(p) || !existsSync(p)) continue;
      // libcni's cache dir may hold another test's entries by now: only an empty one goes.
      await step(() => (p === '/var/lib/cni/results' ? readdirSync(p).length === 0 && rmdirSync(p) : rmSync(p, { recursive: true, force: true })));
    }
    // A container's /dev/shm is a tmpfs under the storage: unmounted by `podman rm`, or here.
    await step(() => this.unmountLeftovers());
    await step(() => rmSync(this.dir, { recursive: true, force: true }));
    if (errors.length > 0) throw errors[0];
  }

  private async unmountLeftovers(): Promise<void> {
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '');
    for (const m of mounts.filter((m) => m.startsWith(`${this.dir}/`)).reverse()) await run('umount', ['-l', m]);
  }
}
