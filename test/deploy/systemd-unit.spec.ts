/**
 * deploy/rest-sts.service, read by systemd's own parser (`systemd-analyze verify`, offline: no
 * running systemd needed; Debian package `systemd`, installed by .ci/run) and by its sandbox
 * scorer (`systemd-analyze security --offline`), then held to what the deployment guide promises.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO } from '../support/spawned-server';

const run = promisify(execFile);
const UNIT = join(REPO, 'deploy', 'rest-sts.service');
const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze';
let scratch: string;
let unitCopy: string;

/** `key -> values` per section; repeated keys (Environment=) keep every value. */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1], current);
      continue;
    }
    const at = line.indexOf('=');
    if (!current || at < 0) throw new Error(`not a unit file line: ${line}`);
    const key = line.slice(0, at);
    current.set(key, [...(current.get(key) ?? []), line.slice(at + 1)]);
  }
  return sections;
}

async function analyze(...args: string[]): Promise<{ code: number; output: string }> {
  if (!existsSync(SYSTEMD_ANALYZE)) throw new Error(`${SYSTEMD_ANALYZE} is missing: install the Debian package systemd (.ci/run does)`);
  try {
    const { stdout, stderr } = await run(SYSTEMD_ANALYZE, args, { cwd: scratch });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'sts-systemd-'));
  unitCopy = join(scratch, 'rest-sts.service');
  // verify checks that ExecStart's program exists; on a machine whose node lives elsewhere, point it there.
  const text = await readFile(UNIT, 'utf8');
  await writeFile(unitCopy, existsSync('/usr/bin/node') ? text : text.replace('/usr/bin/node ', `${process.execPath} `));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('deploy/rest-sts.service', () => {
  it('passes systemd-analyze verify without a single warning', async () => {
    expect(await analyze('verify', unitCopy)).toEqual({ code: 0, output: '' });
  });

  it('scores as well sandboxed by systemd-analyze security (exposure at most 2.0 of 10)', async () => {
    const { code, output } = await analyze('security', '--offline=true', '--threshold=20', unitCopy);
    expect(output).toMatch(/Overall exposure level for rest-sts\.service: [0-9.]+ OK/);
    expect(code).toBe(0);
  });

  it('runs dist/main.js in production as a dedicated user, configuration in /etc, data in /var/lib', async () => {
    const service = parseUnit(await readFile(UNIT, 'utf8')).get('Service')!;
    const env = new Map((service.get('Environment') ?? []).map((entry) => entry.split('=', 2) as [string, string]));
    expect(service.get('User')).toEqual(['rest-sts']);
    expect(env.get('NODE_ENV')).toBe('production');
    expect(env.get('STS_CONFIG_DIR')).toBe('/etc/rest-sts');
    expect(env.get('STS_DATA_DIR')).toBe('/var/lib/rest-sts');
    expect(env.get('STS_PLUGINS_DIR')).toBe('/opt/rest-sts/plugins');
    expect(service.get('ExecStart')![0]).toMatch(/^\/usr\/bin\/node \S+\/dist\/main\.js$/);
    expect(service.get('Restart')).toEqual(['on-failure']);
  });

  it('may write only to its data directory, and gains no privilege', async () => {
    const service = parseUnit(await readFile(UNIT, 'utf8')).get('Service')!;
    expect(service.get('ProtectSystem')).toEqual(['strict']);
    expect(service.get('ReadWritePaths')).toEqual(['/var/lib/rest-sts']);
    expect(service.get('StateDirectory')).toEqual(['rest-sts']);
    expect(service.get('NoNewPrivileges')).toEqual(['yes']);
    expect(service.get('CapabilityBoundingSet')).toEqual(['']);
    expect(service.get('ProtectHome')).toEqual(['yes']);
  });
});
