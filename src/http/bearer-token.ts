/** The token of `Authorization: Bearer <token>` (scheme case-insensitive, RFC 7235); undefined for anything else. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer +(\S+) *$/i.exec(authorization ?? '')?.[1];
}
