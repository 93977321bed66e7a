/**
 * Turns a `pkcs11:` key entry into a LoadedKey: the token opened and logged in (or the reason it
 * cannot be, with the key path to fix), the key pair found, its public key and certificate read
 * once, and a TokenKeySigner in place of a private key. With `generate`, the server makes the
 * key pair in the token on first start (and so each version of a rotating key). Such a key signs
 * only: JWE decryption with a token key is not supported, so `use: enc` is refused here.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import * as pkcs11 from 'pkcs11js';
import { ConfigFileError, readConfigFile } from '../../common/config-file';
import type { KeyConfig, Pkcs11KeyConfig } from '../../realms/schema/key-config';
import { describeAsymmetricKey } from '../key-object-facts';
import { KeyLoadError, type KeyLoadContext } from '../key-loader';
import type { LoadedKey } from '../loaded-key';
import { pkcs11ErrorName } from './pkcs11-library';
import { TokenKeySigner } from './token-key-signer';
import { attribute, bool, certificateOf, findObjects, publicKeyOf, selectorTemplate, type KeySelector } from './token-objects';
import { generatedInToken } from './token-generated-key';
import { tokenPool } from './token-pools';
import { TokenOpenError, type TokenSessionPool } from './token-session-pool';

export const DEFAULT_MAX_SESSIONS = 4;
export const DEFAULT_CALL_TIMEOUT_MS = 2000;

export async function loadPkcs11Key(config: KeyConfig, context: KeyLoadContext): Promise<LoadedKey> {
  const spec = config.pkcs11!;
  if (config.use !== 'sig') throw new KeyLoadError('use', `a key in a PKCS#11 token signs only; use: ${config.use} is not supported for it`);
  const generate = config.generate !== undefined;
  if (generate && (spec.key_label !== undefined || spec.key_id !== undefined)) {
    throw new KeyLoadError('generate', 'a key the server generates in the token has no key_label or key_id: remove them, or remove generate');
  }
  const location = tokenLocation(spec);
  const pin = await pinOf(spec, context);
  let pool: TokenSessionPool;
  try {
    pool = tokenPool(spec.module, location, pin, spec.max_sessions ?? DEFAULT_MAX_SESSIONS);
  } catch (error) {
    throw new KeyLoadError('pkcs11.module', `cannot load the PKCS#11 library ${spec.module}: ${(error as Error).message}`);
  }
  const callTimeoutMs = spec.call_timeout_ms ?? DEFAULT_CALL_TIMEOUT_MS;
  const selector = generate ? await generatedInToken(pool, spec, config, context, callTimeoutMs) : keySelector(spec);
  const field = generate ? 'generate' : selectorField(spec);
  const { publicKey, certificate } = withLoadSession(pool, spec, (session) => readKeyPair(pool, session, selector, field));
  const configured = config.certificate_file === undefined ? certificate : await certificateFile(config.certificate_file, context.configDir);
  if (configured && !configured.publicKey.equals(publicKey)) {
    throw new KeyLoadError(config.certificate_file === undefined ? field : 'certificate_file', `the certificate does not certify the key in ${pool.name}`);
  }
  const facts = describeAsymmetricKey(publicKey)!;
  if (facts.family === 'RSA' && (facts.modulusBits ?? 0) < 2048) {
    throw new KeyLoadError(field, `RSA keys must have at least 2048 bits; "${config.kid}" has ${facts.modulusBits}`);
  }
  return { kid: config.kid, use: 'sig', ...facts, publicKey, signer: new TokenKeySigner(pool, selector, callTimeoutMs), ...(configured && { certificate: configured }) };
}

function keySelector(spec: Pkcs11KeyConfig): KeySelector {
  if ((spec.key_label === undefined) === (spec.key_id === undefined)) throw new KeyLoadError('pkcs11', 'give exactly one of key_label or key_id');
  return spec.key_label !== undefined ? { label: spec.key_label } : { id: Buffer.from(spec.key_id!, 'hex') };
}

const selectorField = (spec: Pkcs11KeyConfig): string => (spec.key_label !== undefined ? 'pkcs11.key_label' : 'pkcs11.key_id');

export function tokenLocation(spec: Pkcs11KeyConfig): { label?: string; slot?: number } {
  if ((spec.token_label === undefined) === (spec.slot === undefined)) throw new KeyLoadError('pkcs11', 'give exactly one of token_label or slot');
  return spec.token_label !== undefined ? { label: spec.token_label } : { slot: spec.slot };
}

/** The user PIN, from the environment or a file; never from the realm file, never in a message. */
export async function pinOf(spec: Pkcs11KeyConfig, context: KeyLoadContext): Promise<string> {
  if ((spec.pin_env === undefined) === (spec.pin_file === undefined)) throw new KeyLoadError('pkcs11', 'give exactly one of pin_env or pin_file (the PIN is never written in the realm file)');
  if (spec.pin_env !== undefined) {
    const pin = context.env[spec.pin_env];
    if (pin === undefined || pin === '') throw new KeyLoadError('pkcs11.pin_env', `environment variable ${spec.pin_env} is not set`);
    return pin;
  }
  let content: string;
  try {
    content = (await readConfigFile(context.configDir, spec.pin_file!)).toString('utf8');
  } catch (error) {
    if (!(error instanceof ConfigFileError)) throw error;
    throw new KeyLoadError('pkcs11.pin_file', error.message);
  }
  const pin = content.replace(/\r?\n$/, '');
  if (pin === '') throw new KeyLoadError('pkcs11.pin_file', `${spec.pin_file} is empty`);
  return pin;
}

/** Runs `read` in a session opened for the load and closed after (the pool keeps its own open). */
export function withLoadSession<T>(pool: TokenSessionPool, spec: Pkcs11KeyConfig, read: (session: pkcs11.Handle) => T): T {
  let session: pkcs11.Handle;
  try {
    session = pool.api.C_OpenSession(pool.connect().slot, pkcs11.CKF_SERIAL_SESSION);
  } catch (error) {
    throw openError(error, spec);
  }
  try {
    return read(session);
  } finally {
    try {
      pool.api.C_CloseSession(session);
    } catch {
      // The pool's own sessions keep the login.
    }
  }
}

export function openError(error: unknown, spec: Pkcs11KeyConfig): KeyLoadError {
  if (!(error instanceof TokenOpenError)) return new KeyLoadError('pkcs11', `the token cannot be opened: ${pkcs11ErrorName(error)}`);
  const field = error.field === 'pin' ? (spec.pin_env !== undefined ? 'pkcs11.pin_env' : 'pkcs11.pin_file') : spec.token_label !== undefined ? 'pkcs11.token_label' : 'pkcs11.slot';
  return new KeyLoadError(field, error.message);
}

interface KeyPair {
  readonly publicKey: KeyObject;
  readonly certificate?: X509Certificate;
}

function readKeyPair(pool: TokenSessionPool, session: pkcs11.Handle, selector: KeySelector, field: string): KeyPair {
  const api = pool.api;
  const described = 'label' in selector ? `labelled "${selector.label}"` : `with id ${selector.id.toString('hex')}`;
  const privateKeys = findObjects(api, session, selectorTemplate(pkcs11.CKO_PRIVATE_KEY, selector));
  if (privateKeys.length === 0) throw new KeyLoadError(field, `no private key ${described} in ${pool.name}`);
  if (privateKeys.length > 1) throw new KeyLoadError(field, `${privateKeys.length} private keys ${described} in ${pool.name}; name one by key_id`);
  if (!bool(attribute(api, session, privateKeys[0]!, pkcs11.CKA_SIGN))) {
    throw new KeyLoadError(field, `the private key ${described} in ${pool.name} is not allowed to sign (CKA_SIGN is false)`);
  }
  let certificate: X509Certificate | undefined;
  try {
    certificate = certificateOf(api, session, selector);
  } catch (error) {
    throw new KeyLoadError(field, `the certificate ${described} in ${pool.name} cannot be read: ${(error as Error).message}`);
  }
  const [publicObject] = findObjects(api, session, selectorTemplate(pkcs11.CKO_PUBLIC_KEY, selector));
  const publicKey = publicObject ? publicKeyOf(api, session, publicObject) : certificate?.publicKey;
  if (publicKey === undefined) throw new KeyLoadError(field, `no public key or certificate ${described} in ${pool.name}, so its public key cannot be published`);
  if (typeof publicKey === 'string') throw new KeyLoadError(field, `the key ${described} in ${pool.name}: ${publicKey}`);
  return { publicKey, certificate };
}

async function certificateFile(file: string, configDir: string): Promise<X509Certificate> {
  let pem: Buffer;
  try {
    pem = await readConfigFile(configDir, file);
  } catch (error) {
    if (!(error instanceof ConfigFileError)) throw error;
    throw new KeyLoadError('certificate_file', error.message);
  }
  try {
    return new X509Certificate(pem);
  } catch {
    throw new KeyLoadError('certificate_file', `${file} is not a PEM X.509 certificate`);
  }
}
