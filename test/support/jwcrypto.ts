/**
 * python3-jwcrypto (Debian package; an implementation of JOSE independent of jose) as a second
 * verifier: decrypts our JWEs and verifies our JWSs. All jobs of a test file go to one python
 * process (JSON in on stdin, JSON out on stdout) to keep the suite fast. Also signs the input
 * tokens of tests, so the code under test never verifies what it made itself.
 */
import { spawnSync } from 'node:child_process';
import { createPrivateKey, type JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The Debian interpreter, isolated (-I) from user site-packages and PYTHON* variables. */
const PYTHON = '/usr/bin/python3';

const SCRIPT = String.raw`
import base64, json, sys
from jwcrypto import jwe, jwk, jws

def b64json(segment):
    return json.loads(base64.urlsafe_b64decode(segment + '=' * (-len(segment) % 4)))

def verify(token, key, alg):
    signed = jws.JWS()
    signed.deserialize(token)
    signed.verify(key, alg)
    return {'header': b64json(token.split('.')[0]), 'claims': json.loads(signed.payload)}

def verify_with_set(token, jwks, alg):
    header = b64json(token.split('.')[0])
    key = jwk.JWKSet.from_json(json.dumps(jwks)).get_key(header.get('kid'))
    if key is None:
        raise ValueError('no key %r in the JWKS' % header.get('kid'))
    return verify(token, key, alg)

def sign(job):
    # The protected header and payload are signed exactly as given (JSON text), so tests control every byte.
    signed = jws.JWS(job['payload'].encode('utf-8'))
    signed.add_signature(jwk.JWK(**job['key']), None, job['header'])
    return signed.serialize(compact=True)

def run(job):
    try:
        if job['op'] == 'sign':
            return {'ok': True, 'token': sign(job)}
        if job['op'] == 'verify':
            if 'jwks' in job:
                return dict(ok=True, **verify_with_set(job['token'], job['jwks'], job['alg']))
            return dict(ok=True, **verify(job['token'], jwk.JWK(**job['key']), job['alg']))
        if job['op'] == 'decrypt':
            encrypted = jwe.JWE()
            encrypted.deserialize(job['token'], key=jwk.JWK(**job['key']))
            inner = encrypted.payload.decode('utf-8')
            out = {'ok': True, 'header': b64json(job['token'].split('.')[0]), 'inner': inner}
            if 'jwks' in job:
                try:
                    out['verified'] = dict(ok=True, **verify_with_set(inner, job['jwks'], job['alg']))
                except Exception as error:
                    out['verified'] = {'ok': False, 'error': '%s: %s' % (type(error).__name__, error)}
            return out
        raise ValueError('unknown op %r' % job['op'])
    except Exception as error:
        return {'ok': False, 'error': '%s: %s' % (type(error).__name__, error)}

json.dump([run(job) for job in json.load(sys.stdin)], sys.stdout)
`;

export type PublicJwks = { keys: JsonWebKey[] };

export type JwcryptoJob =
  /** Sign `payload` (any text) with a private JWK or {kty: 'oct', k}; `header` is the protected header's JSON text (alg inside). */
  | { op: 'sign'; key: JsonWebKey; header: string; payload: string }
  /** Verify a JWS with one key (public JWK or {kty: 'oct', k}) or with a JWKS (key chosen by kid); `alg` is enforced. */
  | { op: 'verify'; token: string; alg: string; key: JsonWebKey }
  | { op: 'verify'; token: string; alg: string; jwks: PublicJwks }
  /** Decrypt a JWE with the recipient's private JWK or secret; with `jwks`, also verify the nested JWS (`alg` enforced). */
  | { op: 'decrypt'; token: string; key: JsonWebKey; jwks?: PublicJwks; alg?: string };

export interface JwcryptoVerified {
  readonly ok: boolean;
  readonly error?: string;
  readonly header?: Record<string, unknown>;
  readonly claims?: Record<string, unknown>;
}

export interface JwcryptoResult extends JwcryptoVerified {
  /** decrypt: the JWE plaintext (the nested JWS). */
  readonly inner?: string;
  /** sign: the compact JWS. */
  readonly token?: string;
  /** decrypt with jwks: the nested JWS verification. */
  readonly verified?: JwcryptoVerified;
}

export function runJwcrypto(jobs: readonly JwcryptoJob[]): JwcryptoResult[] {
  const result = spawnSync(PYTHON, ['-I', '-c', SCRIPT], { input: JSON.stringify(jobs), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`python3-jwcrypto failed (${result.status}): ${result.error ?? ''}${result.stderr}`);
  const results = JSON.parse(result.stdout) as JwcryptoResult[];
  if (results.length !== jobs.length) throw new Error(`expected ${jobs.length} results, got ${results.length}`);
  return results;
}

/**
 * The private JWK (or `{kty: 'oct', k}`) of a realm key the server generated under
 * `<dataDir>/keys`: node only re-encodes the stored PEM; jwcrypto does the cryptography.
 */
export function generatedKeyJwk(dataDir: string, kid: string): JsonWebKey {
  const dir = join(dataDir, 'keys');
  let secret: string | undefined;
  try {
    secret = readFileSync(join(dir, `${kid}.secret`), 'utf8').trim();
  } catch {
    secret = undefined;
  }
  if (secret !== undefined) return { kty: 'oct', k: secret };
  return createPrivateKey(readFileSync(join(dir, `${kid}.key.pem`), 'utf8')).export({ format: 'jwk' });
}
