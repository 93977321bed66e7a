/**
 * runClustered (BUILT, dist/cluster/clustered.js) with a tiny HTTP server that is not the STS:
 * the supervision paths the STS itself cannot easily provoke.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRunning, REPO, within } from '../../support/spawned-server';

const CLUSTERED = join(REPO, 'dist', 'cluster', 'clustered.js');

// MODE: fail-first (exit 7 before listening), crash (exit 3 soon after listening),
// ignore-term (a worker that ignores SIGTERM); anything else just serves.
const SCRIPT = `
const http = require('node:http');
const cluster = require('node:cluster');
const { runClustered } = require(${JSON.stringify(CLUSTERED)});
const mode = process.env.MODE;
runClustered(Number(process.env.N), async () => {
  process.stdout.write('start ' + process.pid + ' ' + (cluster.isWorker ? 'worker' : 'main') + '\\n');
  if (mode === 'fail-first') process.exit(7);
  if (mode === 'ignore-term') process.on('SIGTERM', () => process.stdout.write('ignored SIGTERM\\n'));
  await new Promise((listening) => http.createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', listening));
  process.stdout.write('listening ' + process.pid + '\\n');
  if (mode === 'crash') setTimeout(() => process.exit(3), 100);
}, (line) => process.stdout.write('log: ' + line + '\\n'));
`;

let dir: string;
let script: string;
const children: ReturnType<typeof spawn>[] = [];

beforeAll(async () => {
  if (!existsSync(CLUSTERED)) throw new Error(`${CLUSTERED} is missing; run \`npm run build\` first`);
  dir = await mkdtemp(join(tmpdir(), 'sts-clustered-'));
  script = join(dir, 'server.js');
  await writeFile(script, SCRIPT);
});

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, [script], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const output = { stdout: '' };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('close', (code, signal) => done({ code, signal })),
  );
  return { child, output, exited };
}

function lines(text: string, prefix: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(prefix));
}

async function until(what: string, probe: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('runClustered', () => {
  it('with 1 worker runs the server in the process itself', async () => {
    const server = run({ N: '1' });
    await until('listening', () => server.output.stdout.includes('listening'));

    expect(lines(server.output.stdout, 'start ')).toEqual([`start ${server.child.pid} main`]);
    expect(server.output.stdout).not.toContain('log:');
  });

  it('exits with the exit code of a first worker that fails before listening, forking no other', async () => {
    const server = run({ N: '3', MODE: 'fail-first' });
    const { code } = await within(server.exited, 10_000, 'exit');

    expect(code).toBe(7);
    expect(lines(server.output.stdout, 'start ')).toHaveLength(1);
  });

  it('re-forks workers that die, and gives up with exit 1 on a crash loop', async () => {
    const server = run({ N: '2', MODE: 'crash' });
    const { code } = await within(server.exited, 20_000, 'exit');

    expect(code).toBe(1);
    const log = lines(server.output.stdout, 'log: ');
    expect(log[0]).toBe('log: 2 workers');
    expect(log.filter((line) => /^log: worker \d+ exited with code 3; starting a new one$/.test(line))).toHaveLength(5);
    expect(log.at(-1)).toMatch(/^log: worker \d+ exited with code 3; 6 deaths within 60 s, stopping$/);
  });

  it('on SIGTERM forwards it to the workers, kills those still running after 10 s and exits 0', async () => {
    const server = run({ N: '2', MODE: 'ignore-term' });
    await until('two workers listening', () => lines(server.output.stdout, 'listening ').length === 2);
    const workers = lines(server.output.stdout, 'listening ').map((line) => Number(line.split(' ')[1]));

    const sent = Date.now();
    server.child.kill('SIGTERM');
    const { code, signal } = await within(server.exited, 20_000, 'exit after SIGTERM');

    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(lines(server.output.stdout, 'ignored SIGTERM')).toHaveLength(2);
    expect(Date.now() - sent).toBeGreaterThanOrEqual(9_500);
    for (const pid of workers) expect(isRunning(pid)).toBe(false);
    expect(lines(server.output.stdout, 'start ')).toHaveLength(2); // not re-forked
  }, 30_000);
});
