/**
 * Input type USERNAME: `{username, password}` checked against the realm's identity store.
 * A wrong password and an unknown user get the same answer and take about as long.
 */
import { InvalidTokenError, TooManyRequestsError } from '../../errors/sts-errors';
import { addressKey, clientAddress, TrustedProxies } from '../../ratelimit/client-address';
import type { LoginBackoffStore } from '../../ratelimit/login-backoff';
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
  private readonly trustedProxies: TrustedProxies;

  /** With `backoff`, failed logins back off per user and client address (server.yaml `login_backoff`). */
  constructor(
    private readonly backoff?: LoginBackoffStore,
    trustedProxies: readonly string[] = [],
  ) {
    this.trustedProxies = new TrustedProxies(trustedProxies);
  }

  async validateToken({ inputTokenState, realm, request }: TokenValidatorParams): Promise<TokenValidationResult> {
    const username = requiredString(inputTokenState, 'input_token_state', 'username', MAX_USERNAME_LENGTH);
    const password = requiredString(inputTokenState, 'input_token_state', 'password', MAX_PASSWORD_LENGTH);
    // Per realm: the same name in two realms is two users.
    const user = `${realm.path}\0${username}`;
    const address = this.backoff && addressKey(clientAddress(request.remoteAddress, request.headers['x-forwarded-for'], this.trustedProxies));
    // Refused before the password is hashed: no cost to us, and no answer about the password.
    if (address !== undefined) throwIfBackedOff(await this.backoff!.retryAfter(user, address));
    // checkConfiguration guarantees a store for instances that accept USERNAME.
    const identity = await realm.identityStore!.authenticate(username, password);
    // A lock that began while this password was checked (a burst of guesses) withholds the answer.
    if (address !== undefined) throwIfBackedOff(await this.backoff!.settle(user, address, identity !== null));
    if (!identity) throw new InvalidTokenError('The username or password is incorrect.', { code: 'invalid_credentials' });
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

function throwIfBackedOff(wait: number | undefined): void {
  if (wait !== undefined) throw new TooManyRequestsError('login_backoff', 'Too many failed logins; try again after the time in Retry-After.', wait);
}
