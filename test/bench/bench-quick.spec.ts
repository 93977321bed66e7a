/**
 * Keeps `npm run bench -- --quick` working (CI never runs the full benchmark): the same steps
 * as the npm script after the build `npm test` already did, then the shape and the zero-error
 * rule of bench/results.json and its chart. Speed is not asserted here; the benchmark reports it.
 */
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { schemaKeys } from '../../src/realms/schema-keys';
import { OidcValidationConfig } from '../../src/realms/schema/oidc-validation-config';

const REPO = resolve(__dirname, '../..');
const RUN = join(REPO, 'dist-bench', 'bench', 'run.js');
const REPEATED = 'oidc-es256>oidc-es256-repeated';
const SCENARIOS = [
  'username>oidc-rs256', 'oidc-es256>oidc-es256', 'oidc-es256>oidc-es256-hsm', REPEATED, 'oidc-es256>oidc-es256-ldap-cel', 'oidc-es256>jwt-es256', 'oidc-es256>jwt-jwe',
  'username>saml2-signed', 'saml2>oidc-es256', 'x509>oidc-es256', 'custom>custom', 'custom>custom-in-process', 'busy-plugin',
];
const CEILINGS = ['http_echo_rps', 'crypto_echo_rps', 'rs256_sign_per_s', 'es256_sign_per_s', 'password_hash_per_s'];
const PEER = 'oidc-provider client_credentials es256';
const EXCHANGE_PEER = 'oidc-provider token-exchange es256';
/** The repeated-token scenario needs the verified-input cache; a server without it reports the scenario skipped. */
const HAS_VERIFIED_TOKEN_CACHE = schemaKeys(OidcValidationConfig).includes('cache_verified_tokens');
const NO_CACHE = 'this server has no verified-input cache (oidc_validation.cache_verified_tokens)';

function run(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) =>
    execFile(command, args, { cwd: REPO, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

const work = mkdtempSync(join(tmpdir(), 'sts-bench-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(async () => {
  const compiled = await run(join(REPO, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.bench.json']);
  expect(compiled.stdout + compiled.stderr).toBe('');
});

test('the npm script builds the server, compiles the benchmark and runs it', () => {
  const scripts = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).scripts;
  expect(scripts.bench).toBe('npm run build && tsc -p tsconfig.bench.json && node dist-bench/bench/run.js');
});

describe('--quick', () => {
  let results: any;
  let stdout: string;

  beforeAll(async () => {
    const out = join(work, 'results.json');
    const ran = await run(process.execPath, [RUN, '--quick', '--out', out]);
    if (ran.code !== 0) throw new Error(`bench --quick failed (${ran.code}):\n${ran.stderr}`);
    stdout = ran.stdout;
    results = JSON.parse(readFileSync(out, 'utf8'));
  });

  test('measures every ceiling in the same run', () => {
    expect(Object.keys(results.ceilings).sort()).toEqual([...CEILINGS].sort());
    for (const name of CEILINGS) expect(results.ceilings[name]).toBeGreaterThan(0);
  });

  test('runs every scenario, none skipped (but the repeated-token one on a server without the cache), with 0 errors and 0 non-2xx', () => {
    expect(results.scenarios.map((s: { name: string }) => s.name)).toEqual(SCENARIOS);
    const repeated = results.scenarios.find((s: { name: string }) => s.name === REPEATED);
    expect(repeated.skipped).toBe(HAS_VERIFIED_TOKEN_CACHE ? undefined : NO_CACHE);
    for (const s of results.scenarios.filter((s: { skipped?: string }) => s.skipped !== NO_CACHE)) {
      expect({ name: s.name, skipped: s.skipped }).toEqual({ name: s.name, skipped: undefined });
      expect({ name: s.name, errors: s.errors, non2xx: s.non2xx }).toEqual({ name: s.name, errors: 0, non2xx: 0 });
      expect(s.rps).toBeGreaterThan(0);
      expect(s.p99_ms).toBeGreaterThanOrEqual(s.p50_ms);
      expect(CEILINGS).toContain(s.ceiling);
      expect(s.ratio).toBeCloseTo(s.rps / results.ceilings[s.ceiling], 2);
    }
  });

  test('password-hash scenarios report the latency of a light load beside them', () => {
    const hashed = results.scenarios.filter((s: { ceiling: string }) => s.ceiling === 'password_hash_per_s');
    expect(hashed.map((s: { name: string }) => s.name)).toEqual(['username>oidc-rs256', 'username>saml2-signed']);
    for (const s of hashed) expect(s.probe_p99_ms).toBeGreaterThan(0);
  });

  test('loads the oidc-provider peer the same way, both grants, without errors', () => {
    expect(Object.keys(results.peers).sort()).toEqual([PEER, EXCHANGE_PEER]);
    for (const peer of Object.values<{ rps: number; p50_ms: number; p99_ms: number; errors: number; non2xx: number }>(results.peers)) {
      expect(peer.rps).toBeGreaterThan(0);
      expect(peer.p99_ms).toBeGreaterThanOrEqual(peer.p50_ms);
      expect(peer.errors + peer.non2xx).toBe(0);
    }
    const compared = results.scenarios.filter((s: { peer_ratio?: number }) => s.peer_ratio !== undefined);
    expect(compared.length).toBeGreaterThan(0);
    for (const s of compared) expect(s.peer_ratio).toBeCloseTo(s.rps / results.peers[PEER].rps, 1);
    const exchanged = results.scenarios.filter((s: { exchange_peer_ratio?: number }) => s.exchange_peer_ratio !== undefined);
    expect(exchanged.map((s: { name: string }) => s.name)).toEqual(
      expect.arrayContaining(['oidc-es256>oidc-es256', 'oidc-es256>jwt-es256', 'oidc-es256>jwt-jwe']),
    );
    for (const s of exchanged) expect(s.exchange_peer_ratio).toBeCloseTo(s.rps / results.peers[EXCHANGE_PEER].rps, 1);
  });

  test('holds the ID-token scenarios against the crypto echo, and the others against the HTTP echo or the hash', () => {
    const ceilingOf = (name: string) => results.scenarios.find((s: { name: string }) => s.name === name).ceiling;
    for (const name of ['oidc-es256>oidc-es256', 'oidc-es256>jwt-es256', 'oidc-es256>jwt-jwe']) expect(ceilingOf(name)).toBe('crypto_echo_rps');
    for (const name of ['saml2>oidc-es256', 'x509>oidc-es256', 'custom>custom', 'custom>custom-in-process']) expect(ceilingOf(name)).toBe('http_echo_rps');
  });

  test('watches a light load on another instance while a plugin burns CPU, and without it', () => {
    const busy = results.scenarios.find((s: { name: string }) => s.name === 'busy-plugin');
    expect(busy).toMatchObject({ errors: 0, non2xx: 0, probe_p99_ms: expect.any(Number), probe_alone_p99_ms: expect.any(Number) });
    expect(busy.probe_alone_p99_ms).toBeGreaterThan(0);
  });

  test('reports 1 and 2 workers and the memory of each worker', () => {
    expect(results.workers).toBe(1);
    expect(results.rss_mib_per_worker).toHaveLength(1);
    expect(results.scaling.map((s: { workers: number }) => s.workers)).toEqual([2]);
    expect(results.scaling[0].rss_mib_per_worker).toHaveLength(2);
    for (const mib of [...results.rss_mib_per_worker, ...results.scaling[0].rss_mib_per_worker]) expect(mib).toBeGreaterThan(20);
    expect(results.scaling[0].scenarios[0]).toMatchObject({ name: 'oidc-es256>oidc-es256', errors: 0, non2xx: 0 });
    expect(results.scaling[0].ceilings.http_echo_rps).toBeGreaterThan(0);
  });

  test('judges the targets from this run and prints the tables', () => {
    const names = results.targets.map((t: { target: string }) => t.target);
    expect(names).toEqual(
      expect.arrayContaining([
        'custom>custom-in-process ratio to http_echo_rps',
        'custom>custom (worker threads) rps / custom>custom-in-process rps',
        'p99 of a light load on another instance during busy-plugin / without it',
        'oidc-es256>oidc-es256 ratio to crypto_echo_rps',
        `oidc-es256>jwt-es256 rps / ${EXCHANGE_PEER} rps`,
        `oidc-es256>jwt-es256 rps / ${PEER} rps`,
        'saml2>oidc-es256 ratio to http_echo_rps',
        'oidc-es256>jwt-jwe rps / oidc-es256>jwt-es256 rps',
        'p99 / p50, worst scenario',
        'RSS MiB per STS worker at the end, largest',
        'username>oidc-rs256 ratio to password_hash_per_s',
        'errors + non-2xx, all scenarios',
        'peer errors + non-2xx',
      ]),
    );
    expect(names.includes(`${REPEATED} rps / ${PEER} rps`)).toBe(HAS_VERIFIED_TOKEN_CACHE);
    for (const t of results.targets) {
      expect(typeof t.value).toBe('number');
      expect(typeof t.met).toBe('boolean');
      expect(stdout).toContain(t.target);
    }
    expect(results.targets.find((t: { target: string }) => t.target === 'errors + non-2xx, all scenarios')).toMatchObject({ value: 0, met: true });
    expect(results.targets.find((t: { target: string }) => t.target === 'peer errors + non-2xx')).toMatchObject({ value: 0, met: true });
    for (const name of [...SCENARIOS, ...CEILINGS, PEER, EXCHANGE_PEER]) expect(stdout).toContain(name);
    expect(stdout).toContain(`written: ${join(work, 'results.json')}, ${join(work, 'results.svg')}`);
  });

  test('runs two STS processes on a Redis Cluster: each token issued on one node validates and cancels on the other', () => {
    const multi = results.multi_node;
    for (const load of [multi.one_node, multi.two_nodes]) {
      expect(load).toMatchObject({ errors: 0, non2xx: 0 });
      expect(load.rps).toBeGreaterThan(0);
      expect(load.p99_ms).toBeGreaterThanOrEqual(load.p50_ms);
    }
    expect(multi.tokens_checked).toBeGreaterThan(0);
    expect(multi.cross_node_mismatches).toBe(0);
    expect(stdout).toContain(`tokens issued on one node and checked on the other: ${multi.tokens_checked}, mismatches: 0`);
  });

  test('draws the chart beside results.json: every scenario, the echo ceilings and the peers', () => {
    const svg = readFileSync(join(work, 'results.svg'), 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    for (const name of [...SCENARIOS, 'http_echo_rps', 'crypto_echo_rps', PEER, EXCHANGE_PEER]) expect(svg).toContain(name.replace(/>/g, '&gt;'));
  });
});

describe('bad options', () => {
  test.each([
    [['--seconds', '0'], '--seconds must be a positive integer'],
    [['--connections', 'many'], '--connections must be a positive integer'],
    [['--only', 'nope>nothing'], 'unknown scenario nope>nothing'],
    [['--fast'], 'unknown option --fast'],
    [['--out'], '--out needs a value'],
    [['--only', 'multi-node,nope>nothing'], 'unknown scenario nope>nothing'],
  ])('%j exits 1: %s', async (args, message) => {
    const ran = await run(process.execPath, [RUN, ...args]);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain(message);
  });
});
