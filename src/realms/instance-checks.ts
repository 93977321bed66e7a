/**
 * Load-time checks of an instance against the token types it names: every transform needs a
 * validator and a token provider, and each of those may check the settings it relies on.
 */
import { prepareClientKeyMaterial } from '../oauth/client-key-material';
import { oauthClientProblems } from '../oauth/oauth-client-checks';
import type { InstanceSettings } from '../plugin-api/settings';
import type { ConfigurationProblem, TokenProvider, TokenValidator } from '../plugin-api/token-contract';
import type { Resolution, TokenTypeRegistry } from '../transform/token-type-registry';
import { ConfigProblem, joinPath } from './config-problem';
import type { LoadedInstance } from './loaded-instance';

export async function instanceProblems(loaded: LoadedInstance, registry: TokenTypeRegistry): Promise<ConfigProblem[]> {
  const { file } = loaded.realm;
  const base = joinPath('instances', loaded.instance.name);
  const problems: ConfigProblem[] = [];
  const handlers = new Set<TokenValidator | TokenProvider>();

  const { settings } = loaded.instance;
  settings.supported_token_transforms.forEach((transform, index) => {
    const path = joinPath(base, 'supported_token_transforms', index);
    const validator = registry.resolveValidator(settings, transform.from);
    const provider = registry.resolveProvider(settings, transform.to);
    if (validator.status === 'unknown') {
      problems.push({ file, path: joinPath(path, 'from'), message: unknownTypeMessage('validator', transform.from, registry) });
    }
    if (provider.status === 'unknown') {
      problems.push({ file, path: joinPath(path, 'to'), message: unknownTypeMessage('provider', transform.to, registry) });
    }
    for (const resolution of [validator, provider] as Resolution<TokenValidator | TokenProvider>[]) {
      if (resolution.status === 'ready') handlers.add(resolution.handler);
    }
  });
  const found: ConfigurationProblem[] = [...issuerNameProblems(settings), ...oauthClientProblems(settings)];
  // Files and URLs of key-based clients, once every client has the keys its method needs.
  if (found.length === 0) found.push(...(await prepareClientKeyMaterial(settings, loaded.realm.configDir)));
  for (const handler of handlers) {
    found.push(...((await handler.checkConfiguration?.({ realm: loaded.realm, instance: loaded.instance })) ?? []));
  }
  return [...problems, ...found.map((p) => ({ file, path: joinPath(base, p.path), message: p.message }))];
}

/**
 * An ID token's `iss` is an http(s) URL (OpenID Connect Core 2), which discovery and relying parties
 * rely on. PingAM takes any name; an instance published in PingAM's format keeps PingAM's name and
 * then has no discovery document.
 */
function issuerNameProblems(settings: InstanceSettings): ConfigurationProblem[] {
  const issuer = settings.oidc?.issuer;
  if (issuer === undefined || settings.pingam_compatibility || isHttpUrl(issuer)) return [];
  return [{ path: 'oidc.issuer', message: `"${issuer}" is not an http(s) URL; an ID token's iss must be one (OpenID Connect Core 2)` }];
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function unknownTypeMessage(role: 'validator' | 'provider', tokenType: string, registry: TokenTypeRegistry): string {
  const builtins = registry.builtinTypes(role === 'validator' ? 'validators' : 'providers').join(', ');
  const binding = role === 'validator' ? 'custom_token_validators' : 'custom_token_providers';
  return `no token ${role} for type "${tokenType}" (built-in: ${builtins}; bind plugin types with ${binding})`;
}
