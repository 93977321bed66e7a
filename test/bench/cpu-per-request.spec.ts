/**
 * `npm run bench:cpu`: its /proc reading, its refusals of bad options, and one short round
 * against the built server (the numbers are not judged: only that they are there and positive).
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { cpuTicksOf } from '../../bench/cpu-per-request';

const REPO = resolve(__dirname, '../..');
const TOOL = join(REPO, 'dist-bench', 'bench', 'cpu-per-request.js');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) =>
    execFile(process.execPath, [TOOL, ...args], { cwd: REPO, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

beforeAll(async () => {
  const compiled = await new Promise<number>((done) =>
    execFile(join(REPO, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.bench.json'], { cwd: REPO }, (error) => done(error ? 1 : 0)),
  );
  expect(compiled).toBe(0);
});

describe('cpuTicksOf', () => {
  it('adds utime and stime, past a command name with spaces and parentheses', () => {
    const line = '4242 (node (main) x) S 1 4242 4242 0 -1 4194304 100 0 0 0 1234 56 0 0 20 0 11 0 500 1000000 2000 18446744073709551615';
    expect(cpuTicksOf(line)).toBe(1290);
  });

  it('refuses a line it cannot read', () => {
    expect(() => cpuTicksOf('not a stat line')).toThrow('unreadable /proc stat line');
  });
});

describe('options', () => {
  it.each([
    [[], '--scenario is required'],
    [['--scenario'], '--scenario needs a value'],
    [['--scenario', 'custom>custom', '--rounds', '0'], '--rounds must be a positive integer'],
    [['--scenario', 'custom>custom', '--seconds', 'x'], '--seconds must be a positive integer'],
    [['--scenario', 'custom>custom', '--speed'], 'unknown option --speed'],
  ])('%j is refused', async (args, message) => {
    const { code, stderr } = await run(args);
    expect(code).toBe(1);
    expect(stderr).toContain(message);
  });

  it.each([
    ['no-such-scenario', 'unknown scenario no-such-scenario'],
    ['saml2>oidc-es256', 'spends one-time input tokens'],
  ])('scenario %s is refused', async (scenario, message) => {
    const { code, stderr } = await run(['--scenario', scenario]);
    expect(code).toBe(1);
    expect(stderr).toContain(message);
  });
});

it('prints CPU µs per request for each round and the median', async () => {
  const { code, stdout, stderr } = await run(['--scenario', 'custom>custom-in-process', '--rounds', '1', '--seconds', '1', '--connections', '4']);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  const round = /round 1 current: ([\d.]+) µs CPU per request \((\d+) requests/.exec(stdout);
  expect(round).not.toBeNull();
  expect(Number(round![1])).toBeGreaterThan(0);
  expect(Number(round![2])).toBeGreaterThan(0);
  expect(stdout).toMatch(/current: median [\d.]+ µs, range [\d.]+-[\d.]+ µs CPU per request/);
});
