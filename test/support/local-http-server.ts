/** A real HTTP server on 127.0.0.1 whose every answer the test decides, keeping the requests it got. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export class LocalHttpServer {
  readonly requests: IncomingMessage[] = [];
  handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end('');
  /** Kept after close, so a test can aim at the port once nothing listens there. */
  origin = '';
  private readonly server: Server = createServer((req, res) => {
    this.requests.push(req);
    this.handler(req, res);
  });

  /** `contentType`: what serve() answers with unless told otherwise. */
  constructor(private readonly contentType = 'text/plain') {}

  get count(): number {
    return this.requests.length;
  }

  async listen(): Promise<void> {
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Answers every request with this body, status and headers. */
  serve(body: string | Buffer, status = 200, headers: Record<string, string> = {}): void {
    this.handler = (_req, res) => {
      res.writeHead(status, { 'content-type': this.contentType, ...headers });
      res.end(body);
    };
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((done) => this.server.close(() => done()));
  }
}
