/**
 * The loader's problems with a published instance, as field errors of the console's form: a
 * problem at `instances.<name>.oidc.signing_key` of the instance's realm file belongs to the field
 * `oidc.signing_key`; any other problem (elsewhere in the file, or in another file) to no field.
 */
import type { ConfigProblem } from '../realms/config-problem';

export interface FieldError {
  /** Key path inside the instance (`oidc.audience[0]`), or '' when the problem is not at one of its keys. */
  readonly field: string;
  readonly message: string;
}

export function fieldErrorsOf(problems: readonly ConfigProblem[], instanceName: string, realmFile: string | undefined): FieldError[] {
  const prefix = `instances.${instanceName}`;
  return problems.map((problem) => {
    const inInstance = problem.file === realmFile && (problem.path === prefix || problem.path.startsWith(`${prefix}.`) || problem.path.startsWith(`${prefix}[`));
    return inInstance ? { field: problem.path.slice(prefix.length).replace(/^\./, ''), message: problem.message } : { field: '', message: problem.path ? `${problem.file} at ${problem.path}: ${problem.message}` : `${problem.file}: ${problem.message}` };
  });
}
