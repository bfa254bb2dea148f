/**
 * Config errors name the file and the key path as an operator typed it, in GoBGP's spelling
 * (`neighbors[1].config.peer-as`), so that the message points at the line to fix. Array indexes
 * are 0-based, as in jq and in the TOML array they come from.
 */

export interface ConfigIssue {
  /** GoBGP key path, e.g. `neighbors[0].timers.config.hold-time`; '' for the document itself. */
  readonly keyPath: string;
  readonly message: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(issues.map((i) => formatIssue(source, i)).join('\n'));
  }
}

export function formatIssue(source: string, issue: ConfigIssue): string {
  return issue.keyPath === '' ? `${source}: ${issue.message}` : `${source}: ${issue.keyPath}: ${issue.message}`;
}

/** `['neighbors', 1, 'config', 'peer-as']` → `neighbors[1].config.peer-as`. */
export function keyPathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}
