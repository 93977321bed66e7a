/** The longest lifetime of any token a realm's instances issue: how long a retired key must stay published. */
import type { RealmConfig } from '../realms/schema/realm-config';

/** Clock skew a verifier may allow on top of `exp`. */
const VERIFIER_SKEW_SECONDS = 300;

export function longestTokenLifetimeSeconds(realm: RealmConfig): number {
  const lifetimes = Object.values(realm.instances).flatMap((instance) => [
    instance.oidc?.token_lifetime_seconds ?? 0,
    (instance.access_token?.token_lifetime_minutes ?? 0) * 60,
  ]);
  return Math.max(0, ...lifetimes) + VERIFIER_SKEW_SECONDS;
}
