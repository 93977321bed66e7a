/**
 * `_action=token_details` (DaVinci "Get Token Details"): verifies a token this instance issued
 * and says what it carries. The token's own provider verifies it (signature with the instance's
 * current or retiring keys, issuer); expiry is refused unless `options.errorOnExpiry` is false;
 * where the instance persists issued tokens, a cancelled token is refused too.
 */
import { InvalidRequestError } from '../../errors/sts-errors';
import type { JsonObject } from '../../plugin-api/json';
import type { LoadedInstance } from '../../realms/loaded-instance';
import type { IssuedTokens } from '../../tokens/issued-tokens';
import { guardedCall } from '../guarded-call';
import { ready } from '../token-dispatcher';
import type { TokenTypeRegistry } from '../token-type-registry';
import { jwtClaimsOf, signedJwtOf, type JwtIssuance } from './jwt-details';
import { samlDetailsOf } from './saml-details';
import { invalidSignature, notIssuedHere, notLive, tokenExpired, unverifiable } from './token-details-errors';
import { certificateDetailsOf } from './x509-details';

/** The body of `_action=token_details` (shape checked by request-bodies.ts). */
export interface TokenDetailsQuery {
  readonly token_type: string;
  readonly token: string;
  readonly options?: JsonObject;
}

/** What a reader found: the answer's members, when the token stops being valid, whether a signature vouches for it. */
interface Read {
  readonly answer: JsonObject;
  readonly expiresAt: Date | undefined;
  readonly signed: boolean;
}

const OPTIONS = ['errorOnExpiry'];

export class TokenDetails {
  constructor(
    private readonly registry: TokenTypeRegistry,
    private readonly issuedTokens: IssuedTokens | undefined,
    private readonly timeoutMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  async details(target: LoadedInstance, query: TokenDetailsQuery): Promise<JsonObject> {
    const errorOnExpiry = errorOnExpiryOf(query.options);
    const tokenType = query.token_type;
    if (!target.tokenTypes('output').includes(tokenType)) {
      throw new InvalidRequestError(`Instance ${target.instance.path} does not issue ${JSON.stringify(tokenType.slice(0, 64))} tokens; it issues ${target.tokenTypes('output').join(', ')}.`, {
        code: 'unknown_token_type',
      });
    }
    const provider = ready(this.registry.resolveProvider(target.instance.settings, tokenType), tokenType, target, 'output');
    const read = await this.read(target, tokenType, query.token);
    // The provider decides whether the token verifies with the instance's keys, as for validate.
    const { realm, instance } = target;
    const verified = provider.verifyIssuedToken
      ? await guardedCall(this.timeoutMs, 'token_validation_failed', () => provider.verifyIssuedToken!({ token: query.token, tokenType, realm, instance }))
      : false;
    if (verified !== true) throw invalidSignature();
    const expired = read.expiresAt !== undefined && read.expiresAt.getTime() <= this.clock();
    if (expired && errorOnExpiry) throw tokenExpired(read.expiresAt!);
    // The store: a cancelled token is refused; an unsigned one must be a token it lists. (An
    // expired token is gone from the store, so only the signature vouches for it.)
    if (!expired && instance.settings.persist_issued_tokens && this.issuedTokens) {
      if (!(await this.issuedTokens.lookup(target, query.token, tokenType))) throw notLive();
    } else if (!read.signed) {
      throw unverifiable();
    }
    return { token_type: tokenType, expired, ...read.answer };
  }

  /** Reads the token as its type, refusing what is malformed or plainly another issuer's. */
  private async read(target: LoadedInstance, tokenType: string, token: string): Promise<Read> {
    const { realm, instance } = target;
    const settings = instance.settings;
    switch (tokenType) {
      case 'OPENIDCONNECT':
      case 'JWT': {
        const issuance = tokenType === 'JWT' ? accessTokenIssuance(target) : idTokenIssuance(target);
        const claims = jwtClaimsOf(await signedJwtOf(token, realm, issuance), realm, issuance);
        const exp = typeof claims.exp === 'number' ? new Date(claims.exp * 1000) : undefined;
        return { answer: { claims }, expiresAt: exp, signed: true };
      }
      case 'SAML2': {
        const saml = samlDetailsOf(token);
        if (saml.issuer !== settings.saml2!.issuer) throw notIssuedHere(`its issuer ${JSON.stringify((saml.issuer ?? '').slice(0, 200))} is not this instance's`);
        return {
          answer: {
            issuer: saml.issuer,
            ...(saml.principal !== undefined && { principal: saml.principal }),
            ...(saml.notBefore && { not_before: saml.notBefore.toISOString() }),
            ...(saml.notOnOrAfter && { not_on_or_after: saml.notOnOrAfter.toISOString() }),
          },
          expiresAt: saml.notOnOrAfter,
          signed: saml.signed,
        };
      }
      case 'X509': {
        const certificate = certificateDetailsOf(token);
        const ca = realm.keys.get(settings.x509_issuance!.ca_key);
        if (!ca?.certificate || !certificate.certificate.checkIssued(ca.certificate)) throw notIssuedHere("its issuer is not this instance's CA");
        return {
          answer: {
            principal: certificate.subject,
            issuer: certificate.issuer,
            serial_number: certificate.serialNumber,
            not_before: certificate.notBefore.toISOString(),
            not_after: certificate.notAfter.toISOString(),
          },
          // notAfter is the last valid moment: it expires just after.
          expiresAt: new Date(certificate.notAfter.getTime() + 1),
          signed: true,
        };
      }
      default:
        throw new InvalidRequestError(
          `Token details are not available for ${tokenType} tokens here` + (tokenType === 'SESSION' ? '; ask for a session\'s details with _action=session_info.' : '.'),
          { code: 'token_details_unsupported' },
        );
    }
  }
}

function idTokenIssuance(target: LoadedInstance): JwtIssuance {
  const oidc = target.instance.settings.oidc!;
  return { signingKey: oidc.signing_key, encryption: oidc.encryption, issuerMatches: (iss) => iss === oidc.issuer };
}

/** As the JWT provider checks it: a claim_map entry for `iss` lets each token name its own issuer. */
function accessTokenIssuance(target: LoadedInstance): JwtIssuance {
  const settings = target.instance.settings;
  const config = settings.access_token!;
  const issuer = config.issuer ?? settings.oidc?.issuer;
  const issuerMapped = Object.hasOwn(config.claim_map, 'iss');
  return { signingKey: config.signing_key, encryption: config.encryption, issuerMatches: (iss) => issuerMapped || iss === issuer };
}

function errorOnExpiryOf(options: JsonObject | undefined): boolean {
  if (options === undefined) return true;
  const unknown = Object.keys(options).find((name) => !OPTIONS.includes(name));
  if (unknown !== undefined) throw new InvalidRequestError(`Unknown option "${unknown.slice(0, 64)}"; token_details takes ${OPTIONS.join(', ')}.`);
  const value = options.errorOnExpiry;
  if (value !== undefined && typeof value !== 'boolean') throw new InvalidRequestError('options.errorOnExpiry must be true or false.');
  return value !== false;
}
