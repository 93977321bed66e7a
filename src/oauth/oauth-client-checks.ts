/**
 * Load-time checks of `oauth_clients`: one secret source each, unique ids, sound hashes, set
 * variables; and a client to authenticate where `cancel_requires_client_authentication` asks for one.
 */
import { PasswordHashFormatError, parseScryptHash } from '../identity/scrypt-password';
import type { ConfigurationProblem } from '../plugin-api/token-contract';
import type { InstanceSettings } from '../plugin-api/settings';
import { joinPath } from '../realms/config-problem';

/** Shorter environment secrets are refused: a client secret must resist guessing. */
const MIN_ENV_SECRET_LENGTH = 16;

export function oauthClientProblems(settings: InstanceSettings, env: NodeJS.ProcessEnv = process.env): ConfigurationProblem[] {
  const problems: ConfigurationProblem[] = [];
  const seen = new Set<string>();
  settings.oauth_clients.forEach((client, index) => {
    const path = joinPath('oauth_clients', index);
    if (seen.has(client.client_id)) problems.push({ path: joinPath(path, 'client_id'), message: `duplicate client_id "${client.client_id}"` });
    seen.add(client.client_id);
    if ((client.client_secret_hash === undefined) === (client.client_secret_env === undefined)) {
      problems.push({ path, message: 'set exactly one of client_secret_hash and client_secret_env' });
      return;
    }
    if (client.client_secret_hash !== undefined) {
      try {
        parseScryptHash(client.client_secret_hash);
      } catch (error) {
        if (!(error instanceof PasswordHashFormatError)) throw error;
        problems.push({ path: joinPath(path, 'client_secret_hash'), message: error.message });
      }
    } else {
      const secret = env[client.client_secret_env!];
      if (!secret) problems.push({ path: joinPath(path, 'client_secret_env'), message: `environment variable ${client.client_secret_env} is not set` });
      else if (secret.length < MIN_ENV_SECRET_LENGTH) {
        problems.push({ path: joinPath(path, 'client_secret_env'), message: `the secret in ${client.client_secret_env} is shorter than ${MIN_ENV_SECRET_LENGTH} characters` });
      }
    }
  });
  if (settings.cancel_requires_client_authentication && settings.oauth_clients.length === 0) {
    problems.push({ path: 'cancel_requires_client_authentication', message: 'needs at least one entry in oauth_clients, the clients that may cancel' });
  }
  return problems;
}
