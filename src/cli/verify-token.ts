/**
 * `rest-sts verify-token`: decodes a JWT and verifies it against the keys an instance publishes
 * in its JWKS (including retired keys and earlier versions of rotating keys while they are still
 * published), with the same algorithm-per-key table the server signs with.
 */
import type { KeyObject } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { JWS_ALGORITHM_NAMES, keyProblemForAlgorithm } from '../keys/jws-algorithms';
import type { LoadedKey } from '../keys/loaded-key';
import type { LoadedInstance } from '../realms/loaded-instance';
import type { RealmSet } from '../realms/realm-set';
import { Command, EXIT_ERROR, EXIT_INVALID, EXIT_OK, parseCommandLine, readStdin, required, UsageError } from './cli-support';
import { DIRECTORY_HELP, DIRECTORY_OPTIONS, directories, loadOrReport } from './load-configuration';

export const verifyTokenCommand: Command = {
  name: 'verify-token',
  summary: "decode a JWT and verify it against an instance's published signing keys",
  help: `Usage: rest-sts verify-token --instance PATH [--config-dir DIR] [--data-dir DIR] [--plugins-dir DIR] TOKEN|-

Prints the JWT's header and claims (pretty JSON) on stdout, then "valid: ..." or "invalid: <reason>"
(bad signature, expired, not yet valid, unknown kid, algorithm not allowed for the key, malformed).
The token is checked against the keys the instance's JWKS (/oauth2<PATH>/jwks) serves now: the
keys its ID tokens and access tokens are signed with, including retired keys and earlier versions
of rotating keys until their tokens have expired; HMAC tokens against the instance's own HMAC
signing keys.
The keys are read from DIR/keys of the data directory, which must be the server's (keys missing
there are generated in a temporary copy only, and tokens cannot verify against them).
Only the signature and exp/nbf are checked, not iss or aud.
Not covered: encrypted (JWE) tokens and SAML2 assertions (exit 1).

  npx rest-sts verify-token --instance /default "$TOKEN"
  printf %s "$TOKEN" | npx rest-sts verify-token --instance /eu/fr/partners -

Options:
  --instance PATH     the instance, as list-instances prints it (/default, /eu/fr/partners)
${DIRECTORY_HELP}
Exit codes: 0 valid, 2 invalid, 1 bad option, unknown instance, invalid configuration, JWE/SAML2.`,

  async run(argv) {
    const { values, positionals } = parseCommandLine(argv, { instance: { type: 'string' }, ...DIRECTORY_OPTIONS }, true);
    const path = required(values.instance, '--instance');
    if (positionals.length !== 1) throw new UsageError('give exactly one token, or - to read it from standard input');
    const token = (positionals[0] === '-' ? await readStdin() : positionals[0]).trim();
    if (token.length === 0) throw new UsageError('empty token');
    if (token.startsWith('<')) throw new Error('SAML2 assertions are not supported; only signed JWTs');
    if (token.split('.').length === 5) throw new Error('encrypted (JWE) tokens are not supported; only signed JWTs');

    const dirs = directories(values);
    const loaded = await loadOrReport('verify-token', dirs);
    if (!loaded) return EXIT_ERROR;
    const instance = loaded.realms.instance(path);
    if (!instance) {
      throw new Error(`no instance ${path}; instances: ${loaded.realms.instances.map((i) => i.instance.path).join(', ')}`);
    }

    let header: ProtectedHeaderParameters;
    let claims: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      claims = decodeJwt(token);
    } catch (error) {
      return invalid(`malformed: ${(error as Error).message}`);
    }
    process.stdout.write(`${JSON.stringify({ header, claims }, null, 2)}\n`);
    const unverifiable = loaded.keysToGenerate.length ? ` (${loaded.keysToGenerate.join(', ')} not in ${dirs.dataDir}/keys)` : '';

    const key = verificationKey(loaded.realms, instance, header.kid);
    if (!key) return invalid(`unknown kid ${JSON.stringify(header.kid ?? null)}: not among the keys of ${path}${unverifiable}`);
    // Only algorithms the key suits: a token cannot pick HMAC with a public key, or `none`.
    const algorithms = JWS_ALGORITHM_NAMES.filter((alg) => keyProblemForAlgorithm(alg, key) === undefined);
    if (!algorithms.includes(header.alg as (typeof algorithms)[number])) {
      return invalid(`algorithm ${header.alg} is not allowed for key "${key.kid}" (${algorithms.join(', ')})`);
    }
    try {
      await jwtVerify(token, (key.family === 'oct' ? key.privateKey : key.publicKey) as KeyObject, { algorithms });
    } catch (error) {
      return invalid(reason(error, claims) + (error instanceof errors.JWSSignatureVerificationFailed ? unverifiable : ''));
    }
    process.stdout.write(`valid: ${header.alg} signature by key "${key.kid}" of ${path}${claims.exp ? `, expires ${new Date(claims.exp * 1000).toISOString()}` : ''}\n`);
    return EXIT_OK;
  },
};

/**
 * The key a token's kid names among what the instance publishes (its JWKS), or, for HMAC,
 * the instance's own secret signing keys, which are never published. Without kid: the instance's
 * configured signing key when there is exactly one.
 */
function verificationKey(set: RealmSet, loaded: LoadedInstance, kid: string | undefined): LoadedKey | undefined {
  const { keys } = loaded.realm;
  const { oidc, access_token } = loaded.instance.settings;
  const own = [oidc?.signing_key, access_token?.signing_key].flatMap((name) => (name === undefined ? [] : [keys.get(name)])).filter((k) => k !== undefined);
  if (kid === undefined) {
    const distinct = [...new Set(own)];
    return distinct.length === 1 ? distinct[0] : undefined;
  }
  const published = set.publication.publishes([loaded], kid);
  if (published) return keys.get(kid);
  return own.find((key) => key.family === 'oct' && key.kid === kid);
}

function reason(error: unknown, claims: JWTPayload): string {
  if (error instanceof errors.JWTExpired) return `expired at ${new Date((claims.exp ?? 0) * 1000).toISOString()}`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf') return `not yet valid (nbf ${new Date((claims.nbf ?? 0) * 1000).toISOString()})`;
  return (error as Error).message;
}

function invalid(why: string): number {
  process.stdout.write(`invalid: ${why}\n`);
  return EXIT_INVALID;
}
