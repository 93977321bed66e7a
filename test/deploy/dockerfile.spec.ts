/**
 * deploy/Dockerfile without Docker: its build, deps and runtime stages are replayed here (see
 * test/support/dockerfile-replay.ts) from a copy of the repository, then the runtime tree is
 * checked for dev dependencies and started the way the image starts, in production mode.
 *
 * Two departures from a real build, to stay within a minute: npm reads the local cache first
 * (prefer-offline) and runs no install scripts, and where Docker would run them (`npm ci` without
 * --ignore-scripts) the test copies in the native modules this checkout's own `npm ci` compiled
 * (better-sqlite3, pkcs11js), after checking they are the same versions, and then runs the
 * project's own postinstall as npm would.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { rootRealm } from '../support/realm-fixtures';
import { type Instruction, readDockerfile, type ReplayedStage, replayDockerfile, type Stage } from '../support/dockerfile-replay';
import { freePort, REPO, within } from '../support/spawned-server';

const exec = promisify(execFile);
const DOCKERFILE = join(REPO, 'deploy', 'Dockerfile');
/** The native modules `npm ci` compiles, and the file each compiles to. */
const NATIVE_MODULES = [
  { dir: join('node_modules', 'better-sqlite3'), binary: join('build', 'Release', 'better_sqlite3.node') },
  { dir: join('node_modules', 'pkcs11js'), binary: join('build', 'Release', 'pkcs11.node') },
];

let scratch: string;
let stages: Stage[];
let runtime: ReplayedStage;
let app: string;
const running = new Set<ReturnType<typeof spawn>>();

/** What `docker build` sends: the files git knows of (tracked or new, not ignored). */
async function buildContext(): Promise<string> {
  const context = join(scratch, 'context');
  const { stdout } = await exec('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: REPO, maxBuffer: 16 * 1024 * 1024 });
  const files = stdout.split('\0').filter((file) => file !== '' && existsSync(join(REPO, file)));
  await Promise.all(files.map((file) => cp(join(REPO, file), join(context, file))));
  return context;
}

/** Where Docker runs install scripts: the builds this checkout's npm ci made, then our postinstall. */
async function installScriptsInstead(step: Instruction, cwd: string): Promise<void> {
  if (!/^npm ci\b/.test(step.args) || step.args.includes('--ignore-scripts')) return;
  const version = async (dir: string) => (JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  for (const { dir, binary } of NATIVE_MODULES) {
    const installed = join(cwd, dir);
    if (!existsSync(installed)) continue;
    const ours = join(REPO, dir);
    if ((await version(installed)) !== (await version(ours))) throw new Error(`${dir} differs from this checkout's; run npm ci`);
    await cp(join(ours, binary), join(installed, binary));
  }
  const { scripts } = JSON.parse(await readFile(join(cwd, 'package.json'), 'utf8')) as { scripts: Record<string, string | undefined> };
  if (scripts.postinstall) await exec('sh', ['-c', scripts.postinstall], { cwd });
}

/** The image's environment, with its absolute directories moved into the replayed tree. */
function imageEnv(port: number, configDir: string): Record<string, string> {
  const env = Object.fromEntries(Object.entries(runtime.env).map(([key, value]) => [key, value.startsWith('/') ? join(runtime.root, value) : value]));
  return { ...env, PATH: process.env.PATH ?? '', NO_COLOR: '1', HOST: '127.0.0.1', PORT: String(port), STS_CONFIG_DIR: configDir };
}

/** Runs an exec-form command (`["node", ...]`) in the image's WORKDIR; resolves with exit code and output. */
function execForm(json: string, env: Record<string, string>) {
  const [command, ...args] = JSON.parse(json) as string[];
  const child = spawn(command, args, { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) =>
    child.on('close', (code) => {
      running.delete(child);
      done(code);
    }),
  );
  return { child, exited, output: () => output };
}

/** A configuration a production start accepts: the test fixtures' realm, no demo material. */
async function productionConfig(): Promise<string> {
  const dir = join(runtime.root, 'etc', 'rest-sts');
  await writeFile(join(dir, 'realms', 'root.yaml'), stringify(await rootRealm()));
  return dir;
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'sts-dockerfile-'));
  stages = await readDockerfile(DOCKERFILE);
  const replayed = await replayDockerfile(stages, {
    context: await buildContext(),
    workDir: join(scratch, 'stages'),
    runEnv: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? scratch, npm_config_prefer_offline: 'true', npm_config_ignore_scripts: 'true' },
    afterRun: installScriptsInstead,
  });
  runtime = replayed.get(stages[stages.length - 1].name)!;
  app = join(runtime.root, runtime.workdir);
}, 180_000);

afterAll(async () => {
  for (const child of running) child.kill('SIGKILL');
  await rm(scratch, { recursive: true, force: true });
});

describe('deploy/Dockerfile', () => {
  it('builds in a stage with dev dependencies and runs from a slim one as a user other than root', () => {
    expect(stages.map((stage) => stage.name)).toEqual(['build', 'deps', 'runtime']);
    expect(stages.find((s) => s.name === 'build')!.instructions.map((i) => i.args)).toContain('npm run build');
    expect(stages[2].from).toMatch(/^node:20-.*slim$/);
    expect(runtime.settings.USER).toMatch(/^(?!root$|0$)\S+$/);
    expect(runtime.env).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0', PORT: '8080' });
    expect(runtime.settings.EXPOSE).toBe('8080');
    expect(runtime.settings.HEALTHCHECK).toContain('/health/ready');
  });

  it('leaves no dev dependency in the runtime tree, and the compiled native modules (SQLite, PKCS#11) in it', async () => {
    const { devDependencies } = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    expect(Object.keys(devDependencies)).toEqual(expect.arrayContaining(['typescript', 'jest']));
    expect(Object.keys(devDependencies).filter((name) => existsSync(join(app, 'node_modules', name)))).toEqual([]);
    expect(existsSync(join(app, 'src'))).toBe(false);
    for (const { dir, binary } of NATIVE_MODULES) expect(existsSync(join(app, dir, binary))).toBe(true);
    expect(existsSync(join(app, 'dist', 'main.js'))).toBe(true);
  });

  it('ships the dependencies as scripts/patch-dependencies.js edits them', async () => {
    const { EDITS } = require(join(REPO, 'scripts', 'patch-dependencies.js')) as { EDITS: { package: string; file: string; replace: { to: string }[] }[] };
    expect(EDITS.length).toBeGreaterThan(0);
    for (const edit of EDITS) {
      const text = await readFile(join(app, 'node_modules', ...edit.package.split('/'), edit.file), 'utf8');
      for (const { to } of edit.replace) expect(text).toContain(to);
    }
  });

  it('starts with CMD in production mode on a configuration without demo material; HEALTHCHECK passes, then fails once it stopped', async () => {
    const port = await freePort();
    const env = imageEnv(port, await productionConfig());
    const server = execForm(runtime.settings.CMD, env);
    const healthcheck = JSON.parse(runtime.settings.HEALTHCHECK.replace(/^.*?CMD /, '')) as string[];
    const probe = () => execForm(JSON.stringify(healthcheck), env).exited;

    const deadline = Date.now() + 20_000;
    while ((await probe()) !== 0) {
      if (server.child.exitCode !== null || Date.now() > deadline) throw new Error(`not ready:\n${server.output()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
    expect(ready.status).toBe(200);
    expect(server.output()).toContain('NODE_ENV=production: demo passwords, demo client secrets and demo-only plugins are refused');

    server.child.kill('SIGTERM');
    expect(await within(server.exited, 15_000, 'exit after SIGTERM')).toBe(0);
    expect(await probe()).toBe(1);
  });

  it('refuses the example configuration, as production mode does', async () => {
    const exampleConfig = join(scratch, 'example-config');
    await cp(join(REPO, 'config'), exampleConfig, { recursive: true });
    const server = execForm(runtime.settings.CMD, imageEnv(await freePort(), exampleConfig));
    expect(await within(server.exited, 20_000, 'exit')).toBe(1);
    expect(server.output()).toContain('Configuration error; the server did not start:');
    expect(server.output()).toMatch(/realms\/root\.yaml: identity_store\.users\[0\]\.password_hash: the example configuration's demo hash/);
  });
});
