/** Configuration mistakes, each naming file, key path and reason. */
export interface ConfigProblem {
  readonly file: string;
  /** Dotted key path inside the file (`instances.default.oidc.signing_key`); empty for the whole file. */
  readonly path: string;
  readonly message: string;
  /** 1-based position in the file, where the problem has one (YAML syntax errors). */
  readonly line?: number;
  readonly column?: number;
}

/** `file: path: message`, or `file:line:column: message` (the form editors and terminals link to). */
export function formatConfigProblem(problem: ConfigProblem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}:${problem.column ?? 1}`;
  return problem.path ? `${where}: ${problem.path}: ${problem.message}` : `${where}: ${problem.message}`;
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
