/** Assertions on `_action=translate` answers: a 200 with an issued token, or a refusal with nothing issued. */
import { decodeJwt, type JWTPayload } from 'jose';
import { expectErrorBody } from './error-body';
import type { TestResponse } from './test-server';

/** The issued token of a 200 whose body is `{issued_token}` and nothing else. */
export function issuedToken(res: TestResponse): string {
  expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { issued_token: expect.any(String) } });
  return res.body.issued_token;
}

/** The claims of the issued JWT (decoded only; signatures are checked where a test cares). */
export function issuedJwtClaims(res: TestResponse): JWTPayload & Record<string, unknown> {
  return decodeJwt(issuedToken(res));
}

/** Refused with this status and code, and no token issued. */
export function expectRefused(res: TestResponse, status: number, code: string): void {
  expectErrorBody(res, status, code);
  expect(res.body.issued_token).toBeUndefined();
}
