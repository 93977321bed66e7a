/**
 * The plugin contract as plugin authors get it: the BUILT `dist/plugin-api/index.js` (from
 * `npm run build`), loaded in a fresh Node process, must not pull in NestJS or Fastify (SPEC
 * section 5) and must export the contract version and the error classes a plugin throws.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { STS_CONTRACT_VERSION } from '../../../src/plugin-api/token-contract';

const REPO_ROOT = join(__dirname, '..', '..', '..');
const ENTRY = './dist/plugin-api/index.js';

interface ChildReport {
  frameworkModules: string[];
  loadedPackages: string[];
  exports: Record<string, string>;
  contractVersion: unknown;
  error: { isStsError: boolean; instanceOfStsError: boolean; status: unknown; code: unknown; message: unknown; name: unknown };
  resolvedByName: string | null;
}

/** Runs in the child: only the plugin API is required, nothing else of the server. */
const CHILD_SCRIPT = `
const api = require(${JSON.stringify(ENTRY)});
const loaded = Object.keys(require.cache);
const error = new api.InvalidTokenError('x');
let resolvedByName = null;
try { resolvedByName = require.resolve('rest-sts/plugin-api'); } catch (e) { resolvedByName = null; }
process.stdout.write(JSON.stringify({
  frameworkModules: loaded.filter((key) => key.includes('@nestjs') || key.includes('fastify')),
  loadedPackages: loaded.filter((key) => key.includes('node_modules')),
  exports: Object.fromEntries(Object.entries(api).map(([name, value]) => [name, typeof value])),
  contractVersion: api.STS_CONTRACT_VERSION,
  error: {
    isStsError: api.isStsError(error),
    instanceOfStsError: error instanceof api.StsError,
    status: error.status,
    code: error.code,
    message: error.message,
    name: error.name,
  },
  resolvedByName,
}));
`;

function runChild(): ChildReport {
  const result = spawnSync(process.execPath, ['-e', CHILD_SCRIPT], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`the child exited with ${result.status}: ${result.stderr}`);
  }
  return JSON.parse(result.stdout) as ChildReport;
}

describe('the built plugin API (dist/plugin-api)', () => {
  let report: ChildReport;

  beforeAll(() => {
    if (!existsSync(join(REPO_ROOT, ENTRY))) {
      throw new Error(`${ENTRY} is missing: run \`npm run build\` first`);
    }
    report = runChild();
  });

  it('loads no NestJS or Fastify module', () => {
    expect(report.frameworkModules).toEqual([]);
    // Also nothing from node_modules at all: the contract is types and plain error classes.
    expect(report.loadedPackages).toEqual([]);
  });

  it('exports the contract version and the error classes and helper plugins need', () => {
    expect(report.exports).toMatchObject({
      STS_CONTRACT_VERSION: 'string',
      InvalidTokenError: 'function',
      InvalidRequestError: 'function',
      ServiceUnavailableError: 'function',
      StsError: 'function',
      isStsError: 'function',
    });
  });

  it('exports the same contract version as the sources (the build is current)', () => {
    expect(report.contractVersion).toBe(STS_CONTRACT_VERSION);
  });

  it('makes errors the server recognises: isStsError(new InvalidTokenError(...)) with 401 invalid_token', () => {
    expect(report.error).toEqual({
      isStsError: true,
      instanceOfStsError: true,
      status: 401,
      code: 'invalid_token',
      message: 'x',
      name: 'InvalidTokenError',
    });
  });

  it('is reachable by package name as rest-sts/plugin-api', () => {
    expect(report.resolvedByName).toBe(join(REPO_ROOT, 'dist', 'plugin-api', 'index.js'));
  });
});
