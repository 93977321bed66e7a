/**
 * Input type SAML2: `{saml2_token}`, a SAML 2.0 Assertion (or a Response carrying exactly one),
 * raw XML or base64 of it, signed by an IdP listed in `saml2_validation.trusted_idps`.
 *
 * In this order, so hostile input costs as little as possible: size and DTD refused before
 * parsing; a strict parse; the document's shape (one Assertion, one enveloped signature referencing
 * it, allowed algorithms only, no comments); a Response's Destination, if any, must be one of
 * `recipients`; the issuer must be trusted; the signature is verified with that IdP's configured
 * certificates only (never KeyInfo); then everything is read from the verified reference alone:
 * validity window and audience (with clock skew), a bearer confirmation whose Recipient is one of
 * `recipients`, NameID, authentication statement, attributes. Last, the assertion ID is remembered
 * in the shared replay guard until it expires, so the same assertion is accepted once by any node.
 */
import { InvalidRequestError, InvalidTokenError } from '../../errors/sts-errors';
import type {
  ConfigurationCheckContext,
  ConfigurationProblem,
  TokenValidationResult,
  TokenValidator,
  TokenValidatorParams,
} from '../../plugin-api/token-contract';
import { readAssertion } from './validation-assertion';
import { checkDestination } from './validation-recipient';
import { locateAssertion, NS, signatureInvalid, verifyAssertion } from './validation-signature';
import { prepareTrustedIdps, trustedIdpKeysFor } from './validation-trust';
import { decodeSamlDocument } from './xml-safety';

export class Saml2TokenValidator implements TokenValidator {
  async validateToken({ inputTokenState, instance, replayGuard }: TokenValidatorParams): Promise<TokenValidationResult> {
    // checkConfiguration guarantees the block and its keys for instances that accept SAML2.
    const config = instance.settings.saml2_validation!;
    const token = inputTokenState.saml2_token;
    if (typeof token !== 'string' || token.trim().length === 0) {
      throw new InvalidRequestError('input_token_state.saml2_token is required and must be a non-empty string.');
    }
    const xml = decodeSamlDocument(token, config.max_document_bytes);
    const pending = locateAssertion(xml);
    // Not covered by the assertion's signature, but a Response sent elsewhere is refused cheaply.
    checkDestination(pending.document.documentElement!, config.recipients);
    // Before the signature: a hostile assertion costs no verification.
    const attributeCount = pending.assertion.getElementsByTagNameNS(NS.ASSERTION, 'Attribute').length;
    if (attributeCount > config.max_attributes) {
      throw new InvalidRequestError(`The assertion has more than the ${config.max_attributes} attributes this instance accepts.`, {
        code: 'saml_too_many_attributes',
      });
    }
    const keys = trustedIdpKeysFor(config).get(pending.claimedIssuer);
    if (!keys || keys.length === 0) {
      throw new InvalidTokenError(`The assertion issuer ${JSON.stringify(pending.claimedIssuer.slice(0, 200))} is not trusted.`, {
        code: 'saml_untrusted_issuer',
      });
    }
    const signed = verifyAssertion(xml, pending, keys);

    const now = Date.now();
    const clockSkewMs = config.clock_skew_seconds * 1000;
    const read = readAssertion(signed, { audience: config.audience, recipients: config.recipients, clockSkewMs, now });
    if (read.issuer !== pending.claimedIssuer) throw signatureInvalid('The signed Issuer differs from the one the keys were chosen for.');

    // Assertion IDs are unique per issuer only; a store outage rejects with a 503, passed on as is.
    if (!(await replayGuard.firstUse(`${read.issuer}\u0000${pending.id}`, new Date(read.notOnOrAfter + clockSkewMs)))) {
      throw new InvalidTokenError('This assertion has already been used.', { code: 'saml_assertion_replayed' });
    }
    return {
      principal: read.nameId,
      // The signed Issuer: token exchange trusts this, never an attribute that happens to be called iss.
      issuer: read.issuer,
      session: {
        authenticatedAt: read.authenticatedAt ?? new Date(now),
        authenticationMethods: read.authenticationMethods,
        ...(read.authnContextClassRef && { acr: read.authnContextClassRef }),
        attributes: { ...read.attributes, saml_issuer: read.issuer },
      },
    };
  }

  async checkConfiguration({ realm, instance }: ConfigurationCheckContext): Promise<ConfigurationProblem[]> {
    const config = instance.settings.saml2_validation;
    if (!config) return [{ path: 'saml2_validation', message: 'missing; SAML2 input needs a saml2_validation section' }];
    return prepareTrustedIdps(config, realm.configDir);
  }
}
