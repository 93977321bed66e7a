/**
 * The times a token can carry: from 1970 to 9999-12-31T23:59:59Z, the last second every form we
 * write (a JWT NumericDate, SAML's xs:dateTime, ISO 8601 in logs) can express. Beyond it a Date
 * turns Invalid, a JWT claim `null` and a SAML assertion a 500.
 */
export const MAX_WRITABLE_TIME_MS = 253_402_300_799_000;

export function isWritableTime(ms: number): boolean {
  return Number.isFinite(ms) && ms >= 0 && ms <= MAX_WRITABLE_TIME_MS;
}
