/**
 * Turns a realm's `keys:` entry into a LoadedKey: from a PEM file, from an environment
 * variable (HMAC secret) or generated on first start under STS_DATA_DIR/keys and reused after
 * (an RSA or EC one with its self-signed certificate, see generated-certificate.ts).
 */
import {
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPair,
  KeyObject,
  randomBytes,
  X509Certificate,
} from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConfigFileError, readConfigFile } from '../common/config-file';
import type { GenerateKeyConfig, KeyConfig } from '../realms/schema/key-config';
import { generatedCertificate, generatedCertificateFile } from './generated-certificate';
import { describeAsymmetricKey } from './key-object-facts';
import { loadPkcs11Key } from './pkcs11/pkcs11-key-loader';
import type { LoadedKey } from './loaded-key';
import { readStoredFile, storeNewFile } from './stored-key-file';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface KeyLoadContext {
  /** Relative key paths are resolved against this directory. */
  readonly configDir: string;
  /** Generated keys live in `<dataDir>/keys`. */
  readonly dataDir: string;
  readonly env: NodeJS.ProcessEnv;
  /** ms since the epoch (default Date.now); rotation decides what is pending, active and retired by it. */
  readonly clock?: () => number;
}

/** A problem with one key entry; `field` is relative to the entry (`private_key_file`). */
export class KeyLoadError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export async function loadKey(config: KeyConfig, context: KeyLoadContext): Promise<LoadedKey> {
  const key = await loadKeyMaterial(config, context);
  return config.retired_at === undefined ? key : { ...key, retiredAt: new Date(config.retired_at) };
}

async function loadKeyMaterial(config: KeyConfig, context: KeyLoadContext): Promise<LoadedKey> {
  // pkcs11 with generate is one source: a key the server generates in the token.
  const sources = (['private_key_file', 'secret_env', 'generate', 'pkcs11'] as const).filter((s) => config[s] !== undefined && !(s === 'generate' && config.pkcs11));
  if (sources.length !== 1) {
    throw new KeyLoadError(
      'kid',
      sources.length === 0
        ? `key "${config.kid}" needs one of private_key_file, secret_env, generate or pkcs11`
        : `key "${config.kid}" has ${sources.join(' and ')}; give exactly one`,
    );
  }
  if (config.pkcs11 !== undefined) return loadPkcs11Key(config, context);
  if (config.secret_env !== undefined) {
    if (config.certificate_file !== undefined) throw new KeyLoadError('certificate_file', 'a symmetric key has no certificate');
    return secretFromEnv(config, context.env);
  }
  const privateKey =
    config.private_key_file !== undefined
      ? await privateKeyFromFile(config.private_key_file, context.configDir)
      : await generatedKey(config.kid, config.generate!, context.dataDir);
  if (privateKey.type === 'secret') return describeSecret(config, privateKey);
  if (config.certificate_file !== undefined) {
    return describeAsymmetric(config, privateKey, await certificateMatching(config.certificate_file, privateKey, context));
  }
  const key = describeAsymmetric(config, privateKey);
  if (config.generate === undefined) return key;
  // Only now, so that no certificate is made for a key that describeAsymmetric refuses.
  const certificate = await certificateOfGenerated(config, privateKey, context);
  return certificate ? { ...key, certificate, certificateGenerated: true } : key;
}

function secretFromEnv(config: KeyConfig, env: NodeJS.ProcessEnv): LoadedKey {
  const value = env[config.secret_env!];
  if (value === undefined || value === '') {
    throw new KeyLoadError('secret_env', `environment variable ${config.secret_env} is not set`);
  }
  return describeSecret(config, createSecretKey(Buffer.from(value, 'utf8')));
}

function describeSecret(config: KeyConfig, secret: KeyObject): LoadedKey {
  return { kid: config.kid, use: config.use, family: 'oct', privateKey: secret, secretBytes: secret.symmetricKeySize };
}

function describeAsymmetric(config: KeyConfig, privateKey: KeyObject, certificate?: X509Certificate): LoadedKey {
  const facts = describeAsymmetricKey(privateKey);
  const field = config.private_key_file !== undefined ? 'private_key_file' : 'generate';
  if (!facts) throw new KeyLoadError(field, `unsupported key type ${privateKey.asymmetricKeyType}`);
  if (facts.family === 'RSA' && (facts.modulusBits ?? 0) < 2048) {
    throw new KeyLoadError(field, `RSA keys must have at least 2048 bits; "${config.kid}" has ${facts.modulusBits}`);
  }
  return { kid: config.kid, use: config.use, privateKey, publicKey: createPublicKey(privateKey), certificate, ...facts };
}

async function privateKeyFromFile(file: string, configDir: string): Promise<KeyObject> {
  const pem = await readKeyFile(file, configDir, 'private_key_file');
  try {
    return createPrivateKey(pem);
  } catch {
    throw new KeyLoadError(
      'private_key_file',
      `${file} is not an unencrypted PKCS#8, PKCS#1 or SEC1 PEM private key`,
    );
  }
}

async function certificateMatching(file: string, privateKey: KeyObject, context: KeyLoadContext): Promise<X509Certificate> {
  const pem = await readKeyFile(file, context.configDir, 'certificate_file');
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    throw new KeyLoadError('certificate_file', `${file} is not a PEM X.509 certificate`);
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new KeyLoadError('certificate_file', `${file} does not certify this private key`);
  }
  return certificate;
}

async function readKeyFile(file: string, configDir: string, field: string): Promise<Buffer> {
  try {
    return await readConfigFile(configDir, file);
  } catch (error) {
    if (!(error instanceof ConfigFileError)) throw error;
    throw new KeyLoadError(field, error.message);
  }
}

/** Loads the key generated on an earlier start, or creates and stores it now. */
async function generatedKey(kid: string, spec: GenerateKeyConfig, dataDir: string): Promise<KeyObject> {
  const dir = join(dataDir, 'keys');
  const file = join(dir, spec.type === 'oct' ? `${kid}.secret` : `${kid}.key.pem`);
  const stored = await readStoredFile(file).catch((error: Error) => {
    throw new KeyLoadError('generate', `${file}: ${error.message}`);
  });
  if (stored !== undefined) return parseStoredKey(kid, spec, file, stored);

  const key = await createKey(kid, spec);
  const serialized =
    key.type === 'secret' ? key.export().toString('base64url') : (key.export({ type: 'pkcs8', format: 'pem' }) as string);
  const won = await storeNewFile(file, serialized).catch((error: Error) => {
    throw new KeyLoadError('generate', `cannot store the generated key in ${dir}: ${error.message}`);
  });
  if (won) return key;
  // Another process (a cluster worker) stored its key first: every process uses that one.
  const winner = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new KeyLoadError('generate', `${file}: ${error.message}`);
  });
  return parseStoredKey(kid, spec, file, winner);
}

/** The self-signed certificate stored beside a generated RSA or EC key (generated-certificate.ts). */
async function certificateOfGenerated(config: KeyConfig, privateKey: KeyObject, context: KeyLoadContext): Promise<X509Certificate | undefined> {
  try {
    return await generatedCertificate(config.kid, config.use, privateKey, context.dataDir, (context.clock ?? Date.now)());
  } catch (error) {
    const file = generatedCertificateFile(context.dataDir, config.kid);
    throw new KeyLoadError('generate', `cannot read or store the certificate of "${config.kid}", ${file}: ${(error as Error).message}`);
  }
}

function parseStoredKey(kid: string, spec: GenerateKeyConfig, file: string, stored: string): KeyObject {
  let key: KeyObject;
  try {
    key = spec.type === 'oct' ? createSecretKey(Buffer.from(stored.trim(), 'base64url')) : createPrivateKey(stored);
  } catch {
    throw new KeyLoadError('generate', `${file} is damaged; restore it from a backup or delete it to generate a new "${kid}"`);
  }
  const expected: (string | undefined)[] = { rsa: ['rsa'], ec: ['ec'], okp: ['ed25519', 'ed448', 'x25519', 'x448'], oct: [undefined] }[spec.type];
  if (!expected.includes(key.asymmetricKeyType)) {
    throw new KeyLoadError(
      'generate',
      `${file} holds a ${key.asymmetricKeyType ?? 'secret'} key, not ${spec.type}; delete it to generate a new "${kid}"`,
    );
  }
  return key;
}

async function createKey(kid: string, spec: GenerateKeyConfig): Promise<KeyObject> {
  switch (spec.type) {
    case 'rsa': {
      const modulusLength = spec.size ?? 2048;
      if (modulusLength < 2048) throw new KeyLoadError('generate.size', `RSA keys must have at least 2048 bits`);
      return (await generateKeyPairAsync('rsa', { modulusLength })).privateKey;
    }
    case 'ec': {
      const curve = spec.curve ?? 'P-256';
      if (!curve.startsWith('P-')) throw new KeyLoadError('generate.curve', `EC keys use P-256, P-384 or P-521`);
      return (await generateKeyPairAsync('ec', { namedCurve: curve })).privateKey;
    }
    case 'okp': {
      const curve = spec.curve ?? 'Ed25519';
      if (curve === 'Ed25519') return (await generateKeyPairAsync('ed25519')).privateKey;
      if (curve === 'X25519') return (await generateKeyPairAsync('x25519')).privateKey;
      throw new KeyLoadError('generate.curve', `OKP keys use Ed25519 (signing) or X25519 (encryption)`);
    }
    case 'oct': {
      const bits = spec.size ?? 256;
      if (bits % 8 !== 0) throw new KeyLoadError('generate.size', `oct key sizes are whole bytes: a multiple of 8 bits`);
      return createSecretKey(randomBytes(bits / 8));
    }
    default:
      throw new KeyLoadError('generate.type', `cannot generate "${kid}"`);
  }
}
