/**
 * RFC 8693 section 3 token type URIs <-> STS token types, and the input token state each subject
 * or actor token becomes. Plugin types use `urn:rest-sts:token-type:<TYPE>`.
 */
import type { JsonObject } from '../plugin-api/json';
import { TOKEN_TYPE_PATTERN } from '../transform/token-type-name';
import { TokenExchangeError } from './token-exchange-error';

const IETF = 'urn:ietf:params:oauth:token-type:';
export const TOKEN_TYPE_URI = {
  accessToken: `${IETF}access_token`,
  idToken: `${IETF}id_token`,
  jwt: `${IETF}jwt`,
  saml2: `${IETF}saml2`,
} as const;
export const PLUGIN_TOKEN_TYPE_PREFIX = 'urn:rest-sts:token-type:';

/** The STS type behind each RFC 8693 URI, and the input state field that carries the token. */
const STANDARD: Readonly<Record<string, { readonly type: string; readonly field: string }>> = {
  [TOKEN_TYPE_URI.accessToken]: { type: 'JWT', field: 'jwt' },
  [TOKEN_TYPE_URI.jwt]: { type: 'JWT', field: 'jwt' },
  [TOKEN_TYPE_URI.idToken]: { type: 'OPENIDCONNECT', field: 'oidc_id_token' },
  [TOKEN_TYPE_URI.saml2]: { type: 'SAML2', field: 'saml2_token' },
};
/** Built-in types keep their standard URIs (or have none: USERNAME, X509 are not bearer tokens). */
const BUILTIN_TYPES = new Set(['USERNAME', 'X509', 'JWT', 'OPENIDCONNECT', 'SAML2']);

/** `urn:...:saml2` -> `SAML2`; undefined for a URI this STS does not know. */
export function stsTokenTypeOf(uri: string): string | undefined {
  if (Object.hasOwn(STANDARD, uri)) return STANDARD[uri].type;
  if (!uri.startsWith(PLUGIN_TOKEN_TYPE_PREFIX)) return undefined;
  const type = uri.slice(PLUGIN_TOKEN_TYPE_PREFIX.length);
  return TOKEN_TYPE_PATTERN.test(type) && !BUILTIN_TYPES.has(type) ? type : undefined;
}

/** The input token state a subject or actor token becomes, as `/rest-sts` would receive it. */
export function inputTokenStateOf(uri: string, token: string, parameter: string): JsonObject {
  const type = stsTokenTypeOf(uri);
  if (type === undefined) throw new TokenExchangeError('invalid_request', `${parameter}_type ${JSON.stringify(uri.slice(0, 100))} is not a token type this server accepts.`);
  if (!Object.hasOwn(STANDARD, uri)) return { token_type: type, token };
  // RFC 8693 section 3: a SAML assertion travels base64url-encoded; the SAML2 validator reads base64 (or raw XML).
  const value = type === 'SAML2' && !token.trimStart().startsWith('<') ? Buffer.from(token, 'base64url').toString('base64') : token;
  return { token_type: type, [STANDARD[uri].field]: value };
}

/** The URIs under which an STS type is offered (JWT is both an access token and a JWT). */
export function tokenTypeUrisOf(type: string): string[] {
  const standard = Object.entries(STANDARD).filter(([, entry]) => entry.type === type).map(([uri]) => uri);
  if (standard.length > 0) return standard;
  return BUILTIN_TYPES.has(type) ? [] : [`${PLUGIN_TOKEN_TYPE_PREFIX}${type}`];
}

/** RFC 8693 section 2.2.1: `Bearer` for what works as an OAuth access token, `N_A` for anything else. */
export function accessTokenTypeOf(outputType: string): 'Bearer' | 'N_A' {
  return outputType === 'JWT' ? 'Bearer' : 'N_A';
}

/** RFC 8693 section 3: a SAML assertion is returned base64url-encoded; other tokens as issued. */
export function wireTokenOf(outputType: string, token: string): string {
  return outputType === 'SAML2' ? Buffer.from(token, 'utf8').toString('base64url') : token;
}

/**
 * The forms in which an issued token may come back to the OAuth endpoints: as given, and, for a
 * SAML assertion the token endpoint handed out base64url-encoded, as the XML the store recorded.
 */
export function issuedFormsOf(token: string): string[] {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) return [token];
  const decoded = Buffer.from(token, 'base64url').toString('utf8');
  return decoded.trimStart().startsWith('<') ? [token, decoded] : [token];
}
