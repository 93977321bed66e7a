/**
 * SAML 2.0 authentication context classes (saml-authn-context-2.0-os) derived from how the
 * principal authenticated: the validator's RFC 8176 `amr` values.
 */
export const AUTHN_CONTEXT = {
  PASSWORD_PROTECTED_TRANSPORT: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
  X509: 'urn:oasis:names:tc:SAML:2.0:ac:classes:X509',
  UNSPECIFIED: 'urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified',
} as const;

/** amr value -> class; the first method the session lists that has a class wins. */
const CLASS_BY_METHOD: Readonly<Record<string, string>> = {
  pwd: AUTHN_CONTEXT.PASSWORD_PROTECTED_TRANSPORT,
  x509: AUTHN_CONTEXT.X509,
};

export function authnContextClassRef(authenticationMethods: readonly string[] | undefined): string {
  for (const method of authenticationMethods ?? []) {
    if (Object.hasOwn(CLASS_BY_METHOD, method)) return CLASS_BY_METHOD[method];
  }
  return AUTHN_CONTEXT.UNSPECIFIED;
}
