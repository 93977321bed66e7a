/**
 * `_action=token_details` over HTTP: ID tokens, access tokens (signed and encrypted to the
 * instance's own key), SAML 2.0 assertions and X.509 certificates this instance issued, and the
 * refusals: expired (unless errorOnExpiry is false), forged, another instance's, malformed,
 * cancelled, and bad bodies.
 */
import 'reflect-metadata';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decodeJwt, importPKCS8, SignJWT } from 'jose';
import { x509, x509Crypto } from '../../../src/token-types/x509/x509-library';
import { expectErrorBody } from '../../support/error-body';
import { opensslOk, pemPair, removeOpensslWorkDir, tempFile, tempPath, type PemPair } from '../../support/openssl';
import { DEMO_PASSWORD, fileIdentityStore, testPasswordHash, type Json } from '../../support/realm-fixtures';
import { startTestServer, type TestServer } from '../../support/test-server';

const ISSUER = 'https://sts.test';

const oidc = (signing_key: string, issuer = ISSUER) => ({ issuer, audience: ['rp-client'], token_lifetime_seconds: 300, signature_algorithm: 'ES256', signing_key });
const accessToken = (extra: Json = {}) => ({ issuer: ISSUER, audience: 'api', client_id: 'app', signature_algorithm: 'ES256', signing_key: 'ec-own', ...extra });

function translate(outputs: Json): Json {
  return { input_token_state: { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD }, output_token_states: outputs };
}

describe('_action=token_details', () => {
  let server: TestServer;
  let ownKeyPem: string;
  let saml: PemPair;
  let ca: PemPair;
  let tokens: Record<string, string>;

  const details = (instance: string, body: Json) => server.post(`/rest-sts/${instance}?_action=token_details`, body);

  /** An ID token signed with the `ec-own` key, as this instance would have issued it, with these times. */
  async function ownIdToken(claims: Json, kid = 'ec-own', pem = ownKeyPem): Promise<string> {
    return new SignJWT({ sub: 'alice', aud: 'rp-client', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .setIssuer(ISSUER)
      .sign(await importPKCS8(pem, 'ES256'));
  }

  beforeAll(async () => {
    const own = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    ownKeyPem = own.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const partnerPublicPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    saml = pemPair('/CN=STS SAML signer');
    ca = pemPair('/CN=STS test CA');
    server = await startTestServer({
      root: {
        realm: '/',
        identity_store: fileIdentityStore(await testPasswordHash(), { alice: { mail: 'alice@example.com' } }),
        keys: [
          { kid: 'ec-own', use: 'sig', private_key_file: tempFile(ownKeyPem, '.pem') },
          { kid: 'ec-other', use: 'sig', generate: { type: 'ec', curve: 'P-256' } },
          { kid: 'enc-1', use: 'enc', generate: { type: 'rsa', size: 2048 } },
          { kid: 'rsa-saml', use: 'sig', private_key_file: saml.keyFile, certificate_file: saml.certFile },
          { kid: 'ca', use: 'sig', private_key_file: ca.keyFile, certificate_file: ca.certFile },
        ],
        instances: {
          main: {
            supported_token_transforms: ['OPENIDCONNECT', 'JWT', 'SAML2', 'X509'].map((to) => ({ from: 'USERNAME', to })),
            persist_issued_tokens: true,
            oidc: oidc('ec-own'),
            access_token: accessToken(),
            saml2: { issuer: ISSUER, sp_entity_id: 'https://sp.test', sp_acs_url: 'https://sp.test/acs', token_lifetime_seconds: 600, signing_key: 'rsa-saml' },
            x509_issuance: { ca_key: 'ca' },
          },
          encrypted: {
            supported_token_transforms: [{ from: 'USERNAME', to: 'JWT' }],
            access_token: accessToken({ encryption: { key: 'enc-1', algorithm: 'RSA-OAEP-256', content_encryption: 'A256GCM' } }),
          },
          // Encrypted to a partner's public key: only the partner can open its tokens.
          partner: {
            supported_token_transforms: [{ from: 'USERNAME', to: 'JWT' }],
            access_token: accessToken({ encryption: { public_key_file: tempFile(partnerPublicPem, '.pem'), algorithm: 'RSA-OAEP-256', content_encryption: 'A256GCM' } }),
          },
          // Unsigned assertions: only a store that lists them can vouch for them.
          unsigned: {
            supported_token_transforms: [{ from: 'USERNAME', to: 'SAML2' }],
            saml2: { issuer: `${ISSUER}/unsigned`, sp_entity_id: 'https://sp.test', sp_acs_url: 'https://sp.test/acs', sign_assertion: false },
          },
          'unsigned-recorded': {
            supported_token_transforms: [{ from: 'USERNAME', to: 'SAML2' }],
            persist_issued_tokens: true,
            saml2: { issuer: `${ISSUER}/unsigned-recorded`, sp_entity_id: 'https://sp.test', sp_acs_url: 'https://sp.test/acs', sign_assertion: false },
          },
          // Same issuer, another key: its tokens are not main's.
          other: { supported_token_transforms: [{ from: 'USERNAME', to: 'OPENIDCONNECT' }], oidc: oidc('ec-other') },
          // Another issuer, same key.
          elsewhere: { supported_token_transforms: [{ from: 'USERNAME', to: 'OPENIDCONNECT' }], oidc: oidc('ec-own', `${ISSUER}/elsewhere`) },
        },
      },
    });
    const csrFile = tempPath('.csr.pem');
    opensslOk(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', tempPath('.key.pem'), '-out', csrFile, '-subj', '/CN=alice']);
    const main = await server.post('/rest-sts/main?_action=translate', translate({
      id_token: { token_type: 'OPENIDCONNECT' },
      access_token: { token_type: 'JWT' },
      saml: { token_type: 'SAML2', subject_confirmation: 'BEARER' },
      certificate: { token_type: 'X509', csr: readFileSync(csrFile, 'utf8') },
    }));
    expect(main.status).toBe(200);
    const encrypted = await server.post('/rest-sts/encrypted?_action=translate', translate({ access_token: { token_type: 'JWT' } }));
    const other = await server.post('/rest-sts/other?_action=translate', translate({ id_token: { token_type: 'OPENIDCONNECT' } }));
    const elsewhere = await server.post('/rest-sts/elsewhere?_action=translate', translate({ id_token: { token_type: 'OPENIDCONNECT' } }));
    const partner = await server.post('/rest-sts/partner?_action=translate', translate({ access_token: { token_type: 'JWT' } }));
    const unsigned = await server.post('/rest-sts/unsigned?_action=translate', translate({ saml: { token_type: 'SAML2', subject_confirmation: 'BEARER' } }));
    const unsignedRecorded = await server.post('/rest-sts/unsigned-recorded?_action=translate', translate({ saml: { token_type: 'SAML2', subject_confirmation: 'BEARER' } }));
    tokens = {
      ...main.body.issued_tokens,
      partner: partner.body.issued_tokens.access_token,
      unsigned: unsigned.body.issued_tokens.saml,
      unsignedRecorded: unsignedRecorded.body.issued_tokens.saml,
      encrypted: encrypted.body.issued_tokens.access_token,
      other: other.body.issued_tokens.id_token,
      elsewhere: elsewhere.body.issued_tokens.id_token,
    };
  });
  afterAll(async () => {
    await server?.close();
    removeOpensslWorkDir();
  });

  it('answers an ID token\'s claims', async () => {
    const res = await details('main', { token_type: 'OPENIDCONNECT', token: tokens.id_token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ token_type: 'OPENIDCONNECT', expired: false, claims: decodeJwt(tokens.id_token!) });
    expect(res.body.claims).toMatchObject({ iss: ISSUER, sub: 'alice', aud: 'rp-client' });
  });

  it('answers an access token\'s claims', async () => {
    const res = await details('main', { token_type: 'JWT', token: tokens.access_token });
    expect(res.status).toBe(200);
    expect(res.body.claims).toMatchObject({ iss: ISSUER, sub: 'alice', aud: 'api', client_id: 'app' });
  });

  it('opens an access token encrypted to the instance\'s own key', async () => {
    expect(tokens.encrypted!.split('.')).toHaveLength(5);
    const res = await details('encrypted', { token_type: 'JWT', token: tokens.encrypted });
    expect(res.status).toBe(200);
    expect(res.body.claims).toMatchObject({ iss: ISSUER, sub: 'alice', aud: 'api' });
  });

  it('answers a SAML 2.0 assertion\'s principal and validity', async () => {
    const res = await details('main', { token_type: 'SAML2', token: tokens.saml });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'SAML2', expired: false, issuer: ISSUER, principal: 'alice' });
    const from = Date.parse(res.body.not_before);
    const until = Date.parse(res.body.not_on_or_after);
    expect(until - from).toBeGreaterThanOrEqual(600_000);
    expect(until).toBeGreaterThan(Date.now());
  });

  it('answers a certificate\'s subject, issuer and validity', async () => {
    const res = await details('main', { token_type: 'X509', token: tokens.certificate });
    expect(res.status).toBe(200);
    const certificate = new X509Certificate(tokens.certificate!);
    expect(res.body).toMatchObject({ token_type: 'X509', expired: false, principal: 'CN=alice', issuer: 'CN=STS test CA', serial_number: certificate.serialNumber });
    expect(Date.parse(res.body.not_after)).toBe(Date.parse(certificate.validTo));
    expect(Date.parse(res.body.not_before)).toBe(Date.parse(certificate.validFrom));
  });

  describe('expiry', () => {
    const now = () => Math.floor(Date.now() / 1000);

    it('refuses an expired token (token_expired)', async () => {
      const expired = await ownIdToken({ iat: now() - 600, exp: now() - 300 });
      expectErrorBody(await details('main', { token_type: 'OPENIDCONNECT', token: expired }), 401, 'token_expired');
    });

    it('reads an expired token with errorOnExpiry: false, saying it expired', async () => {
      const exp = now() - 300;
      const expired = await ownIdToken({ iat: now() - 600, exp });
      const res = await details('main', { token_type: 'OPENIDCONNECT', token: expired, options: { errorOnExpiry: false } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ expired: true, claims: { exp, sub: 'alice' } });
    });

    it('still checks the signature of an expired token read with errorOnExpiry: false', async () => {
      const forger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      const forged = await ownIdToken({ iat: now() - 600, exp: now() - 300 }, 'ec-own', forger);
      expectErrorBody(await details('main', { token_type: 'OPENIDCONNECT', token: forged, options: { errorOnExpiry: false } }), 401, 'invalid_signature');
    });
  });

  describe('what only a signature or the store can vouch for', () => {
    it('cannot read an access token encrypted to a partner (token_not_readable)', async () => {
      expect(tokens.partner!.split('.')).toHaveLength(5);
      expectErrorBody(await details('partner', { token_type: 'JWT', token: tokens.partner }), 401, 'token_not_readable');
    });

    it('refuses an unsigned assertion no store lists (token_unverifiable), and reads one the store lists', async () => {
      expectErrorBody(await details('unsigned', { token_type: 'SAML2', token: tokens.unsigned }), 401, 'token_unverifiable');
      const res = await details('unsigned-recorded', { token_type: 'SAML2', token: tokens.unsignedRecorded });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ token_type: 'SAML2', principal: 'alice', expired: false });
    });

    it('refuses an expired certificate of this CA (token_expired) and reads it with errorOnExpiry: false', async () => {
      const caCert = new x509.X509Certificate(ca.certPem);
      const caKey = await x509Crypto.subtle.importKey(
        'pkcs8', Buffer.from(ca.keyPem.replace(/-----[^-]+-----|\s+/g, ''), 'base64'), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign'],
      );
      const leaf = await x509Crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
      const expired = await x509.X509CertificateGenerator.create({
        serialNumber: '0badc0de',
        subject: 'CN=alice',
        issuer: caCert.subject,
        notBefore: new Date(Date.now() - 7200_000),
        notAfter: new Date(Date.now() - 3600_000),
        signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        publicKey: leaf.publicKey,
        signingKey: caKey,
      });
      const pem = expired.toString('pem');
      expectErrorBody(await details('main', { token_type: 'X509', token: pem }), 401, 'token_expired');
      const res = await details('main', { token_type: 'X509', token: pem, options: { errorOnExpiry: false } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ token_type: 'X509', expired: true, principal: 'CN=alice', serial_number: '0BADC0DE' });
    });
  });

  describe('refusals', () => {
    it('refuses a token signed by another key under this instance\'s kid (invalid_signature)', async () => {
      const forger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      const forged = await ownIdToken({ exp: Math.floor(Date.now() / 1000) + 300 }, 'ec-own', forger);
      expectErrorBody(await details('main', { token_type: 'OPENIDCONNECT', token: forged }), 401, 'invalid_signature');
    });

    it('refuses a token whose payload was altered after signing (invalid_signature)', async () => {
      const [header, payload, signature] = tokens.id_token!.split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
      const altered = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: 'mallory' })).toString('base64url')}.${signature}`;
      expectErrorBody(await details('main', { token_type: 'OPENIDCONNECT', token: altered }), 401, 'invalid_signature');
    });

    it('refuses another instance\'s tokens (token_not_issued_here): another key, another issuer', async () => {
      expectErrorBody(await details('main', { token_type: 'OPENIDCONNECT', token: tokens.other }), 401, 'token_not_issued_here');
      expectErrorBody(await details('main', { token_type: 'OPENIDCONNECT', token: tokens.elsewhere }), 401, 'token_not_issued_here');
    });

    it('refuses a certificate another CA issued (token_not_issued_here)', async () => {
      const stranger = pemPair('/CN=alice');
      expectErrorBody(await details('main', { token_type: 'X509', token: readFileSync(stranger.certFile, 'utf8') }), 401, 'token_not_issued_here');
    });

    it('refuses a SAML assertion whose content was altered after signing (invalid_signature)', async () => {
      const xml = tokens.saml!.trim().startsWith('<') ? tokens.saml! : Buffer.from(tokens.saml!, 'base64').toString('utf8');
      const altered = xml.replace(/>alice</, '>mallory<');
      expect(altered).not.toBe(xml);
      expectErrorBody(await details('main', { token_type: 'SAML2', token: altered }), 401, 'invalid_signature');
    });

    it.each([
      ['OPENIDCONNECT', 'not-a-jwt'],
      ['OPENIDCONNECT', 'a.b'],
      ['JWT', 'e30.e30.!!'],
      ['SAML2', 'plain text'],
      ['SAML2', '<saml:Assertion'],
      ['X509', 'not a certificate'],
    ])('refuses a malformed %s token %j (malformed_token)', async (token_type, token) => {
      expectErrorBody(await details('main', { token_type, token }), 401, 'malformed_token');
    });

    it('refuses a cancelled token of a persisting instance (token_not_live)', async () => {
      const res = await server.post('/rest-sts/main?_action=translate', translate({ id_token: { token_type: 'OPENIDCONNECT' } }));
      const token = res.body.issued_tokens.id_token;
      expect((await details('main', { token_type: 'OPENIDCONNECT', token })).status).toBe(200);
      const cancel = await server.post('/rest-sts/main?_action=cancel', { cancelled_token_state: { token_type: 'OPENIDCONNECT', oidc_id_token: token } });
      expect(cancel.status).toBe(200);
      expectErrorBody(await details('main', { token_type: 'OPENIDCONNECT', token }), 401, 'token_not_live');
    });

    it.each<[string, Json, string]>([
      ['no token', { token_type: 'OPENIDCONNECT' }, 'invalid_request'],
      ['an empty token', { token_type: 'OPENIDCONNECT', token: '' }, 'invalid_request'],
      ['a token that is not a string', { token_type: 'OPENIDCONNECT', token: 42 }, 'invalid_request'],
      ['no token_type', { token: 'x' }, 'invalid_request'],
      ['options that are not an object', { token_type: 'OPENIDCONNECT', token: 'x', options: 'no' }, 'invalid_request'],
      ['errorOnExpiry that is not a boolean', { token_type: 'OPENIDCONNECT', token: 'x', options: { errorOnExpiry: 'false' } }, 'invalid_request'],
      ['an unknown option', { token_type: 'OPENIDCONNECT', token: 'x', options: { resolveToUser: true } }, 'invalid_request'],
      ['an unknown field', { token_type: 'OPENIDCONNECT', token: 'x', genericToken: 'x' }, 'invalid_request'],
      ['a type the instance does not issue', { token_type: 'SAML2', token: 'x' }, 'unknown_token_type'],
    ])('answers 400 for %s', async (_name, body, code) => {
      expectErrorBody(await details('other', body), 400, code);
    });
  });
});
