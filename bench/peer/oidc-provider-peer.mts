/**
 * Benchmark peer: node oidc-provider issuing ES256 JWT access tokens by client_credentials.
 * Env: PORT (required), HOST (127.0.0.1), PEER_WORKERS (1), PEER_CLIENT_SECRET (random if unset).
 * Prints one line `peer listening on <port>` once every worker listens.
 */
import cluster from 'node:cluster';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider, { errors } from 'oidc-provider';

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
            grant_types: ['client_credentials'],
            redirect_uris: [],
            response_types: [],
          },
        ],
        // Only ES256 is on offer; the default (RS256) has no key here.
        clientDefaults: { id_token_signed_response_alg: 'ES256' },
        cookies: { keys: [randomBytes(32).toString('base64url')] },
        ttl: { ClientCredentials: 600 },
        features: {
          devInteractions: { enabled: false },
          clientCredentials: { enabled: true },
          resourceIndicators: {
            enabled: true,
            // Only our API is a valid resource; any other `resource` is rejected as invalid_target.
            getResourceServerInfo: (_ctx, resource) => {
              if (resource !== 'urn:bench:api') throw new errors.InvalidTarget();
              return { scope: 'read', audience: 'urn:bench:api', accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } };
            },
          },
        },
      }),
  );
  // JWT access tokens are stateless: the in-memory adapter is never written on this path.
  const server = provider.listen(port, host);
  server.on('listening', () => {
    if (!cluster.isWorker) console.log(`peer listening on ${port}`);
  });
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
