/** The oidc-provider peer, seen from the (CommonJS) bench runner: its requests, its answer check, its process. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';

export const PEER_CLIENT_ID = 'bench-client';
export const PEER_TOKEN_PATH = '/token';

/** The token endpoint's headers: a form, client_secret_basic. */
export function peerHeaders(clientSecret: string): Record<string, string> {
  // RFC 6749 2.3.1: id and secret are form-encoded before base64.
  const basic = Buffer.from(`${encodeURIComponent(PEER_CLIENT_ID)}:${encodeURIComponent(clientSecret)}`).toString('base64');
  return { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` };
}

/** client_credentials for the bench API. */
export function clientCredentialsBody(): string {
  return new URLSearchParams({ grant_type: 'client_credentials', scope: 'read', resource: 'urn:bench:api' }).toString();
}

/** RFC 8693: an ID token of the bench IdP exchanged for an access token to the bench API. */
export function tokenExchangeBody(subjectToken: string): string {
  return new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    subject_token: subjectToken,
    subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
    requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    scope: 'read',
    resource: 'urn:bench:api',
  }).toString();
}

/** Throws unless `body` is a Bearer token response carrying an ES256 JWS access token. */
export function checkPeerResponse(body: string): void {
  const answer = JSON.parse(body) as { access_token?: unknown; token_type?: unknown };
  if (typeof answer.access_token !== 'string') throw new Error(`peer answered without access_token: ${body.slice(0, 200)}`);
  if (answer.token_type !== 'Bearer') throw new Error(`peer token_type is ${String(answer.token_type)}, not Bearer`);
  const { alg } = decodeProtectedHeader(answer.access_token);
  if (alg !== 'ES256') throw new Error(`peer access token alg is ${String(alg)}, not ES256`);
}

export interface PeerOptions {
  readonly port: number;
  readonly workers: number;
  readonly clientSecret: string;
  /** Whose ID tokens the token exchange accepts: public JWKS (JSON), issuer, audience. */
  readonly subject: { readonly jwks: string; readonly issuer: string; readonly audience: string };
}

/** Starts the peer and resolves once it prints its listening line (rejects with its stderr after exit or 20 s). */
export function startPeer(options: PeerOptions): Promise<{ pid: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [join(__dirname, 'oidc-provider-peer.mjs')], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(options.port),
      PEER_WORKERS: String(options.workers),
      PEER_CLIENT_SECRET: options.clientSecret,
      PEER_SUBJECT_JWKS: options.subject.jwks,
      PEER_SUBJECT_ISSUER: options.subject.issuer,
      PEER_SUBJECT_AUDIENCE: options.subject.audience,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  };

  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let ready = false;
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`oidc-provider peer ${why}:\n${stderr}${stdout}`));
    };
    const timer = setTimeout(() => fail('not listening after 20 s'), 20_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      if (!ready) stderr += chunk.toString();
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      if (ready) return; // keep draining the pipe, stop collecting
      stdout += chunk.toString();
      if (stdout.includes(`peer listening on ${options.port}\n`)) {
        ready = true;
        clearTimeout(timer);
        child.removeListener('exit', onExit);
        resolve({ pid: child.pid!, stop });
      }
    });
    const onExit = (code: number | null, signal: string | null): void => fail(`exited early (${code ?? signal})`);
    child.once('exit', onExit);
  });
}
