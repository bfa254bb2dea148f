/**
 * Unknown keys. A GoBGP config carries many keys bgpipe has no use for, and it must still load,
 * so an unknown key is a warning. Two exceptions, both because silently ignoring them would change
 * what the config means:
 *  - a key that looks like a typo of a key we know in the same table (`peer_as`, `hold-tme`,
 *    `neighbor` for `neighbors`) is an error that suggests the right spelling;
 *  - inside policy conditions every key must be understood: a statement that ignored one of its
 *    conditions would match, and accept or rewrite, more routes than the operator meant.
 *
 * The walk follows the zod schema itself, so there is one list of keys, not two.
 */
import { z } from 'zod';
import { keyPathOf, type ConfigIssue } from './errors.js';
import { isNotSupported, notSupportedHint } from './values.js';
import { isUnsupportedCondition, strictNoun } from './schema.js';

export interface KeyReport {
  readonly warnings: ConfigIssue[];
  readonly errors: ConfigIssue[];
}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

export function checkKeys(schema: z.ZodType, value: unknown, path: PropertyKey[], report: KeyReport, strictHere?: string): void {
  if (value === undefined) return;
  if (isNotSupported(schema)) {
    const hint = notSupportedHint(schema);
    report.warnings.push({ keyPath: keyPathOf(path), message: `not supported by bgpipe; ignored${hint ? ` (${hint})` : ''}` });
    return;
  }
  if (isUnsupportedCondition(schema)) {
    report.errors.push({
      keyPath: keyPathOf(path),
      message: 'condition not supported by bgpipe (the statement would match more routes than intended without it)',
    });
    return;
  }
  const strictTable = strictHere ?? strictNoun(schema);
  if (schema instanceof z.ZodOptional) return checkKeys(schema.unwrap() as z.ZodType, value, path, report, strictTable);
  if (schema instanceof z.ZodArray) {
    if (Array.isArray(value)) value.forEach((v, i) => checkKeys(schema.element as z.ZodType, v, [...path, i], report));
    return;
  }
  if (schema instanceof z.ZodUnion) {
    if (!isTable(value)) return;
    const obj = (schema.options as readonly z.ZodType[]).find((o) => o instanceof z.ZodObject);
    if (obj) checkKeys(obj, value, path, report, strictTable);
    return;
  }
  if (!(schema instanceof z.ZodObject) || !isTable(value)) return;
  const shape = schema.shape as Record<string, z.ZodType>;
  const known = Object.keys(shape);
  for (const [key, v] of Object.entries(value)) {
    const sub = shape[key];
    if (sub) {
      checkKeys(sub, v, [...path, key], report);
      continue;
    }
    const keyPath = keyPathOf([...path, key]);
    const guess = closest(key, known);
    if (guess !== undefined) report.errors.push({ keyPath, message: `unknown key (did you mean "${guess}"?)` });
    else if (strictTable !== undefined) report.errors.push({ keyPath, message: `unknown ${strictTable} (known: ${known.join(', ')})` });
    else report.warnings.push({ keyPath, message: 'unknown key; ignored' });
  }
}

/** A known key this one is probably a misspelling of: same once `_` and case are normalised, or
 *  within two edits of a key of five characters or more (short keys like `as` are too close to
 *  everything to guess). */
function closest(key: string, known: readonly string[]): string | undefined {
  const norm = key.toLowerCase().replace(/_/g, '-');
  for (const k of known) if (k === norm) return k;
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    if (k.length < 5 || key.length < 5) continue;
    const d = editDistance(norm, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
