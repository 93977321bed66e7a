/** Assertions on `_action=translate` answers: a 200 with an issued JWT, or a refusal with nothing issued. */
import { decodeJwt, type JWTPayload } from 'jose';
import { expectErrorBody } from './error-body';
import type { TestResponse } from './test-server';

/** The claims of the issued JWT (decoded only; signatures are checked where a test cares). */
export function issuedJwtClaims(res: TestResponse): JWTPayload & Record<string, unknown> {
  expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { issued_token: expect.any(String) } });
  return decodeJwt(res.body.issued_token);
}

/** Refused with this status and code, and no token issued. */
export function expectRefused(res: TestResponse, status: number, code: string): void {
  expectErrorBody(res, status, code);
  expect(res.body.issued_token).toBeUndefined();
}
