/** Load-time check that a configured signing key exists, is active and suits the algorithm. */
import type { RealmKeyResolver } from '../plugin-api/token-contract';
import { keyProblemForAlgorithm, type JwsAlgorithmName } from './jws-algorithms';
import { configuredCertificate } from './loaded-key';

export function signingKeyProblem(
  alg: JwsAlgorithmName,
  kid: string,
  realm: { readonly path: string; readonly keys: RealmKeyResolver },
  needsCertificate = false,
): string | undefined {
  const key = realm.keys.get(kid);
  if (!key) return `no key "${kid}" in realm ${realm.path}`;
  if (key.retiredAt) return `key "${kid}" is retired (retired_at); sign with an active key`;
  // The x5t names a certificate relying parties can get (x5c, /ext): a certificate_file's.
  if (needsCertificate && !configuredCertificate(key)) return `key "${kid}" has no certificate_file, which the x5t header needs`;
  return keyProblemForAlgorithm(alg, key);
}
