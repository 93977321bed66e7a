/**
 * GET /metrics over HTTP: request and transform counters labelled by route template and token
 * types (never a raw URL, user name or made-up token type), the state gauges, one registry per
 * application, and STS_METRICS / STS_METRICS_TOKEN.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PluginManager } from '../../../src/plugins/plugin-manager.service';
import { RealmRegistry } from '../../../src/realms/realm-registry.service';
import { DEMO_PASSWORD, rootRealm, usernameToOidc } from '../../support/realm-fixtures';
import { startTestServer, TestServer } from '../../support/test-server';

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** The Prometheus text format, strictly enough that a malformed line fails the test. */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*$/.test(line)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g)) labels[pair[1]] = pair[2];
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the one sample with this name and (at least) these labels; undefined when absent. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

async function scrape(server: TestServer, headers: Record<string, string> = {}): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`${server.baseUrl}/metrics`, { headers });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

describe('GET /metrics', () => {
  let server: TestServer;
  let samples: Sample[];

  beforeAll(async () => {
    const realm = await rootRealm();
    (realm.keys as object[]).push(
      { kid: 'ec-old', use: 'sig', generate: { type: 'ec', curve: 'P-256' }, retired_at: '2020-01-01T00:00:00Z' },
      { kid: 'rot', use: 'sig', generate: { type: 'ec', curve: 'P-256' }, rotation: { every_days: 30 } },
    );
    server = await startTestServer({ root: realm });

    const translate = (body: object, query = '') => server.post(`/rest-sts/default?_action=translate${query}`, body);
    expect((await translate(usernameToOidc('alice', DEMO_PASSWORD))).status).toBe(200);
    expect((await translate(usernameToOidc('alice', DEMO_PASSWORD), '&secret=abc')).status).toBe(200);
    expect((await translate(usernameToOidc('alice', 'wrong password'))).body.error).toBe('invalid_credentials');
    const madeUp = { input_token_state: { token_type: 'MADE-UP-alice', x: 1 }, output_token_state: { token_type: 'OPENIDCONNECT' } };
    expect((await translate(madeUp)).body.error).toBe('unknown_token_type');
    expect((await server.post('/rest-sts/no/such/instance?_action=translate', usernameToOidc('alice', DEMO_PASSWORD))).status).toBe(404);
    expect((await fetch(`${server.baseUrl}/nothing-here?token=secret-value`)).status).toBe(404);

    const answer = await scrape(server);
    expect(answer.status).toBe(200);
    expect(answer.type).toMatch(/^text\/plain; version=0\.0\.4/);
    samples = parse(answer.text);
  });
  afterAll(() => server.close());

  it('counts HTTP requests by method, route template and status', () => {
    const rest = { method: 'POST', route: '/rest-sts/*' };
    expect(value(samples, 'sts_http_requests_total', { ...rest, status: '200' })).toBe(2);
    expect(value(samples, 'sts_http_requests_total', { ...rest, status: '401' })).toBe(1);
    expect(value(samples, 'sts_http_requests_total', { ...rest, status: '400' })).toBe(1);
    expect(value(samples, 'sts_http_requests_total', { ...rest, status: '404' })).toBe(1);
    expect(value(samples, 'sts_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(value(samples, 'sts_http_request_duration_seconds_count', rest)).toBe(5);
    expect(value(samples, 'sts_http_request_duration_seconds_bucket', { ...rest, le: '+Inf' })).toBe(5);
    expect(value(samples, 'sts_http_request_duration_seconds_sum', rest)).toBeGreaterThan(0);
  });

  it('counts transforms by input type, output type and outcome, in the dispatcher only', () => {
    const pair = { input: 'USERNAME', output: 'OPENIDCONNECT' };
    expect(value(samples, 'sts_transforms_total', { ...pair, outcome: 'success' })).toBe(2);
    expect(value(samples, 'sts_transforms_total', { ...pair, outcome: 'invalid_credentials' })).toBe(1);
    // A type the instance cannot resolve is "unknown", so clients cannot invent label values.
    expect(value(samples, 'sts_transforms_total', { input: 'unknown', output: 'OPENIDCONNECT', outcome: 'unknown_token_type' })).toBe(1);
    // The missing instance never reached the dispatcher.
    expect(samples.filter((s) => s.name === 'sts_transforms_total').reduce((sum, s) => sum + s.value, 0)).toBe(4);
    expect(value(samples, 'sts_transform_duration_seconds_count', pair)).toBe(3);
  });

  it('puts no raw URL, query string, user name or made-up type in any label', () => {
    const labelValues = samples.flatMap((s) => Object.values(s.labels));
    for (const bad of ['?', 'secret', 'alice', 'MADE-UP', 'nothing-here', '/no/such', 'wrong password']) {
      expect(labelValues.filter((v) => v.includes(bad))).toEqual([]);
    }
  });

  it('reports the loaded configuration, keys with their rollover state, and process metrics', () => {
    expect(value(samples, 'sts_config_loaded')).toBe(1);
    expect(value(samples, 'sts_config_reload_failures_total')).toBe(0);
    expect(value(samples, 'sts_keys_loaded', { realm: '/' })).toBe(5);
    expect(value(samples, 'sts_key_info', { realm: '/', kid: 'rsa-1' })).toBe(1);
    expect(samples.find((s) => s.name === 'sts_key_info' && s.labels.kid === 'rsa-1')?.labels.state).toBe('active');
    expect(value(samples, 'sts_key_info', { realm: '/', kid: 'ec-old', state: 'retired' })).toBe(1);
    expect(value(samples, 'sts_key_info', { realm: '/', kid: 'rot.v1', state: 'active' })).toBe(1);
    expect(value(samples, 'sts_process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(value(samples, 'sts_nodejs_eventloop_lag_seconds')).toBeDefined();
  });

  it('reports a plugin that failed to load, and a refused configuration reload, when next scraped', async () => {
    const pluginsDir = join(server.configDir, '..', 'plugins');
    await mkdir(join(pluginsDir, 'no-entry'), { recursive: true });
    await server.app.get(RealmRegistry, { strict: false }).reload(); // still fine
    const plugins = server.app.get(PluginManager, { strict: false });
    await plugins.rescan();
    await writeFile(join(server.configDir, 'realms', 'broken.yaml'), 'realm: [unclosed');
    expect(await server.app.get(RealmRegistry, { strict: false }).reload()).toMatchObject({ applied: false });

    const after = parse((await scrape(server)).text);
    expect(value(after, 'sts_config_reload_failures_total')).toBe(1);
    expect(value(after, 'sts_config_loaded')).toBe(1); // the previous configuration still serves
    expect(value(after, 'sts_plugin_loaded', { plugin: 'no-entry' })).toBe(0);
    expect(value(after, 'sts_plugin_load_error', { plugin: 'no-entry' })).toBe(1);
    // The scrape itself is counted under its own route.
    expect(value(after, 'sts_http_requests_total', { method: 'GET', route: '/metrics', status: '200' })).toBe(1);
  });
});

describe('GET /metrics per application and its settings', () => {
  const servers: TestServer[] = [];
  afterAll(() => Promise.all(servers.map((s) => s.close())));

  it('keeps a registry per application: another app in the process counts only its own requests', async () => {
    const a = await startTestServer({ root: await rootRealm() });
    const b = await startTestServer({ root: await rootRealm() });
    servers.push(a, b);
    expect((await a.post('/rest-sts/default?_action=translate', usernameToOidc('alice', DEMO_PASSWORD))).status).toBe(200);
    const inB = parse((await scrape(b)).text);
    expect(value(inB, 'sts_transforms_total', { input: 'USERNAME', output: 'OPENIDCONNECT', outcome: 'success' })).toBeUndefined();
    const inA = parse((await scrape(a)).text);
    expect(value(inA, 'sts_transforms_total', { input: 'USERNAME', output: 'OPENIDCONNECT', outcome: 'success' })).toBe(1);
  });

  it('STS_METRICS=false: no /metrics route', async () => {
    const off = await startTestServer({ root: await rootRealm() }, { metrics: false });
    servers.push(off);
    expect((await scrape(off)).status).toBe(404);
  });

  it('STS_METRICS_TOKEN: 401 without or with a wrong bearer token, 200 with it', async () => {
    const token = 'metrics-token-0123456789';
    const guarded = await startTestServer({ root: await rootRealm() }, { metricsToken: token });
    servers.push(guarded);
    const none = await scrape(guarded);
    expect(none.status).toBe(401);
    expect(none.text).not.toContain('sts_');
    expect((await scrape(guarded, { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    const ok = await scrape(guarded, { authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
    expect(value(parse(ok.text), 'sts_config_loaded')).toBe(1);
  });
});
