/** Load-time checks of the `session` block, shared by the SESSION token provider and validator. */
import { signingKeyProblem } from '../../keys/signing-key-check';
import type { ConfigurationCheckContext, ConfigurationProblem } from '../../plugin-api/token-contract';
import { sessionIssuer } from './sessions';

/** Claims the STS sets itself in a session token; `allowed_claims` may not name them. */
export const SESSION_PROTOCOL_CLAIMS = new Set(['iss', 'sub', 'aud', 'usage', 'jti', 'iat', 'exp', 'nbf', 'auth_time', 'amr', 'acr']);

export function sessionConfigurationProblems({ realm, instance }: ConfigurationCheckContext, role: string): ConfigurationProblem[] {
  const config = instance.settings.session;
  if (!config) return [{ path: 'session', message: `missing; ${role} needs a session section` }];
  const problems: ConfigurationProblem[] = [];
  if (config.max_lifetime_seconds < config.idle_timeout_seconds) {
    problems.push({ path: 'session.max_lifetime_seconds', message: 'must be at least session.idle_timeout_seconds' });
  }
  if (config.form === 'jwt') {
    if (config.signature_algorithm && config.signing_key) {
      const keyProblem = signingKeyProblem(config.signature_algorithm, config.signing_key, realm);
      if (keyProblem) problems.push({ path: 'session.signing_key', message: keyProblem });
    }
    if (sessionIssuer(instance) === undefined) {
      problems.push({ path: 'session.issuer', message: 'missing; session JWTs carry iss: set session.issuer or oidc.issuer' });
    }
  }
  config.allowed_claims.forEach((claim, index) => {
    if (SESSION_PROTOCOL_CLAIMS.has(claim)) {
      problems.push({ path: `session.allowed_claims[${index}]`, message: `"${claim}" is set by the STS; a request cannot supply it` });
    }
  });
  if (config.cancel_issued_tokens_on_logout && !instance.settings.persist_issued_tokens) {
    problems.push({ path: 'session.cancel_issued_tokens_on_logout', message: 'needs persist_issued_tokens: true (only recorded tokens can be cancelled)' });
  }
  return problems;
}
