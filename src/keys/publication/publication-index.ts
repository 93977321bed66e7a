/**
 * What `/ext/...` publishes (PingFederate style), looked up from one RealmSet: the JWKS at each
 * instance's `access_token.jwks_endpoint_path`, and the certificates of realm signing keys by kid
 * and by SHA-1 thumbprint. Built once per configuration, so a reload publishes the new one.
 */
import type { X509Certificate } from 'node:crypto';
import type { LoadedInstance, LoadedRealm } from '../../realms/loaded-instance';
import type { RealmSet } from '../../realms/realm-set';
import { x5tOf } from '../certificate-thumbprint';

/** `/ext/oauth/x509/kid?v=` and `/ext/oauth/x509/x5t?v=`; no jwks_endpoint_path may live here. */
export const X509_PUBLICATION_PREFIX = '/oauth/x509';

export interface JwksPublication {
  readonly instance: LoadedInstance;
  readonly cacheSeconds: number;
}

export interface CertificatePublication {
  readonly kid: string;
  readonly realm: LoadedRealm;
  readonly certificate: X509Certificate;
}

/** `/oauth/jwks/` -> `/oauth/jwks`: a trailing slash names the same endpoint. */
export function normalizeExtPath(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

export class PublicationIndex {
  private readonly jwksByPath = new Map<string, JwksPublication>();
  private readonly byKid = new Map<string, CertificatePublication>();
  private readonly byX5t = new Map<string, CertificatePublication>();

  constructor(set: RealmSet) {
    const kidRealms = new Set<LoadedRealm>();
    const x5tRealms = new Set<LoadedRealm>();
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
      if (options.publish_x509_by_kid) kidRealms.add(loaded.realm);
      if (options.publish_x509_by_x5t) x5tRealms.add(loaded.realm);
    }
    for (const realm of kidRealms) {
      for (const entry of signingCertificates(realm)) this.byKid.set(entry.kid, entry);
    }
    for (const realm of x5tRealms) {
      for (const entry of signingCertificates(realm)) this.byX5t.set(x5tOf(entry.certificate), entry);
    }
  }

  /** `path` as configured (`/oauth/jwks`), with or without a trailing slash. */
  jwks(path: string): JwksPublication | undefined {
    return this.jwksByPath.get(normalizeExtPath(path));
  }

  certificateByKid(kid: string, now = Date.now()): X509Certificate | undefined {
    return published(this.byKid.get(kid), now);
  }

  certificateByX5t(x5t: string, now = Date.now()): X509Certificate | undefined {
    return published(this.byX5t.get(x5t), now);
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

/**
 * Signing keys of the realm that carry a certificate (kids are unique across the server). A
 * rotating key's entry resolves to its generated active version, which has no certificate.
 */
function signingCertificates(realm: LoadedRealm): CertificatePublication[] {
  return realm.settings.keys.flatMap(({ kid }) => {
    const key = realm.keys.get(kid);
    return key && key.use === 'sig' && key.certificate ? [{ kid, realm, certificate: key.certificate }] : [];
  });
}

/** A certificate is published exactly while its key is in the realm JWKS (a retired key drops out). */
function published(entry: CertificatePublication | undefined, now: number): X509Certificate | undefined {
  if (!entry) return undefined;
  return entry.realm.keys.jwksAt(now).keys.some((jwk) => jwk.kid === entry.kid) ? entry.certificate : undefined;
}
