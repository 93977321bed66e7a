/**
 * Authenticates the OAuth client of an instance (`oauth_clients`) for any endpoint that needs
 * one. A failure is audited and its 401 names the Basic scheme the client may use (RFC 6749 5.2).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isStsError } from '../errors/sts-errors';
import type { AuditLog } from '../logging/audit-log';
import type { LoadedInstance } from '../realms/loaded-instance';
import { ClientAuthenticator } from './client-authenticator';
import type { ClientCredentials } from './client-credentials';

/** The client_id; `credentials` reads them from the request and may itself refuse. */
export async function authenticateInstanceClient(
  target: LoadedInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  audit: AuditLog,
  credentials: () => ClientCredentials,
): Promise<string> {
  try {
    return await ClientAuthenticator.of(target.instance.settings).authenticate(credentials());
  } catch (error) {
    if (isStsError(error) && error.status === 401) {
      reply.header('www-authenticate', `Basic realm="${target.instance.path}"`);
      audit.record({ action: 'authenticate', outcome: 'failure', credential: 'client', instance: target.instance.path, error: error.code, request_id: String(request.id), remote_address: request.ip });
    }
    throw error;
  }
}
