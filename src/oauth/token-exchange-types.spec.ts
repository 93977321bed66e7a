import { TokenExchangeError } from './token-exchange-error';
import { accessTokenTypeOf, inputTokenStateOf, stsTokenTypeOf, tokenTypeUrisOf, wireTokenOf } from './token-exchange-types';

const URI = 'urn:ietf:params:oauth:token-type:';

describe('RFC 8693 token type URIs', () => {
  it.each([
    [`${URI}access_token`, 'JWT'],
    [`${URI}jwt`, 'JWT'],
    [`${URI}id_token`, 'OPENIDCONNECT'],
    [`${URI}saml2`, 'SAML2'],
    ['urn:rest-sts:token-type:CUSTOM', 'CUSTOM'],
  ])('maps %s to %s', (uri, type) => {
    expect(stsTokenTypeOf(uri)).toBe(type);
  });

  it.each([`${URI}saml1`, `${URI}refresh_token`, 'urn:rest-sts:token-type:lower', 'urn:rest-sts:token-type:USERNAME', 'urn:rest-sts:token-type:SAML2', 'JWT'])(
    'knows no type for %s',
    (uri) => {
      expect(stsTokenTypeOf(uri)).toBeUndefined();
    },
  );

  it('builds the input token state /rest-sts would receive', () => {
    expect(inputTokenStateOf(`${URI}access_token`, 'a.b.c', 'subject_token')).toEqual({ token_type: 'JWT', jwt: 'a.b.c' });
    expect(inputTokenStateOf(`${URI}id_token`, 'a.b.c', 'subject_token')).toEqual({ token_type: 'OPENIDCONNECT', oidc_id_token: 'a.b.c' });
    expect(inputTokenStateOf('urn:rest-sts:token-type:CUSTOM', 'opaque', 'subject_token')).toEqual({ token_type: 'CUSTOM', token: 'opaque' });
  });

  it('turns a base64url SAML assertion into the base64 the SAML2 validator reads, and passes raw XML through', () => {
    const xml = '<saml:Assertion xmlns:saml="x">??>>~~</saml:Assertion>';
    const state = inputTokenStateOf(`${URI}saml2`, Buffer.from(xml).toString('base64url'), 'subject_token');
    expect(Buffer.from(state.saml2_token as string, 'base64').toString()).toBe(xml);
    expect(state.saml2_token).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(inputTokenStateOf(`${URI}saml2`, xml, 'subject_token').saml2_token).toBe(xml);
  });

  it('refuses an unknown subject or actor token type with invalid_request', () => {
    const error = (() => {
      try {
        inputTokenStateOf(`${URI}saml1`, 'x', 'actor_token');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(TokenExchangeError);
    expect([(error as TokenExchangeError).code, (error as TokenExchangeError).message]).toEqual(['invalid_request', expect.stringMatching(/^actor_token_type /)]);
  });

  it('offers each STS type under its URIs', () => {
    expect(tokenTypeUrisOf('JWT')).toEqual([`${URI}access_token`, `${URI}jwt`]);
    expect(tokenTypeUrisOf('CUSTOM')).toEqual(['urn:rest-sts:token-type:CUSTOM']);
    expect(tokenTypeUrisOf('USERNAME')).toEqual([]);
  });

  it('says Bearer only for access tokens, and sends SAML base64url-encoded', () => {
    expect(['JWT', 'OPENIDCONNECT', 'SAML2', 'CUSTOM'].map(accessTokenTypeOf)).toEqual(['Bearer', 'N_A', 'N_A', 'N_A']);
    expect(wireTokenOf('SAML2', '<a>?</a>')).toBe(Buffer.from('<a>?</a>').toString('base64url'));
    expect(wireTokenOf('JWT', 'a.b.c')).toBe('a.b.c');
  });
});
