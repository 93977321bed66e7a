/** Starts a server under test as its own process (production mode) and reads its workers' memory. */
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ServedProcess {
  readonly baseUrl: string;
  /** Resident set size in MiB of each process that serves requests (the workers, or the only process). */
  workerRssMiB(): number[];
  /** Pids of the processes that serve requests (changes when the cluster primary replaces a worker). */
  servingPids(): number[];
  stop(): Promise<void>;
}

/**
 * Runs `node <script>` with `env` on top of PATH and NODE_ENV=production, and resolves once
 * `readyPath` answers 2xx (GET), or rejects with the process output if it exits or takes > 60 s.
 * `nodeArgs` go before the script (`--cpu-prof`, which NODE_OPTIONS does not take).
 */
export async function startServed(script: string, env: Record<string, string>, port: number, readyPath: string, nodeArgs: readonly string[] = []): Promise<ServedProcess> {
  const child = spawn(process.execPath, [...nodeArgs, script], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Only the tail, for an error message: the server logs a line per request.
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-64 * 1024));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  let gone = false;
  void exited.then(() => (gone = true));

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const answer = await fetch(baseUrl + readyPath).catch(() => undefined);
    if (answer?.ok) break;
    if (gone || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${script} did not become ready:\n${output}`);
    }
    await new Promise((wait) => setTimeout(wait, 100));
  }
  await allWorkersUp(child, Number(env.STS_WORKERS ?? 1));
  return {
    baseUrl,
    workerRssMiB: () => servingPids(child).map(rssMiB),
    servingPids: () => servingPids(child),
    stop: async () => {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** In cluster mode the primary only forwards work; its children serve. */
function servingPids(child: ChildProcess): number[] {
  const pid = child.pid!;
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return children ? children.split(/\s+/).map(Number) : [pid];
}

async function allWorkersUp(child: ChildProcess, workers: number): Promise<void> {
  if (workers <= 1) return;
  const deadline = Date.now() + 60_000;
  while (servingPids(child).length < workers && Date.now() < deadline) await new Promise((wait) => setTimeout(wait, 100));
  // A forked worker is listening shortly after it exists; give the last one a moment.
  await new Promise((wait) => setTimeout(wait, 1000));
}

export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kib / 102.4) / 10;
}
