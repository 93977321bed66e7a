/**
 * Benchmark peer: node oidc-provider issuing ES256 JWT access tokens to one client (client_secret_basic)
 * - by client_credentials;
 * - by an RFC 8693 token exchange, a grant registered through oidc-provider's own extension API
 *   (`registerGrantType`): the subject token, an ES256 ID token, is verified with jose, and an
 *   ES256 JWT access token is issued for its subject, the work the STS's exchange does.
 * Env: PORT (required), HOST (127.0.0.1), PEER_WORKERS (1), PEER_CLIENT_SECRET (random if unset),
 * PEER_SUBJECT_JWKS (the subject tokens' issuer's public JWKS, JSON), PEER_SUBJECT_ISSUER,
 * PEER_SUBJECT_AUDIENCE. Prints one line `peer listening on <port>` once every worker listens.
 */
import cluster from 'node:cluster';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createLocalJWKSet, jwtVerify } from 'jose';
import Provider, { errors, type KoaContextWithOIDC } from 'oidc-provider';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const API = 'urn:bench:api';

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) throw new Error('PORT is required');
const host = process.env.HOST ?? '127.0.0.1';
const workers = Math.max(1, Number(process.env.PEER_WORKERS ?? 1));

// The primary makes the key and secret once, so all workers sign with the same key and share a secret.
if (cluster.isPrimary) {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  process.env.PEER_JWK = JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: 'bench-es256', use: 'sig', alg: 'ES256' });
  process.env.PEER_CLIENT_SECRET ??= randomBytes(32).toString('base64url');
}

if (cluster.isPrimary && workers > 1) {
  let listening = 0;
  let exited = 0;
  let stopping = false;
  cluster.on('listening', () => {
    if (++listening === workers) console.log(`peer listening on ${port}`);
  });
  // A worker dying under load would skew the numbers: fail loudly instead of respawning.
  // When stopping, exit only after the last worker is gone, so stopping the primary means all stopped.
  cluster.on('exit', (worker, code) => {
    if (stopping) {
      if (++exited === workers) process.exit(0);
      return;
    }
    console.error(`peer worker ${worker.process.pid} exited (${code})`);
    process.exit(1);
  });
  process.on('SIGTERM', () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  });
  for (let i = 0; i < workers; i++) cluster.fork();
} else {
  serve();
}

function serve(): void {
  const provider = quietly(
    () =>
      new Provider(`http://${host}:${port}`, {
        jwks: { keys: [JSON.parse(process.env.PEER_JWK!)] },
        clients: [
          {
            client_id: 'bench-client',
            client_secret: process.env.PEER_CLIENT_SECRET!,
            token_endpoint_auth_method: 'client_secret_basic',
            grant_types: ['client_credentials', TOKEN_EXCHANGE],
            redirect_uris: [],
            response_types: [],
          },
        ],
        // Only ES256 is on offer; the default (RS256) has no key here.
        clientDefaults: { id_token_signed_response_alg: 'ES256' },
        cookies: { keys: [randomBytes(32).toString('base64url')] },
        ttl: { ClientCredentials: 600, AccessToken: 600 },
        features: {
          devInteractions: { enabled: false },
          clientCredentials: { enabled: true },
          resourceIndicators: {
            enabled: true,
            // Only our API is a valid resource; any other `resource` is rejected as invalid_target.
            getResourceServerInfo: (_ctx, resource) => resourceServerInfo(resource),
          },
        },
      }),
  );
  provider.registerGrantType(TOKEN_EXCHANGE, tokenExchange(), ['subject_token', 'subject_token_type', 'requested_token_type', 'resource', 'scope']);
  // JWT access tokens are stateless: the in-memory adapter is never written on this path.
  const server = provider.listen(port, host);
  server.on('listening', () => {
    if (!cluster.isWorker) console.log(`peer listening on ${port}`);
  });
}

function resourceServerInfo(resource: unknown) {
  if (resource !== API) throw new errors.InvalidTarget();
  return { scope: 'read', audience: API, accessTokenFormat: 'jwt' as const, jwt: { sign: { alg: 'ES256' as const } } };
}

/**
 * RFC 8693 for ID tokens of one issuer: jose checks the signature (ES256 only), `iss`, `aud` and
 * `exp`; the access token is oidc-provider's own JWT access token for the token's subject, signed
 * with the provider's ES256 key like the client_credentials ones (no storage: JWT format).
 */
function tokenExchange() {
  const keys = createLocalJWKSet(JSON.parse(process.env.PEER_SUBJECT_JWKS!));
  const expected = { issuer: process.env.PEER_SUBJECT_ISSUER!, audience: process.env.PEER_SUBJECT_AUDIENCE!, algorithms: ['ES256'] };
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    const { params, client, provider } = ctx.oidc;
    const { subject_token, subject_token_type, requested_token_type, resource, scope } = params as Record<string, string | undefined>;
    if (subject_token_type !== ID_TOKEN_TYPE) throw new errors.InvalidRequest('subject_token_type must be an ID token');
    if (requested_token_type !== undefined && requested_token_type !== ACCESS_TOKEN_TYPE) throw new errors.InvalidRequest('only access tokens are issued');
    if (!subject_token) throw new errors.InvalidRequest('subject_token is missing');
    const verified = await jwtVerify(subject_token, keys, expected).catch(() => {
      throw new errors.InvalidGrant('subject_token is not valid');
    });
    if (typeof verified.payload.sub !== 'string') throw new errors.InvalidGrant('subject_token has no subject');
    if (scope !== 'read') throw new errors.InvalidScope('only read can be requested', scope ?? '');

    // No Grant is stored (the types ask for its id): a JWT access token does not carry one, and the STS keeps nothing either.
    const issue = { accountId: verified.payload.sub, client: client!, gty: TOKEN_EXCHANGE, scope } as ConstructorParameters<typeof provider.AccessToken>[0];
    const token = new provider.AccessToken(issue);
    // Not in the type definitions, but part of oidc-provider's API (what its resource indicators feature uses).
    const { ResourceServer } = provider as unknown as { ResourceServer: new (identifier: string, info: object) => NonNullable<typeof token.resourceServer> };
    token.resourceServer = new ResourceServer(API, resourceServerInfo(resource));
    ctx.oidc.entity('AccessToken', token);
    ctx.body = {
      access_token: await token.save(),
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: 'Bearer',
      expires_in: token.expiration,
      scope: token.scope,
    };
    await next();
  };
}

/** oidc-provider warns once at construction about its in-memory adapter; that is intended here. */
function quietly<T>(make: () => T): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).startsWith('oidc-provider WARNING: a quick start development-only in-memory adapter')) warn(...args);
  };
  try {
    return make();
  } finally {
    console.warn = warn;
  }
}
