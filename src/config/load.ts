/**
 * `bgpiped -f FILE`: TOML text → Config, or a ConfigError naming the file and every key that is
 * wrong. Unknown keys and GoBGP features bgpipe lacks end up in `Config.warnings` (see keys.ts
 * for which unknown keys are errors instead).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { buildConfig } from './build.js';
import { ConfigError, keyPathOf } from './errors.js';
import { checkKeys, type KeyReport } from './keys.js';
import { documentSchema } from './schema.js';
import type { Config } from './types.js';

export { ConfigError } from './errors.js';
export { defaultConfig } from './defaults.js';
export type { Config } from './types.js';

export function loadConfigFile(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(path, [{ keyPath: '', message: `cannot read: ${(e as Error).message}` }]);
  }
  return parseConfigText(text, basename(path));
}

export function parseConfigText(text: string, sourceName: string): Config {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (e) {
    const err = e as Error & { line?: number; column?: number };
    const first = err.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
    const where = err.line !== undefined ? `line ${err.line}, column ${err.column ?? 0}: ` : '';
    throw new ConfigError(sourceName, [{ keyPath: '', message: `TOML syntax error: ${where}${first}` }]);
  }
  const report: KeyReport = { warnings: [], errors: [] };
  checkKeys(documentSchema, raw, [], report);
  const parsed = documentSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ keyPath: keyPathOf(i.path), message: i.message }));
    throw new ConfigError(sourceName, [...report.errors, ...issues]);
  }
  const config = buildConfig(parsed.data, sourceName, report);
  if (report.errors.length > 0) throw new ConfigError(sourceName, report.errors);
  return config;
}
