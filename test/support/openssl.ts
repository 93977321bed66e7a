/**
 * openssl as an independent verifier of the JOSE objects we issue: JWS signatures checked with
 * `openssl dgst` / `pkeyutl`, never with jose, which made them; and as the maker of test keys and
 * self-signed certificates. Files live in one temporary directory per test file (jest gives each
 * file its own module registry).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let work: string | undefined;
let counter = 0;

/** A fresh path in the work directory (nothing written yet). */
export function tempPath(suffix = ''): string {
  work ??= mkdtempSync(join(tmpdir(), 'sts-openssl-'));
  return join(work, `f${counter++}${suffix}`);
}

/** Writes `content` to a fresh file in the work directory and returns its path. */
export function tempFile(content: string | Buffer, suffix = ''): string {
  const path = tempPath(suffix);
  writeFileSync(path, content);
  return path;
}

export function removeOpensslWorkDir(): void {
  if (work) rmSync(work, { recursive: true, force: true });
  work = undefined;
}

/** Runs openssl and returns [exit status, stdout + stderr]; never throws on a failed verification. */
export function openssl(args: string[]): [number, string] {
  const result = spawnSync('openssl', args, { encoding: 'utf8' });
  return [result.status ?? -1, `${result.stdout}${result.stderr}`];
}

/** Runs openssl and throws (with its output) unless it succeeds. */
export function opensslOk(args: string[]): string {
  const [status, output] = openssl(args);
  if (status !== 0) throw new Error(`openssl ${args.join(' ')} failed (${status}):\n${output}`);
  return output;
}

export interface JwsParts {
  /** `header.payload`: what the signature covers. */
  readonly input: string;
  readonly signature: Buffer;
  readonly header: Record<string, unknown> & { alg: string; kid?: string };
  /** The decoded claims; parsed on first read, so a tampered token can still be split. */
  readonly payload: Record<string, unknown>;
}

export function jwsParts(jwt: string): JwsParts {
  const [header, payload, signature] = jwt.split('.');
  return {
    input: `${header}.${payload}`,
    signature: Buffer.from(signature, 'base64url'),
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')),
    get payload() {
      return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    },
  };
}

/** Raw JOSE r||s -> DER ECDSA-Sig-Value, assembled by openssl from a generator config. */
export function ecdsaDer(signature: Buffer): Buffer {
  const half = signature.length / 2;
  const config = tempFile(
    `asn1=SEQUENCE:sig\n[sig]\nr=INTEGER:0x${signature.subarray(0, half).toString('hex')}\ns=INTEGER:0x${signature.subarray(half).toString('hex')}\n`,
  );
  const out = tempPath('.der');
  execFileSync('openssl', ['asn1parse', '-genconf', config, '-out', out, '-noout']);
  return readFileSync(out);
}

/** A public JWK written as an SPKI PEM file (node only converts the encoding; openssl does the crypto). */
export function publicKeyPemFile(jwk: JsonWebKey): string {
  return tempFile(createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string);
}

const DIGEST_BITS: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

/**
 * Verifies a compact JWS with openssl alone, for every algorithm of RFC 7518 plus EdDSA:
 * `key` is the verifier's public key as a PEM file path, or the HMAC secret.
 * Returns openssl's exit status (0: verified) and its output.
 */
export function opensslVerifyJws(jwt: string, key: { pemFile: string } | { secret: Buffer }): [number, string] {
  const { input, signature, header } = jwsParts(jwt);
  const alg = header.alg;
  const inputFile = tempFile(input);
  if (alg === 'EdDSA') {
    if (!('pemFile' in key)) throw new Error('EdDSA needs a public key');
    return openssl(['pkeyutl', '-verify', '-pubin', '-inkey', key.pemFile, '-rawin', '-in', inputFile, '-sigfile', tempFile(signature)]);
  }
  const digest = DIGEST_BITS[alg.slice(2)];
  if (!digest) throw new Error(`unknown algorithm ${alg}`);
  if (alg.startsWith('HS')) {
    if (!('secret' in key)) throw new Error('HMAC needs the secret');
    const [status, out] = openssl(['dgst', `-${digest}`, '-mac', 'HMAC', '-macopt', `hexkey:${key.secret.toString('hex')}`, '-hex', inputFile]);
    if (status !== 0) return [status, out];
    const mac = out.trim().split(/\s+/).pop();
    return mac === signature.toString('hex') ? [0, 'HMAC matches'] : [1, `HMAC differs: openssl ${mac}, token ${signature.toString('hex')}`];
  }
  if (!('pemFile' in key)) throw new Error(`${alg} needs a public key`);
  const verify = (sig: Buffer, extra: string[] = []) =>
    openssl(['dgst', `-${digest}`, '-verify', key.pemFile, ...extra, '-signature', tempFile(sig), inputFile]);
  switch (alg.slice(0, 2)) {
    case 'RS':
      return verify(signature);
    case 'PS':
      // RFC 7518 3.5: MGF1 with the same hash, salt as long as the hash output.
      return verify(signature, [
        '-sigopt', 'rsa_padding_mode:pss',
        '-sigopt', `rsa_pss_saltlen:${Number(alg.slice(2)) / 8}`,
        '-sigopt', `rsa_mgf1_md:${digest}`,
      ]);
    case 'ES':
      return verify(ecdsaDer(signature));
    default:
      throw new Error(`unknown algorithm ${alg}`);
  }
}

export const RSA_2048_KEY = ['-newkey', 'rsa:2048'];
export const EC_P256_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];

/** A self-signed certificate and its unencrypted key, written by `openssl req -x509` to these paths (`newkey` as `-newkey` takes it). */
export function writeSelfSigned(keyFile: string, certFile: string, subject: string, newkey: string[] = RSA_2048_KEY): void {
  opensslOk(['req', '-x509', ...newkey, '-nodes', '-keyout', keyFile, '-out', certFile, '-subj', subject, '-days', '2']);
}

export interface PemPair {
  readonly keyFile: string;
  readonly certFile: string;
  /** The certificate's DER in base64, as XML-DSig's ds:X509Certificate carries it. */
  readonly certBase64: string;
  /** The PEM texts of the files, as libraries that take keys in memory want them. */
  readonly keyPem: string;
  readonly certPem: string;
}

/** A self-signed certificate and its key, made by openssl in the work directory. */
export function pemPair(subject: string, newkey: string[] = RSA_2048_KEY): PemPair {
  const keyFile = tempPath('.key.pem');
  const certFile = tempPath('.crt.pem');
  writeSelfSigned(keyFile, certFile, subject, newkey);
  const certPem = readFileSync(certFile, 'utf8');
  return {
    keyFile,
    certFile,
    certBase64: certPem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, ''),
    keyPem: readFileSync(keyFile, 'utf8'),
    certPem,
  };
}

/** A certificate's base64 DER (as XML carries it) in PEM armour, 64 characters a line. */
export function certificatePem(base64Der: string): string {
  return `-----BEGIN CERTIFICATE-----\n${base64Der.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** base64url SHA-1 of a PEM certificate's DER, as openssl computes it (the JOSE x5t). */
export function opensslX5t(certificatePemFile: string): string {
  const out = opensslOk(['x509', '-in', certificatePemFile, '-noout', '-fingerprint', '-sha1']);
  const hex = out.trim().split('=').pop()!.replace(/:/g, '');
  return Buffer.from(hex, 'hex').toString('base64url');
}
