/**
 * The curl command that reproduces a translate. Every field of the input token state but its
 * type and the username is a credential (a password, a token, an assertion, a certificate), so
 * each is replaced by a placeholder naming it.
 */
const SHOWN_INPUT_FIELDS = new Set(['token_type', 'username']);

export function maskedTranslateBody(body: { input_token_state: Record<string, unknown>; output_token_state: Record<string, unknown> }): object {
  const input = Object.fromEntries(Object.entries(body.input_token_state).map(([key, value]) => [key, SHOWN_INPUT_FIELDS.has(key) ? value : `<${key}>`]));
  return { input_token_state: input, output_token_state: body.output_token_state };
}

/** Single-quoted for a POSIX shell: a quote inside becomes '\''. */
const shellQuoted = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

export function curlCommand(url: string, body: { input_token_state: Record<string, unknown>; output_token_state: Record<string, unknown> }): string {
  return `curl -X POST ${shellQuoted(url)} -H 'content-type: application/json' -d ${shellQuoted(JSON.stringify(maskedTranslateBody(body)))}`;
}
