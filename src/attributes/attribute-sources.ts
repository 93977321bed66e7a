/** The realm's `attribute_sources`, built at load without connecting to any of them. */
import type { ConfigurationProblem } from '../plugin-api/token-contract';
import type { AttributeSourceConfig } from '../realms/schema/attribute-source-config';
import type { AttributeSource } from './attribute-source';
import { HttpAttributeSource } from './http-attribute-source';
import { LdapAttributeSource } from './ldap-attribute-source';
import { SqlAttributeSource } from './sql-attribute-source';

/** Keys that belong to one type (or driver): written on another, they are refused rather than ignored. */
const KEYS_OF_TYPE: readonly (readonly [keyof AttributeSourceConfig, string])[] = [
  ...(['url', 'start_tls', 'ca_file', 'tls_reject_unauthorized', 'bind_dn', 'bind_password_env', 'base_dn'] as const).map((key) => [key, 'ldap'] as const),
  ['driver', 'sql'],
  ['file', 'sqlite'],
  ['connection_env', 'postgres'],
  ['base_url', 'http'],
  ['bearer_token_env', 'http'],
];

function misplacedKeys(config: AttributeSourceConfig): { field: string; message: string }[] {
  const kinds = [config.type, ...(config.type === 'sql' && config.driver ? [config.driver] : [])];
  return KEYS_OF_TYPE.filter(([key, kind]) => config[key] !== undefined && !kinds.includes(kind as never)).map(([key, kind]) => ({
    field: key,
    message: `${key} only applies to ${kind === 'sqlite' || kind === 'postgres' ? `sql sources with driver ${kind}` : `sources of type ${kind}`}`,
  }));
}

/** Problems have paths inside the realm file (`attribute_sources[0].url`). */
export function buildAttributeSources(
  configs: readonly AttributeSourceConfig[],
  configDir: string,
  env: NodeJS.ProcessEnv,
): { sources: ReadonlyMap<string, AttributeSource>; problems: ConfigurationProblem[] } {
  const sources = new Map<string, AttributeSource>();
  const problems: ConfigurationProblem[] = [];
  const seen = new Set<string>();
  configs.forEach((config, index) => {
    const at = (field: string) => `attribute_sources[${index}].${field}`;
    if (seen.has(config.name)) {
      problems.push({ path: at('name'), message: `"${config.name}" names another source too; source names are unique in a realm` });
      return;
    }
    seen.add(config.name);
    const found = misplacedKeys(config);
    found.push(
      ...(config.type === 'ldap' ? LdapAttributeSource.problems(config) : config.type === 'sql' ? SqlAttributeSource.problems(config, env) : HttpAttributeSource.problems(config, env)),
    );
    problems.push(...found.map(({ field, message }) => ({ path: at(field), message })));
    if (found.length > 0) return;
    const source =
      config.type === 'ldap'
        ? new LdapAttributeSource(config, configDir, env)
        : config.type === 'sql'
          ? new SqlAttributeSource(config, configDir, env)
          : new HttpAttributeSource(config, env);
    sources.set(config.name, source);
  });
  return { sources, problems };
}
