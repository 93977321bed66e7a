/** A realm's loaded keys, looked up by kid; built once per configuration load. */
import type { JWK } from 'jose';
import type { RealmKeyResolver } from '../plugin-api/token-contract';
import { publicJwk } from './public-jwk';
import type { LoadedKey } from './loaded-key';

export class RealmKeys implements RealmKeyResolver {
  private readonly byKid: ReadonlyMap<string, LoadedKey>;
  /** Public signing keys, exported once: what every instance of the realm publishes. */
  readonly jwks: { keys: JWK[] };

  constructor(keys: readonly LoadedKey[]) {
    this.byKid = new Map(keys.map((key) => [key.kid, key]));
    this.jwks = { keys: keys.filter((k) => k.use === 'sig' && k.publicKey).map(publicJwk) };
  }

  get(kid: string): LoadedKey | undefined {
    return this.byKid.get(kid);
  }
}
