/**
 * The light load and the measuring of the Redis failover e2e tests (Sentinel and Cluster): two
 * clients translate into a persisted OIDC instance (needs the store) and one into the stateless
 * default instance, each with a 20 ms pause; afterwards every token answered with 200 is
 * validated again to count the ones the failover lost.
 */
import { DEMO_PASSWORD, oidcInstance } from './realm-fixtures';
import type { TestServer } from './test-server';

/** The persisted instance the load translates into, to add to the realm's instances. */
export const PERSISTED_INSTANCE = { persisted: oidcInstance('ES256', 'ec-1', { persist_issued_tokens: true }) };

const login = { input_token_state: { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD }, output_token_state: { token_type: 'OPENIDCONNECT' } };

export interface FailoverOutcome {
  readonly instance: string;
  readonly startedAt: number;
  readonly ms: number;
  readonly status: number;
  readonly error?: string;
  readonly token?: string;
}

export interface FailoverLoad {
  readonly outcomes: FailoverOutcome[];
  /**
   * Resolves once the persisted instance has failed after `killedAt` and then answered 200 twenty
   * times in a row (requests started after `settledAt`, default `killedAt`), or at `deadline`.
   */
  untilRecovered(killedAt: number, deadline: number, settledAt?: number): Promise<void>;
  stop(): Promise<void>;
}

export function startFailoverLoad(node: TestServer): FailoverLoad {
  const outcomes: FailoverOutcome[] = [];
  let stopAt = Number.POSITIVE_INFINITY;
  const translate = async (instance: string): Promise<FailoverOutcome> => {
    const startedAt = Date.now();
    const res = await node.post(`/rest-sts/${instance}?_action=translate`, login);
    return { instance, startedAt, ms: Date.now() - startedAt, status: res.status, error: res.body?.error, token: res.body?.issued_token };
  };
  const client = async (instance: string) => {
    while (Date.now() < stopAt) {
      outcomes.push(await translate(instance));
      await new Promise((done) => setTimeout(done, 20));
    }
  };
  const clients = Promise.all([client('persisted'), client('persisted'), client('default')]);
  return {
    outcomes,
    untilRecovered: async (killedAt, deadline, settledAt = killedAt) => {
      for (;;) {
        const persistedAfter = outcomes.filter((o) => o.instance === 'persisted' && o.startedAt > killedAt);
        const tail = persistedAfter.slice(-20);
        if (tail.length === 20 && tail.every((o) => o.status === 200 && o.startedAt > settledAt) && persistedAfter.some((o) => o.status !== 200)) return;
        if (Date.now() > deadline) return;
        await new Promise((done) => setTimeout(done, 100));
      }
    },
    stop: async () => {
      stopAt = Date.now();
      await clients;
    },
  };
}

export interface FailoverFigures {
  readonly persistedRequests: number;
  readonly failed: number;
  readonly failedStatuses: string[];
  /** When the first 200 after the last failure started. */
  readonly recoverySecondsAfterKill?: number;
  /** When the last failed request started (in a Cluster the other shards answer 200 meanwhile). */
  readonly lastFailureSecondsAfterKill?: number;
  readonly slowestRequestMs: number;
  readonly tokensAnswered200: number;
  readonly tokensLost: number;
  readonly statelessRequests: number;
  readonly statelessNot200: number;
  readonly promotionSecondsAfterKill: number;
  readonly recoverySecondsAfterRestart?: number;
  readonly failedBeforeRestart: number;
  readonly failedAfterRestart: number;
}

/** When the test killed the primary, saw its replica promoted and restarted the killed process. */
export interface FailoverTimes {
  readonly killedAt: number;
  readonly promotedAt: number;
  readonly restartedAt: number;
}

/** Counts what the load saw and validates every token answered with 200 again (`validateStatuses`: the statuses of those validations). */
export async function measureFailover(node: TestServer, outcomes: readonly FailoverOutcome[], times: FailoverTimes): Promise<{ figures: FailoverFigures; failed: FailoverOutcome[]; validateStatuses: number[] }> {
  const { killedAt, promotedAt, restartedAt } = times;
  const persisted = outcomes.filter((o) => o.instance === 'persisted');
  const stateless = outcomes.filter((o) => o.instance === 'default');
  const failed = persisted.filter((o) => o.status !== 200);
  const lastFailure = failed.at(-1);
  const recoveredAt = persisted.find((o) => lastFailure && o.startedAt > lastFailure.startedAt && o.status === 200)?.startedAt;
  const issued = persisted.filter((o) => o.status === 200).map((o) => o.token!);
  let lost = 0;
  const validateStatuses = new Set<number>();
  for (const token of issued) {
    const res = await node.post('/rest-sts/persisted?_action=validate', { validated_token_state: { token_type: 'OPENIDCONNECT', oidc_id_token: token } });
    validateStatuses.add(res.status);
    if (res.status === 200 && res.body?.token_valid !== true) lost++;
  }
  const figures: FailoverFigures = {
    persistedRequests: persisted.length,
    failed: failed.length,
    failedStatuses: [...new Set(failed.map((o) => `${o.status} ${o.error}`))],
    ...(recoveredAt !== undefined && {
      recoverySecondsAfterKill: (recoveredAt - killedAt) / 1000,
      recoverySecondsAfterRestart: (recoveredAt - restartedAt) / 1000,
    }),
    ...(lastFailure !== undefined && { lastFailureSecondsAfterKill: (lastFailure.startedAt - killedAt) / 1000 }),
    slowestRequestMs: Math.max(...outcomes.map((o) => o.ms)),
    tokensAnswered200: issued.length,
    tokensLost: lost,
    statelessRequests: stateless.length,
    statelessNot200: stateless.filter((o) => o.status !== 200).length,
    promotionSecondsAfterKill: (promotedAt - killedAt) / 1000,
    failedBeforeRestart: failed.filter((o) => o.startedAt < restartedAt).length,
    failedAfterRestart: failed.filter((o) => o.startedAt >= restartedAt).length,
  };
  return { figures, failed, validateStatuses: [...validateStatuses] };
}
