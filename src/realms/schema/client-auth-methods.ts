/** The OAuth client authentication methods (RFC 7591 names) and their keys, free of schema decorators. */

export const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth'] as const;
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

/** What a client with a secret and no `token_endpoint_auth_method` may use: both of RFC 6749 section 2.3.1. */
export const SECRET_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post'];

/** The two methods that authenticate with a TLS client certificate (RFC 8705 section 2). */
export const TLS_METHODS: readonly ClientAuthMethod[] = ['tls_client_auth', 'self_signed_tls_client_auth'];

/** The keys that name what a `tls_client_auth` client's certificate must carry (RFC 8705 section 2.1.2); one per client. */
export const TLS_CLIENT_AUTH_NAME_KEYS = [
  'tls_client_auth_subject_dn',
  'tls_client_auth_san_dns',
  'tls_client_auth_san_uri',
  'tls_client_auth_san_ip',
  'tls_client_auth_san_email',
] as const;

/**
 * The JWS algorithms a `private_key_jwt` client assertion may use (RFC 7523 section 2.2): the
 * asymmetric ones only. `none` proves nothing, and an HS* assertion would need a shared secret,
 * which a client known by its public keys does not have (its public key must never serve as one).
 */
export const CLIENT_ASSERTION_ALGORITHMS: readonly string[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
