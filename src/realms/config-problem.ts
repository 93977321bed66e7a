/** Configuration mistakes, each naming file, key path and reason. */
export interface ConfigProblem {
  readonly file: string;
  /** Dotted key path inside the file (`instances.default.oidc.signing_key`); empty for the whole file. */
  readonly path: string;
  readonly message: string;
}

export function formatConfigProblem(problem: ConfigProblem): string {
  return problem.path ? `${problem.file}: ${problem.path}: ${problem.message}` : `${problem.file}: ${problem.message}`;
}

/** Thrown when a configuration cannot be used; the server refuses to start on it, or keeps the last good one. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map(formatConfigProblem).join('\n'));
    this.name = 'ConfigError';
  }
}

export function joinPath(...parts: (string | number | undefined)[]): string {
  return parts
    .filter((part) => part !== undefined && part !== '')
    .map((part) => (typeof part === 'number' ? `[${part}]` : String(part)))
    .join('.')
    .replace(/\.\[/g, '[');
}
