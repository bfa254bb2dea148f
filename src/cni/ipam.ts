/**
 * Delegation to the IPAM plugin named by `ipam.type` (CNI spec "Delegated plugins"): found in
 * CNI_PATH, run with this plugin's environment (CNI_COMMAND is the same) and the same network
 * configuration on stdin. Its error JSON is passed on with its own code.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { CniCode, CniError } from './errors.js';
import { parseResult, type CniResult } from './version.js';
import type { NetConf } from './config.js';

export function findPlugin(type: string, cniPath: readonly string[]): string {
  for (const dir of cniPath) {
    const p = join(dir, type);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not in this directory
    }
  }
  throw new CniError(CniCode.InvalidConfig, `ipam.type: plugin ${JSON.stringify(type)} not found in CNI_PATH (${cniPath.join(':')})`);
}

interface Exec {
  code: number;
  stdout: string;
  stderr: string;
}

function execPlugin(path: string, command: string, stdin: string): Promise<Exec> {
  return new Promise((resolve) => {
    const child = execFile(path, [], { env: { ...process.env, CNI_COMMAND: command }, timeout: 60_000, maxBuffer: 4 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(stdin);
  });
}

function pluginError(type: string, command: string, r: Exec): CniError {
  try {
    const e = JSON.parse(r.stdout) as { code?: unknown; msg?: unknown; details?: unknown };
    if (typeof e.code === 'number' && typeof e.msg === 'string') {
      return new CniError(e.code, `ipam ${type} ${command}: ${e.msg}`, typeof e.details === 'string' ? e.details : undefined);
    }
  } catch {
    // not an error JSON
  }
  return new CniError(CniCode.IoFailure, `ipam ${type} ${command} failed (exit ${r.code})`, (r.stderr || r.stdout).trim().slice(0, 2000));
}

/**
 * The cniVersion the IPAM plugin is given: ours, except 0.1.0/0.2.0, asked as 0.4.0 so that the
 * answer has the shape parseResult reads (converted back by renderResult), and 1.1.0 when the
 * plugin does not speak it (host-local 1.1.1 stops at 1.0.0; the result format is the same).
 */
async function ipamVersion(path: string, conf: NetConf): Promise<string> {
  if (conf.cniVersion === '0.1.0' || conf.cniVersion === '0.2.0') return '0.4.0';
  if (conf.cniVersion !== '1.1.0') return conf.cniVersion;
  const r = await execPlugin(path, 'VERSION', JSON.stringify({ cniVersion: '1.0.0' }));
  try {
    const v = JSON.parse(r.stdout) as { supportedVersions?: unknown };
    if (Array.isArray(v.supportedVersions) && v.supportedVersions.includes('1.1.0')) return '1.1.0';
  } catch {
    // fall through
  }
  return '1.0.0';
}

export class Ipam {
  private readonly path: string;

  constructor(
    private readonly conf: NetConf,
    cniPath: readonly string[],
  ) {
    this.path = findPlugin(conf.ipamType, cniPath);
  }

  private async stdin(): Promise<string> {
    return JSON.stringify({ ...this.conf.raw, cniVersion: await ipamVersion(this.path, this.conf) });
  }

  async add(): Promise<CniResult> {
    const r = await execPlugin(this.path, 'ADD', await this.stdin());
    if (r.code !== 0) throw pluginError(this.conf.ipamType, 'ADD', r);
    let v: unknown;
    try {
      v = JSON.parse(r.stdout);
    } catch {
      throw new CniError(CniCode.DecodingFailure, `ipam ${this.conf.ipamType} ADD: the answer is not JSON`, r.stdout.slice(0, 2000));
    }
    let result: CniResult;
    try {
      result = parseResult(v, `ipam ${this.conf.ipamType} result`);
    } catch (e) {
      throw new CniError(CniCode.DecodingFailure, (e as Error).message);
    }
    if (result.ips.length === 0) throw new CniError(CniCode.IoFailure, `ipam ${this.conf.ipamType} returned no address`);
    return result;
  }

  async del(): Promise<void> {
    const r = await execPlugin(this.path, 'DEL', await this.stdin());
    if (r.code !== 0) throw pluginError(this.conf.ipamType, 'DEL', r);
  }

  /**
   * GC (CNI 1.1) passed on when the IPAM plugin speaks 1.1.0; false when it does not
   * (host-local 1.1.1 stops at 1.0.0 and keeps a lease until its DEL).
   */
  async gc(): Promise<boolean> {
    if ((await ipamVersion(this.path, this.conf)) !== '1.1.0') return false;
    const r = await execPlugin(this.path, 'GC', await this.stdin());
    if (r.code !== 0) throw pluginError(this.conf.ipamType, 'GC', r);
    return true;
  }

  async check(): Promise<void> {
    const r = await execPlugin(this.path, 'CHECK', await this.stdin());
    if (r.code !== 0) throw pluginError(this.conf.ipamType, 'CHECK', r);
  }
}
