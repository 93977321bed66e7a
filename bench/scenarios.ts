/**
 * The benchmark scenarios: which instance each one drives, with what body, and which same-run
 * ceiling its rate is held against (the cost that bounds it).
 */
import { BENCH_USER, type BenchConfig } from './bench-config';

export type CeilingName = 'http_echo_rps' | 'crypto_echo_rps' | 'rs256_sign_per_s' | 'es256_sign_per_s' | 'password_hash_per_s';

/** The repeated-token scenario: the same ID token every time, to an instance that remembers verified tokens. */
export const REPEATED_SCENARIO = 'oidc-es256>oidc-es256-repeated';
/** custom>custom with the plugin in the server's thread (`isolation: none`) instead of worker threads. */
export const IN_PROCESS_SCENARIO = 'custom>custom-in-process';
/** A plugin that spends BUSY_PLUGIN_SPIN_MS of CPU per call, with a light load on another instance watching latency. */
export const BUSY_SCENARIO = 'busy-plugin';
export const BUSY_PLUGIN_SPIN_MS = 20;
/** oidc-es256>oidc-es256 with an LDAP lookup and two CEL expressions (token fulfillment) on the way. */
export const FULFILLED_SCENARIO = 'oidc-es256>oidc-es256-ldap-cel';

export interface Scenario {
  readonly name: string;
  readonly instance: string;
  readonly ceiling: CeilingName;
  /** Same kind of work as the client_credentials peer (one token issued, no password hash). */
  readonly comparableToPeer: boolean;
  /** Same kind of work as the token-exchange peer (an ES256 input JWT verified, a token signed). */
  readonly comparableToExchangePeer?: boolean;
  readonly headers?: Record<string, string>;
  /** The body (with the same input token every time), or undefined when each request needs a one-time input token (see `oneTimeInput`). */
  readonly body?: string;
  /** Under load, each request carries a fresh ID token from the bench IdP, wrapped into a body by this. */
  readonly freshIdToken?: (token: string) => string;
  /** Needs the verified-input cache (`oidc_validation.cache_verified_tokens`); skipped on a server without it. */
  readonly needsVerifiedTokenCache?: boolean;
  /** Signs with a key in a SoftHSM2 token; skipped where SoftHSM2 is not installed. */
  readonly needsHsm?: boolean;
  /** Watch the latency of a light load on another instance while this one runs, and without it (see BUSY_SCENARIO). */
  readonly watchedByProbe?: boolean;
  /** Mint instance and output state that produce one-time input tokens, and how to wrap one into a body. */
  readonly oneTimeInput?: { mintInstance: string; mintBody: string; bodyFor(token: string): string };
}

export function translateBody(input: object, output: object): string {
  return JSON.stringify({ input_token_state: input, output_token_state: output });
}

const OIDC_OUT = { token_type: 'OPENIDCONNECT', nonce: 'bench' };

/** The body of `oidc-es256>oidc-es256` for a given ID token (also what the echo ceilings are sent). */
export function idTokenBody(token: string): string {
  return translateBody({ token_type: 'OPENIDCONNECT', oidc_id_token: token }, OIDC_OUT);
}

export function scenarios(config: BenchConfig): Scenario[] {
  const password = { token_type: 'USERNAME', ...BENCH_USER };
  const idToken = { token_type: 'OPENIDCONNECT', oidc_id_token: config.idToken };
  const oidcOut = OIDC_OUT;
  const jwtOut = { token_type: 'JWT', scope: 'read' };
  // An ES256 ID token in, a token signed out: each request sends a token never seen before.
  const idTokenIn = (name: string, instance: string, output: object): Scenario => ({
    name,
    instance,
    ceiling: 'crypto_echo_rps',
    comparableToPeer: true,
    comparableToExchangePeer: true,
    body: translateBody(idToken, output),
    freshIdToken: (token) => translateBody({ token_type: 'OPENIDCONNECT', oidc_id_token: token }, output),
  });
  return [
    { name: 'username>oidc-rs256', instance: 'oidc-rs256', ceiling: 'password_hash_per_s', comparableToPeer: false, body: translateBody(password, oidcOut) },
    idTokenIn('oidc-es256>oidc-es256', 'oidc-es256', oidcOut),
    // The same with the signing key in a PKCS#11 token (SoftHSM2: the overhead of the PKCS#11 path, not an HSM's speed).
    { ...idTokenIn('oidc-es256>oidc-es256-hsm', 'oidc-es256-hsm', oidcOut), needsHsm: true },
    {
      name: REPEATED_SCENARIO,
      instance: 'oidc-es256-cached',
      ceiling: 'http_echo_rps',
      comparableToPeer: true,
      comparableToExchangePeer: true,
      body: translateBody(idToken, oidcOut),
      needsVerifiedTokenCache: true,
    },
    // The same as oidc-es256>oidc-es256, plus token fulfillment: one LDAP lookup and two expressions.
    ...(config.directory
      ? [{ ...idTokenIn(FULFILLED_SCENARIO, 'oidc-es256-fulfilled', oidcOut), comparableToPeer: false, comparableToExchangePeer: false }]
      : []),
    idTokenIn('oidc-es256>jwt-es256', 'jwt-es256', jwtOut),
    idTokenIn('oidc-es256>jwt-jwe', 'jwt-jwe', jwtOut),
    { name: 'username>saml2-signed', instance: 'saml2-signed', ceiling: 'password_hash_per_s', comparableToPeer: false, body: translateBody(password, { token_type: 'SAML2' }) },
    {
      name: 'saml2>oidc-es256',
      instance: 'saml2-in',
      ceiling: 'http_echo_rps',
      comparableToPeer: true,
      oneTimeInput: {
        mintInstance: 'saml2-mint',
        mintBody: translateBody(idToken, { token_type: 'SAML2' }),
        bodyFor: (assertion) => translateBody({ token_type: 'SAML2', saml2_token: assertion }, oidcOut),
      },
    },
    {
      name: 'x509>oidc-es256',
      instance: 'x509',
      ceiling: 'http_echo_rps',
      comparableToPeer: true,
      headers: { 'x-client-cert': config.clientCertificateHeader },
      body: translateBody({ token_type: 'X509' }, oidcOut),
    },
    {
      name: 'custom>custom',
      instance: 'custom',
      ceiling: 'http_echo_rps',
      comparableToPeer: true,
      body: translateBody({ token_type: 'CUSTOM', extra_stuff: 'bench' }, { token_type: 'CUSTOM' }),
    },
    {
      name: IN_PROCESS_SCENARIO,
      instance: 'custom-in-process',
      ceiling: 'http_echo_rps',
      comparableToPeer: true,
      body: translateBody({ token_type: 'CUSTOM', extra_stuff: 'bench' }, { token_type: 'CUSTOM' }),
    },
    {
      name: BUSY_SCENARIO,
      instance: 'busy',
      ceiling: 'http_echo_rps',
      comparableToPeer: false,
      watchedByProbe: true,
      body: translateBody({ token_type: 'BUSY', spin_ms: BUSY_PLUGIN_SPIN_MS }, { token_type: 'BUSY' }),
    },
  ];
}
