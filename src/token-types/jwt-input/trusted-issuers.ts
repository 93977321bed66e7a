/**
 * The trusted issuers of an `oidc_validation:` block, read and checked once when the configuration
 * loads and then looked up by the (immutable) config object; a reload builds new config objects and
 * so reads the files again. A jwks_url is not fetched at load (the issuer may be down while we
 * start); its keys are fetched on first use, cached, and refetched at most once a minute when a
 * token names a kid the cached set lacks.
 */
import { ConfigFileError, readConfigFile } from '../../common/config-file';
import type { JWK } from 'jose';
import { checkJwksUrl } from '../../keys/encryption/remote-jwks';
import { RemoteJwks } from '../../keys/encryption/remote-jwks';
import { keyProblemForAlgorithm, type JwsAlgorithmName } from '../../keys/jws-algorithms';
import type { ConfigurationProblem, RealmKeyResolver } from '../../plugin-api/token-contract';
import type { OidcValidationConfig, TrustedIssuerConfig } from '../../realms/schema/oidc-validation-config';
import { pemPublicJwk, usableJwks, verificationJwk } from './issuer-key-material';

/** An unknown kid may trigger a refetch this often, no more. */
const UNKNOWN_KID_REFETCH_MS = 60_000;
/** Used when the issuer's response has no cache directives. */
const DEFAULT_JWKS_CACHE_MINUTES = 60;
const JWKS_MAX_BYTES = 256 * 1024;

export interface TrustedIssuer {
  readonly config: TrustedIssuerConfig;
  /** The public keys whose kid is `kid` (all of them for a public_key_file, which has no kid). */
  keysFor(kid: string | undefined): Promise<readonly JWK[]>;
}

const prepared = new WeakMap<OidcValidationConfig, ReadonlyMap<string, TrustedIssuer>>();

export function trustedIssuer(config: OidcValidationConfig, issuer: string): TrustedIssuer | undefined {
  const issuers = prepared.get(config);
  if (!issuers) throw new Error('oidc_validation used before its configuration was checked');
  return issuers.get(issuer);
}

function selectByKid(keys: readonly JWK[], kid: string | undefined): readonly JWK[] {
  // No kid in the token: every key is a candidate; each is tried.
  return kid === undefined ? keys : keys.filter((key) => key.kid === kid);
}

/** Usable keys per fetched set, computed once per set (RemoteJwks returns the same array while it holds a copy). */
const usableFetched = new WeakMap<readonly JWK[], readonly JWK[]>();

function remoteIssuer(config: TrustedIssuerConfig, url: string, unavailableCode: string): TrustedIssuer {
  const remote = new RemoteJwks({ url, defaultCacheMinutes: DEFAULT_JWKS_CACHE_MINUTES, maxBytes: JWKS_MAX_BYTES, unavailableCode });
  const usable = (fetched: readonly JWK[]): readonly JWK[] => {
    let keys = usableFetched.get(fetched);
    if (!keys) {
      keys = usableJwks(fetched, config.algorithms).keys;
      usableFetched.set(fetched, keys);
    }
    return keys;
  };
  return {
    config,
    keysFor: async (kid) => {
      const found = selectByKid(usable(await remote.keys()), kid);
      if (found.length > 0 || kid === undefined) return found;
      return selectByKid(usable(await remote.refetch(UNKNOWN_KID_REFETCH_MS)), kid);
    },
  };
}

/**
 * A key of this realm: the active version of a rotating key when the token has no kid, else the
 * version its kid names while it is published. Secrets (HS*) stay in memory, as for signing.
 */
function realmKeyIssuer(config: TrustedIssuerConfig, name: string, realmKeys: RealmKeyResolver): TrustedIssuer {
  const ownKid = (kid: string) => kid === name || (kid.startsWith(`${name}.v`) && /^\d+$/.test(kid.slice(name.length + 2)));
  return {
    config,
    keysFor: async (kid) => {
      const key = kid === undefined ? realmKeys.get(name) : ownKid(kid) ? realmKeys.get(kid) : undefined;
      return key ? [verificationJwk(key)] : [];
    },
  };
}

function fixedIssuer(config: TrustedIssuerConfig, keys: readonly JWK[], ignoreKid: boolean): TrustedIssuer {
  return { config, keysFor: async (kid) => (ignoreKid ? keys : selectByKid(keys, kid)) };
}

async function readIssuerFile(configDir: string, file: string): Promise<string | { problem: string }> {
  try {
    return (await readConfigFile(configDir, file)).toString('utf8');
  } catch (error) {
    if (!(error instanceof ConfigFileError)) throw error;
    return { problem: error.message };
  }
}

/**
 * The keys of one issuer entry (jwks_file, jwks_url or public_key_file), or undefined with the
 * reason in `problems`. Also reads the public keys of `private_key_jwt` OAuth clients, with their
 * own `unavailableCode` for a key set that cannot be fetched.
 */
export async function prepareIssuer(
  issuer: TrustedIssuerConfig,
  configDir: string,
  at: string,
  problems: ConfigurationProblem[],
  unavailableCode = 'jwt_issuer_keys_unavailable',
  realmKeys?: RealmKeyResolver,
): Promise<TrustedIssuer | undefined> {
  const sources = (['jwks_file', 'jwks_url', 'public_key_file', 'realm_key'] as const).filter((name) => issuer[name] !== undefined);
  if (sources.length !== 1) {
    problems.push({ path: at, message: `needs exactly one of jwks_file, jwks_url, public_key_file, realm_key (has ${sources.length === 0 ? 'none' : sources.join(', ')})` });
    return undefined;
  }
  const source = sources[0];
  const path = `${at}.${source}`;
  if (source === 'realm_key') return realmKeySource(issuer, path, at, problems, realmKeys);
  const secret = issuer.algorithms.find((alg) => alg.startsWith('HS'));
  if (secret) {
    return void problems.push({ path: `${at}.algorithms`, message: `${secret} needs realm_key: a shared secret is never trusted from a file or URL, an outside issuer is known by its public key` });
  }
  if (source === 'jwks_url') {
    const problem = checkJwksUrl(issuer.jwks_url!);
    if (problem) return void problems.push({ path, message: problem });
    return remoteIssuer(issuer, issuer.jwks_url!, unavailableCode);
  }
  const file = issuer[source]!;
  const text = await readIssuerFile(configDir, file);
  if (typeof text !== 'string') return void problems.push({ path, message: text.problem });
  if (source === 'public_key_file') {
    const jwk = pemPublicJwk(text, issuer.algorithms);
    if (typeof jwk === 'string') return void problems.push({ path, message: `${file} ${jwk}` });
    return fixedIssuer(issuer, [Object.freeze(jwk)], true);
  }
  let entries: unknown;
  try {
    entries = (JSON.parse(text) as { keys?: unknown }).keys;
  } catch {
    return void problems.push({ path, message: `${file} is not JSON` });
  }
  if (!Array.isArray(entries)) return void problems.push({ path, message: `${file} has no "keys" array (a JWKS is {"keys": [...]})` });
  const { keys, skipped } = usableJwks(entries, issuer.algorithms);
  // A trust file is small and hand-made: every entry must be usable, so a mistake shows at load.
  if (skipped.length > 0 || keys.length === 0) {
    return void problems.push({ path, message: `${file}: ${skipped.length > 0 ? skipped.join('; ') : `no key for ${issuer.algorithms.join(', ')}`}` });
  }
  return fixedIssuer(issuer, keys, false);
}

function realmKeySource(
  issuer: TrustedIssuerConfig,
  path: string,
  at: string,
  problems: ConfigurationProblem[],
  realmKeys: RealmKeyResolver | undefined,
): TrustedIssuer | undefined {
  const name = issuer.realm_key!;
  if (!realmKeys) return void problems.push({ path, message: 'a realm key is trusted only in oidc_validation' });
  const key = realmKeys.get(name);
  if (!key) return void problems.push({ path, message: `"${name}" names no key of this realm` });
  const unfit = issuer.algorithms.map((alg) => keyProblemForAlgorithm(alg as JwsAlgorithmName, key)).filter((problem) => problem !== undefined);
  if (unfit.length > 0) return void problems.push({ path: `${at}.algorithms`, message: unfit.join('; ') });
  return realmKeyIssuer(issuer, name, realmKeys);
}

export async function prepareTrustedIssuers(
  config: OidcValidationConfig,
  configDir: string,
  path = 'oidc_validation',
  realmKeys?: RealmKeyResolver,
): Promise<ConfigurationProblem[]> {
  // OPENIDCONNECT and JWT share the block: the second check reuses the first one's work.
  if (prepared.has(config)) return [];
  const problems: ConfigurationProblem[] = [];
  const issuers = new Map<string, TrustedIssuer>();
  const seen = new Set<string>();
  for (const [index, issuer] of config.trusted_issuers.entries()) {
    const at = `${path}.trusted_issuers[${index}]`;
    if (seen.has(issuer.issuer)) {
      problems.push({ path: `${at}.issuer`, message: `${JSON.stringify(issuer.issuer)} is listed twice; list all its keys in one entry` });
      continue;
    }
    seen.add(issuer.issuer);
    const ready = await prepareIssuer(issuer, configDir, at, problems, undefined, realmKeys);
    if (ready) issuers.set(issuer.issuer, ready);
  }
  if (problems.length === 0) prepared.set(config, issuers);
  return problems;
}
