/**
 * SAML2 input over HTTP as an SP-initiated flow delivers it: a samlp:Response answering the
 * caller's AuthnRequest (input_token_state.in_response_to), its assertion signed and encrypted
 * by xmlsec1 to the instance's decryption key, turned into an ID token; refusals with status and
 * code; and the load-time refusal of an unusable decryption_key.
 */
import 'reflect-metadata';
import { decodeJwt } from 'jose';
import { expectConfigProblem } from '../../support/config-errors';
import { expectErrorBody } from '../../support/error-body';
import { realmLoading } from '../../support/realm-loading';
import {
  assertionTemplate,
  DATA,
  encryptedAssertionXml,
  responseXml,
  SamlInputWorkshop,
  TRANSPORT,
  type AssertionOptions,
  type KeyPair,
} from '../../support/saml-input-documents';
import { startTestServer, type TestServer } from '../../support/test-server';

const IDP = 'https://idp.test/saml';
const AUDIENCE = 'https://sts.test/saml';
const RECIPIENT = 'https://sts.test/rest-sts/partners';
const REQUEST = '_authn-request-7f3a';

let shop: SamlInputWorkshop;
let idp: KeyPair;
let encryption: KeyPair;

beforeAll(() => {
  shop = new SamlInputWorkshop();
  idp = shop.keyPair('idp');
  encryption = shop.keyPair('sts-enc');
});
afterAll(() => shop.remove());

function keys(): object[] {
  return [
    { kid: 'rsa-1', use: 'sig', generate: { type: 'rsa', size: 2048 } },
    { kid: 'enc-1', use: 'enc', private_key_file: encryption.key, certificate_file: encryption.cert },
  ];
}

function partners(validation: object = {}): object {
  return {
    supported_token_transforms: [{ from: 'SAML2', to: 'OPENIDCONNECT' }],
    saml2_validation: {
      trusted_idps: [{ entity_id: IDP, certificate_file: idp.cert }],
      audience: AUDIENCE,
      recipients: [RECIPIENT],
      decryption_key: 'enc-1',
      ...validation,
    },
    oidc: { issuer: 'https://sts.test', audience: ['rp-client'], signature_algorithm: 'RS256', signing_key: 'rsa-1', claim_map: { email: 'mail' } },
  };
}

/** What the IdP posts back: a Response to our request, the signed assertion encrypted to our key. */
function encryptedResponse(o: Partial<AssertionOptions> & { transport?: string; responseInResponseTo?: string } = {}): string {
  const signed = shop.sign(assertionTemplate({ issuer: IDP, audience: AUDIENCE, recipient: RECIPIENT, inResponseTo: REQUEST, ...o }), idp);
  const encrypted = encryptedAssertionXml(shop.encrypt(signed, encryption.cert, { data: DATA.aes256gcm, transport: o.transport }));
  const xml = responseXml(encrypted, { issuer: IDP, destination: RECIPIENT, inResponseTo: o.responseInResponseTo ?? REQUEST });
  // The HTTP-POST binding carries it base64-encoded.
  return Buffer.from(xml).toString('base64');
}

describe('SAML2 Responses with encrypted assertions over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      root: { realm: '/', keys: keys(), instances: { partners: partners(), 'no-key': partners({ decryption_key: undefined }) } },
    });
  });
  afterAll(() => server?.close());

  const translate = (token: string, inResponseTo?: unknown, instance = 'partners') =>
    server.post(`/rest-sts/${instance}?_action=translate`, {
      input_token_state: { token_type: 'SAML2', saml2_token: token, ...(inResponseTo === undefined ? {} : { in_response_to: inResponseTo }) },
      output_token_state: { token_type: 'OPENIDCONNECT' },
    });

  it('turns the Response answering our request into an ID token', async () => {
    const res = await translate(encryptedResponse({ nameId: 'alice@idp.test' }), REQUEST);
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.issued_token)).toMatchObject({ sub: 'alice@idp.test', email: 'alice@idp.test', aud: 'rp-client' });
  });

  it('an answer to another request -> 401 saml_in_response_to_mismatch', async () => {
    expectErrorBody(await translate(encryptedResponse({ inResponseTo: '_other', responseInResponseTo: '_other' }), REQUEST), 401, 'saml_in_response_to_mismatch');
  });

  it('an in_response_to that is not an xs:ID -> 400 invalid_in_response_to', async () => {
    expectErrorBody(await translate(encryptedResponse(), 'not an id'), 400, 'invalid_in_response_to');
  });

  it('RSA PKCS#1 v1.5 key transport -> 401 saml_weak_algorithm', async () => {
    expectErrorBody(await translate(encryptedResponse({ transport: TRANSPORT.rsa15 }), REQUEST), 401, 'saml_weak_algorithm');
  });

  it('an instance without decryption_key -> 401 saml_assertion_encrypted', async () => {
    const res = await translate(encryptedResponse(), REQUEST, 'no-key');
    expectErrorBody(res, 401, 'saml_assertion_encrypted');
    expect(res.body.message).toContain('decryption_key');
  });

  it('a Response reporting a failure -> 401 saml_status_not_success', async () => {
    const failed = responseXml('', { issuer: IDP, destination: RECIPIENT, inResponseTo: REQUEST, status: ['urn:oasis:names:tc:SAML:2.0:status:Requester'] });
    expectErrorBody(await translate(failed, REQUEST), 401, 'saml_status_not_success');
  });
});

describe('saml2_validation.decryption_key at load', () => {
  const realms = realmLoading();
  const root = (realmKeys: object[], validation: object) => ({ root: { realm: '/', keys: realmKeys, instances: { x: partners(validation) } } });

  it('loads an RSA key with use enc', async () => {
    await expect(realms.load(root(keys(), { decryption_key: 'enc-1' }))).resolves.toBeDefined();
  });

  it('refuses a kid the realm lacks, and a signing key, naming the key path', async () => {
    expectConfigProblem(await realms.loadError(root(keys(), { decryption_key: 'enc-2' })), 'instances.x.saml2_validation.decryption_key', /no key "enc-2" in realm \//);
    expectConfigProblem(await realms.loadError(root(keys(), { decryption_key: 'rsa-1' })), 'instances.x.saml2_validation.decryption_key', /has use "sig"; decryption needs a key with use "enc"/);
  });

  it('refuses an EC key with use enc', async () => {
    const ecKeys = [...keys(), { kid: 'ec-enc', use: 'enc', generate: { type: 'ec', curve: 'P-256' } }];
    expectConfigProblem(await realms.loadError(root(ecKeys, { decryption_key: 'ec-enc' })), 'instances.x.saml2_validation.decryption_key', /needs an RSA key/);
  });

  it('refuses require_in_response_to that is not a boolean', async () => {
    expectConfigProblem(await realms.loadError(root(keys(), { require_in_response_to: 'yes' })), 'instances.x.saml2_validation.require_in_response_to', /boolean/);
  });
});
