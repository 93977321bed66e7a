/**
 * The trusted IdP certificates of a `saml2_validation:` block, read and checked once when the
 * configuration loads and then looked up by the (immutable) config object; a reload builds new
 * config objects and so reads the files again. Only these keys ever verify an assertion: a
 * certificate or key in the document's KeyInfo is never used. RSA (2048 bits or more) and EC
 * P-256/P-384/P-521 keys are accepted.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { ConfigFileError, readConfigFile } from '../../common/config-file';
import type { ConfigurationProblem } from '../../plugin-api/token-contract';
import type { Saml2ValidationConfig } from '../../realms/schema/saml2-validation-config';
import { XML_EC_CURVES } from './xml-ecdsa';

/** entity_id -> the public keys of its certificates (several entries for key rollover). */
export type TrustedIdpKeys = ReadonlyMap<string, readonly KeyObject[]>;

const prepared = new WeakMap<Saml2ValidationConfig, TrustedIdpKeys>();

export function trustedIdpKeysFor(config: Saml2ValidationConfig): TrustedIdpKeys {
  const keys = prepared.get(config);
  if (!keys) throw new Error('saml2_validation used before its configuration was checked');
  return keys;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

export async function prepareTrustedIdps(config: Saml2ValidationConfig, configDir: string, path = 'saml2_validation'): Promise<ConfigurationProblem[]> {
  const problems: ConfigurationProblem[] = [];
  const keys = new Map<string, KeyObject[]>();
  for (const [index, idp] of config.trusted_idps.entries()) {
    const at = `${path}.trusted_idps[${index}].certificate_file`;
    const file = idp.certificate_file;
    let text: string;
    try {
      text = (await readConfigFile(configDir, file)).toString('latin1');
    } catch (error) {
      if (!(error instanceof ConfigFileError)) throw error;
      problems.push({ path: at, message: error.message });
      continue;
    }
    const blocks = text.match(PEM_CERTIFICATE) ?? [];
    if (blocks.length === 0) {
      problems.push({ path: at, message: `${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` });
      continue;
    }
    for (const [n, block] of blocks.entries()) {
      let certificate: X509Certificate;
      try {
        certificate = new X509Certificate(block);
      } catch {
        problems.push({ path: at, message: `${file}: certificate #${n + 1} cannot be read as an X.509 certificate` });
        continue;
      }
      const publicKey = certificate.publicKey;
      if (publicKey.asymmetricKeyType === 'ec') {
        const curve = publicKey.asymmetricKeyDetails?.namedCurve ?? 'an unknown curve';
        if (!XML_EC_CURVES.has(curve)) {
          problems.push({ path: at, message: `${file}: certificate #${n + 1} holds an EC key on ${curve}; only P-256, P-384 and P-521 are supported` });
          continue;
        }
      } else if (publicKey.asymmetricKeyType !== 'rsa') {
        problems.push({
          path: at,
          message: `${file}: certificate #${n + 1} holds a ${publicKey.asymmetricKeyType} key; only RSA and EC (P-256, P-384, P-521) XML signatures are supported`,
        });
        continue;
      }
      const bits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
      if (publicKey.asymmetricKeyType === 'rsa' && bits < 2048) {
        problems.push({ path: at, message: `${file}: certificate #${n + 1} holds a ${bits}-bit RSA key; at least 2048 bits are required` });
        continue;
      }
      const list = keys.get(idp.entity_id) ?? [];
      list.push(publicKey);
      keys.set(idp.entity_id, list);
    }
  }
  if (problems.length === 0) prepared.set(config, keys);
  return problems;
}
