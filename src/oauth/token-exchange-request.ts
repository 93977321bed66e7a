/** Reads an RFC 8693 section 2.1 token exchange request from the form body. */
import type { FormBody } from './form-body';
import { TokenExchangeError } from './token-exchange-error';
import { TOKEN_TYPE_URI } from './token-exchange-types';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
/** More targets than any real request names; bounds the work a request can cause. */
const MAX_TARGETS = 20;

export interface TokenExchangeRequest {
  readonly subjectToken: string;
  readonly subjectTokenType: string;
  readonly actor?: { readonly token: string; readonly tokenType: string };
  /** Defaults to the access token type (RFC 8693 section 2.1). */
  readonly requestedTokenType: string;
  /** `audience` and `resource` values together: the services the token is meant for. */
  readonly targets: readonly string[];
  /** Undefined when the request names no scope. */
  readonly scopes?: readonly string[];
}

/** RFC 6749 section 5.2: a missing grant_type is `invalid_request`, another grant `unsupported_grant_type`. */
export function checkGrantType(form: FormBody): void {
  const grantType = form.required('grant_type');
  if (grantType !== TOKEN_EXCHANGE_GRANT) {
    throw new TokenExchangeError('unsupported_grant_type', `This token endpoint supports only the grant type ${TOKEN_EXCHANGE_GRANT}.`);
  }
}

export function readTokenExchangeRequest(form: FormBody): TokenExchangeRequest {
  const actorToken = form.single('actor_token');
  const actorTokenType = form.single('actor_token_type');
  // Section 2.1: actor_token_type is required with an actor_token and must not appear without one.
  if ((actorToken === undefined) !== (actorTokenType === undefined)) {
    throw new TokenExchangeError('invalid_request', 'actor_token and actor_token_type must be sent together.');
  }
  return {
    subjectToken: form.required('subject_token'),
    subjectTokenType: form.required('subject_token_type'),
    ...(actorToken !== undefined && { actor: { token: nonEmpty(actorToken, 'actor_token'), tokenType: nonEmpty(actorTokenType!, 'actor_token_type') } }),
    requestedTokenType: form.single('requested_token_type') || TOKEN_TYPE_URI.accessToken,
    targets: targetsOf(form),
    ...scopesOf(form.single('scope')),
  };
}

/** Section 2.1: audience and resource may each repeat; a resource is an absolute URI without fragment (RFC 8707). */
function targetsOf(form: FormBody): string[] {
  const audiences = form.all('audience');
  const resources = form.all('resource');
  for (const resource of resources) {
    if (!isAbsoluteUriWithoutFragment(resource)) {
      throw new TokenExchangeError('invalid_target', `The resource ${JSON.stringify(resource.slice(0, 100))} is not an absolute URI without a fragment.`);
    }
  }
  const targets = [...new Set([...audiences, ...resources])];
  if (targets.some((target) => target.length === 0)) throw new TokenExchangeError('invalid_request', 'audience and resource must not be empty.');
  if (targets.length > MAX_TARGETS) throw new TokenExchangeError('invalid_request', `At most ${MAX_TARGETS} audience and resource values are accepted.`);
  return targets;
}

function scopesOf(scope: string | undefined): { scopes?: string[] } {
  if (scope === undefined) return {};
  const scopes = scope.split(' ').filter(Boolean);
  if (scopes.length === 0 || !scopes.every((s) => SCOPE_TOKEN.test(s))) {
    throw new TokenExchangeError('invalid_scope', 'scope must be a space-delimited list of scope tokens.');
  }
  return { scopes: [...new Set(scopes)] };
}

function nonEmpty(value: string, name: string): string {
  if (value.length === 0) throw new TokenExchangeError('invalid_request', `The parameter ${name} must not be empty.`);
  return value;
}

function isAbsoluteUriWithoutFragment(value: string): boolean {
  try {
    return new URL(value).hash === '' && !value.includes('#');
  } catch {
    return false;
  }
}
