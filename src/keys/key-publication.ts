/**
 * Which public keys each JWKS publishes: keys are published for a purpose. An instance's JWKS
 * (`/oauth2{P}/jwks`, `/ext/<jwks_endpoint_path>`) lists the keys its ID-token and access-token
 * outputs sign with (a rotating key's pending and retiring versions included), each with the
 * `alg` that output signs with, plus its realm's retired keys while their tokens may still be
 * alive. An issuer's JWKS is the union over the instances that share the issuer. Never a CA key
 * (`x509_issuance.ca_key`) or a SAML signing key, unless the key allows several purposes.
 *
 * The load-time rules that make this sound:
 * - one key, one purpose: a key that signs JWTs signs no certificates and no SAML assertions
 *   (`allow_multiple_purposes: true` lifts it);
 * - one key, one JWS algorithm (its JWK names one `alg`; RFC 8725 section 3.1);
 * - a retired key must have a known algorithm while it is still published.
 */
import type { JWK } from 'jose';
import { ConfigProblem, joinPath } from '../realms/config-problem';
import type { LoadedInstance, LoadedRealm } from '../realms/loaded-instance';
import type { InstanceConfig } from '../realms/schema/instance-config';
import { JWS_ALGORITHM_NAMES, keyProblemForAlgorithm, type JwsAlgorithmName } from './jws-algorithms';
import type { LoadedKey } from './loaded-key';

/** An ID-token or access-token output an instance issues: its section, key and algorithm. */
export interface JwtOutput {
  readonly section: 'oidc' | 'access_token';
  readonly signingKey: string;
  readonly algorithm: JwsAlgorithmName;
}

/**
 * The JWT outputs `settings` configures: its `oidc` (ID tokens) and `access_token` sections. A
 * section counts whether or not a transform uses it yet: it names a signing key for that purpose.
 */
export function jwtOutputsOf(settings: InstanceConfig): JwtOutput[] {
  const found: JwtOutput[] = [];
  if (settings.oidc) {
    found.push({ section: 'oidc', signingKey: settings.oidc.signing_key, algorithm: settings.oidc.signature_algorithm });
  }
  if (settings.access_token) {
    found.push({ section: 'access_token', signingKey: settings.access_token.signing_key, algorithm: settings.access_token.signature_algorithm });
  }
  return found;
}

interface InstancePlan {
  /** Signing key names (kids or rotating key names) with the algorithm they are published for. */
  readonly signing: readonly { readonly name: string; readonly algorithm: JwsAlgorithmName }[];
  /** The realm's retired keys, published until their window ends. */
  readonly retired: readonly { readonly key: LoadedKey; readonly algorithm: JwsAlgorithmName }[];
}

/** The JWKS contents of every instance of one configuration; built at load. */
export class KeyPublication {
  constructor(private readonly plans: ReadonlyMap<LoadedInstance, InstancePlan>) {}

  /**
   * The key set verifiers of these instances' tokens need at `now`: one instance for its own
   * JWKS, every instance of an issuer for the issuer's. Each kid once.
   */
  jwksOf(instances: readonly LoadedInstance[], now = Date.now()): { keys: JWK[] } {
    const keys: JWK[] = [];
    const seen = new Set<string>();
    const add = (realm: LoadedRealm, key: LoadedKey, algorithm: string) => {
      if (seen.has(key.kid)) return;
      seen.add(key.kid);
      keys.push(realm.keys.jwkFor(key, algorithm));
    };
    for (const loaded of instances) {
      const plan = this.plans.get(loaded);
      if (!plan) continue;
      const realmKeys = loaded.realm.keys;
      for (const { name, algorithm } of plan.signing) {
        for (const key of realmKeys.publishedFor(name, now)) add(loaded.realm, key, algorithm);
      }
      for (const { key, algorithm } of plan.retired) {
        if (now < realmKeys.publishedUntil(key)) add(loaded.realm, key, algorithm);
      }
    }
    return { keys };
  }

  /** Whether `kid` is in these instances' JWKS at `now`. */
  publishes(instances: readonly LoadedInstance[], kid: string, now = Date.now()): boolean {
    return this.jwksOf(instances, now).keys.some((jwk) => jwk.kid === kid);
  }
}

type Purpose = 'jwt' | 'ca' | 'saml';

const PURPOSE_NAMES: Record<Purpose, string> = {
  jwt: 'signs ID tokens or access tokens',
  ca: 'signs certificates',
  saml: 'signs SAML assertions',
};

interface KeyReference {
  readonly purpose: Purpose;
  /** `instances.<name>.oidc.signing_key`, for messages. */
  readonly path: string;
  readonly algorithm?: JwsAlgorithmName;
}

/** Every key name an instance's configuration refers to for signing, with its purpose. */
function referencesOf(loaded: LoadedInstance): { name: string; reference: KeyReference }[] {
  const { name: instance, settings } = loaded.instance;
  const at = (...path: string[]) => joinPath('instances', instance, ...path);
  const found: { name: string; reference: KeyReference }[] = [];
  for (const section of ['oidc', 'access_token'] as const) {
    const config = settings[section];
    if (config) found.push({ name: config.signing_key, reference: { purpose: 'jwt', path: at(section, 'signing_key'), algorithm: config.signature_algorithm } });
  }
  if (settings.x509_issuance) found.push({ name: settings.x509_issuance.ca_key, reference: { purpose: 'ca', path: at('x509_issuance', 'ca_key') } });
  // A SAML signing_key counts while it signs assertions, responses or the IdP metadata.
  const saml2 = settings.saml2;
  if (saml2?.signing_key !== undefined && (saml2.sign_assertion || saml2.sign_response || saml2.metadata.sign)) found.push({ name: saml2.signing_key, reference: { purpose: 'saml', path: at('saml2', 'signing_key') } });
  return found;
}

/** The one algorithm a key's type implies (EC curves, Ed25519), if there is one. */
function impliedAlgorithm(key: LoadedKey): JwsAlgorithmName | undefined {
  const suitable = JWS_ALGORITHM_NAMES.filter((alg) => keyProblemForAlgorithm(alg, key) === undefined);
  return suitable.length === 1 ? suitable[0] : undefined;
}

/**
 * The publication plan of every instance, and the problems that refuse the configuration.
 * `now` decides which retired keys are still published (their algorithm must then be known).
 */
export function planKeyPublication(instances: readonly LoadedInstance[], now: number): { publication: KeyPublication; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const plans = new Map<LoadedInstance, InstancePlan>();
  const realms = [...new Set(instances.map((loaded) => loaded.realm))];
  for (const realm of realms) {
    const members = instances.filter((loaded) => loaded.realm === realm);
    problems.push(...referenceProblems(realm, members));
    const issuing = members.filter((loaded) => jwtOutputsOf(loaded.instance.settings).length > 0);
    if (issuing.length === 0) continue;
    const { retired, problems: retiredProblems } = retiredKeysOf(realm, issuing, now);
    problems.push(...retiredProblems);
    for (const loaded of issuing) {
      const signing = jwtOutputsOf(loaded.instance.settings).map((output) => ({ name: output.signingKey, algorithm: output.algorithm }));
      plans.set(loaded, { signing, retired });
    }
  }
  return { publication: new KeyPublication(plans), problems };
}

/** One purpose and one algorithm per key, and `algorithm` consistent with how the key is used. */
function referenceProblems(realm: LoadedRealm, members: readonly LoadedInstance[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const byKey = new Map<string, KeyReference[]>();
  for (const loaded of members) {
    for (const { name, reference } of referencesOf(loaded)) byKey.set(name, [...(byKey.get(name) ?? []), reference]);
  }
  realm.settings.keys.forEach((config, index) => {
    const references = byKey.get(config.kid) ?? [];
    const problem = (message: string, field?: string) => problems.push({ file: realm.file, path: joinPath('keys', index, field), message });
    const purposes = (['jwt', 'ca', 'saml'] as const).filter((purpose) => references.some((r) => r.purpose === purpose));
    // Only a key that signs tokens is published, so only then does a second purpose leak trust.
    if (purposes.includes('jwt') && purposes.length > 1 && !config.allow_multiple_purposes) {
      const uses = purposes.map((purpose) => `${PURPOSE_NAMES[purpose]} (${references.filter((r) => r.purpose === purpose).map((r) => r.path).join(', ')})`);
      problem(
        `key "${config.kid}" serves more than one purpose: it ${uses.join(' and ')}. ` +
          'A JWKS publishes the keys of ID tokens and access tokens, and a relying party that trusts it would accept whatever else such a key signs; ' +
          'give each purpose its own key, or set allow_multiple_purposes: true on this key',
      );
    }
    const jwtUses = references.filter((r) => r.purpose === 'jwt');
    const algorithms = [...new Set(jwtUses.map((r) => r.algorithm!))];
    if (algorithms.length > 1) {
      const uses = algorithms.map((alg) => `${alg} (${jwtUses.filter((r) => r.algorithm === alg).map((r) => r.path).join(', ')})`);
      problem(`key "${config.kid}" signs with ${uses.join(' and ')}; a key serves one JWS algorithm, the one its JWKS entry names (alg): give each algorithm its own key`);
    }
    if (config.algorithm !== undefined) {
      if (config.use !== 'sig') {
        problem(`"${config.kid}" has use "${config.use}"; algorithm names the JWS algorithm of a signing key`, 'algorithm');
        return;
      }
      const other = jwtUses.find((r) => r.algorithm !== config.algorithm);
      if (other) problem(`${config.algorithm}, but ${other.path} signs with ${other.algorithm}; a key serves one JWS algorithm`, 'algorithm');
      const key = realm.keys.get(config.kid);
      const unsuitable = key && keyProblemForAlgorithm(config.algorithm, key);
      if (unsuitable) problem(unsuitable, 'algorithm');
    }
  });
  return problems;
}

/**
 * The realm's retired keys still published at `now`, with their algorithm: the key's
 * `algorithm`, else the one its type implies (EC, Ed25519), else (RSA) the one RSA algorithm the
 * realm's outputs sign with. A key with a CA certificate is never published.
 */
function retiredKeysOf(
  realm: LoadedRealm,
  issuing: readonly LoadedInstance[],
  now: number,
): { retired: { key: LoadedKey; algorithm: JwsAlgorithmName }[]; problems: ConfigProblem[] } {
  const retired: { key: LoadedKey; algorithm: JwsAlgorithmName }[] = [];
  const problems: ConfigProblem[] = [];
  const rsaAlgorithms = [
    ...new Set(issuing.flatMap((loaded) => jwtOutputsOf(loaded.instance.settings)).filter((o) => realm.keys.get(o.signingKey)?.family === 'RSA').map((o) => o.algorithm)),
  ];
  realm.settings.keys.forEach((config, index) => {
    if (!config.retired_at || config.use !== 'sig') return;
    const key = realm.keys.get(config.kid);
    if (!key?.publicKey || key.certificate?.ca || now >= realm.keys.publishedUntil(key)) return;
    const algorithm = config.algorithm ?? impliedAlgorithm(key) ?? (key.family === 'RSA' && rsaAlgorithms.length === 1 ? rsaAlgorithms[0] : undefined);
    if (algorithm) {
      retired.push({ key, algorithm });
      return;
    }
    problems.push({
      file: realm.file,
      path: joinPath('keys', index, 'algorithm'),
      message:
        `retired key "${config.kid}" stays published until ${new Date(realm.keys.publishedUntil(key)).toISOString()} so that the tokens it signed still verify, ` +
        `and its JWKS entry names its algorithm, which the realm's outputs do not tell (${rsaAlgorithms.length > 1 ? `they sign with ${rsaAlgorithms.join(', ')}` : 'none signs with an RSA key'}): ` +
        'set algorithm to the one it signed with (RS256, PS256, ...)',
    });
  });
  return { retired, problems };
}
