/** Runs one scenario against a running STS: one checked request, then the load (warm-up included). */
import { BodyPool, runLoad, type LoadResult, type LoadTarget } from './load';
import type { Scenario } from './scenarios';
import { NO_SOFTHSM } from './softhsm-token';

export interface RunSettings {
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
}

/** What the scenarios of one worker pass draw on besides their own description. */
export interface ScenarioInputs {
  /** Fresh ID tokens, enough for one scenario's warm-up and measurement at the pass's best rate. */
  freshIdTokens(): Promise<string[]>;
  /** The server has the verified-input cache (see `Scenario.needsVerifiedTokenCache`). */
  readonly verifiedTokenCache: boolean;
  /** A SoftHSM2 token holds the key of the HSM scenario (see `Scenario.needsHsm`). */
  readonly hsm?: boolean;
}

export type ScenarioOutcome =
  /** `inputs_reused`: requests that got a token already sent, because the pool of fresh ones ran out. */
  { readonly result: LoadResult; readonly inputs_reused?: number } | { readonly skipped: string };

export const NO_VERIFIED_TOKEN_CACHE = 'this server has no verified-input cache (oidc_validation.cache_verified_tokens)';

export function translateUrl(baseUrl: string, instance: string): string {
  return `${baseUrl}/rest-sts/${instance}?_action=translate`;
}

export async function runScenario(baseUrl: string, scenario: Scenario, settings: RunSettings, inputs: ScenarioInputs): Promise<ScenarioOutcome> {
  if (scenario.needsVerifiedTokenCache && !inputs.verifiedTokenCache) return { skipped: NO_VERIFIED_TOKEN_CACHE };
  if (scenario.needsHsm && !inputs.hsm) return { skipped: NO_SOFTHSM };
  const url = translateUrl(baseUrl, scenario.instance);
  if (scenario.oneTimeInput) return runOneTime(baseUrl, url, scenario, settings);

  const target: LoadTarget = { url, headers: scenario.headers, body: scenario.body };
  const refusal = await checkRequest(target, scenario.body!);
  if (refusal) return { skipped: refusal };
  if (!scenario.freshIdToken) {
    const result = await runLoad(target, settings);
    await checkRequest(target, scenario.body!);
    return { result };
  }
  const pool = new BodyPool((await inputs.freshIdTokens()).map(scenario.freshIdToken), true);
  const result = await runLoad({ url, headers: scenario.headers, bodies: pool }, settings);
  await checkRequest(target, scenario.body!);
  return { result, ...(pool.reused > 0 && { inputs_reused: pool.reused }) };
}

/**
 * Input tokens accepted once (SAML assertions): mint a pool first, for as long as the warm-up and
 * the measurement together take, then spend it one token per request; the share of the pool the
 * warm-up would take is not measured.
 */
async function runOneTime(baseUrl: string, url: string, scenario: Scenario, settings: RunSettings): Promise<ScenarioOutcome> {
  const { mintInstance, mintBody, bodyFor } = scenario.oneTimeInput!;
  const minted: string[] = [];
  const mint = await runLoad(
    { url: translateUrl(baseUrl, mintInstance), body: mintBody },
    {
      ...settings,
      onBody: (status, body) => status === 200 && minted.push(bodyFor(JSON.parse(body).issued_token)),
    },
  );
  if (minted.length < 20) return { skipped: `minting input tokens failed (${minted.length} minted, ${mint.non2xx} refused)` };

  const pool = new BodyPool(minted);
  const target: LoadTarget = { url, headers: scenario.headers, bodies: pool };
  const refusal = await checkRequest(target, pool.take());
  if (refusal) return { skipped: refusal };
  const total = pool.remaining;
  const warmup = Math.floor((total * settings.warmupSeconds) / (settings.warmupSeconds + settings.seconds));
  return { result: await runLoad(target, { ...settings, amount: { total, warmup } }) };
}

/**
 * One request before the load, so a broken setup fails loudly instead of being measured as
 * errors; a type that is not built (or a plugin that is not installed) is reported as skipped.
 * Sent again after the load: autocannon drops the requests still in flight when it stops, the
 * server finishes them (password hashes queue for seconds), and this one is answered after them,
 * so the next scenario starts on an idle server. On a busy machine that queue can outlast the
 * server's processing timeout: a 504 token_processing_timeout is asked again, a few times.
 */
export async function checkRequest(target: LoadTarget, body: string): Promise<string | undefined> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(target.url, { method: 'POST', headers: { 'content-type': 'application/json', ...target.headers }, body });
    const answer = (await response.json()) as { issued_token?: unknown; error?: string; message?: string };
    if (response.status === 200 && typeof answer.issued_token === 'string') return undefined;
    if (answer.error === 'unknown_token_type' || answer.error === 'instance_not_found') return `${answer.error}: ${answer.message}`;
    if (answer.error !== 'token_processing_timeout' || attempt >= BUSY_ATTEMPTS) {
      throw new Error(`${target.url} answered ${response.status} ${JSON.stringify(answer)}`);
    }
  }
}

const BUSY_ATTEMPTS = 4;
