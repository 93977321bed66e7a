/**
 * Several outputs from one validation: a translate's `output_token_states`, a map of names the
 * caller chooses (`id_token`, `access_token`, ...) to output token states, answered as
 * `{"issued_tokens": {<name>: <token>}}`. Checked here before anything is validated.
 */
import { InvalidRequestError } from '../errors/sts-errors';
import type { JsonObject } from '../plugin-api/json';

/** More outputs than a login flow needs (ID, access and session token) is a mistake or abuse. */
export const MAX_OUTPUT_TOKENS = 8;
/** Names become JSON keys in the answer: short and plain. */
const OUTPUT_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** The output types an ID token's at_hash binds together (OpenID Connect Core 3.1.3.6). */
export const ID_TOKEN_TYPE = 'OPENIDCONNECT';
export const ACCESS_TOKEN_TYPE = 'JWT';

export interface NamedOutput {
  /** The caller's name for it; `output_token_state` for a single translate. */
  readonly name: string;
  /** Where it sits in the request, for messages: `output_token_states.id_token`. */
  readonly field: string;
  readonly state: JsonObject;
}

/** The outputs of `output_token_states`, or a 400 saying what is wrong with it. */
export function namedOutputsOf(states: unknown): NamedOutput[] {
  if (typeof states !== 'object' || states === null || Array.isArray(states)) {
    throw invalid('output_token_states must be a JSON object mapping a name to each output token state.');
  }
  const entries = Object.entries(states as Record<string, unknown>);
  if (entries.length === 0) throw invalid('output_token_states names no output token; give at least one.');
  if (entries.length > MAX_OUTPUT_TOKENS) {
    throw new InvalidRequestError(`output_token_states names ${entries.length} outputs; at most ${MAX_OUTPUT_TOKENS} are issued at once.`, {
      code: 'too_many_output_tokens',
    });
  }
  return entries.map(([name, state]) => {
    if (!OUTPUT_NAME.test(name)) {
      throw invalid(`output_token_states: the name ${JSON.stringify(name.slice(0, 64))} is not allowed; use a letter, then letters, digits, "_", "." or "-" (at most 64).`);
    }
    const field = `output_token_states.${name}`;
    if (typeof state !== 'object' || state === null || Array.isArray(state)) throw invalid(`${field} must be a JSON object (an output token state).`);
    return { name, field, state: state as JsonObject };
  });
}

/**
 * The one access token the set's ID tokens carry an at_hash for; undefined when the set has no
 * ID token or no access token. An ID token cannot bind two access tokens: refused.
 */
export function boundAccessToken(outputs: readonly NamedOutput[]): NamedOutput | undefined {
  if (!outputs.some((output) => output.state.token_type === ID_TOKEN_TYPE)) return undefined;
  const accessTokens = outputs.filter((output) => output.state.token_type === ACCESS_TOKEN_TYPE);
  if (accessTokens.length > 1) {
    throw new InvalidRequestError(
      `output_token_states asks for an ID token with several access tokens (${accessTokens.map((output) => output.name).join(', ')}); ` +
        'its at_hash binds exactly one: ask for one access token with the ID token, or for the others in another request.',
      { code: 'ambiguous_access_token' },
    );
  }
  return accessTokens[0];
}

/** Outputs whose provider writes to the token store as it makes them (a session opens there). */
const STATEFUL_TYPES: readonly string[] = ['SESSION'];

/**
 * Creation order: access tokens and other outputs, then ID tokens (they need the access token's
 * value), then sessions last, so that an output that fails leaves no session open behind it.
 */
export function issuanceOrder<T extends NamedOutput>(outputs: readonly T[]): T[] {
  const rank = (output: T) => (output.state.token_type === ID_TOKEN_TYPE ? 1 : STATEFUL_TYPES.includes(String(output.state.token_type)) ? 2 : 0);
  // Array.prototype.sort is stable: the request's order is kept within each rank.
  return [...outputs].sort((a, b) => rank(a) - rank(b));
}

function invalid(message: string): InvalidRequestError {
  return new InvalidRequestError(message, { code: 'invalid_output_token_states' });
}
