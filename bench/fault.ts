/**
 * Fault (issue 11; not run in CI): loads an instance that persists issued tokens on a cluster of
 * >= 2 workers, SIGKILLs one worker midway and keeps loading; then validates every token that was
 * answered 200, on the running server. A 200 is sent only after the token store recorded the
 * token, so none may be lost. Writes bench/fault-results.json; exits 1 when a token does not
 * validate or the surviving workers stopped answering.
 *
 *   node dist-bench/bench/fault.js [--seconds 30] [--workers 2]
 */
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeBenchConfig } from './bench-config';
import { runLoad } from './load';
import { flagReader, positive } from './options';
import { checkRequest, translateUrl } from './scenario-run';
import { scenarios } from './scenarios';
import type { ServedProcess } from './served-process';
import { REPO, startSts } from './worker-pass';

const USAGE = 'usage: node dist-bench/bench/fault.js [--seconds 30] [--workers 2]';
const OUT = join(REPO, 'bench', 'fault-results.json');
const INSTANCE = 'oidc-persist';
const CONNECTIONS = 50;
/** Validations in flight at once after the load. */
const VALIDATE_CONCURRENCY = 16;

interface Second {
  ok: number;
  non2xx: number;
  errors: number;
}

function parse(argv: readonly string[]) {
  const value = flagReader(argv, ['--seconds', '--workers'], USAGE);
  const seconds = positive(value('--seconds') ?? '30', '--seconds', USAGE);
  const workers = positive(value('--workers') ?? '2', '--workers', USAGE);
  if (seconds < 6) throw new Error(`--seconds must be at least 6 (load before and after the kill), not ${seconds}\n${USAGE}`);
  if (workers < 2) throw new Error(`--workers must be at least 2 (one is killed, the others must keep answering), not ${workers}\n${USAGE}`);
  return { seconds, workers };
}

/** Kills one worker and resolves with the time until the primary has forked its replacement. */
async function killOneWorker(sts: ServedProcess, workers: number) {
  const before = sts.servingPids();
  const killed = before[0];
  process.kill(killed, 'SIGKILL');
  const killedAt = performance.now();
  for (;;) {
    const now = sts.servingPids();
    const fresh = now.find((pid) => !before.includes(pid));
    if (fresh !== undefined && now.length >= workers) return { killed, replacement: fresh, killedAt, restart_ms: Math.round(performance.now() - killedAt) };
    if (performance.now() - killedAt > 30_000) return { killed, replacement: undefined, killedAt, restart_ms: undefined };
    await new Promise((wait) => setTimeout(wait, 10));
  }
}

/** Validates each token (retrying a network error); returns how many the server called valid. */
async function validateAll(baseUrl: string, tokens: readonly string[]) {
  const url = `${baseUrl}/rest-sts/${INSTANCE}?_action=validate`;
  let next = 0;
  let valid = 0;
  const invalid: string[] = [];
  const one = async (token: string): Promise<boolean> => {
    for (let attempt = 1; ; attempt++) {
      try {
        const body = JSON.stringify({ validated_token_state: { token_type: 'OPENIDCONNECT', oidc_id_token: token } });
        const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        const json = (await answer.json()) as { token_valid?: boolean };
        return answer.status === 200 && json.token_valid === true;
      } catch (error) {
        if (attempt >= 3) throw error;
      }
    }
  };
  await Promise.all(
    Array.from({ length: VALIDATE_CONCURRENCY }, async () => {
      while (next < tokens.length) {
        const token = tokens[next++];
        if (await one(token)) valid++;
        else if (invalid.length < 5) invalid.push(token);
      }
    }),
  );
  return { valid, invalid_examples: invalid };
}

async function main(): Promise<void> {
  const options = parse(process.argv.slice(2));
  const config = await writeBenchConfig();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  try {
    const sts = await startSts(config, options.workers);
    try {
      // The oidc-es256>oidc-es256 request, sent to the instance that persists what it issues.
      const body = scenarios(config).find((s) => s.name === 'oidc-es256>oidc-es256')!.body!;
      const target = { url: translateUrl(sts.baseUrl, INSTANCE), body };
      const refusal = await checkRequest(target, body);
      if (refusal) throw new Error(`${INSTANCE}: ${refusal}`);

      const tokens: string[] = [];
      const events: { t: number; kind: keyof Second }[] = [];
      const errorKinds: Record<string, number> = {};
      const startedAt = performance.now();
      log(`fault: ${options.workers} workers, ${options.seconds} s of load on ${INSTANCE}, one worker SIGKILLed at ${options.seconds / 2} s`);
      const loading = runLoad(target, {
        connections: CONNECTIONS,
        warmupSeconds: 0,
        seconds: options.seconds,
        onBody: (status, text) => {
          events.push({ t: performance.now(), kind: status >= 200 && status < 300 ? 'ok' : 'non2xx' });
          if (status === 200) tokens.push((JSON.parse(text) as { issued_token: string }).issued_token);
        },
        onError: (error) => {
          events.push({ t: performance.now(), kind: 'errors' });
          const kind = (error as NodeJS.ErrnoException).code ?? error.message;
          errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
        },
      });
      await new Promise((wait) => setTimeout(wait, (options.seconds * 1000) / 2));
      const kill = await killOneWorker(sts, options.workers);
      log(`killed worker ${kill.killed}; replacement ${kill.replacement ?? 'none'} after ${kill.restart_ms ?? '?'} ms`);
      const load = await loading;
      const endedAt = performance.now();

      // Per whole second from the kill to the end of the load: did the other workers keep answering?
      const after: Second[] = Array.from({ length: Math.floor((endedAt - kill.killedAt) / 1000) }, () => ({ ok: 0, non2xx: 0, errors: 0 }));
      const beforeKill: Second = { ok: 0, non2xx: 0, errors: 0 };
      const afterKill: Second = { ok: 0, non2xx: 0, errors: 0 };
      for (const { t, kind } of events) {
        (t < kill.killedAt ? beforeKill : afterKill)[kind]++;
        const second = Math.floor((t - kill.killedAt) / 1000);
        if (second >= 0 && second < after.length) after[second][kind]++;
      }
      const keptAnswering = after.length > 0 && after.every((s) => s.ok > 0);

      log(`validating ${tokens.length} tokens`);
      const validation = await validateAll(sts.baseUrl, tokens);
      const lost = tokens.length - validation.valid;
      const results = {
        workers: options.workers,
        seconds: options.seconds,
        instance: INSTANCE,
        kill: {
          at_s: Math.round((kill.killedAt - startedAt) / 100) / 10,
          killed_pid: kill.killed,
          replacement_pid: kill.replacement,
          replacement_forked_ms: kill.restart_ms,
          workers_at_end: sts.servingPids().length,
        },
        load: { requests: load.requests, rps: load.rps, p50_ms: load.p50_ms, p99_ms: load.p99_ms, errors: load.errors, non2xx: load.non2xx },
        before_kill: beforeKill,
        after_kill: afterKill,
        error_kinds: errorKinds,
        per_second_after_kill: after,
        surviving_workers_kept_answering: keptAnswering,
        tokens: { collected: tokens.length, valid: validation.valid, lost, invalid_examples: validation.invalid_examples },
        run: { date: new Date().toISOString(), node: process.version },
      };
      writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
      const okPerSecond = after.map((s) => s.ok);
      process.stdout.write(
        [
          `fault: ${options.workers} workers, ${options.seconds} s on ${INSTANCE} (persist_issued_tokens), ${load.requests} answers, ${load.rps}/s, p50 ${load.p50_ms} ms, p99 ${load.p99_ms} ms`,
          `worker ${kill.killed} SIGKILLed at ${results.kill.at_s} s; replacement ${kill.replacement ?? 'NONE'} forked after ${kill.restart_ms ?? '?'} ms; workers at end ${results.kill.workers_at_end}`,
          `before the kill: ${beforeKill.ok} 2xx, ${beforeKill.non2xx} non-2xx, ${beforeKill.errors} connection errors`,
          `after the kill:  ${afterKill.ok} 2xx, ${afterKill.non2xx} non-2xx, ${afterKill.errors} connection errors ${JSON.stringify(errorKinds)}`,
          `2xx per second after the kill: ${okPerSecond.join(' ')} -> surviving workers ${keptAnswering ? 'kept answering' : 'STOPPED answering'}`,
          `tokens: ${tokens.length} collected, ${validation.valid} valid, ${lost} lost`,
          `written: ${OUT}`,
        ].join('\n') + '\n',
      );
      if (lost > 0 || !keptAnswering) process.exitCode = 1;
    } finally {
      await sts.stop();
    }
  } finally {
    rmSync(dirname(config.configDir), { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`fault failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
