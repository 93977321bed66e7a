/**
 * What the console shows, read from the configuration being served (RealmRegistry), the plugin
 * manager and the key rings: plain JSON for the browser, never key material or secrets.
 */
import { Injectable } from '@nestjs/common';
import { calculateJwkThumbprint } from 'jose';
import { x5tOf } from '../keys/certificate-thumbprint';
import type { LoadedKey } from '../keys/loaded-key';
import { publicJwk } from '../keys/public-jwk';
import { PluginManager } from '../plugins/plugin-manager.service';
import { documentLocations } from '../realms/issuers';
import type { LoadedInstance, LoadedRealm } from '../realms/loaded-instance';
import { RealmRegistry } from '../realms/realm-registry.service';
import { publishesIdpMetadata } from '../saml2-metadata/idp-metadata';
import { ServiceUnavailableError } from '../errors/sts-errors';
import type { RealmSet } from '../realms/realm-set';

/** A certificate this close to its end gets a warning. */
export const CERTIFICATE_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;
/** Output types whose tokens are JWTs signed with the instance's published keys. */
const JWT_OUTPUTS = new Set(['OPENIDCONNECT', 'JWT', 'ACCESS_TOKEN']);

export interface InstanceView {
  readonly path: string;
  readonly realm: string;
  readonly name: string;
  readonly transforms: { from: string; to: string }[];
  readonly outputs: string[];
  readonly issuer?: string;
  readonly links: { rel: string; href: string }[];
}

export interface KeyView {
  readonly realm: string;
  readonly kid: string;
  readonly use: 'sig' | 'enc';
  readonly type: string;
  readonly state: 'pending' | 'active' | 'retiring';
  readonly rotating_key?: string;
  readonly activates_at?: string;
  readonly next_rotation?: string;
  /** When the ring next changes (a version pre-published or dropped). */
  readonly next_key_event?: string;
  readonly retired_at?: string;
  readonly jwk_thumbprint?: string;
  /** Which instances sign with it, for what and with which algorithm. */
  readonly used_for: KeyUse[];
  readonly certificate?: { subject: string; not_after: string; x5t: string; generated: boolean; expires_soon: boolean };
}

export interface KeyUse {
  readonly instance: string;
  /** `oidc` (ID tokens), `access_token` or `saml2`. */
  readonly output: 'oidc' | 'access_token' | 'saml2';
  /** As configured; for SAML without one, the default that fits the key. */
  readonly algorithm: string;
}

@Injectable()
export class ConsoleViews {
  constructor(
    private readonly realms: RealmRegistry,
    private readonly pluginManager: PluginManager,
  ) {}

  instances(): InstanceView[] {
    const set = this.served();
    return set.instances.map((loaded) => instanceView(set, loaded));
  }

  async keys(now = Date.now()): Promise<KeyView[]> {
    const set = this.served();
    const views: KeyView[] = [];
    for (const realm of set.realms) views.push(...(await realmKeyViews(realm, keyUses(set.instances.filter((loaded) => loaded.realm === realm)), now)));
    return views;
  }

  plugins(): { name: string; version: string; loaded_version?: string; error?: string; isolation?: string; used_by: string[] }[] {
    const instances = this.served().instances;
    return this.pluginManager.status().map((plugin) => ({
      name: plugin.name,
      version: plugin.version,
      ...(plugin.loadedVersion !== undefined && { loaded_version: plugin.loadedVersion }),
      ...(plugin.error !== undefined && { error: plugin.error }),
      ...(plugin.isolation !== undefined && { isolation: plugin.isolation }),
      used_by: instances.filter((loaded) => usesPlugin(loaded, plugin.name)).map((loaded) => loaded.instance.path),
    }));
  }

  private served(): RealmSet {
    const set = this.realms.realmSet;
    if (!set) throw new ServiceUnavailableError('No configuration is loaded yet.', { code: 'not_ready' });
    return set;
  }
}

function instanceView(set: RealmSet, loaded: LoadedInstance): InstanceView {
  const { path, name, settings } = loaded.instance;
  const outputs = loaded.tokenTypes('output');
  const issuer = set.issuers.of(loaded);
  const links: { rel: string; href: string }[] = [];
  if (outputs.some((type) => JWT_OUTPUTS.has(type))) links.push({ rel: 'JWKS', href: `/oauth2${path}/jwks` });
  if (issuer) for (const { route } of documentLocations(issuer)) links.push({ rel: route.includes('openid-configuration') ? 'OpenID discovery' : 'OAuth metadata', href: route });
  if (publishesIdpMetadata(loaded)) links.push({ rel: 'SAML metadata', href: `/saml2${path}/metadata` });
  return {
    path,
    realm: loaded.realm.path,
    name,
    transforms: settings.supported_token_transforms.map(({ from, to }) => ({ from, to })),
    outputs,
    // The OIDC / OAuth issuer, else the SAML one.
    ...((issuer || settings.saml2) && { issuer: issuer?.issuer ?? settings.saml2!.issuer }),
    links,
  };
}

async function realmKeyViews(realm: LoadedRealm, uses: Map<string, KeyUse[]>, now: number): Promise<KeyView[]> {
  const views: KeyView[] = [];
  const ringKids = new Set<string>();
  for (const ring of realm.keys.keyRings) {
    const active = ring.activeAt(now);
    const next = ring.versions.find((version) => version.activatesAt > now);
    for (const version of ring.versions) {
      ringKids.add(version.key.kid);
      if (!realm.keys.publishedFor(ring.name, now).includes(version.key) && version.key !== active) continue;
      const state = version.key === active ? 'active' : version.activatesAt > now ? 'pending' : 'retiring';
      views.push({
        ...(await keyFacts(realm, version.key, now)),
        used_for: uses.get(ring.name) ?? [],
        state,
        rotating_key: ring.name,
        activates_at: new Date(version.activatesAt).toISOString(),
        ...(next && { next_rotation: new Date(next.activatesAt).toISOString() }),
        ...(Number.isFinite(ring.nextEventAt) && { next_key_event: new Date(ring.nextEventAt).toISOString() }),
      });
    }
  }
  for (const key of realm.keys.snapshot(now).keys) {
    if (ringKids.has(key.kid)) continue;
    const retiring = key.retiredAt !== undefined && key.retiredAt.getTime() <= now;
    views.push({ ...(await keyFacts(realm, key, now)), used_for: uses.get(key.kid) ?? [], state: retiring ? 'retiring' : 'active', ...(key.retiredAt && { retired_at: key.retiredAt.toISOString() }) });
  }
  return views;
}

async function keyFacts(realm: LoadedRealm, key: LoadedKey, now: number): Promise<Omit<KeyView, 'state' | 'used_for'>> {
  const certificate = key.certificate;
  return {
    realm: realm.path,
    kid: key.kid,
    use: key.use,
    type: keyType(key),
    ...(key.publicKey && { jwk_thumbprint: await calculateJwkThumbprint(publicJwk(key)) }),
    ...(certificate && {
      certificate: {
        subject: certificate.subject,
        not_after: new Date(certificate.validTo).toISOString(),
        x5t: x5tOf(certificate),
        generated: key.certificateGenerated === true,
        expires_soon: new Date(certificate.validTo).getTime() - now < CERTIFICATE_WARNING_DAYS * DAY_MS,
      },
    }),
  };
}

/** Signing key name (kid, or a rotating key's name) -> the instances that sign with it. */
function keyUses(instances: readonly LoadedInstance[]): Map<string, KeyUse[]> {
  const uses = new Map<string, KeyUse[]>();
  const add = (name: string | undefined, use: KeyUse) => name !== undefined && uses.set(name, [...(uses.get(name) ?? []), use]);
  for (const loaded of instances) {
    const { path, settings } = loaded.instance;
    if (settings.oidc) add(settings.oidc.signing_key, { instance: path, output: 'oidc', algorithm: settings.oidc.signature_algorithm });
    if (settings.access_token) add(settings.access_token.signing_key, { instance: path, output: 'access_token', algorithm: settings.access_token.signature_algorithm });
    if (settings.saml2) add(settings.saml2.signing_key, { instance: path, output: 'saml2', algorithm: settings.saml2.signature_algorithm ?? 'default for the key' });
  }
  return uses;
}

/** `RSA 2048`, `EC P-256`, `OKP Ed25519`, `oct 256`. */
function keyType(key: LoadedKey): string {
  if (key.family === 'RSA') return `RSA ${key.modulusBits ?? ''}`.trim();
  if (key.family === 'oct') return `oct ${(key.secretBytes ?? 0) * 8}`;
  return `${key.family} ${key.curve ?? ''}`.trim();
}

function usesPlugin(loaded: LoadedInstance, plugin: string): boolean {
  const { custom_token_validators, custom_token_providers } = loaded.instance.settings;
  return [...Object.values(custom_token_validators), ...Object.values(custom_token_providers)].includes(plugin);
}
