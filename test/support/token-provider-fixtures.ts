/**
 * Realm and instance contexts for unit tests of token providers. Keys come from the real key
 * loader (generated, or PEM files made by openssl) and are looked up through the real RealmKeys.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKey } from '../../src/keys/key-loader';
import type { LoadedKey } from '../../src/keys/loaded-key';
import { RealmKeys } from '../../src/keys/realm-keys';
import type { JsonObject } from '../../src/plugin-api/json';
import type { InstanceSettings, RealmSettings } from '../../src/plugin-api/settings';
import type {
  IssuedToken,
  StsInstanceContext,
  StsRealmContext,
  TokenProvider,
  TokenProviderParams,
} from '../../src/plugin-api/token-contract';
import type { KeyConfig } from '../../src/realms/schema/key-config';
import { EC_P256_KEY, opensslOk } from './openssl';

export { EC_P256_KEY };

/** A directory that is both config dir (PEM files) and data dir (generated keys) of the test. */
export function makeKeyDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sts-provider-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function loadTestKey(config: Pick<KeyConfig, 'kid' | 'use'> & Partial<KeyConfig>, dir: string): Promise<LoadedKey> {
  return loadKey(config as KeyConfig, { configDir: dir, dataDir: dir, env: {} });
}

/**
 * A realm signing key with a self-signed certificate, both made by openssl as `<name>.key.pem`
 * and `<name>.crt.pem` in `dir`, loaded under `kid`. `extensions` are `-addext` values.
 */
export function certifiedTestKey(
  dir: string,
  { name, kid = name, newkey = EC_P256_KEY, subject = `/CN=${name}`, extensions = [] }: {
    name: string;
    kid?: string;
    newkey?: string[];
    subject?: string;
    extensions?: string[];
  },
): Promise<LoadedKey> {
  opensslOk([
    'req', '-x509', ...newkey, '-nodes', '-days', '30', '-subj', subject,
    ...extensions.flatMap((extension) => ['-addext', extension]),
    '-keyout', join(dir, `${name}.key.pem`), '-out', join(dir, `${name}.crt.pem`),
  ]);
  return loadTestKey({ kid, use: 'sig', private_key_file: `${name}.key.pem`, certificate_file: `${name}.crt.pem` }, dir);
}

export function realmWith(keys: readonly LoadedKey[], configDir: string): StsRealmContext {
  return { path: '/', configDir, settings: {} as RealmSettings, identityStore: undefined, keys: new RealmKeys(keys) };
}

export function instanceWith(settings: Partial<InstanceSettings>): StsInstanceContext {
  return { name: 'test', path: '/test', settings: settings as InstanceSettings };
}

/** What the dispatcher hands a token provider after a USERNAME validation of alice. */
export function providerParams(
  realm: StsRealmContext,
  instance: StsInstanceContext,
  outputTokenState: JsonObject,
): TokenProviderParams {
  return {
    principal: 'alice',
    session: { authenticatedAt: new Date(), authenticationMethods: ['pwd'], attributes: { mail: 'alice@example.com' } },
    additionalState: undefined,
    inputTokenType: 'USERNAME',
    inputTokenState: { token_type: 'USERNAME', username: 'alice' },
    outputTokenType: String(outputTokenState.token_type),
    outputTokenState,
    realm,
    instance,
  };
}

export interface HarnessOptions {
  readonly tokenType: string;
  /** The instance and realm a test uses unless it names others (read when called). */
  readonly instance: () => StsInstanceContext;
  readonly realm: () => StsRealmContext;
  readonly outputTokenState?: JsonObject;
}

interface Where {
  readonly instance?: StsInstanceContext;
  readonly realm?: StsRealmContext;
}

/** issue() and verify() of one token provider: its configuration checked first, as at load. */
export function providerHarness(provider: TokenProvider, options: HarnessOptions) {
  const where = (at: Where) => ({ instance: at.instance ?? options.instance(), realm: at.realm ?? options.realm() });
  return {
    async issue(at: Where & { readonly outputTokenState?: JsonObject } = {}): Promise<IssuedToken> {
      const { instance, realm } = where(at);
      expect(await provider.checkConfiguration?.({ realm, instance })).toEqual([]);
      const outputTokenState = at.outputTokenState ?? options.outputTokenState ?? { token_type: options.tokenType };
      const issued = await provider.createToken(providerParams(realm, instance, outputTokenState));
      if (typeof issued === 'string') throw new Error('expected an IssuedToken (contract 1.1), got a bare string');
      return issued;
    },
    async verify(token: string, at: Where = {}): Promise<boolean> {
      return provider.verifyIssuedToken!({ token, tokenType: options.tokenType, ...where(at) });
    },
  };
}

/**
 * `text` with the character at `index` (from the end when negative) replaced by another
 * base64url/base64 character: a change that survives decoding, unlike one in padding bits.
 */
export function flipCharacter(text: string, index: number): string {
  const at = index < 0 ? text.length + index : index;
  const replacement = text[at] === 'A' ? 'B' : 'A';
  return `${text.slice(0, at)}${replacement}${text.slice(at + 1)}`;
}

/** Inputs that are no token at all: verifyIssuedToken must answer false, not throw. */
const GARBAGE_TOKENS = ['', 'garbage', 'a.b.c', 'a.b.c.d.e', '<not-xml', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'];

export function itAnswersFalseForGarbage(verify: (token: string) => Promise<boolean>): void {
  it.each(GARBAGE_TOKENS)('answers false, without throwing, for %j', async (garbage) => {
    await expect(verify(garbage)).resolves.toBe(false);
  });
}
