'use strict';
/**
 * Example STS plugin: a CUSTOM token type, as in PingAM's custom token type documentation.
 *
 * It shows the contract, not a secure token format: the validator trusts `extra_stuff` as it
 * comes. A real validator checks a signature, a MAC or a lookup before it names a principal.
 *
 * The module exports a function; the STS calls it once with its plugin API (contract version,
 * error classes) and uses the manifest it returns. Validators and token providers are classes:
 * the STS makes one instance of each, and that instance serves every concurrent request, so
 * they keep no per-request state.
 *
 * Contract 1.1 (what this example shows of it):
 * - createToken returns `{ token, expiresAt }` instead of a bare string, so an instance that
 *   persists issued tokens keeps the record exactly as long as the token is good;
 * - issuedTokenField names the member of validated_token_state / cancelled_token_state that
 *   carries a CUSTOM token: `{ "token_type": "CUSTOM", "custom_token": "<the token>" }`;
 * - verifyIssuedToken answers, for `_action=validate` and introspection, whether a token the
 *   store lists as issued still holds up. It returns false, never throws, for a token it cannot read.
 *
 * @param {import('rest-sts/plugin-api')} sts
 * @returns {import('rest-sts/plugin-api').StsPluginManifest}
 */
module.exports = function examplePlugin(sts) {
  class CustomTokenValidator {
    /** @param {import('rest-sts/plugin-api').TokenValidatorParams} params */
    validateToken({ inputTokenState }) {
      const stuff = inputTokenState.extra_stuff;
      if (typeof stuff !== 'string' || stuff.length === 0 || stuff.length > 1024) {
        throw new sts.InvalidRequestError('input_token_state.extra_stuff is required: a string of 1 to 1024 characters.');
      }
      if (stuff === 'revoked') {
        throw new sts.InvalidTokenError('This CUSTOM token has been revoked.', { code: 'custom_token_revoked' });
      }
      return {
        principal: `custom:${stuff}`,
        session: { authenticatedAt: new Date(), authenticationMethods: ['custom'], attributes: { extra_stuff: stuff } },
        additionalState: { validated_extra_stuff: stuff },
      };
    }
  }

  /** How long a CUSTOM token is good for. */
  const LIFETIME_MS = 10 * 60 * 1000;

  class CustomTokenProvider {
    constructor() {
      /** The token's member in validated_token_state / cancelled_token_state (default: `token`). */
      this.issuedTokenField = 'custom_token';
    }

    /**
     * @param {import('rest-sts/plugin-api').TokenProviderParams} params
     * @returns {import('rest-sts/plugin-api').IssuedToken}
     */
    createToken({ principal, additionalState, inputTokenType, outputTokenState }) {
      const issuedAt = new Date();
      const expiresAt = new Date(issuedAt.getTime() + LIFETIME_MS);
      // Everything the provider is handed, except the input token state: that may hold a password.
      // The token states its own validity, so whoever reads it knows what the STS will answer.
      const content = {
        principal,
        input_token_type: inputTokenType,
        additional_state: additionalState ?? null,
        extra_stuff_for_custom: outputTokenState.extra_stuff_for_custom ?? null,
        issued_at: issuedAt.toISOString(),
        expires_at: expiresAt.toISOString(),
      };
      return { token: Buffer.from(JSON.stringify(content), 'utf8').toString('base64'), expiresAt };
    }

    /**
     * The STS has already found the token in its store by its hash and checks expiry itself. A
     * real plugin checks its signature or MAC here with its current key; this one has none, so
     * it only makes sure the token is still one it can read.
     * @param {import('rest-sts/plugin-api').IssuedTokenCheckParams} params
     */
    verifyIssuedToken({ token }) {
      try {
        const content = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
        return typeof content.principal === 'string' && !Number.isNaN(Date.parse(content.expires_at));
      } catch {
        return false;
      }
    }
  }

  return {
    name: 'example-custom',
    contractVersion: sts.STS_CONTRACT_VERSION,
    // Its validator names a principal without checking anything, so with NODE_ENV=production
    // an instance bound to this plugin is refused; a copy that is merely present is harmless.
    demoOnly: true,
    validators: { CUSTOM: CustomTokenValidator },
    providers: { CUSTOM: CustomTokenProvider },
  };
};
