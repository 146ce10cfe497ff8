/**
 * Where a setting came from, so every start-up error names it: a file and line, an environment
 * variable, or a `--override` flag.
 */
export type ConfigSource =
  | { readonly kind: 'default' }
  | { readonly kind: 'file'; readonly path: string; readonly line?: number }
  | { readonly kind: 'env'; readonly name: string }
  | { readonly kind: 'override' };

export function describeSource(source: ConfigSource): string {
  switch (source.kind) {
    case 'default':
      return 'default';
    case 'file':
      return source.line === undefined ? source.path : `${source.path}:${source.line}`;
    case 'env':
      return `env ${source.name}`;
    case 'override':
      return '--override';
  }
}

/** One problem: `<source>: <message>`. */
export interface ConfigIssue {
  readonly source: ConfigSource;
  readonly message: string;
}

export function formatIssue(issue: ConfigIssue): string {
  return `${describeSource(issue.source)}: ${issue.message}`;
}

/**
 * Start-up stops on this. It carries every problem found in one pass (one per line of the message),
 * so an operator fixes the file once instead of once per error.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'RUNNEL_ERR_INVALID_CONFIG';

  constructor(readonly issues: readonly ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
  }
}
