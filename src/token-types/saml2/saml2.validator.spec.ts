import 'reflect-metadata';
import { DOMParser } from '@xmldom/xmldom';
import { isStsError, TokenStoreUnavailableError } from '../../errors/sts-errors';
import type { ReplayGuard, StsInstanceContext, StsRealmContext, TokenValidatorParams } from '../../plugin-api/token-contract';
import { Saml2Config } from '../../realms/schema/saml2-config';
import { Saml2ValidationConfig, TrustedIdpConfig } from '../../realms/schema/saml2-validation-config';
import { InMemoryReplayGuard } from '../../../test/support/in-memory-replay-guard';
import { certifiedTestKey, instanceWith, makeKeyDir, providerParams, realmWith } from '../../../test/support/token-provider-fixtures';
import { SAML_NS } from './assertion-namespaces';
import { Saml2TokenProvider } from './saml2.provider';
import { Saml2TokenValidator } from './saml2.validator';

const IDP = 'https://idp.test/saml';
const STS = 'https://sts.test/saml';
const SKEW_SECONDS = 90;
const validator = new Saml2TokenValidator();
let keyDir: ReturnType<typeof makeKeyDir>;
let idpRealm: StsRealmContext;
let idpInstance: StsInstanceContext;
let instance: StsInstanceContext;

/** A fresh assertion from "the IdP": our own SAML2 provider, signing with a key openssl made. */
async function idpAssertion(): Promise<string> {
  return (await new Saml2TokenProvider().createToken(providerParams(idpRealm, idpInstance, { token_type: 'SAML2' }))).token;
}

function params(token: string, replayGuard: ReplayGuard): TokenValidatorParams {
  return {
    inputTokenType: 'SAML2',
    inputTokenState: { token_type: 'SAML2', saml2_token: token },
    realm: realmWith([], keyDir.dir),
    instance,
    request: { remoteAddress: '127.0.0.1', headers: {}, clientCertificateChain: [] },
    replayGuard,
  };
}

async function refusal(work: Promise<unknown>): Promise<{ status: number; code: string }> {
  const error = await work.then(() => undefined, (thrown: unknown) => thrown);
  if (!isStsError(error)) throw new Error(`expected an StsError, got ${String(error)}`);
  return { status: error.status, code: error.code };
}

beforeAll(async () => {
  keyDir = makeKeyDir();
  idpRealm = realmWith([await certifiedTestKey(keyDir.dir, { name: 'idp' })], keyDir.dir);
  idpInstance = instanceWith({
    saml2: Object.assign(new Saml2Config(), { issuer: IDP, sp_entity_id: STS, sp_acs_url: `${STS}/acs`, signing_key: 'idp', token_lifetime_seconds: 300 }),
  });
  expect(await new Saml2TokenProvider().checkConfiguration({ realm: idpRealm, instance: idpInstance })).toEqual([]);
  instance = instanceWith({
    saml2_validation: Object.assign(new Saml2ValidationConfig(), {
      trusted_idps: [Object.assign(new TrustedIdpConfig(), { entity_id: IDP, certificate_file: 'idp.crt.pem' })],
      audience: STS,
      // The provider writes sp_acs_url as the bearer Recipient.
      recipients: [`${STS}/acs`],
      clock_skew_seconds: SKEW_SECONDS,
    }),
  });
  expect(await validator.checkConfiguration({ realm: realmWith([], keyDir.dir), instance })).toEqual([]);
});
afterAll(() => keyDir.remove());

describe('Saml2TokenValidator and the replay guard', () => {
  it('accepts an assertion once, remembering issuer and ID until NotOnOrAfter plus the clock skew', async () => {
    const guard = new InMemoryReplayGuard();
    const assertion = await idpAssertion();
    const doc = new DOMParser().parseFromString(assertion, 'text/xml');
    const id = doc.documentElement!.getAttribute('ID');
    const notOnOrAfter = Date.parse(doc.getElementsByTagNameNS(SAML_NS, 'Conditions')[0]!.getAttribute('NotOnOrAfter')!);

    expect(await validator.validateToken(params(assertion, guard))).toMatchObject({ principal: 'alice' });
    expect(guard.calls).toEqual([{ id: `${IDP}\u0000${id}`, expiresAt: new Date(notOnOrAfter + SKEW_SECONDS * 1000) }]);

    expect(await refusal(validator.validateToken(params(assertion, guard)))).toEqual({ status: 401, code: 'saml_assertion_replayed' });
  });

  it('accepts two different assertions of the same IdP', async () => {
    const guard = new InMemoryReplayGuard();
    await validator.validateToken(params(await idpAssertion(), guard));
    expect(await validator.validateToken(params(await idpAssertion(), guard))).toMatchObject({ principal: 'alice' });
  });

  it('passes a token store outage on as the guard reports it (503), accepting nothing', async () => {
    const down: ReplayGuard = { firstUse: () => Promise.reject(new TokenStoreUnavailableError()) };
    expect(await refusal(validator.validateToken(params(await idpAssertion(), down)))).toEqual({ status: 503, code: 'token_store_unavailable' });
  });
});
