/** A realm's loaded keys, looked up by kid; built once per configuration load. */
import type { JWK } from 'jose';
import type { RealmKeyResolver } from '../plugin-api/token-contract';
import type { LoadedKey } from './loaded-key';
import { publicJwk } from './public-jwk';
import type { KeyRing } from './rotation/key-ring';

interface PublishedKey {
  readonly jwk: JWK;
  /** Retired keys drop out of the JWKS at this time (ms); active keys never do. */
  readonly until: number;
}

export class RealmKeys implements RealmKeyResolver {
  private readonly byKid: ReadonlyMap<string, LoadedKey>;
  private readonly rings: ReadonlyMap<string, KeyRing>;
  private readonly published: readonly PublishedKey[];
  private readonly ringJwks = new WeakMap<LoadedKey, JWK>();
  private readonly algJwks = new WeakMap<LoadedKey, Map<string, JWK>>();
  private readonly lifetimeMs: number;

  /**
   * @param longestTokenLifetimeSeconds how long a token signed just before retirement can live:
   *   a retired key stays in the JWKS until then.
   */
  constructor(
    keys: readonly LoadedKey[],
    longestTokenLifetimeSeconds = 0,
    rings: readonly KeyRing[] = [],
    private readonly clock: () => number = Date.now,
  ) {
    this.byKid = new Map(keys.map((key) => [key.kid, key]));
    this.rings = new Map(rings.map((ring) => [ring.name, ring]));
    this.lifetimeMs = longestTokenLifetimeSeconds * 1000;
    this.published = keys
      .filter((key) => key.use === 'sig' && key.publicKey)
      .map((key) => ({
        jwk: publicJwk(key),
        until: key.retiredAt ? key.retiredAt.getTime() + longestTokenLifetimeSeconds * 1000 : Infinity,
      }));
  }

  /**
   * A key by kid; for a rotating key, its name gives the version that signs now, and a version's
   * own kid (`name.v3`) that version while it is still published (so its tokens still verify).
   */
  get(kid: string): LoadedKey | undefined {
    return this.byKid.get(kid) ?? this.rings.get(kid)?.activeAt(this.clock()) ?? this.publishedVersion(kid);
  }

  private publishedVersion(kid: string): LoadedKey | undefined {
    const name = /^(.+)\.v\d+$/.exec(kid)?.[1];
    return name === undefined ? undefined : this.rings.get(name)?.publishedAt(this.clock(), this.lifetimeMs).find((key) => key.kid === kid);
  }

  /** Public signing keys a verifier may need at `now`: pending, active and recently retired ones. */
  jwksAt(now = this.clock()): { keys: JWK[] } {
    const fixed = this.published.filter((p) => now < p.until).map((p) => p.jwk);
    const rotating = [...this.rings.values()]
      .flatMap((ring) => ring.publishedAt(now, this.lifetimeMs))
      .filter((key) => key.use === 'sig' && key.publicKey)
      .map((key) => this.jwkOf(key));
    return { keys: [...fixed, ...rotating] };
  }

  /**
   * The keys a verifier needs at `now` for tokens signed with the signing key `name`: a rotating
   * key's pending, active and retiring versions, else the key itself while it is published.
   */
  publishedFor(name: string, now = this.clock()): LoadedKey[] {
    const ring = this.rings.get(name);
    const fixed = this.byKid.get(name);
    const keys = ring ? ring.publishedAt(now, this.lifetimeMs) : fixed && now < this.publishedUntil(fixed) ? [fixed] : [];
    return keys.filter((key) => key.use === 'sig' && key.publicKey !== undefined);
  }

  /** Until when (ms) a key stays published: its retirement plus the realm's longest token lifetime, else forever. */
  publishedUntil(key: LoadedKey): number {
    return key.retiredAt ? key.retiredAt.getTime() + this.lifetimeMs : Infinity;
  }

  /** The public JWK of `key`, naming the JWS algorithm it is published for. */
  jwkFor(key: LoadedKey, alg: string): JWK {
    let byAlg = this.algJwks.get(key);
    if (!byAlg) this.algJwks.set(key, (byAlg = new Map()));
    let jwk = byAlg.get(alg);
    if (!jwk) byAlg.set(alg, (jwk = { ...publicJwk(key), alg }));
    return jwk;
  }

  /**
   * Every key a plugin may ask for, by kid, and the version each rotating key's name stands for
   * now: what a plugin running in a worker thread receives in place of this resolver. The realm is
   * reloaded (a new RealmKeys) whenever a rotating key's active version changes.
   */
  snapshot(now = this.clock()): { keys: LoadedKey[]; aliases: Record<string, string> } {
    const versions = [...this.rings.values()].flatMap((ring) => ring.versions.map((version) => version.key));
    const aliases = Object.fromEntries([...this.rings.values()].map((ring) => [ring.name, ring.activeAt(now).kid]));
    return { keys: [...this.byKid.values(), ...versions], aliases };
  }

  /** The rotating keys (for the admin console's key list). */
  get keyRings(): KeyRing[] {
    return [...this.rings.values()];
  }

  /** When a ring needs its next version or can drop an old one: the realm is reloaded then. */
  nextKeyEventAt(): number {
    return Math.min(Infinity, ...[...this.rings.values()].map((ring) => ring.nextEventAt));
  }

  private jwkOf(key: LoadedKey): JWK {
    let jwk = this.ringJwks.get(key);
    if (!jwk) this.ringJwks.set(key, (jwk = publicJwk(key)));
    return jwk;
  }
}
