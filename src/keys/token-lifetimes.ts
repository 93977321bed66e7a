/** The longest lifetime of any token a realm's instances issue: how long a retired key must stay published. */
import type { AccessTokenConfig } from '../realms/schema/access-token-config';
import type { RealmConfig } from '../realms/schema/realm-config';

/** Clock skew a verifier may allow on top of `exp`. */
const VERIFIER_SKEW_SECONDS = 300;

/**
 * Every output signed with a realm key counts: ID tokens, access tokens, SAML assertions and
 * certificates from the instance CA. An access token whose `exp` claim_map extends lives up to
 * its max_token_lifetime_minutes.
 */
export function longestTokenLifetimeSeconds(realm: RealmConfig): number {
  const accessTokenMinutes = (config: AccessTokenConfig | undefined) =>
    config === undefined ? 0 : Object.hasOwn(config.claim_map, 'exp') ? config.max_token_lifetime_minutes : config.token_lifetime_minutes;
  const lifetimes = Object.values(realm.instances).flatMap((instance) => [
    instance.oidc?.token_lifetime_seconds ?? 0,
    accessTokenMinutes(instance.access_token) * 60,
    instance.saml2?.token_lifetime_seconds ?? 0,
    (instance.x509_issuance?.certificate_lifetime_minutes ?? 0) * 60,
  ]);
  return Math.max(0, ...lifetimes) + VERIFIER_SKEW_SECONDS;
}
