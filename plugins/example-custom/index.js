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

  class CustomTokenProvider {
    /** @param {import('rest-sts/plugin-api').TokenProviderParams} params */
    createToken({ principal, additionalState, inputTokenType, outputTokenState }) {
      // Everything the provider is handed, except the input token state: that may hold a password.
      const token = {
        principal,
        input_token_type: inputTokenType,
        additional_state: additionalState ?? null,
        extra_stuff_for_custom: outputTokenState.extra_stuff_for_custom ?? null,
      };
      return Buffer.from(JSON.stringify(token), 'utf8').toString('base64');
    }
  }

  return {
    name: 'example-custom',
    contractVersion: sts.STS_CONTRACT_VERSION,
    validators: { CUSTOM: CustomTokenValidator },
    providers: { CUSTOM: CustomTokenProvider },
  };
};
