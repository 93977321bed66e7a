/**
 * The messages between the server and a plugin's worker threads, and how what crosses the thread
 * boundary is packed: StsErrors keep their status and code, realm keys travel as KeyObjects
 * (which Node clones between threads) with their certificate as DER.
 */
import { X509Certificate } from 'node:crypto';
import { isStsError, StsError } from '../../errors/sts-errors';
import type { LoadedKey } from '../../keys/loaded-key';

export type Role = 'validators' | 'providers';

/** Realms a worker keeps (oldest dropped first); the server tracks the same window per worker, so it knows which to send again. */
export const REALMS_KEPT = 32;

/** What a worker tells the server about the plugin it loaded: enough to build proxy handlers. */
export interface PluginDescription {
  readonly contractVersion: string;
  readonly demoOnly: boolean;
  readonly validators: Readonly<Record<string, { readonly methods: readonly string[] }>>;
  readonly providers: Readonly<Record<string, { readonly methods: readonly string[]; readonly issuedTokenField?: string }>>;
}

/** A realm as a worker sees it (identity store and replay guard are proxies back to the server). */
export interface RealmData {
  readonly path: string;
  readonly configDir: string;
  readonly settings: unknown;
  readonly keys: readonly PackedKey[];
  /** Rotating key name -> the kid of its version that signs now. */
  readonly aliases: Readonly<Record<string, string>>;
  /** Which identity store methods exist; undefined without an identity store. */
  readonly identityStore?: { readonly lookup: boolean };
}

export interface PackedError {
  readonly status?: number;
  readonly code?: string;
  readonly message: string;
}

/** Server -> worker. */
export type ToWorker =
  | {
      readonly type: 'call';
      readonly id: number;
      readonly role: Role;
      readonly tokenType: string;
      readonly method: string;
      readonly args: readonly unknown[];
      /** The realm context of args[0].realm, by id; `data` only the first time this worker sees it. */
      readonly realm?: { readonly id: number; readonly data?: RealmData };
      /** True when args[0] had a replay guard. */
      readonly replayGuard: boolean;
    }
  | { readonly type: 'rpc-result'; readonly id: number; readonly value: unknown }
  | { readonly type: 'rpc-error'; readonly id: number; readonly error: PackedError };

/** Worker -> server. */
export type FromWorker =
  | { readonly type: 'ready'; readonly description: PluginDescription }
  | { readonly type: 'load-error'; readonly message: string }
  /** The worker could not lower its CPU priority (it runs on at the server's). */
  | { readonly type: 'priority-refused'; readonly message: string }
  | { readonly type: 'result'; readonly id: number; readonly value: unknown }
  | { readonly type: 'error'; readonly id: number; readonly error: PackedError }
  | { readonly type: 'rpc'; readonly id: number; readonly callId: number; readonly target: RpcTarget; readonly args: readonly unknown[] };

export type RpcTarget = 'firstUse' | 'authenticate' | 'lookup';

/** What the worker receives to start. */
export interface WorkerStart {
  readonly name: string;
  /** Absolute path of the plugin's entry module (in its snapshot). */
  readonly entry: string;
  /** The entry as named in load errors (`index.js`). */
  readonly entryName: string;
}

/** The worker's workerData: the plugin, and the nice value to take before loading it (none: unchanged). */
export interface WorkerData extends WorkerStart {
  readonly threadNice?: number;
}

/** StsErrors keep status and code; anything else keeps its message only (for the server log). */
export function packError(error: unknown): PackedError {
  if (isStsError(error)) return { status: error.status, code: error.code, message: error.message };
  return { message: (error as Error)?.message ?? String(error) };
}

/** The StsError a packed one stood for; a plain Error (a fault of the plugin) otherwise. */
export function unpackError(packed: PackedError): Error {
  if (packed.status !== undefined && packed.code !== undefined) return new StsError(packed.status, packed.code, packed.message);
  return new Error(packed.message);
}

export type PackedKey = Omit<LoadedKey, 'certificate' | 'signer'> & { readonly certificateDer?: Uint8Array };

/** A key in a PKCS#11 token travels without its signer (a session to the token cannot cross threads): public parts only. */
export function packKey(key: LoadedKey): PackedKey {
  const { certificate, signer: _tokenSigner, ...rest } = key;
  return { ...rest, ...(certificate && { certificateDer: new Uint8Array(certificate.raw) }) };
}

export function unpackKey(packed: PackedKey): LoadedKey {
  const { certificateDer, ...rest } = packed;
  return Object.freeze({ ...rest, ...(certificateDer && { certificate: new X509Certificate(Buffer.from(certificateDer)) }) });
}
