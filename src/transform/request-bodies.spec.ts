import { SessionInfoBody } from '../token-types/session/session-actions';
import { parseBody, RedirectErrorBody, TokenDetailsBody, TranslateBody } from './request-bodies';

/** The message parseBody refuses `body` with, or 'OK'. Expected values are what class-validator's validateSync answered. */
function refusal(schema: Parameters<typeof parseBody>[0], body: unknown): string {
  try {
    parseBody(schema, body);
    return 'OK';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('parseBody', () => {
  it('refuses what is not a JSON object, and a "constructor" member', () => {
    expect(refusal(TranslateBody, [])).toBe('The request body must be a JSON object.');
    expect(refusal(TranslateBody, null)).toBe('The request body must be a JSON object.');
    expect(refusal(TranslateBody, JSON.parse('{"constructor": 1}'))).toBe('Unknown field "constructor".');
  });

  it('names the first unknown field in body order before any other problem', () => {
    expect(refusal(TranslateBody, { zzz: 1, input_x: 2 })).toBe('Unknown field "zzz".');
    expect(refusal(TranslateBody, { input_token_state: {}, output_token_state: {}, ['x'.repeat(100)]: 1 })).toBe(`Unknown field "${'x'.repeat(64)}".`);
  });

  it('checks members in declaration order, own before inherited, with @ValidateIf conditions', () => {
    expect(refusal(TranslateBody, { output_token_state: {} })).toBe('input_token_state is required and must be a JSON object.');
    expect(refusal(TranslateBody, { input_token_state: [], output_token_state: {} })).toBe('input_token_state is required and must be a JSON object.');
    expect(refusal(TranslateBody, { input_token_state: {} })).toBe('output_token_state is required and must be a JSON object.');
    expect(refusal(TranslateBody, { input_token_state: {}, output_token_state: {}, output_token_states: {} })).toBe(
      'Give output_token_state (one token) or output_token_states (several), not both.',
    );
    expect(refusal(TranslateBody, { input_token_state: {}, output_token_state: {}, authorization_request: {} })).toBe(
      'authorization_request decides the outputs (response_type): leave out output_token_state and output_token_states.',
    );
    expect(refusal(TranslateBody, { input_token_state: {}, authorization_request: {} })).toBe('OK');
    expect(refusal(TranslateBody, { input_token_state: {}, output_token_state: {}, client_id: 5 })).toBe('client_id must be a string.');
    expect(refusal(RedirectErrorBody, { authorization_request: {}, error: 1 })).toBe('error is required and must be a string (an OAuth error code such as access_denied).');
  });

  it('answers the first failing decorator of a member, bottom-up as class-validator runs them', () => {
    expect(refusal(TokenDetailsBody, {})).toBe('token_type is at most 64 characters.');
    expect(refusal(TokenDetailsBody, { token_type: 'JWT' })).toBe('token must not be empty.');
    expect(refusal(TokenDetailsBody, { token_type: 'JWT', token: 't', options: [] })).toBe('options must be a JSON object, e.g. {"errorOnExpiry": false}.');
    expect(refusal(SessionInfoBody, {})).toBe('session_token is required and must be a string.');
    expect(refusal(SessionInfoBody, { session_token: 't', resolve_to_user: 'yes' })).toBe('resolve_to_user must be true or false.');
  });

  it('answers the body itself when it passes', () => {
    const body = { input_token_state: { token_type: 'X' }, output_token_state: { token_type: 'Y' } };
    expect(parseBody(TranslateBody, body)).toBe(body);
  });
});
