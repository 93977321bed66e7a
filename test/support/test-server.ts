/**
 * Starts the real application on 127.0.0.1:<random port> over a throw-away configuration
 * directory, for e2e tests over HTTP.
 */
import 'reflect-metadata';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { stringify } from 'yaml';
import { createApp } from '../../src/app.factory';
import type { ConfigError } from '../../src/realms/config-problem';
import { configErrorOf } from './config-errors';
import type { ServerSettings } from '../../src/server-settings';
import type { TestResponse } from './test-response';

export interface TestServer {
  readonly baseUrl: string;
  readonly configDir: string;
  readonly dataDir: string;
  readonly app: NestFastifyApplication;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<TestResponse>;
  get(path: string): Promise<TestResponse>;
  close(): Promise<void>;
}

export type { TestResponse } from './test-response';

/**
 * Writes each realm object as `<name>.yaml` (or raw YAML text) into a new config directory, and
 * `serverConfig`, when given, as its `server.yaml`.
 */
export async function writeConfigDir(
  realms: Record<string, object | string>,
  serverConfig?: object,
): Promise<{ root: string; configDir: string; dataDir: string }> {
  const root = await mkdtemp(join(tmpdir(), 'sts-test-'));
  const configDir = join(root, 'config');
  await mkdir(join(configDir, 'realms'), { recursive: true });
  for (const [name, content] of Object.entries(realms)) {
    await writeFile(join(configDir, 'realms', `${name}.yaml`), typeof content === 'string' ? content : stringify(content));
  }
  if (serverConfig) await writeFile(join(configDir, 'server.yaml'), stringify(serverConfig));
  return { root, configDir, dataDir: join(root, 'data') };
}

/** The settings the test servers run with: no watchers, a 64 KiB body limit, one worker. */
export function testSettings(dir: { root: string; configDir: string; dataDir: string }, overrides: Partial<ServerSettings> = {}): ServerSettings {
  return {
    host: '127.0.0.1',
    port: 0,
    configDir: dir.configDir,
    dataDir: dir.dataDir,
    pluginsDir: join(dir.root, 'plugins'),
    maxBodyBytes: 64 * 1024,
    maxJsonDepth: 32,
    maxHeaderBytes: 16 * 1024,
    requestTimeoutMs: 30_000,
    watchConfig: false,
    watchPlugins: false,
    tokenTimeoutMs: 10_000,
    workers: 1,
    docs: true,
    ...overrides,
  };
}

/** The ConfigError the app fails to start with on this configuration directory. */
export function startupError(dir: { root: string; configDir: string; dataDir: string }): Promise<ConfigError> {
  return configErrorOf(createApp(testSettings(dir), false).then((app) => app.close()));
}

export async function startTestServer(
  realms: Record<string, object | string>,
  overrides: Partial<ServerSettings> = {},
  serverConfig?: object,
): Promise<TestServer> {
  const { root, configDir, dataDir } = await writeConfigDir(realms, serverConfig);
  const settings = testSettings({ root, configDir, dataDir }, overrides);
  const app = await createApp(settings, false);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const call = async (path: string, init: RequestInit): Promise<TestResponse> => {
    const response = await fetch(baseUrl + path, init);
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
  return {
    baseUrl,
    configDir,
    dataDir,
    app,
    post: (path, body, headers = {}) =>
      call(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    get: (path) => call(path, { method: 'GET' }),
    close: async () => {
      await app.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/**
 * Two servers on one configuration and one data directory (the same generated keys, and for
 * SQLite the same database file): two nodes of a cluster, for the shared-state tests.
 */
export async function startTwoNodes(realms: Record<string, object | string>, serverConfig?: object): Promise<[TestServer, TestServer]> {
  const first = await startTestServer(realms, {}, serverConfig);
  const second = await startTestServer(realms, { dataDir: first.dataDir }, serverConfig);
  return [first, second];
}
