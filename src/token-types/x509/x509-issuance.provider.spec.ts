import 'reflect-metadata';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StsInstanceContext, StsRealmContext } from '../../plugin-api/token-contract';
import { X509IssuanceConfig } from '../../realms/schema/x509-config';
import { opensslOk } from '../../../test/support/openssl';
import {
  certifiedTestKey,
  EC_P256_KEY,
  instanceWith,
  itAnswersFalseForGarbage,
  makeKeyDir,
  providerHarness,
  realmWith,
} from '../../../test/support/token-provider-fixtures';
import { normaliseSerial } from './parsed-certificate';
import { CLOCK_SKEW_MS, X509IssuanceProvider } from './x509-issuance.provider';

const provider = new X509IssuanceProvider();
const CA_SUBJECT = '/O=Example/CN=Example Issuing CA';
let keyDir: ReturnType<typeof makeKeyDir>;
let realm: StsRealmContext;
let csr: string;

/** A CA made by openssl, loaded as realm key `kid`. */
const makeCa = (name: string, kid: string) =>
  certifiedTestKey(keyDir.dir, { name, kid, subject: CA_SUBJECT, extensions: ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign'] });

const x509Instance = (): StsInstanceContext =>
  instanceWith({ x509_issuance: Object.assign(new X509IssuanceConfig(), { ca_key: 'ca-1', certificate_lifetime_minutes: 30 }) });

const harness = providerHarness(provider, { tokenType: 'X509', instance: x509Instance, realm: () => realm });
const issue = (at: { realm?: StsRealmContext } = {}) => harness.issue({ ...at, outputTokenState: { token_type: 'X509', csr } });
const verify = harness.verify;

/** The PEM certificate with one byte of its signature changed. */
function withChangedSignature(pem: string): string {
  const der = Buffer.from(new X509Certificate(pem).raw);
  der[der.length - 3] ^= 0x01;
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

beforeAll(async () => {
  keyDir = makeKeyDir();
  realm = realmWith([await makeCa('ca', 'ca-1')], keyDir.dir);
  const csrFile = join(keyDir.dir, 'client.csr.pem');
  opensslOk(['req', '-new', ...EC_P256_KEY, '-nodes', '-keyout', join(keyDir.dir, 'client.key.pem'), '-out', csrFile, '-subj', '/CN=ignored']);
  csr = readFileSync(csrFile, 'utf8');
});
afterAll(() => keyDir.remove());

describe('X509IssuanceProvider, contract 1.1', () => {
  it('carries its certificates in validated_token_state.x509_certificate', () => {
    expect(provider.issuedTokenField).toBe('x509_certificate');
  });

  it('returns the certificate with its notAfter as expiresAt, and the issuer DN and serial for introspection', async () => {
    const issued = await issue();
    const certificate = new X509Certificate(issued.token);
    expect(issued.expiresAt).toEqual(new Date(certificate.validTo));
    // 30 minutes from issuance; notBefore is backdated by the clock skew allowance.
    expect(issued.expiresAt!.getTime() - Date.parse(certificate.validFrom)).toBe(30 * 60_000 + CLOCK_SKEW_MS);
    const { iss, jti, ...rest } = issued.introspectionClaims as Record<string, string>;
    expect(rest).toEqual({});
    // The CA certificate's subject, attributes in certificate order.
    expect(iss).toBe('O=Example, CN=Example Issuing CA');
    expect(normaliseSerial(jti)).toBe(normaliseSerial(certificate.serialNumber));
  });

  it('verifies a certificate it has just issued', async () => {
    expect(await verify((await issue()).token)).toBe(true);
  });

  it('refuses a certificate whose signature was changed', async () => {
    expect(await verify(withChangedSignature((await issue()).token))).toBe(false);
  });

  it('refuses a certificate signed by another CA of the same name under the same kid', async () => {
    const impostor = await makeCa('impostor', 'ca-1');
    expect(await verify((await issue({ realm: realmWith([impostor], keyDir.dir) })).token)).toBe(false);
  });

  it('refuses a certificate once the CA key has left the realm', async () => {
    expect(await verify((await issue()).token, { realm: realmWith([], keyDir.dir) })).toBe(false);
  });

  itAnswersFalseForGarbage((token) => verify(token));
});
