/**
 * Input type USERNAME: `{username, password}` checked against the realm's identity store.
 * A wrong password and an unknown user get the same answer and take about as long.
 */
import { InvalidTokenError, TooManyRequestsError } from '../../errors/sts-errors';
import { addressKey, clientAddress, TrustedProxies } from '../../ratelimit/client-address';
import { LoginBackoff } from '../../ratelimit/login-backoff';
import type { LoginBackoffSettings } from '../../server-config/server-config';
import type {
  ConfigurationCheckContext,
  ConfigurationProblem,
  TokenValidationResult,
  TokenValidator,
  TokenValidatorParams,
} from '../../plugin-api/token-contract';
import { requiredString } from '../token-state-fields';

const MAX_USERNAME_LENGTH = 256;
const MAX_PASSWORD_LENGTH = 4096;

export class UsernameTokenValidator implements TokenValidator {
  private readonly backoff?: LoginBackoff;
  private readonly trustedProxies: TrustedProxies;

  /** With `backoff`, failed logins back off per user and client address (server.yaml `login_backoff`). */
  constructor(backoff?: LoginBackoffSettings, trustedProxies: readonly string[] = []) {
    this.backoff = backoff && new LoginBackoff(backoff);
    this.trustedProxies = new TrustedProxies(trustedProxies);
  }

  async validateToken({ inputTokenState, realm, request }: TokenValidatorParams): Promise<TokenValidationResult> {
    const username = requiredString(inputTokenState, 'input_token_state', 'username', MAX_USERNAME_LENGTH);
    const password = requiredString(inputTokenState, 'input_token_state', 'password', MAX_PASSWORD_LENGTH);
    // Per realm: the same name in two realms is two users.
    const user = `${realm.path}\0${username}`;
    const address = this.backoff && addressKey(clientAddress(request.remoteAddress, request.headers['x-forwarded-for'], this.trustedProxies));
    const wait = address !== undefined ? this.backoff!.retryAfter(user, address) : undefined;
    // Refused before the password is hashed: no cost to us, and no answer about the password.
    if (wait !== undefined) throw new TooManyRequestsError('login_backoff', 'Too many failed logins; try again after the time in Retry-After.', wait);
    // checkConfiguration guarantees a store for instances that accept USERNAME.
    const identity = await realm.identityStore!.authenticate(username, password);
    if (!identity) {
      if (address !== undefined) this.backoff!.failed(user, address);
      throw new InvalidTokenError('The username or password is incorrect.', { code: 'invalid_credentials' });
    }
    this.backoff?.succeeded(user);
    return {
      principal: identity.username,
      session: { authenticatedAt: new Date(), authenticationMethods: ['pwd'], attributes: identity.attributes },
    };
  }

  checkConfiguration({ realm }: ConfigurationCheckContext): ConfigurationProblem[] {
    return realm.identityStore
      ? []
      : [{ path: 'supported_token_transforms', message: `USERNAME input needs an identity_store in realm ${realm.path}` }];
  }
}
