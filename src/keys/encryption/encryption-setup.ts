/**
 * Prepares, at configuration load, the JWE encrypter for an `encryption:` block: finds and
 * checks its key (realm key, partner key file or partner JWKS URL) and reports problems with
 * key paths. Token providers then look the encrypter up by the (immutable) config object.
 */
import { ServiceUnavailableError } from '../../errors/sts-errors';
import type { ConfigurationProblem, StsRealmContext } from '../../plugin-api/token-contract';
import type { EncryptionConfig } from '../../realms/schema/encryption-config';
import { x5tOf } from '../certificate-thumbprint';
import { encryptionKeyProblem, isSymmetricKeyManagement } from '../jwe-algorithms';
import { configuredCertificate } from '../loaded-key';
import { EncryptionKey, factsOf, selectJwk } from './encryption-key';
import { EncryptionKeySource, JweEncrypter } from './jwe-encrypter';
import { PartnerKeyFileError, readPartnerKeyFile } from './partner-key-file';
import { checkJwksUrl, RemoteJwks } from './remote-jwks';

const encrypters = new WeakMap<EncryptionConfig, JweEncrypter>();

/** The encrypter prepared for this block; the load-time check guarantees there is one. */
export function encrypterFor(config: EncryptionConfig): JweEncrypter {
  const encrypter = encrypters.get(config);
  if (!encrypter) throw new Error('encryption used before its configuration was checked');
  return encrypter;
}

/** `path` locates the block in the instance (`access_token.encryption`). */
export async function prepareEncryption(config: EncryptionConfig, realm: StsRealmContext, path: string): Promise<ConfigurationProblem[]> {
  const sources = (['key', 'public_key_file', 'jwks_url'] as const).filter((source) => config[source] !== undefined);
  if (sources.length !== 1) {
    return [{ path, message: `give exactly one of key, public_key_file or jwks_url${sources.length ? ` (found ${sources.join(', ')})` : ''}` }];
  }
  const [source] = sources;
  if (source !== 'key' && isSymmetricKeyManagement(config.algorithm)) {
    return [{ path: `${path}.${source}`, message: `${config.algorithm} uses a shared secret: give it as a realm key (key:)` }];
  }
  try {
    const keySource =
      source === 'key' ? realmKeySource(config, realm) : source === 'public_key_file' ? await fileKeySource(config, realm) : remoteKeySource(config);
    encrypters.set(config, new JweEncrypter(config, keySource));
    return [];
  } catch (error) {
    if (!(error instanceof EncryptionSetupError || error instanceof PartnerKeyFileError)) throw error;
    return [{ path: `${path}.${source}`, message: error.message }];
  }
}

class EncryptionSetupError extends Error {}

function checked(config: EncryptionConfig, key: EncryptionKey): EncryptionKeySource {
  if (config.include_x5t && key.x5t === undefined) {
    throw new EncryptionSetupError('include_x5t needs a key with a certificate (a certificate_file, a PEM certificate or a JWK with x5t)');
  }
  const facts = factsOf(key.key);
  const problem = facts
    ? encryptionKeyProblem(config.algorithm, config.content_encryption, facts)
    : `unsupported key type ${key.key.asymmetricKeyType ?? key.key.type}`;
  if (problem) throw new EncryptionSetupError(problem);
  return () => key;
}

function realmKeySource(config: EncryptionConfig, realm: StsRealmContext): EncryptionKeySource {
  const kid = config.key!;
  const key = realm.keys.get(kid);
  if (!key) throw new EncryptionSetupError(`no key "${kid}" in realm ${realm.path}`);
  if (key.use !== 'enc') throw new EncryptionSetupError(`key "${kid}" has use "${key.use}"; encryption needs a key with use "enc"`);
  const material = key.family === 'oct' ? key.privateKey! : key.publicKey!;
  const certificate = configuredCertificate(key);
  return checked(config, { key: material, kid, x5t: certificate && x5tOf(certificate) });
}

async function fileKeySource(config: EncryptionConfig, realm: StsRealmContext): Promise<EncryptionKeySource> {
  return checked(config, await readPartnerKeyFile(config.public_key_file!, realm.configDir, config.algorithm, config.content_encryption));
}

function remoteKeySource(config: EncryptionConfig): EncryptionKeySource {
  const url = config.jwks_url!;
  const problem = checkJwksUrl(url);
  if (problem) throw new EncryptionSetupError(problem);
  const remote = new RemoteJwks({ url, defaultCacheMinutes: config.jwks_cache_minutes });
  // The key set object stays the same while cached, so the choice is made once per fetch.
  const chosen = new WeakMap<object, EncryptionKey>();
  return async () => {
    const keys = await remote.keys();
    let key = chosen.get(keys);
    if (!key) {
      key = selectJwk(keys, config.algorithm, config.content_encryption);
      if (!key) {
        throw new ServiceUnavailableError(`The partner key set at ${new URL(url).host} has no key usable for ${config.algorithm}.`, {
          code: 'encryption_keys_unavailable',
        });
      }
      chosen.set(keys, key);
    }
    return key;
  };
}
