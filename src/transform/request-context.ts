/** The facts about an HTTP request that validators may need (StsRequestContext), for every endpoint that validates tokens. */
import type { FastifyRequest } from 'fastify';
import type { StsRequestContext } from '../plugin-api/token-contract';
import { clientCertificateChain } from './client-certificates';

export function requestContextOf(request: FastifyRequest): StsRequestContext {
  return {
    remoteAddress: request.ip,
    headers: request.headers,
    rawHeaders: request.raw.rawHeaders,
    clientCertificateChain: clientCertificateChain(request),
    requestId: String(request.id),
  };
}
