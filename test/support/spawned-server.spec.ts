/**
 * listensOn: a test server counts as started only when it holds the listening socket itself, not
 * when some other process answers on its port (a restart on the old port racing another test).
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { freePort, listensOn } from './spawned-server';

function listening(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('listensOn', () => {
  it('names the process holding the listening socket, and no other', async () => {
    const port = await freePort();
    const server = await listening(port);
    const bystander = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], { stdio: 'ignore' });
    try {
      expect(listensOn(process.pid, port)).toBe(true);
      expect(listensOn(bystander.pid!, port)).toBe(false);
    } finally {
      bystander.kill('SIGKILL');
      await new Promise<void>((done) => server.close(() => done()));
    }
    expect(listensOn(process.pid, port)).toBe(false);
  });

  it('is false for a port nobody listens on and for a process that is gone', async () => {
    expect(listensOn(process.pid, await freePort())).toBe(false);
    const gone = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await new Promise((done) => gone.once('exit', done));
    expect(listensOn(gone.pid!, 1)).toBe(false);
  });
});
