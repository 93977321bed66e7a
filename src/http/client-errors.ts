/**
 * Requests Node refuses before any route runs (headers over STS_MAX_HEADER_BYTES, a request not
 * complete within STS_REQUEST_TIMEOUT_MS, bytes that are not HTTP) still get the SPEC 4.2 error
 * body with a stable code, written to the socket as Node's own answer would be, then closed.
 */
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { toErrorBody } from '../errors/error-response';
import { StsError } from '../errors/sts-errors';

const REFUSALS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'headers_too_large', 'The request headers are larger than this server accepts.'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request_timeout', 'The request was not received completely in time.'],
};
const MALFORMED: [number, string, string] = [400, 'malformed_http', 'The request is not valid HTTP/1.1.'];

export function clientErrorHandler(this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] = REFUSALS[error.code ?? ''] ?? MALFORMED;
  this.log.debug({ err: error }, `client error answered ${status} ${code}`);
  // Like Node: only when no answer has started on this connection.
  const started = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (socket.writable && !started) {
    const body = JSON.stringify(toErrorBody(new StsError(status, code, message)));
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
