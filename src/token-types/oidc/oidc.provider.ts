/**
 * Output type OPENIDCONNECT: a signed OpenID Connect ID token (`oidc:` instance settings).
 */
import { randomBase64url } from '../../common/random-identifier';
import { InvalidRequestError } from '../../errors/sts-errors';
import { encrypterFor, prepareEncryption } from '../../keys/encryption/encryption-setup';
import { signJwt } from '../../keys/jwt-signer';
import { signingKeyProblem } from '../../keys/signing-key-check';
import type { JsonObject } from '../../plugin-api/json';
import type {
  ConfigurationCheckContext,
  ConfigurationProblem,
  IssuedToken,
  IssuedTokenCheckParams,
  TokenProvider,
  TokenProviderParams,
} from '../../plugin-api/token-contract';
import { mapAttributes } from '../claim-mapping';
import { accessTokenHash } from './at-hash';
import { verifyIssuedJwt } from '../issued-jwt-verification';
import { optionalBoolean, optionalString } from '../token-state-fields';

/** Claims the STS sets itself; `claim_map` may not overwrite them. */
const PROTOCOL_CLAIMS = new Set([
  'iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'azp', 'nonce', 'auth_time', 'amr', 'acr',
  'at_hash', 'c_hash', 's_hash', 'sid', 'cnf', 'act', 'may_act',
]);
const MAX_NONCE_LENGTH = 1024;

export class OidcTokenProvider implements TokenProvider {
  /** PingAM's name for an ID token in validated_token_state / cancelled_token_state. */
  readonly issuedTokenField = 'oidc_id_token';

  checkOutputTokenState(state: Readonly<JsonObject>): void {
    optionalString(state, 'output_token_state', 'nonce', MAX_NONCE_LENGTH);
    if (optionalBoolean(state, 'output_token_state', 'allow_access') === false) {
      throw new InvalidRequestError('output_token_state.allow_access must be true when present.');
    }
  }

  async createToken({ principal, session, outputTokenState, realm, instance, exchange, client, accessToken }: TokenProviderParams): Promise<IssuedToken> {
    const oidc = instance.settings.oidc!;
    // A token exchange may narrow the audience (checked against oidc.audience by the token endpoint).
    const audience = exchange?.audience ?? oidc.audience;
    // OpenID Connect Core section 2: azp names the client the token was issued to; it matters
    // when there are several audiences, and says nothing the single audience does not otherwise.
    const azp = oidc.authorized_party ?? (audience.length > 1 ? audience[0] : undefined);
    const now = Math.floor(Date.now() / 1000);
    const nonce = outputTokenState.nonce as string | undefined;
    const claims = {
      ...mapAttributes(oidc.claim_map, session?.attributes),
      iss: oidc.issuer,
      sub: principal,
      aud: audience.length === 1 ? audience[0] : [...audience],
      ...(azp !== undefined && { azp }),
      iat: now,
      exp: now + oidc.token_lifetime_seconds,
      auth_time: session ? Math.floor(session.authenticatedAt.getTime() / 1000) : now,
      jti: randomBase64url(16),
      ...(nonce !== undefined && { nonce }),
      // A plugin's session is not type-checked: only a non-empty string is an acr.
      ...(typeof session?.acr === 'string' && session.acr !== '' && { acr: session.acr }),
      ...(session?.authenticationMethods.length && { amr: [...session.authenticationMethods] }),
      ...(exchange?.actor && { act: exchange.actor }),
      ...(accessToken !== undefined && { at_hash: accessTokenHash(accessToken, oidc.signature_algorithm) }),
    };
    const signed = await signJwt(claims, oidc.signature_algorithm, realm.keys.get(oidc.signing_key)!, { typ: 'JWT' });
    return {
      token: oidc.encryption ? await encrypterFor(oidc.encryption).encrypt(signed) : signed,
      expiresAt: new Date(claims.exp * 1000),
      // No token_type: RFC 7662 means the OAuth access token type there, which an ID token has none of.
      // client_id: the client that asked (token endpoint, or an authenticated translate), else the
      // party the ID token was issued to: azp, or its single audience.
      introspectionClaims: { iss: claims.iss, aud: claims.aud, jti: claims.jti, client_id: exchange?.clientId ?? client?.id ?? azp ?? audience[0] },
    };
  }

  verifyIssuedToken({ token, realm, instance }: IssuedTokenCheckParams): Promise<boolean> {
    const oidc = instance.settings.oidc;
    if (!oidc) return Promise.resolve(false);
    return verifyIssuedJwt(token, realm, {
      signingKey: oidc.signing_key,
      encryption: oidc.encryption,
      issuerMatches: (iss) => iss === oidc.issuer,
    });
  }

  async checkConfiguration({ realm, instance }: ConfigurationCheckContext): Promise<ConfigurationProblem[]> {
    const oidc = instance.settings.oidc;
    if (!oidc) return [{ path: 'oidc', message: 'missing; OPENIDCONNECT output needs an oidc section' }];
    const problems: ConfigurationProblem[] = [];
    const keyProblem = signingKeyProblem(oidc.signature_algorithm, oidc.signing_key, realm);
    if (keyProblem) problems.push({ path: 'oidc.signing_key', message: keyProblem });
    for (const claim of Object.keys(oidc.claim_map)) {
      if (PROTOCOL_CLAIMS.has(claim)) {
        problems.push({ path: `oidc.claim_map.${claim}`, message: `"${claim}" is set by the STS and cannot be mapped` });
      }
    }
    if (oidc.encryption) problems.push(...(await prepareEncryption(oidc.encryption, realm, 'oidc.encryption')));
    return problems;
  }
}
