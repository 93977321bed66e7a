/**
 * The entry of a plugin's worker thread: imports the plugin, describes it to the server, then runs
 * the calls the server sends. The plugin receives what it would in the server's own thread; the
 * replay guard and identity store are proxies whose calls go back to the server, and the realm's
 * keys are a copy the server sent (KeyObjects are cloned between threads).
 *
 * An error no call catches (a rejection left behind, a throw from a timer) is written to stderr
 * and ends this thread; the server answers its calls in flight and starts another worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import type { RealmKey, StsPluginManifest, StsRealmContext } from '../../plugin-api/token-contract';
import { manifestFromModule } from '../plugin-manifest';
import { PendingCalls } from './pending-calls';
import { lowerThisThread } from './thread-priority';
import { packError, REALMS_KEPT, unpackError, unpackKey, type FromWorker, type PluginDescription, type RealmData, type RpcTarget, type ToWorker, type WorkerData } from './worker-protocol';

const port = parentPort!;
const start = workerData as WorkerData;
const realms = new Map<number, { data: RealmData; keys: ReadonlyMap<string, RealmKey> }>();
/** Requests to the server waiting for its answer (the replay guard, the identity store). */
const rpcs = new PendingCalls<{ resolve: (value: unknown) => void; reject: (error: Error) => void }>();
let manifest: StsPluginManifest | undefined;

const post = (message: FromWorker) => port.postMessage(message);

function fatal(kind: string, error: unknown): void {
  process.stderr.write(`Plugin ${start.name}: ${kind} in a worker thread: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
}
process.on('unhandledRejection', (reason) => fatal('unhandled rejection', reason));

// Before the plugin's code runs: its CPU-heavy work then yields to the thread that serves HTTP.
const priorityRefused = lowerThisThread(start.threadNice);
if (priorityRefused !== undefined) post({ type: 'priority-refused', message: priorityRefused });
process.on('uncaughtException', (error) => fatal('uncaught exception', error));

/** The contract's methods; a handler's other members stay in the worker. */
const CONTRACT_METHODS = ['validateToken', 'createToken', 'checkConfiguration', 'verifyIssuedToken', 'checkOutputTokenState'];

function describe(loaded: StsPluginManifest): PluginDescription {
  const methodsOf = (handler: object) => CONTRACT_METHODS.filter((name) => typeof (handler as Record<string, unknown>)[name] === 'function');
  return {
    contractVersion: loaded.contractVersion,
    demoOnly: loaded.demoOnly === true,
    validators: Object.fromEntries(Object.entries(loaded.validators ?? {}).map(([type, v]) => [type, { methods: methodsOf(v) }])),
    providers: Object.fromEntries(
      Object.entries(loaded.providers ?? {}).map(([type, p]) => [type, { methods: methodsOf(p), ...(p.issuedTokenField !== undefined && { issuedTokenField: p.issuedTokenField }) }]),
    ),
  };
}

function rpc(callId: number, target: RpcTarget, args: unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const id = rpcs.add({ resolve, reject });
    post({ type: 'rpc', id, callId, target, args });
  });
}

function realmContext(ref: { id: number; data?: RealmData }, callId: number): StsRealmContext {
  if (ref.data) {
    realms.set(ref.id, { data: ref.data, keys: new Map(ref.data.keys.map((packed) => [packed.kid, unpackKey(packed)])) });
    if (realms.size > REALMS_KEPT) realms.delete(realms.keys().next().value!);
  }
  const realm = realms.get(ref.id);
  if (!realm) throw new Error(`realm ${ref.id} was not sent to this worker`);
  const { data, keys } = realm;
  const store = data.identityStore;
  return {
    path: data.path,
    configDir: data.configDir,
    settings: data.settings as StsRealmContext['settings'],
    keys: { get: (kid: string) => keys.get(data.aliases[kid] ?? kid) },
    identityStore: store && {
      authenticate: (username: string, password: string) => rpc(callId, 'authenticate', [username, password]) as ReturnType<NonNullable<StsRealmContext['identityStore']>['authenticate']>,
      ...(store.lookup && { lookup: (username: string) => rpc(callId, 'lookup', [username]) as ReturnType<NonNullable<NonNullable<StsRealmContext['identityStore']>['lookup']>> }),
    },
  };
}

async function runCall(message: Extract<ToWorker, { type: 'call' }>): Promise<void> {
  const { id, role, tokenType, method } = message;
  let value: unknown;
  try {
    // Calls may arrive while the plugin is still being imported (a replacement worker).
    await loading;
    if (!manifest) throw new Error('the plugin did not load in this worker');
    const handler = manifest[role]?.[tokenType] as Record<string, (...args: unknown[]) => unknown> | undefined;
    if (!handler || typeof handler[method] !== 'function') throw new Error(`the plugin has no ${method} for ${tokenType}`);
    const args = [...message.args];
    if (message.realm) {
      const params = { ...(args[0] as object), realm: realmContext(message.realm, id) } as Record<string, unknown>;
      if (message.replayGuard) params.replayGuard = { firstUse: (key: string, expiresAt: Date) => rpc(id, 'firstUse', [key, expiresAt]) };
      args[0] = params;
    }
    value = await handler[method](...args);
  } catch (error) {
    post({ type: 'error', id, error: packError(error) });
    return;
  }
  try {
    post({ type: 'result', id, value });
  } catch (error) {
    // A function, a class instance with private state...: nothing the server could use.
    post({ type: 'error', id, error: { message: `the plugin's answer cannot be passed to the server: ${(error as Error).message}` } });
  }
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'call') return void runCall(message);
  const pending = rpcs.take(message.id);
  if (!pending) return;
  if (message.type === 'rpc-result') pending.resolve(message.value);
  else pending.reject(unpackError(message.error));
});

const loading = (async () => {
  let moduleExports: unknown;
  try {
    moduleExports = await import(pathToFileURL(start.entry).href);
  } catch (error) {
    return post({ type: 'load-error', message: `${start.entryName} failed to load: ${(error as Error)?.message ?? String(error)}` });
  }
  try {
    manifest = manifestFromModule(moduleExports, start.name);
  } catch (error) {
    return post({ type: 'load-error', message: (error as Error)?.message ?? String(error) });
  }
  post({ type: 'ready', description: describe(manifest) });
})();
