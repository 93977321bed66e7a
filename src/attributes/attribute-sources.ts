/** The realm's `attribute_sources`, built at load without connecting to any of them. */
import type { ConfigurationProblem } from '../plugin-api/token-contract';
import type { AttributeSourceConfig } from '../realms/schema/attribute-source-config';
import type { AttributeSource } from './attribute-source';
import { HttpAttributeSource } from './http-attribute-source';
import { LdapAttributeSource } from './ldap-attribute-source';
import { SqlAttributeSource } from './sql-attribute-source';

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
    const found =
      config.type === 'ldap' ? LdapAttributeSource.problems(config) : config.type === 'sql' ? SqlAttributeSource.problems(config, env) : HttpAttributeSource.problems(config);
    problems.push(...found.map(({ field, message }) => ({ path: at(field), message })));
    if (found.length > 0) return;
    const source =
      config.type === 'ldap'
        ? new LdapAttributeSource(config, configDir, env)
        : config.type === 'sql'
          ? new SqlAttributeSource(config, configDir, env)
          : new HttpAttributeSource(config);
    sources.set(config.name, source);
  });
  return { sources, problems };
}
