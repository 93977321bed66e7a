/** Request examples of the OpenAPI document: those of SPEC section 4, plus one per token type. */

export const TRANSLATE_EXAMPLES = {
  'username-to-oidc': {
    summary: 'A password in, an ID token out (SPEC 4.1)',
    value: {
      input_token_state: { token_type: 'USERNAME', username: 'demo', password: '...' },
      output_token_state: { token_type: 'OPENIDCONNECT', nonce: '1234', allow_access: true },
    },
  },
  'oidc-to-jwt': {
    summary: "An ID token from a trusted issuer in, an access token out",
    value: { input_token_state: { token_type: 'OPENIDCONNECT', oidc_id_token: 'eyJ...' }, output_token_state: { token_type: 'JWT', scope: 'read' } },
  },
  'saml2-to-oidc': {
    summary: 'A signed SAML 2.0 assertion in (XML or base64), an ID token out',
    value: { input_token_state: { token_type: 'SAML2', saml2_token: '<saml:Assertion ...>' }, output_token_state: { token_type: 'OPENIDCONNECT' } },
  },
  'x509-to-saml2': {
    summary: 'The TLS client certificate in, a SAML 2.0 assertion out',
    value: { input_token_state: { token_type: 'X509' }, output_token_state: { token_type: 'SAML2', subject_confirmation: 'BEARER' } },
  },
  'username-to-x509': {
    summary: 'A password in, a certificate signed from a CSR out',
    value: { input_token_state: { token_type: 'USERNAME', username: 'demo', password: '...' }, output_token_state: { token_type: 'X509', csr: '-----BEGIN CERTIFICATE REQUEST-----...' } },
  },
  'custom-to-custom': {
    summary: 'A plugin token type (example plugin)',
    value: { input_token_state: { token_type: 'CUSTOM', extra_stuff: 'very_useful_state' }, output_token_state: { token_type: 'CUSTOM', extra_stuff_for_custom: 'some_useful_information' } },
  },
  'several-outputs': {
    summary: 'One password check, an ID token (with at_hash) and an access token out: {"issued_tokens": {...}}',
    value: {
      input_token_state: { token_type: 'USERNAME', username: 'demo', password: '...' },
      output_token_states: { id_token: { token_type: 'OPENIDCONNECT', nonce: '1234' }, access_token: { token_type: 'JWT', scope: 'read' } },
    },
  },
  'oidc-redirect': {
    summary: 'A password in, a 302 to the client\'s registered redirect URI out (ID token and access token in the fragment)',
    value: {
      input_token_state: { token_type: 'USERNAME', username: 'demo', password: '...' },
      authorization_request: { client_id: 'rp-client', redirect_uri: 'https://app.example.com/callback', response_type: 'id_token token', nonce: 'n-0S6_WzA2Mj', state: 'af0ifjsldkj' },
    },
  },
  redirect_error: {
    summary: '_action=redirect_error: an OAuth error (and state) to the client\'s registered redirect URI',
    value: { authorization_request: { client_id: 'rp-client', redirect_uri: 'https://app.example.com/callback', state: 'af0ifjsldkj' }, error: 'access_denied', error_description: 'Sign in again.' },
  },
  token_details: {
    summary: '_action=token_details: verify a token this instance issued and read its claims',
    value: { token_type: 'OPENIDCONNECT', token: 'eyJ...', options: { errorOnExpiry: false } },
  },
  validate: {
    summary: '_action=validate: is a token this instance issued still good?',
    value: { validated_token_state: { token_type: 'OPENIDCONNECT', oidc_id_token: 'eyJ...' } },
  },
  cancel: {
    summary: '_action=cancel: a cancelled token then validates as false',
    value: { cancelled_token_state: { token_type: 'OPENIDCONNECT', oidc_id_token: 'eyJ...' } },
  },
};

export const PUBLISH_CREATE_EXAMPLE = {
  instance_state: {
    realm: '/eu',
    name: 'partners',
    supported_token_transforms: [{ from: 'USERNAME', to: 'OPENIDCONNECT' }],
    oidc: { issuer: 'https://sts.example.com', audience: ['rp-client'], signature_algorithm: 'ES256', signing_key: 'ec-1' },
  },
};

export const TOKEN_EXCHANGE_EXAMPLE = {
  grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
  subject_token: 'eyJ...',
  subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
  requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
  audience: 'api',
};

/** SPEC 4.2: every error body. */
export const ERROR_SCHEMA = {
  type: 'object',
  required: ['code', 'reason', 'message', 'error'],
  properties: {
    code: { type: 'integer', example: 401 },
    reason: { type: 'string', example: 'Unauthorized' },
    message: { type: 'string', example: 'The username or password is not correct.' },
    error: { type: 'string', description: 'stable machine code; match on this', example: 'invalid_credentials' },
  },
};
