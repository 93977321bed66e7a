/**
 * A PKCS#11 library (the vendor's .so), loaded and initialised once per process and path: a
 * process may call C_Initialize only once per library. `reset` finalises and initialises it
 * again, which is how a library forgets a token that went away and finds it when it is back;
 * every connection made before a reset is then stale (see `generation`).
 */
import { CKF_OS_LOCKING_OK, PKCS11 } from 'pkcs11js';

/**
 * Signatures run on the libuv pool, several at once: the library must lock for itself. (Without
 * init args, PKCS#11 libraries may assume one thread at a time; SoftHSM then crashes.)
 */
const THREADED = { flags: CKF_OS_LOCKING_OK };

export class Pkcs11Library {
  readonly api = new PKCS11();
  /** Bumped by each reset: sessions and object handles of an older generation are gone. */
  generation = 0;

  constructor(readonly path: string) {
    this.api.load(path);
    try {
      this.api.C_Initialize(THREADED);
    } catch (error) {
      // Another loader of the same library in this process (a test runner's module registry) got there first.
      if (pkcs11ErrorName(error) !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED') throw error;
      this.reset();
    }
  }

  reset(): void {
    try {
      this.api.C_Finalize();
    } catch {
      // Already finalised, or the token's state is broken: initialising again is what counts.
    }
    this.generation++;
    this.api.C_Initialize(THREADED);
  }
}

const libraries = new Map<string, Pkcs11Library>();

/** The library at `path`, loaded on first use; throws (with the loader's reason) when it cannot be. */
export function pkcs11Library(path: string): Pkcs11Library {
  let library = libraries.get(path);
  if (!library) {
    library = new Pkcs11Library(path);
    libraries.set(path, library);
  }
  return library;
}

/** The PKCS#11 return value's name (CKR_PIN_INCORRECT, ...) of a pkcs11js error, else its message. */
export function pkcs11ErrorName(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return /^CKR_[A-Z_]+/.exec(message)?.[0] ?? message;
}
