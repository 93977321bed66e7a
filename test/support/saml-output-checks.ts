/**
 * Independent checks of the SAML documents the STS issues: xmlsec1 verifies signatures (of the
 * Assertion, the Response or the metadata's EntityDescriptor) and decrypts EncryptedData; xmllint
 * validates documents against the OASIS SAML schemas shipped as test fixtures. For xmlenc11
 * rsa-oaep (SHA-256, MGF1-SHA-256), which xmlsec1 1.2 cannot unwrap, openssl unwraps the content
 * key with exactly those parameters and xmlsec1 decrypts the content with it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { XMLSerializer, type Element } from '@xmldom/xmldom';
import { openssl, tempFile, tempPath } from './openssl';
import { DS, MD, SAML, SAMLP, XENC } from './saml-names';
import { parseXml } from './xml-dom';

const SCHEMAS = resolve(__dirname, '../fixtures/saml-schemas');

function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): [number, string] {
  const result = spawnSync(command, args, { encoding: 'utf8', env: options.env ?? process.env, input: options.input });
  return [result.status ?? -1, `${result.stdout}${result.stderr}`];
}

/** Runs xmlsec1 and returns [exit status, stdout + stderr]; never throws on a failed check. */
export function xmlsec1(args: string[]): [number, string] {
  return run('xmlsec1', args);
}

export type SignedElement = 'Assertion' | 'Response' | 'EntityDescriptor';

/**
 * xmlsec1's verdict on the signature of the document's Assertion, Response or EntityDescriptor
 * (metadata), against exactly this certificate file. Every ID attribute is declared, so a
 * Response signature over a signed assertion resolves too.
 */
export function xmlsecVerify(xml: string, certFile: string, signed: SignedElement = 'Assertion'): [number, string] {
  return xmlsec1([
    '--verify',
    '--pubkey-cert-pem',
    certFile,
    '--id-attr:ID',
    `${SAML}:Assertion`,
    '--id-attr:ID',
    `${SAMLP}:Response`,
    '--id-attr:ID',
    `${MD}:EntityDescriptor`,
    '--node-xpath',
    `//*[local-name()='${signed}']/*[local-name()='Signature' and namespace-uri()='${DS}']`,
    tempFile(xml, '.xml'),
  ]);
}

/** The document with its first xenc:EncryptedData decrypted by xmlsec1 with the SP's private key. */
export function xmlsecDecrypt(xml: string, spKeyFile: string): string {
  const out = tempPath('.xml');
  const [status, output] = xmlsec1(['--decrypt', '--privkey-pem', spKeyFile, '--output', out, tempFile(xml, '.xml')]);
  if (status !== 0) throw new Error(`xmlsec1 --decrypt failed (${status}):\n${output}`);
  return readFileSync(out, 'utf8');
}

/**
 * The document with its first xenc:EncryptedData decrypted, for xmlenc11 rsa-oaep key transport:
 * openssl unwraps the content key with OAEP, SHA-256 and MGF1-SHA-256 (and fails with any other
 * parameters), then xmlsec1 decrypts the content with that key, the EncryptedKey removed.
 */
export function decryptWithOaep256(xml: string, spKeyFile: string): string {
  const document = parseXml(xml);
  const data = document.getElementsByTagNameNS(XENC, 'EncryptedData')[0];
  const keyInfo = Array.from(data.childNodes).find((node) => (node as Element).localName === 'KeyInfo') as Element;
  const wrapped = keyInfo.getElementsByTagNameNS(XENC, 'CipherValue')[0].textContent!.replace(/\s/g, '');
  const contentKey = tempPath('.key');
  const [status, output] = openssl([
    'pkeyutl', '-decrypt', '-inkey', spKeyFile, '-in', tempFile(Buffer.from(wrapped, 'base64')), '-out', contentKey,
    '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha256', '-pkeyopt', 'rsa_mgf1_md:sha256',
  ]);
  if (status !== 0) throw new Error(`openssl could not unwrap the content key with OAEP SHA-256 / MGF1-SHA-256:\n${output}`);
  data.removeChild(keyInfo);
  const out = tempPath('.xml');
  const serialized = new XMLSerializer().serializeToString(document);
  const [decrypted, log] = xmlsec1(['--decrypt', '--aeskey', contentKey, '--output', out, tempFile(serialized, '.xml')]);
  if (decrypted !== 0) throw new Error(`xmlsec1 --decrypt with the unwrapped key failed (${decrypted}):\n${log}`);
  return readFileSync(out, 'utf8');
}

/** Whether openssl can unwrap the content key of the first EncryptedKey with the given OAEP digests. */
export function unwrapsWith(xml: string, spKeyFile: string, oaepDigest: string, mgf1Digest: string): boolean {
  const wrapped = parseXml(xml)
    .getElementsByTagNameNS(XENC, 'EncryptedKey')[0]
    .getElementsByTagNameNS(XENC, 'CipherValue')[0]
    .textContent!.replace(/\s/g, '');
  const [status] = openssl([
    'pkeyutl', '-decrypt', '-inkey', spKeyFile, '-in', tempFile(Buffer.from(wrapped, 'base64')), '-out', tempPath('.key'),
    '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', `rsa_oaep_md:${oaepDigest}`, '-pkeyopt', `rsa_mgf1_md:${mgf1Digest}`,
  ]);
  return status === 0;
}

/** xmllint's verdict on the document (read from stdin, so a valid one gives `- validates`) against one of the OASIS schemas, offline through the fixtures' catalog. */
function xmllintSchema(xml: string, schema: string): [number, string] {
  return run('xmllint', ['--nonet', '--noout', '--schema', join(SCHEMAS, schema), '-'], {
    env: { ...process.env, XML_CATALOG_FILES: join(SCHEMAS, 'catalog.xml') },
    input: xml,
  });
}

/** Against the SAML 2.0 protocol schema (which imports the assertion, XML-DSig and XML-Enc schemas). */
export function schemaCheck(xml: string): [number, string] {
  return xmllintSchema(xml, 'saml-schema-protocol-2.0.xsd');
}

/** Against the SAML 2.0 metadata schema. */
export function metadataSchemaCheck(xml: string): [number, string] {
  return xmllintSchema(xml, 'saml-schema-metadata-2.0.xsd');
}
