/**
 * The benchmark's own configuration: one realm with an instance per scenario, written to a fresh
 * temporary directory with throw-away keys (openssl for the certificates, node:crypto for the
 * rest) and the input tokens the scenarios send. Nothing here is ever committed.
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { exportJWK } from 'jose';
import { hashPassword } from '../src/identity/scrypt-password';
import { schemaKeys } from '../src/realms/schema-keys';
import { OidcValidationConfig } from '../src/realms/schema/oidc-validation-config';
import { LDAP_SUFFIX, type SlapdTestServer, startSlapd } from '../test/support/slapd';
import { IDP_AUDIENCE, IDP_ISSUER, IDP_KID, IdTokenMinter } from './id-tokens';
import { benchToken } from './softhsm-token';

export const BENCH_USER = { username: 'bench', password: 'bench-password-not-a-secret' };
const STS = 'https://sts.bench.example';
const SAML_SP = 'https://sp.bench.example';
/** From dist-bench/bench/ (or bench/), the repository's example plugin. */
const EXAMPLE_PLUGIN = resolve(__dirname, '../..', 'plugins', 'example-custom');
/** The copy of the CUSTOM plugin that server.yaml runs with `isolation: none`. */
const IN_PROCESS_PLUGIN = 'bench-custom-in-process';

export interface BenchConfig {
  /** STS_CONFIG_DIR for the server. */
  readonly configDir: string;
  /** STS_DATA_DIR (generated keys, the SQLite token store). */
  readonly dataDir: string;
  /** STS_PLUGINS_DIR: the bench's own CUSTOM plugin (writeBenchPlugin). */
  readonly pluginsDir: string;
  /** An ES256 ID token from the bench IdP, good for a day: the body of scenarios that send the same token every time. */
  readonly idToken: string;
  /** Fresh ID tokens of the same size, one per request, for the scenarios that send unique tokens. */
  readonly idTokens: IdTokenMinter;
  /** The bench IdP's public JWKS (JSON text), for the crypto echo app and the peer. */
  readonly idpJwks: string;
  /**
   * Whether this server's schema knows `oidc_validation.cache_verified_tokens`; when it does not,
   * the instance with the cache on is left out and the repeated-token scenario reports skipped.
   */
  readonly verifiedTokenCache: boolean;
  /** A client certificate from the bench CA, URL-encoded PEM as nginx forwards it. */
  readonly clientCertificateHeader: string;
  /** Environment the server needs beyond the directories (the bench directory's password). */
  readonly env: Readonly<Record<string, string>>;
  /** The slapd the token-fulfillment scenario looks users up in, when asked for; stop it at the end. */
  readonly directory?: SlapdTestServer;
  /** A SoftHSM2 token holds the key of `oidc-es256-hsm` (else that scenario is skipped). */
  readonly hsm: boolean;
}

/** The bench directory's service password reaches the server through this variable. */
const LDAP_PASSWORD_ENV = 'STS_BENCH_LDAP_PASSWORD';
/** The `sub` of the bench IdP's ID tokens, looked up in the bench directory. */
const BENCH_SUBJECT = 'bench-user';

/** `directory`: start a slapd and add the token-fulfillment instance (one LDAP lookup, two expressions). */
export async function writeBenchConfig(options: { directory?: boolean } = {}): Promise<BenchConfig> {
  const root = mkdtempSync(join(tmpdir(), 'sts-bench-'));
  const configDir = join(root, 'config');
  const dataDir = join(root, 'data');
  mkdirSync(join(configDir, 'realms'), { recursive: true });
  mkdirSync(dataDir);

  const idp = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const idpJwk = { ...(await exportJWK(idp.publicKey)), kid: IDP_KID, use: 'sig', alg: 'ES256' };
  const idpJwks = JSON.stringify({ keys: [idpJwk] });
  writeFileSync(join(configDir, 'idp-jwks.json'), idpJwks);
  const idTokens = new IdTokenMinter(idp.privateKey);
  const verifiedTokenCache = schemaKeys(OidcValidationConfig).includes('cache_verified_tokens');

  selfSignedCertificate(configDir, 'saml', '/CN=bench SAML signer');
  selfSignedCertificate(configDir, 'ca', '/CN=bench client CA', ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const clientPem = clientCertificate(configDir);
  const directory = options.directory
    ? await startSlapd([{ uid: BENCH_SUBJECT, password: 'bench-' + Math.random().toString(36).slice(2), mail: 'bench@example.com', extra: { givenName: 'Bench', sn: 'User', businessCategory: ['app-bench', 'staff', 'app-wiki'] } }])
    : undefined;
  const token = benchToken(root, 'ec-hsm');

  const realm = {
    realm: '/',
    identity_store: {
      type: 'file',
      users: [{ username: BENCH_USER.username, password_hash: await hashPassword(BENCH_USER.password), attributes: { mail: 'bench@example.com', cn: 'Bench User', groups: ['staff'] } }],
    },
    keys: [
      { kid: 'rsa-1', use: 'sig', generate: { type: 'rsa', size: 2048 } },
      { kid: 'ec-1', use: 'sig', generate: { type: 'ec', curve: 'P-256' } },
      { kid: 'enc-1', use: 'enc', generate: { type: 'ec', curve: 'P-256' } },
      { kid: 'saml-1', use: 'sig', private_key_file: 'saml.key.pem', certificate_file: 'saml.crt.pem' },
      ...(token ? [token.key] : []),
    ],
    ...(directory && {
      attribute_sources: [{ name: 'directory', type: 'ldap', url: directory.url, bind_dn: directory.serviceDn, bind_password_env: LDAP_PASSWORD_ENV, base_dn: LDAP_SUFFIX }],
    }),
    instances: {
      // oidc-es256 plus token fulfillment: one LDAP lookup per request (no cache) and two expressions.
      ...(directory && {
        'oidc-es256-fulfilled': {
          supported_token_transforms: [{ from: 'OPENIDCONNECT', to: 'OPENIDCONNECT' }],
          oidc_validation: trustIdp(),
          oidc: { ...oidc('ES256', 'ec-1'), claim_map: { email: 'mail', name: 'full_name', groups: 'app_groups' } },
          token_fulfillment: {
            lookups: [{ source: 'directory', filter: '(uid={key})', attributes: ['givenName', 'sn', 'businessCategory'], cache_seconds: 0 }],
            attributes: {
              full_name: "directory.givenName + ' ' + directory.sn",
              app_groups: "directory.businessCategory.filter(g, g.startsWith('app-'))",
            },
          },
        },
      }),
      'oidc-rs256': { supported_token_transforms: [{ from: 'USERNAME', to: 'OPENIDCONNECT' }], oidc: oidc('RS256', 'rsa-1') },
      'oidc-es256': { supported_token_transforms: [{ from: 'OPENIDCONNECT', to: 'OPENIDCONNECT' }], oidc_validation: trustIdp(), oidc: oidc('ES256', 'ec-1') },
      // The same, signed by a key in a SoftHSM2 token.
      ...(token && { 'oidc-es256-hsm': { supported_token_transforms: [{ from: 'OPENIDCONNECT', to: 'OPENIDCONNECT' }], oidc_validation: trustIdp(), oidc: oidc('ES256', 'ec-hsm') } }),
      // The same with the verified-input cache on, for the repeated-token scenario.
      ...(verifiedTokenCache && {
        'oidc-es256-cached': {
          supported_token_transforms: [{ from: 'OPENIDCONNECT', to: 'OPENIDCONNECT' }],
          oidc_validation: { ...trustIdp(), cache_verified_tokens: true },
          oidc: oidc('ES256', 'ec-1'),
        },
      }),
      // Not a scenario of `npm run bench`: fault.ts loads it, since every token it answers must survive a killed worker.
      'oidc-persist': {
        supported_token_transforms: [{ from: 'OPENIDCONNECT', to: 'OPENIDCONNECT' }],
        persist_issued_tokens: true,
        oidc_validation: trustIdp(),
        oidc: oidc('ES256', 'ec-1'),
      },
      'jwt-es256': { supported_token_transforms: [{ from: 'OPENIDCONNECT', to: 'JWT' }], oidc_validation: trustIdp(), access_token: accessToken() },
      'jwt-jwe': {
        supported_token_transforms: [{ from: 'OPENIDCONNECT', to: 'JWT' }],
        oidc_validation: trustIdp(),
        access_token: { ...accessToken(), encryption: { algorithm: 'ECDH-ES+A256KW', content_encryption: 'A256GCM', key: 'enc-1' } },
      },
      'saml2-signed': { supported_token_transforms: [{ from: 'USERNAME', to: 'SAML2' }], saml2: saml2() },
      // Mints the assertions the saml2>oidc-es256 scenario sends: each one is accepted only once.
      'saml2-mint': { supported_token_transforms: [{ from: 'OPENIDCONNECT', to: 'SAML2' }], oidc_validation: trustIdp(), saml2: saml2() },
      'saml2-in': {
        supported_token_transforms: [{ from: 'SAML2', to: 'OPENIDCONNECT' }],
        // saml2-mint writes sp_acs_url as the bearer Recipient.
        saml2_validation: { trusted_idps: [{ entity_id: STS, certificate_file: 'saml.crt.pem' }], audience: SAML_SP, recipients: [`${SAML_SP}/acs`] },
        oidc: oidc('ES256', 'ec-1'),
      },
      x509: {
        supported_token_transforms: [{ from: 'X509', to: 'OPENIDCONNECT' }],
        x509_validation: { trust_anchors_file: 'ca.crt.pem', client_certificate_header: 'X-Client-Cert', trusted_proxies: ['127.0.0.1'], principal_from: 'subject_cn' },
        oidc: oidc('ES256', 'ec-1'),
      },
      custom: {
        supported_token_transforms: [{ from: 'CUSTOM', to: 'CUSTOM' }],
        custom_token_validators: { CUSTOM: 'bench-custom' },
        custom_token_providers: { CUSTOM: 'bench-custom' },
      },
      // A plugin burning CPU on every call: in its worker threads, it must not slow the other instances down.
      busy: {
        supported_token_transforms: [{ from: 'BUSY', to: 'BUSY' }],
        custom_token_validators: { BUSY: 'bench-busy' },
        custom_token_providers: { BUSY: 'bench-busy' },
      },
      // The same plugin code in the server's thread (isolation: none), beside the worker-thread one.
      'custom-in-process': {
        supported_token_transforms: [{ from: 'CUSTOM', to: 'CUSTOM' }],
        custom_token_validators: { CUSTOM: IN_PROCESS_PLUGIN },
        custom_token_providers: { CUSTOM: IN_PROCESS_PLUGIN },
      },
    },
  };
  writeFileSync(join(configDir, 'realms', 'bench.yaml'), stringify(realm));
  writeFileSync(join(configDir, 'server.yaml'), stringify({ plugins: [{ name: IN_PROCESS_PLUGIN, isolation: 'none' }] }));
  return {
    configDir,
    dataDir,
    pluginsDir: writeBenchPlugin(root),
    idToken: idTokens.mint(),
    idTokens,
    idpJwks,
    verifiedTokenCache,
    clientCertificateHeader: encodeURIComponent(clientPem),
    env: { ...(directory && { [LDAP_PASSWORD_ENV]: directory.servicePassword }), ...token?.env },
    ...(directory && { directory }),
    hsm: token !== undefined,
  };
}

/**
 * The CUSTOM type the bench binds: the example plugin's code, copied whole (a plugin folder is
 * loaded from a snapshot of itself, so it cannot require files outside it), under a name of its
 * own that is not demoOnly. The bench serves in production mode, which refuses an instance bound
 * to the example plugin; with the same code, custom>custom still measures a plugin without crypto.
 * Two copies: `bench-custom` in worker threads (the default), IN_PROCESS_PLUGIN in the server's thread.
 */
function writeBenchPlugin(root: string): string {
  const pluginsDir = join(root, 'plugins');
  for (const name of ['bench-custom', IN_PROCESS_PLUGIN]) {
    const folder = join(pluginsDir, name);
    cpSync(EXAMPLE_PLUGIN, join(folder, 'example'), { recursive: true });
    writeFileSync(
      join(folder, 'index.js'),
      `'use strict';\nconst example = require('./example');\nmodule.exports = (sts) => ({ ...example(sts), name: '${name}', demoOnly: false });\n`,
    );
  }
  const busy = join(pluginsDir, 'bench-busy');
  mkdirSync(busy, { recursive: true });
  writeFileSync(join(busy, 'index.js'), BUSY_PLUGIN);
  return pluginsDir;
}

/** Spins for input_token_state.spin_ms on the CPU, as a plugin with heavy synchronous work would. */
const BUSY_PLUGIN = `'use strict';
module.exports = (sts) => ({
  name: 'bench-busy',
  contractVersion: sts.STS_CONTRACT_VERSION,
  validators: { BUSY: { validateToken({ inputTokenState }) { const end = Date.now() + inputTokenState.spin_ms; while (Date.now() < end); return { principal: 'busy' }; } } },
  providers: { BUSY: { createToken: ({ principal }) => principal } },
});
`;

function oidc(algorithm: string, key: string): object {
  return { issuer: STS, audience: ['rp-client'], token_lifetime_seconds: 600, signature_algorithm: algorithm, signing_key: key, claim_map: { email: 'mail' } };
}

/** RFC 9068 as the defaults have it: iss, aud, a client for requests that name none, a 22-character jti. */
function accessToken(): object {
  return { issuer: STS, audience: ['api'], client_id: 'bench-app', token_lifetime_minutes: 10, signature_algorithm: 'ES256', signing_key: 'ec-1', allowed_scopes: ['read'] };
}

function trustIdp(): object {
  return { trusted_issuers: [{ issuer: IDP_ISSUER, jwks_file: 'idp-jwks.json', algorithms: ['ES256'], audiences: [IDP_AUDIENCE] }] };
}

function saml2(): object {
  return { issuer: STS, sp_entity_id: SAML_SP, sp_acs_url: `${SAML_SP}/acs`, token_lifetime_seconds: 600, attribute_map: { email: 'mail' }, signing_key: 'saml-1' };
}

function selfSignedCertificate(dir: string, name: string, subject: string, extra: string[] = []): void {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', subject,
    '-keyout', join(dir, `${name}.key.pem`), '-out', join(dir, `${name}.crt.pem`), ...extra,
  ], { stdio: 'ignore' });
}

/** A client certificate (CN bench-client, clientAuth) signed by the bench CA; returns its PEM. */
function clientCertificate(dir: string): string {
  const key = join(dir, 'client.key.pem');
  const csr = join(dir, 'client.csr.pem');
  const cert = join(dir, 'client.crt.pem');
  const extensions = join(dir, 'client.ext');
  writeFileSync(extensions, 'keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=bench-client', '-keyout', key, '-out', csr], { stdio: 'ignore' });
  execFileSync('openssl', [
    'x509', '-req', '-in', csr, '-CA', join(dir, 'ca.crt.pem'), '-CAkey', join(dir, 'ca.key.pem'),
    '-CAcreateserial', '-days', '2', '-extfile', extensions, '-out', cert,
  ], { stdio: 'ignore' });
  return readFileSync(cert, 'utf8');
}
