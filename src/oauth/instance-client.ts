/**
 * Authenticates the OAuth client of an instance (`oauth_clients`) for any endpoint that needs one:
 * the token, introspection and revocation endpoints, and translate and cancel where the instance
 * asks for it. The client is found by the id the request names (for an assertion without
 * `client_id`, by its `iss`), must use the method it is registered for, and is then checked by
 * that method: its secret, its signed assertion (RFC 7523) or its TLS certificate (RFC 8705).
 *
 * A failure is audited and its 401 names the Basic scheme the client may use (RFC 6749 5.2).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isStsError } from '../errors/sts-errors';
import type { AuditLog } from '../logging/audit-log';
import type { AuthenticatedClient, ReplayGuard, StsRequestContext } from '../plugin-api/token-contract';
import type { LoadedInstance } from '../realms/loaded-instance';
import { TLS_METHODS } from '../realms/schema/client-auth-methods';
import type { OAuthClientConfig } from '../realms/schema/oauth-client-config';
import { requestContextOf } from '../transform/request-context';
import { claimedIssuerOf, verifyClientAssertion } from './client-assertion';
import { methodsOf } from './client-auth-metadata';
import { ClientAuthenticator } from './client-authenticator';
import { authenticateByCertificate } from './client-certificate-auth';
import type { PresentedClient } from './client-credentials';
import { clientKeyMaterial } from './client-key-material';
import { InvalidClientError } from './oauth-errors';

/** The replay namespace of client assertion `jti`s: lower case, so no token type (upper case) can share it. */
export const CLIENT_ASSERTION_REPLAY_NAMESPACE = 'client_assertion';

const REQUIRED = 'Client authentication is required: HTTP Basic, client_id with client_secret, a client_assertion (private_key_jwt), or client_id with a TLS client certificate.';

export class InstanceClients {
  constructor(
    private readonly replayGuard: ReplayGuard,
    private readonly audit: AuditLog,
    /** server.yaml `public_base_url`: where clients reach this server, never taken from a request. */
    private readonly publicBaseUrl: string,
  ) {}

  /**
   * The authenticated client; `presented` reads the request's credentials and may itself refuse
   * (400 for two methods at once, 401 for an incomplete one). Nothing presented is a 401.
   */
  async authenticate(target: LoadedInstance, request: FastifyRequest, reply: FastifyReply, presented: () => PresentedClient | undefined): Promise<AuthenticatedClient> {
    try {
      const credentials = presented();
      if (!credentials) throw new InvalidClientError(REQUIRED);
      return await this.check(target, credentials, requestContextOf(request), assertionAudiences(target, this.publicBaseUrl));
    } catch (error) {
      if (isStsError(error) && error.status === 401) {
        reply.header('www-authenticate', `Basic realm="${target.instance.path}"`);
        this.audit.record({ action: 'authenticate', outcome: 'failure', credential: 'client', instance: target.instance.path, error: error.code, request_id: String(request.id), remote_address: request.ip });
      }
      throw error;
    }
  }

  private async check(target: LoadedInstance, presented: PresentedClient, request: StsRequestContext, audiences: readonly string[]): Promise<AuthenticatedClient> {
    const { settings } = target.instance;
    const clientId = presented.clientId ?? (presented.method === 'private_key_jwt' ? claimedIssuerOf(presented.assertion) : undefined);
    const client = clientId === undefined ? undefined : settings.oauth_clients.find((candidate) => candidate.client_id === clientId);
    // Unknown clients and wrong secrets answer alike: the caller learns nothing about which it was.
    if (!client) throw new InvalidClientError('Client authentication failed.');
    checkMethod(client, presented);
    switch (presented.method) {
      case 'client_secret_basic':
      case 'client_secret_post':
        return { id: await ClientAuthenticator.of(settings).authenticate(presented) };
      case 'private_key_jwt':
        await verifyClientAssertion(presented.assertion, {
          clientId: client.client_id,
          keys: clientKeyMaterial(client).assertionKeys!,
          audiences,
          replayGuard: this.replayGuard,
        });
        return { id: client.client_id };
      case 'tls_client_certificate':
        return { id: client.client_id, certificateThumbprint: await authenticateByCertificate(client, clientKeyMaterial(client), settings, request) };
    }
  }
}

function checkMethod(client: OAuthClientConfig, presented: PresentedClient): void {
  const allowed = methodsOf(client);
  if (presented.method === 'tls_client_certificate') {
    if (!allowed.some((method) => TLS_METHODS.includes(method))) {
      throw new InvalidClientError(`Client authentication failed: client_id alone authenticates only a client registered for ${TLS_METHODS.join(' or ')}, by its certificate. ${REQUIRED.replace(/^[^:]*: /, 'Use ')}`);
    }
    return;
  }
  if (!allowed.includes(presented.method)) {
    throw new InvalidClientError(`Client authentication failed: this client is not registered for ${presented.method}.`);
  }
}

/**
 * The `aud` a client assertion may name (RFC 7523 section 3): this instance's token endpoint URL
 * under `public_base_url` (never the request's Host, which the caller chooses), and the issuer
 * identifier of its metadata, the issuer of its tokens (`oidc.issuer`, `access_token.issuer`).
 */
export function assertionAudiences(target: LoadedInstance, publicBaseUrl: string): string[] {
  const { path, settings } = target.instance;
  const issuers = [settings.oidc?.issuer, settings.access_token?.issuer].filter((value): value is string => !!value);
  return [...new Set([`${publicBaseUrl}/oauth2${path}/token`, ...issuers])];
}
