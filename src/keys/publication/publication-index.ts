/**
 * What `/ext/...` publishes (PingFederate style), looked up from one RealmSet: the JWKS at each
 * instance's `access_token.jwks_endpoint_path`, and the certificates of the keys in the JWKS of
 * each instance that enables `publish_x509_by_kid` / `publish_x509_by_x5t`, by kid and by SHA-1
 * thumbprint. Keys are published for a purpose (key-publication.ts): never a CA or SAML key
 * unless it also signs the instance's tokens. Built once per configuration, so a reload
 * publishes the new one.
 */
import type { X509Certificate } from 'node:crypto';
import type { LoadedInstance } from '../../realms/loaded-instance';
import type { RealmSet } from '../../realms/realm-set';
import { x5tOf } from '../certificate-thumbprint';
import { configuredCertificate } from '../loaded-key';

/** `/ext/oauth/x509/kid?v=` and `/ext/oauth/x509/x5t?v=`; no jwks_endpoint_path may live here. */
export const X509_PUBLICATION_PREFIX = '/oauth/x509';

export interface JwksPublication {
  readonly instance: LoadedInstance;
  readonly cacheSeconds: number;
}

/** `/oauth/jwks/` -> `/oauth/jwks`: a trailing slash names the same endpoint. */
export function normalizeExtPath(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

export class PublicationIndex {
  private readonly jwksByPath = new Map<string, JwksPublication>();
  private readonly kidInstances: LoadedInstance[] = [];
  private readonly x5tInstances: LoadedInstance[] = [];

  constructor(private readonly set: RealmSet) {
    for (const loaded of set.instances) {
      const options = loaded.instance.settings.access_token;
      if (!options) continue;
      if (options.jwks_endpoint_path !== undefined) {
        const path = normalizeExtPath(options.jwks_endpoint_path);
        // The loader refuses duplicates; should one slip through, the first instance keeps the path.
        if (!this.jwksByPath.has(path)) {
          this.jwksByPath.set(path, { instance: loaded, cacheSeconds: options.jwks_endpoint_cache_minutes * 60 });
        }
      }
      if (options.publish_x509_by_kid) this.kidInstances.push(loaded);
      if (options.publish_x509_by_x5t) this.x5tInstances.push(loaded);
    }
  }

  /** `path` as configured (`/oauth/jwks`), with or without a trailing slash. */
  jwks(path: string): JwksPublication | undefined {
    return this.jwksByPath.get(normalizeExtPath(path));
  }

  certificateByKid(kid: string, now = Date.now()): X509Certificate | undefined {
    return this.certificates(this.kidInstances, now).find((entry) => entry.kid === kid)?.certificate;
  }

  certificateByX5t(x5t: string, now = Date.now()): X509Certificate | undefined {
    return this.certificates(this.x5tInstances, now).find((entry) => x5tOf(entry.certificate) === x5t)?.certificate;
  }

  /**
   * The certificates of the keys these instances' JWKS publish at `now`: a certificate is
   * published exactly while its key is (a retired key drops out with it).
   */
  private certificates(instances: readonly LoadedInstance[], now: number): { kid: string; certificate: X509Certificate }[] {
    return instances.flatMap((loaded) =>
      this.set.publication.jwksOf([loaded], now).keys.flatMap((jwk) => {
        const key = jwk.kid === undefined ? undefined : loaded.realm.keys.get(jwk.kid);
        const certificate = key && configuredCertificate(key);
        return certificate ? [{ kid: key.kid, certificate }] : [];
      }),
    );
  }
}

const indexes = new WeakMap<RealmSet, PublicationIndex>();

/** The index of `set`, built on first use and kept as long as the set is. */
export function publicationIndexOf(set: RealmSet): PublicationIndex {
  let index = indexes.get(set);
  if (!index) {
    index = new PublicationIndex(set);
    indexes.set(set, index);
  }
  return index;
}
