/**
 * The SPEC section 6 scenarios: which instance each one drives, with what body, and which
 * same-run ceiling its rate is held against (the cost that bounds it).
 */
import { BENCH_USER, type BenchConfig } from './bench-config';

export type CeilingName = 'http_echo_rps' | 'rs256_sign_per_s' | 'es256_sign_per_s' | 'password_hash_per_s';

export interface Scenario {
  readonly name: string;
  readonly instance: string;
  readonly ceiling: CeilingName;
  /** Same kind of work as the peer (one token issued, no password hash): held to 3x its rate. */
  readonly comparableToPeer: boolean;
  readonly headers?: Record<string, string>;
  /** The body, or undefined when each request needs a one-time input token (see `oneTimeInput`). */
  readonly body?: string;
  /** Mint instance and output state that produce one-time input tokens, and how to wrap one into a body. */
  readonly oneTimeInput?: { mintInstance: string; mintBody: string; bodyFor(token: string): string };
}

export function translateBody(input: object, output: object): string {
  return JSON.stringify({ input_token_state: input, output_token_state: output });
}

export function scenarios(config: BenchConfig): Scenario[] {
  const password = { token_type: 'USERNAME', ...BENCH_USER };
  const idToken = { token_type: 'OPENIDCONNECT', oidc_id_token: config.idToken };
  const oidcOut = { token_type: 'OPENIDCONNECT', nonce: 'bench' };
  const jwtOut = { token_type: 'JWT', scope: 'read' };
  return [
    { name: 'username>oidc-rs256', instance: 'oidc-rs256', ceiling: 'password_hash_per_s', comparableToPeer: false, body: translateBody(password, oidcOut) },
    { name: 'oidc-es256>oidc-es256', instance: 'oidc-es256', ceiling: 'http_echo_rps', comparableToPeer: true, body: translateBody(idToken, oidcOut) },
    { name: 'oidc-es256>jwt-es256', instance: 'jwt-es256', ceiling: 'http_echo_rps', comparableToPeer: true, body: translateBody(idToken, jwtOut) },
    { name: 'oidc-es256>jwt-jwe', instance: 'jwt-jwe', ceiling: 'http_echo_rps', comparableToPeer: true, body: translateBody(idToken, jwtOut) },
    { name: 'username>saml2-signed', instance: 'saml2-signed', ceiling: 'password_hash_per_s', comparableToPeer: false, body: translateBody(password, { token_type: 'SAML2' }) },
    {
      name: 'saml2>oidc-es256',
      instance: 'saml2-in',
      ceiling: 'rs256_sign_per_s',
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
  ];
}
