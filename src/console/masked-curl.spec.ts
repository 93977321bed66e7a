import { curlCommand, maskedTranslateBody } from './masked-curl';

describe('the playground\'s curl command', () => {
  it('keeps the token type and username, and replaces every other input field by a placeholder', () => {
    expect(maskedTranslateBody({ input_token_state: { token_type: 'SAML2', saml2_token: 'PHNhbWw+' }, output_token_state: { token_type: 'OPENIDCONNECT' } })).toEqual({
      input_token_state: { token_type: 'SAML2', saml2_token: '<saml2_token>' },
      output_token_state: { token_type: 'OPENIDCONNECT' },
    });
  });

  it('quotes for a POSIX shell, so a quote in a value cannot end the argument', () => {
    const command = curlCommand("http://sts/rest-sts/a?_action=translate", { input_token_state: { token_type: 'USERNAME', username: "o'brien", password: 'secret' }, output_token_state: { token_type: 'JWT' } });
    expect(command).toBe(
      `curl -X POST 'http://sts/rest-sts/a?_action=translate' -H 'content-type: application/json' -d '{"input_token_state":{"token_type":"USERNAME","username":"o'\\''brien","password":"<password>"},"output_token_state":{"token_type":"JWT"}}'`,
    );
    expect(command).not.toContain('secret');
  });
});
