/**
 * Runs N copies of a server with node:cluster; the workers share the listening port. Knows
 * nothing of the STS, so any server (the benchmark's echo server too) can use it.
 */
import cluster, { type Worker } from 'node:cluster';

/** More unexpected deaths than this within DEATH_WINDOW_MS is a crash loop: give up. */
const MAX_DEATHS = 5;
const DEATH_WINDOW_MS = 60_000;
/** Workers still alive this long after SIGTERM get SIGKILL, unless the caller says otherwise. */
const KILL_AFTER_MS = 10_000;

/**
 * `workers <= 1`: runs `startWorker` in this process. Otherwise the cluster primary forks the
 * workers and supervises them (it resolves once they are forked and then lives until signalled),
 * and each worker runs `startWorker`.
 */
export async function runClustered(
  workers: number,
  startWorker: () => Promise<void>,
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  killAfterMs = KILL_AFTER_MS,
): Promise<void> {
  if (workers <= 1 || cluster.isWorker) return startWorker();
  await supervise(workers, log, killAfterMs);
}

async function supervise(count: number, log: (line: string) => void, killAfterMs: number): Promise<void> {
  log(`${count} workers`);
  const live = new Set<Worker>();
  const deaths: number[] = [];
  let stopping = false;
  let exitCode = 0;
  let firstListening = false;

  const fork = (): Worker => {
    const worker = cluster.fork();
    live.add(worker);
    return worker;
  };

  const stop = (code: number): void => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    if (live.size === 0) process.exit(exitCode);
    for (const worker of live) worker.process.kill('SIGTERM');
    setTimeout(() => {
      for (const worker of live) worker.process.kill('SIGKILL');
    }, killAfterMs);
  };

  cluster.on('exit', (worker, code, signal) => {
    live.delete(worker);
    if (stopping) {
      if (live.size === 0) process.exit(exitCode);
      return;
    }
    // The first worker failed to start (e.g. a configuration error it has already printed):
    // every other worker would fail the same way, so report its exit code once and stop.
    if (!firstListening) process.exit(code ?? 1);
    const now = Date.now();
    deaths.push(now);
    while (deaths[0] < now - DEATH_WINDOW_MS) deaths.shift();
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (deaths.length > MAX_DEATHS) {
      log(`worker ${worker.process.pid} exited with ${how}; ${deaths.length} deaths within ${DEATH_WINDOW_MS / 1000} s, stopping`);
      stop(1);
      return;
    }
    log(`worker ${worker.process.pid} exited with ${how}; starting a new one`);
    fork();
  });

  // Workers get SIGTERM from us (not SIGINT), so each one shuts down the same graceful way.
  process.on('SIGTERM', () => stop(0));
  process.on('SIGINT', () => stop(0));

  // One worker first: keys generated on first start are then created by one process only.
  const first = fork();
  await new Promise<void>((listening) => first.once('listening', () => listening()));
  firstListening = true;
  if (stopping) return;
  for (let i = 1; i < count; i++) fork();
}
