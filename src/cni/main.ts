#!/usr/bin/env node
/**
 * `bagpipe`: the CNI plugin (install it into the CNI bin dir, e.g. a symlink
 * /opt/cni/bin/bagpipe → this file). A runtime runs it with CNI_COMMAND, CNI_CONTAINERID,
 * CNI_NETNS, CNI_IFNAME, CNI_PATH and the network configuration on stdin; the result or a CNI
 * error is written to stdout (exit 0 or 1). See plugin.ts.
 */
import { CniCode, CniError } from './errors.js';
import { runCommand } from './plugin.js';

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function versionOf(stdin: string): string {
  try {
    const v = (JSON.parse(stdin) as { cniVersion?: unknown }).cniVersion;
    return typeof v === 'string' ? v : '1.1.0';
  } catch {
    return '1.1.0';
  }
}

const stdin = await readStdin();
try {
  const out = await runCommand(process.env.CNI_COMMAND, stdin, process.env);
  if (out !== undefined) process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exitCode = 0;
} catch (e) {
  const err = e instanceof CniError ? e : new CniError(CniCode.IoFailure, (e as Error).message ?? String(e));
  process.stdout.write(`${JSON.stringify(err.toJson(versionOf(stdin)))}\n`);
  process.exitCode = 1;
}
