/** Schema-checks one realm file, instance by instance, with key paths for every problem. */
import { PasswordHashFormatError, parseScryptHash } from '../identity/scrypt-password';
import { ConfigProblem, joinPath } from './config-problem';
import type { RealmFile } from './realm-file-reader';
import { validateSchema } from './schema-validation';
import { TOKEN_TYPE_PATTERN } from '../transform/token-type-name';
import { InstanceConfig } from './schema/instance-config';
import { INSTANCE_NAME_PATTERN, RealmConfig } from './schema/realm-config';

export interface ParsedRealmFile {
  readonly file: string;
  readonly config: RealmConfig;
  /** The file it came from, as written (before schema defaults). */
  readonly source: RealmFile;
}

export function parseRealmFile(source: RealmFile): { parsed?: ParsedRealmFile; problems: ConfigProblem[] } {
  const { file, content } = source;
  const { value: config, problems } = validateSchema(RealmConfig, content, file, '');
  if (problems.length > 0) return { problems };

  const instances: Record<string, InstanceConfig> = {};
  for (const [name, plain] of Object.entries(config.instances)) {
    const path = joinPath('instances', name);
    if (!INSTANCE_NAME_PATTERN.test(name)) {
      problems.push({ file, path, message: 'instance names are 1-128 characters of A-Z a-z 0-9 . _ - and start with a letter or digit' });
      continue;
    }
    const result = validateSchema(InstanceConfig, plain, file, path, RealmConfig);
    problems.push(...result.problems, ...bindingProblems(result.value, file, path));
    instances[name] = result.value;
  }
  problems.push(...identityStoreProblems(config, file));
  return problems.length > 0 ? { problems } : { parsed: { file, config: Object.assign(config, { instances }), source }, problems };
}

function bindingProblems(instance: InstanceConfig | undefined, file: string, path: string): ConfigProblem[] {
  if (!instance) return [];
  const bindings = { custom_token_validators: instance.custom_token_validators, custom_token_providers: instance.custom_token_providers };
  return Object.entries(bindings).flatMap(([key, map]) =>
    Object.keys(map ?? {})
      .filter((type) => !TOKEN_TYPE_PATTERN.test(type))
      .map((type) => ({ file, path: joinPath(path, key, type), message: 'token type names are upper case (e.g. CUSTOM)' })),
  );
}

function identityStoreProblems(config: RealmConfig, file: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  config.identity_store?.users?.forEach((user, index) => {
    const path = joinPath('identity_store', 'users', index);
    if (seen.has(user.username)) problems.push({ file, path: joinPath(path, 'username'), message: `duplicate user "${user.username}"` });
    seen.add(user.username);
    try {
      parseScryptHash(user.password_hash);
    } catch (error) {
      if (!(error instanceof PasswordHashFormatError)) throw error;
      problems.push({ file, path: joinPath(path, 'password_hash'), message: error.message });
    }
  });
  return problems;
}
