/**
 * A plugin's worker threads: a few workers, each with the plugin loaded once, serving calls
 * concurrently (least busy first). Limits are enforced from this thread, which the plugin cannot
 * block: a call past its time limit is answered 504 and its worker terminated and replaced; a
 * worker past its heap limit, or one that exits or throws outside a call, fails its calls with a
 * 503 and is replaced; calls beyond the queue cap are refused at once. A plugin whose workers keep
 * dying is backed off: its calls answer 503 `plugin_unavailable` for a while.
 */
import { Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ServiceUnavailableError, StsError } from '../../errors/sts-errors';
import type { ReplayGuard, StsRealmContext } from '../../plugin-api/token-contract';
import { RealmKeys } from '../../keys/realm-keys';
import { PluginLoadError } from '../plugin-manifest';
import { PendingCalls } from './pending-calls';
import { workerThreadNice } from './thread-priority';
import { packError, packKey, REALMS_KEPT, unpackError, type FromWorker, type PluginDescription, type RealmData, type Role, type ToWorker, type WorkerData, type WorkerStart } from './worker-protocol';

export interface PluginLimits {
  readonly workers: number;
  readonly callTimeoutMs: number;
  readonly maxHeapMb: number;
  /** Young generation (where new objects start) of each worker. */
  readonly maxYoungHeapMb: number;
  readonly maxQueuedCalls: number;
  /** Workers run this many nice steps below the thread that starts them (Linux; 0: not lowered). */
  readonly nice: number;
}

export type RestartReason = 'timeout' | 'out_of_memory' | 'crashed';

/** Crashes within this window count towards a back-off. */
const CRASH_WINDOW_MS = 60_000;
const CRASHES_BEFORE_BACKOFF = 5;
const FIRST_BACKOFF_MS = 10_000;
const MAX_BACKOFF_MS = 300_000;
/** How long a call may wait for a fresh worker to start, on top of its own time limit. */
const WORKER_START_ALLOWANCE_MS = 10_000;

/** The compiled worker entry: beside this file when running from dist/, else the build's (tests run the sources). */
const WORKER_FILE = [join(__dirname, 'plugin-worker.js'), join(__dirname, '..', '..', '..', 'dist', 'plugins', 'isolation', 'plugin-worker.js')].find((file) => existsSync(file))!;

interface PendingCall {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
  readonly realm?: StsRealmContext;
  readonly replayGuard?: ReplayGuard;
}

interface Slot {
  readonly worker: Worker;
  readonly ready: Promise<PluginDescription>;
  readonly calls: PendingCalls<PendingCall>;
  /** Realm ids this worker has been sent, oldest first (it keeps the same window). */
  readonly realmsSent: Set<number>;
  /** Set once the worker has loaded the plugin: calls' clocks run from then. */
  started?: boolean;
  /** Why it is going away, when this side ended it. */
  ending?: RestartReason | 'closed';
  /** The error that ended it, when it ended itself. */
  fault?: Error;
}

const realmIds = new WeakMap<object, number>();
let nextRealmId = 1;

export class PluginWorkerPool {
  private readonly logger: Logger;
  private readonly slots: (Slot | undefined)[];
  private crashes: number[] = [];
  private unavailableUntil = 0;
  private backoffMs = FIRST_BACKOFF_MS;
  private respawnTimer: NodeJS.Timeout | undefined;
  private closing = false;
  private whenIdle: (() => void) | undefined;
  private priorityWarned = false;

  constructor(
    private readonly start: WorkerStart,
    private readonly limits: PluginLimits,
    private readonly onRestart: (reason: RestartReason) => void = () => undefined,
  ) {
    this.logger = new Logger(`Plugin ${start.name}`);
    this.slots = new Array<Slot | undefined>(limits.workers).fill(undefined);
  }

  /** Starts the first worker and answers what it loaded; a plugin that does not load is a PluginLoadError. */
  async load(): Promise<PluginDescription> {
    const first = this.spawn(0);
    try {
      const description = await first.ready;
      for (let index = 1; index < this.slots.length; index++) this.spawn(index);
      return description;
    } catch (error) {
      this.close();
      throw error;
    }
  }

  get inFlight(): number {
    return this.slots.reduce((sum, slot) => sum + (slot?.calls.size ?? 0), 0);
  }

  call(role: Role, tokenType: string, method: string, args: readonly unknown[]): Promise<unknown> {
    if (Date.now() < this.unavailableUntil) {
      return Promise.reject(new ServiceUnavailableError(`Plugin ${this.start.name} keeps failing; it is paused for a while.`, { code: 'plugin_unavailable' }));
    }
    if (this.inFlight >= this.limits.maxQueuedCalls) {
      return Promise.reject(new ServiceUnavailableError(`Plugin ${this.start.name} has too many calls waiting; try again shortly.`, { code: 'plugin_overloaded' }));
    }
    let slot: Slot;
    try {
      slot = this.leastBusy() ?? this.spawn(this.slots.indexOf(undefined));
    } catch (error) {
      return Promise.reject(error);
    }
    const [first, ...rest] = args;
    const params = typeof first === 'object' && first !== null && 'realm' in first ? (first as { realm: StsRealmContext; replayGuard?: ReplayGuard }) : undefined;
    const { realm: _realm, replayGuard: _guard, ...plain } = params ?? {};
    const realm = params && this.realmRef(slot, params.realm);
    return new Promise((resolve, reject) => {
      const pending: PendingCall = { resolve, reject, realm: params?.realm, replayGuard: params?.replayGuard };
      const id = slot.calls.add(pending);
      // A worker that is still starting (after a restart, on a busy machine) is not the plugin being slow.
      const arm = (ms: number) => setTimeout(() => this.timedOut(slot, id), ms);
      pending.timer = arm(slot.started ? this.limits.callTimeoutMs : this.limits.callTimeoutMs + WORKER_START_ALLOWANCE_MS);
      const message: ToWorker = {
        type: 'call',
        id,
        role,
        tokenType,
        method,
        args: params ? [plain, ...rest] : args,
        ...(realm && { realm }),
        replayGuard: params?.replayGuard !== undefined,
      };
      if (!slot.started) {
        slot.ready.then(
          () => {
            const pending = slot.calls.get(id);
            if (!pending) return;
            clearTimeout(pending.timer);
            pending.timer = arm(this.limits.callTimeoutMs);
          },
          () => undefined,
        );
      }
      try {
        slot.worker.postMessage(message);
      } catch (error) {
        // Settings or state that cannot be cloned: a fault of the configuration, not of the plugin.
        if (message.realm?.data) slot.realmsSent.delete(message.realm.id);
        this.settle(slot, id, (call) => call.reject(new Error(`the call could not be passed to the plugin: ${(error as Error).message}`)));
      }
    });
  }

  /** Lets the calls in flight finish (or time out), then ends every worker: for a replaced or removed version. */
  async drain(): Promise<void> {
    this.closing = true;
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.whenIdle = resolve));
    this.close();
  }

  /** Ends every worker now. */
  close(): void {
    this.closing = true;
    clearTimeout(this.respawnTimer);
    for (const slot of this.slots) this.end(slot, 'closed');
  }

  private leastBusy(): Slot | undefined {
    let best: Slot | undefined;
    for (const slot of this.slots) if (slot && !slot.ending && (!best || slot.calls.size < best.calls.size)) best = slot;
    return best;
  }

  private spawn(index: number): Slot {
    // A version being retired starts no workers; its successor serves new calls.
    if (index < 0 || this.closing) throw new ServiceUnavailableError(`Plugin ${this.start.name} has no worker running.`, { code: 'plugin_unavailable' });
    const workerData: WorkerData = { ...this.start, threadNice: workerThreadNice(this.limits.nice) };
    const worker = new Worker(WORKER_FILE, {
      workerData,
      resourceLimits: { maxOldGenerationSizeMb: this.limits.maxHeapMb, maxYoungGenerationSizeMb: this.limits.maxYoungHeapMb },
    });
    let described!: (description: PluginDescription) => void;
    let refused!: (error: Error) => void;
    const ready = new Promise<PluginDescription>((resolve, reject) => ((described = resolve), (refused = reject)));
    ready.catch(() => undefined); // later workers: a failure shows as an exit
    const slot: Slot = { worker, ready, calls: new PendingCalls(), realmsSent: new Set() };
    this.slots[index] = slot;
    worker.on('message', (message: FromWorker) => {
      switch (message.type) {
        case 'ready':
          slot.started = true;
          return described(message.description);
        case 'priority-refused':
          return this.priorityRefused(message.message);
        case 'load-error':
          refused(new PluginLoadError(message.message));
          return this.end(slot, 'closed');
        case 'result':
          return this.settle(slot, message.id, (call) => call.resolve(message.value));
        case 'error':
          return this.settle(slot, message.id, (call) => call.reject(unpackError(message.error)));
        case 'rpc':
          return void this.answerRpc(slot, message);
      }
    });
    worker.on('error', (error) => (slot.fault = error));
    worker.on('exit', (code) => {
      refused(new PluginLoadError(`the worker stopped while loading the plugin (${slot.fault?.message ?? `exit code ${code}`})`));
      this.exited(slot, code);
    });
    return slot;
  }

  /** Once per pool: every worker of a plugin would say the same. */
  private priorityRefused(reason: string): void {
    if (this.priorityWarned) return;
    this.priorityWarned = true;
    this.logger.warn(`Its worker threads could not lower their CPU priority (${reason}); they run at the server's priority`);
  }

  private realmRef(slot: Slot, realm: StsRealmContext): { id: number; data?: RealmData } {
    let id = realmIds.get(realm);
    if (id === undefined) realmIds.set(realm, (id = nextRealmId++));
    if (slot.realmsSent.has(id)) return { id };
    slot.realmsSent.add(id);
    if (slot.realmsSent.size > REALMS_KEPT) slot.realmsSent.delete(slot.realmsSent.values().next().value!);
    const snapshot = realm.keys instanceof RealmKeys ? realm.keys.snapshot() : { keys: [], aliases: {} };
    const data: RealmData = {
      path: realm.path,
      configDir: realm.configDir,
      settings: realm.settings,
      keys: snapshot.keys.map(packKey),
      aliases: snapshot.aliases,
      ...(realm.identityStore && { identityStore: { lookup: typeof realm.identityStore.lookup === 'function' } }),
    };
    return { id, data };
  }

  /** The replay guard and identity store of the call that asked, run here. */
  private async answerRpc(slot: Slot, message: Extract<FromWorker, { type: 'rpc' }>): Promise<void> {
    const call = slot.calls.get(message.callId);
    const reply = (answer: ToWorker) => {
      if (!slot.ending) slot.worker.postMessage(answer);
    };
    try {
      if (!call) throw new Error('the call has ended');
      const [a, b] = message.args as [string, unknown];
      const store = call.realm?.identityStore;
      let value: unknown;
      if (message.target === 'firstUse' && call.replayGuard) value = await call.replayGuard.firstUse(a, b as Date);
      else if (message.target === 'authenticate' && store) value = await store.authenticate(a, b as string);
      else if (message.target === 'lookup' && store?.lookup) value = await store.lookup(a);
      else throw new Error(`${message.target} is not available to this call`);
      reply({ type: 'rpc-result', id: message.id, value });
    } catch (error) {
      reply({ type: 'rpc-error', id: message.id, error: packError(error) });
    }
  }

  private settle(slot: Slot, id: number, outcome: (call: PendingCall) => void): void {
    const call = slot.calls.take(id);
    if (!call) return; // already answered (timed out)
    clearTimeout(call.timer);
    outcome(call);
    if (this.closing && this.inFlight === 0) this.whenIdle?.();
  }

  private timedOut(slot: Slot, id: number): void {
    this.settle(slot, id, (call) => call.reject(new StsError(504, 'token_processing_timeout', 'The token could not be processed in time.')));
    // A worker stuck in a loop serves nothing else: it goes, and a fresh one takes its place now.
    this.end(slot, 'timeout');
    this.replace(slot, 'timeout', 'went past the call time limit');
  }

  private end(slot: Slot | undefined, why: RestartReason | 'closed'): void {
    if (!slot || slot.ending) return;
    slot.ending = why;
    void slot.worker.terminate();
  }

  /** The worker is gone: its calls still waiting fail; one that ended by itself is replaced. */
  private exited(slot: Slot, code: number): void {
    const reason: RestartReason = (slot.fault as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'out_of_memory' : 'crashed';
    const error =
      reason === 'out_of_memory'
        ? new ServiceUnavailableError(`Plugin ${this.start.name} ran out of memory; its worker was replaced.`, { code: 'plugin_memory_exceeded' })
        : new ServiceUnavailableError(`Plugin ${this.start.name} stopped while working on this call; its worker was replaced.`, { code: 'plugin_crashed' });
    for (const id of slot.calls.waiting()) this.settle(slot, id, (call) => call.reject(error));
    if (slot.ending) return this.forget(slot); // ended here: replaced already, or closing
    this.replace(slot, reason, reason === 'out_of_memory' ? 'went past its heap limit' : `stopped (${slot.fault?.message ?? `exit code ${code}`})`);
  }

  private forget(slot: Slot): void {
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots[index] = undefined;
  }

  private replace(slot: Slot, reason: RestartReason, what: string): void {
    const index = this.slots.indexOf(slot);
    if (index < 0 || this.closing) return this.forget(slot);
    this.slots[index] = undefined;
    this.logger.error(`A worker ${what}; starting another`);
    this.onRestart(reason);
    this.countCrash();
    this.respawn(index);
  }

  private countCrash(): void {
    const now = Date.now();
    this.crashes = [...this.crashes.filter((at) => now - at < CRASH_WINDOW_MS), now];
    if (this.crashes.length < CRASHES_BEFORE_BACKOFF) return;
    this.unavailableUntil = now + this.backoffMs;
    this.logger.error(`Its workers stopped ${this.crashes.length} times within ${CRASH_WINDOW_MS / 1000} s; its instances answer 503 for ${this.backoffMs / 1000} s`);
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.crashes = [];
  }

  private respawn(index: number): void {
    const wait = this.unavailableUntil - Date.now();
    if (wait <= 0) return void this.spawn(index);
    clearTimeout(this.respawnTimer);
    this.respawnTimer = setTimeout(() => {
      if (this.closing) return;
      this.slots.forEach((slot, i) => slot ?? this.spawn(i));
    }, wait).unref();
  }
}
