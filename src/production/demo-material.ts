/**
 * What NODE_ENV=production refuses at load: the example configuration's password and client
 * secret hashes (their plaintexts are published in the documentation, so anyone could use them),
 * found by value wherever a realm file holds them, and bindings to plugins whose manifest says
 * `demoOnly: true`.
 */
import { createHash } from 'node:crypto';
import { type ConfigProblem, joinPath } from '../realms/config-problem';
import type { ParsedRealmFile } from '../realms/realm-file-parser';
import type { TokenTypeRegistry } from '../transform/token-type-registry';

/**
 * SHA-256 (hex) of every `$scrypt$` string committed in config/realms/*.yaml. Digests rather than
 * the strings, so this list is not one more copy of them to find. demo-material.spec.ts fails
 * when a committed hash is missing here.
 */
export const DEMO_HASH_DIGESTS: ReadonlySet<string> = new Set([
  '7cf1e589fae6bcc684f1b4c03acd70ab4d8d74e6dfe3258c67ec25c1572b3aff', // user demo: "demo-password"
  '53dcc666c8af82b3acaaa27f728da12f8e0f5293ff2a7360a9e050504ac5f6b4', // client demo-rs: "demo-client-secret"
  '8470b5ed22cea092901512a314559f5ac174ae2343177d7121e603b373618bc8', // client rp-client: "demo-rp-secret"
]);

const BINDING_KEYS = ['custom_token_validators', 'custom_token_providers'] as const;

export function demoMaterialProblems(files: readonly ParsedRealmFile[], registry: TokenTypeRegistry): ConfigProblem[] {
  return files.flatMap((parsed) => [...demoHashProblems(parsed), ...demoPluginProblems(parsed, registry)]);
}

export function isDemoHash(value: string): boolean {
  return value.startsWith('$scrypt$') && DEMO_HASH_DIGESTS.has(createHash('sha256').update(value).digest('hex'));
}

/** Walks the file as written, so the key path is where the operator finds the value. */
function demoHashProblems({ file, source }: ParsedRealmFile): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const visit = (value: unknown, path: string): void => {
    if (typeof value === 'string' && isDemoHash(value)) {
      problems.push({
        file,
        path,
        message:
          "the example configuration's demo hash: its password or secret is published in the documentation, so anyone could use it. " +
          `NODE_ENV=production refuses it; replace it with the hash of a secret of your own (printf %s 'new secret' | npm run -s hash-password)${
            path.endsWith('client_secret_hash') ? ', or use client_secret_env' : ''
          }, or remove the entry`,
      });
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => visit(item, joinPath(path, index)));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) visit(item, joinPath(path, key));
    }
  };
  visit(source.content, '');
  return problems;
}

function demoPluginProblems({ file, config }: ParsedRealmFile, registry: TokenTypeRegistry): ConfigProblem[] {
  return Object.entries(config.instances).flatMap(([name, instance]) =>
    BINDING_KEYS.flatMap((key) =>
      Object.entries(instance[key])
        .filter(([, plugin]) => registry.isDemoOnly(plugin))
        .map(([tokenType, plugin]) => ({
          file,
          path: joinPath('instances', name, key, tokenType),
          message:
            `plugin "${plugin}" is marked demoOnly in its manifest (a demonstration, not a secure token format); ` +
            'NODE_ENV=production refuses an instance bound to it. Bind the type to a plugin of your own or remove the instance',
        })),
    ),
  );
}
