/** Realm configurations for tests; keys are generated into the test's own data directory. */
import { hashPassword } from '../../src/identity/scrypt-password';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- YAML and JSON under test

export const DEMO_PASSWORD = 'correct horse battery staple';

/** Cheapest cost the loader accepts, to keep the suite fast. */
export function testPasswordHash(password = DEMO_PASSWORD): Promise<string> {
  return hashPassword(password, { ln: 14, r: 8, p: 1 });
}

export async function rootRealm(overrides: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  return {
    realm: '/',
    identity_store: fileIdentityStore(await testPasswordHash(), {
      alice: { mail: 'alice@example.com', cn: 'Alice Example', groups: ['staff', 'admins'] },
    }),
    keys: [
      { kid: 'rsa-1', use: 'sig', generate: { type: 'rsa', size: 2048 } },
      { kid: 'ec-1', use: 'sig', generate: { type: 'ec', curve: 'P-256' } },
      { kid: 'hs-1', use: 'sig', generate: { type: 'oct', size: 256 } },
    ],
    instances: {
      default: oidcInstance('RS256', 'rsa-1'),
      es256: oidcInstance('ES256', 'ec-1'),
      hs256: oidcInstance('HS256', 'hs-1'),
    },
    ...overrides,
  };
}

/** A file identity store of these users (username -> attributes), all with this password hash. */
export function fileIdentityStore(passwordHash: string, users: Record<string, Json>): Json {
  return {
    type: 'file',
    users: Object.entries(users).map(([username, attributes]) => ({ username, password_hash: passwordHash, attributes })),
  };
}

export function oidcInstance(signature_algorithm: string, signing_key: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    supported_token_transforms: [{ from: 'USERNAME', to: 'OPENIDCONNECT' }],
    oidc: {
      issuer: 'https://sts.test',
      audience: ['rp-client'],
      token_lifetime_seconds: 300,
      signature_algorithm,
      signing_key,
      claim_map: { email: 'mail', name: 'cn', groups: 'groups' },
    },
    ...extra,
  };
}

/** An instance that turns USERNAME into SAML2 with this saml2 section (none when undefined). */
export function saml2Instance(saml2: Json | undefined, extra: Json = {}): Json {
  return { supported_token_transforms: [{ from: 'USERNAME', to: 'SAML2' }], ...(saml2 && { saml2 }), ...extra };
}

/** A translate request body: USERNAME credentials in, `tokenType` (with `output`) out. */
export function usernameTo(tokenType: string, output: Json = {}, username = 'alice', password = DEMO_PASSWORD): Json {
  return {
    input_token_state: { token_type: 'USERNAME', username, password },
    output_token_state: { token_type: tokenType, ...output },
  };
}

export function usernameToOidc(username: string, password: string, output: Record<string, unknown> = {}): object {
  return usernameTo('OPENIDCONNECT', output, username, password);
}
