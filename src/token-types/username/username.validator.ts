/**
 * Input type USERNAME: `{username, password}` checked against the realm's identity store.
 * A wrong password and an unknown user get the same answer and take about as long.
 */
import { InvalidTokenError } from '../../errors/sts-errors';
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
  async validateToken({ inputTokenState, realm }: TokenValidatorParams): Promise<TokenValidationResult> {
    const username = requiredString(inputTokenState, 'input_token_state', 'username', MAX_USERNAME_LENGTH);
    const password = requiredString(inputTokenState, 'input_token_state', 'password', MAX_PASSWORD_LENGTH);
    // checkConfiguration guarantees a store for instances that accept USERNAME.
    const identity = await realm.identityStore!.authenticate(username, password);
    if (!identity) {
      throw new InvalidTokenError('The username or password is incorrect.', { code: 'invalid_credentials' });
    }
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
