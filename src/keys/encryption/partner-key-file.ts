/**
 * `public_key_file:` a partner's encryption key as a JWK, a JWKS, an X.509 certificate (PEM) or an
 * SPKI public key (PEM). Read once at configuration load.
 */
import { createPublicKey, X509Certificate } from 'node:crypto';
import { ConfigFileError, readConfigFile } from '../../common/config-file';
import type { JWK } from 'jose';
import type { JweContentEncryptionName, JweKeyManagementName } from '../jwe-algorithms';
import { EncryptionKey, fromCertificate, selectJwk } from './encryption-key';

export class PartnerKeyFileError extends Error {}

export async function readPartnerKeyFile(
  file: string,
  configDir: string,
  alg: JweKeyManagementName,
  enc: JweContentEncryptionName,
): Promise<EncryptionKey> {
  let text: string;
  try {
    text = (await readConfigFile(configDir, file)).toString('utf8');
  } catch (error) {
    if (!(error instanceof ConfigFileError)) throw error;
    throw new PartnerKeyFileError(error.message);
  }
  if (text.trimStart().startsWith('{')) return fromJson(text, file, alg, enc);
  if (text.includes('-----BEGIN CERTIFICATE-----')) {
    try {
      return fromCertificate(new X509Certificate(text));
    } catch {
      throw new PartnerKeyFileError(`${file} holds a certificate that cannot be read`);
    }
  }
  try {
    const key = createPublicKey(text);
    if (key.type !== 'public') throw new Error('not public');
    return { key };
  } catch {
    throw new PartnerKeyFileError(`${file} is not a JWK, a JWKS, a PEM certificate or a PEM public key`);
  }
}

function fromJson(text: string, file: string, alg: JweKeyManagementName, enc: JweContentEncryptionName): EncryptionKey {
  let parsed: { keys?: unknown } & JWK;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new PartnerKeyFileError(`${file} is not valid JSON`);
  }
  if (parsed.d !== undefined || parsed.k !== undefined) {
    throw new PartnerKeyFileError(`${file} holds private or symmetric key material; give the partner's public key only`);
  }
  const candidates = Array.isArray(parsed.keys) ? (parsed.keys as JWK[]) : [parsed];
  const selected = selectJwk(candidates, alg, enc);
  if (!selected) throw new PartnerKeyFileError(`${file} has no public key usable for ${alg}`);
  return selected;
}
