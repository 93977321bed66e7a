/**
 * SP-initiated SSO: the caller names the AuthnRequest ID it sent (`input_token_state.in_response_to`)
 * and the assertion must answer that request (SAML 2.0 profiles 4.1.4.2), so an assertion the IdP
 * issued unsolicited, or for another request, is refused. The proof is the InResponseTo of the
 * bearer SubjectConfirmationData, inside the signed assertion; a Response's own InResponseTo is
 * covered by no signature this validator checks, so it must agree when present but proves nothing.
 */
import { InvalidRequestError, InvalidTokenError } from '../../errors/sts-errors';
import type { JsonObject } from '../../plugin-api/json';
import { isSamlId, MAX_SAML_ID_LENGTH } from './xml-names';

const quoted = (value: string) => JSON.stringify(value.slice(0, 200));

function invalidRequestId(message: string): InvalidRequestError {
  return new InvalidRequestError(message, { code: 'invalid_in_response_to' });
}

/**
 * The request ID the caller expects, or undefined when it tracks none. `required`: the instance
 * accepts only answers to requests (`saml2_validation.require_in_response_to`).
 */
export function expectedRequestId(state: Readonly<JsonObject>, required: boolean): string | undefined {
  const value = state.in_response_to;
  if (value === undefined || value === null) {
    if (required) {
      throw invalidRequestId(
        'input_token_state.in_response_to is required by this instance: give the ID of the AuthnRequest the assertion answers.',
      );
    }
    return undefined;
  }
  if (typeof value !== 'string' || !isSamlId(value)) {
    throw invalidRequestId(`input_token_state.in_response_to must be an AuthnRequest ID (an xs:ID of at most ${MAX_SAML_ID_LENGTH} characters).`);
  }
  return value;
}

function mismatch(message: string): InvalidTokenError {
  return new InvalidTokenError(message, { code: 'saml_in_response_to_mismatch' });
}

/**
 * `responseValue`: the Response's InResponseTo (null when absent or for a bare assertion);
 * `bearerValues`: each bearer SubjectConfirmationData's InResponseTo from the signed assertion,
 * undefined where absent.
 */
export function checkInResponseTo(expected: string, responseValue: string | null, bearerValues: readonly (string | undefined)[]): void {
  if (responseValue !== null && responseValue !== expected) {
    throw mismatch(`The Response answers request ${quoted(responseValue)}, not ${quoted(expected)}.`);
  }
  const present = bearerValues.filter((value): value is string => value !== undefined);
  const other = present.find((value) => value !== expected);
  if (other !== undefined) throw mismatch(`The assertion answers request ${quoted(other)}, not ${quoted(expected)}.`);
  if (present.length === 0) {
    throw mismatch(
      `The assertion answers no request: its bearer SubjectConfirmationData has no InResponseTo (expected ${quoted(expected)}). ` +
        'An InResponseTo on the Response alone is not signed and does not count.',
    );
  }
}
