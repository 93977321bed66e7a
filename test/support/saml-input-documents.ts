/**
 * SAML input as an IdP sends it, made with software we did not write: assertions and Responses
 * signed by xmlsec1 with key pairs openssl makes, encrypted by xmlsec1 (`encrypt` with a
 * template) or, for xmlenc 1.1 RSA-OAEP (which xmlsec1 1.2 lacks), by xmlsec1 for the content and
 * `openssl pkeyutl` for the key transport. The XML around the values is a test fixture.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSelfSigned } from './openssl';
import { DS, SAML, SAMLP, XENC, XENC11 } from './saml-names';

const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

export const DATA = {
  aes128cbc: `${XENC}aes128-cbc`,
  aes256cbc: `${XENC}aes256-cbc`,
  aes128gcm: `${XENC11}aes128-gcm`,
  aes192gcm: `${XENC11}aes192-gcm`,
  aes256gcm: `${XENC11}aes256-gcm`,
  tripledes: `${XENC}tripledes-cbc`,
} as const;
export const TRANSPORT = { oaepMgf1p: `${XENC}rsa-oaep-mgf1p`, rsa15: `${XENC}rsa-1_5` } as const;

/** xmlsec1's --session-key for each content algorithm. */
const SESSION_KEY: Record<string, string> = {
  [DATA.aes128cbc]: 'aes-128',
  [DATA.aes256cbc]: 'aes-256',
  [DATA.aes128gcm]: 'aes-128',
  [DATA.aes192gcm]: 'aes-192',
  [DATA.aes256gcm]: 'aes-256',
  [DATA.tripledes]: 'des-192',
};

export interface KeyPair {
  readonly key: string;
  readonly cert: string;
}

export class SamlInputWorkshop {
  readonly dir = mkdtempSync(join(tmpdir(), 'sts-saml-input-'));
  private counter = 0;

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  file(content: string | Buffer, suffix = '.xml'): string {
    const path = join(this.dir, `f${this.counter++}${suffix}`);
    writeFileSync(path, content);
    return path;
  }

  /** A self-signed RSA 2048 certificate and its key, as PEM files. */
  keyPair(name: string): KeyPair {
    const pair = { key: join(this.dir, `${name}.key.pem`), cert: join(this.dir, `${name}.crt.pem`) };
    writeSelfSigned(pair.key, pair.cert, `/CN=${name}`);
    return pair;
  }

  /** Signs the signature template(s) in `xml`; `idAttr` names the element whose ID the reference uses. */
  sign(xml: string, signer: KeyPair, idAttr = `${SAML}:Assertion`): string {
    const out = execFileSync('xmlsec1', ['--sign', '--privkey-pem', `${signer.key},${signer.cert}`, '--id-attr:ID', idAttr, this.file(xml)], { encoding: 'utf8' });
    return withoutDeclaration(out);
  }

  /**
   * xmlsec1 encrypts the element `nodeName` (`namespace:localName`) of `xml`, or its root element
   * when none is named, to `cert`, and returns the document with the xenc:EncryptedData in its place.
   */
  encrypt(xml: string, cert: string, o: { data?: string; transport?: string; nodeName?: string } = {}): string {
    const data = o.data ?? DATA.aes256gcm;
    const template = encryptedDataTemplate(data, o.transport ?? TRANSPORT.oaepMgf1p);
    const node = o.nodeName ? ['--node-name', o.nodeName] : [];
    const args = ['encrypt', '--pubkey-cert-pem', cert, '--session-key', SESSION_KEY[data], '--xml-data', this.file(xml), ...node, this.file(template)];
    return withoutDeclaration(execFileSync('xmlsec1', args, { encoding: 'utf8' }));
  }

  /** `bytes` (any text, a DOCTYPE included) encrypted by xmlsec1 as if it were an element. */
  encryptBytes(bytes: string, cert: string, data: string = DATA.aes256gcm): string {
    const template = encryptedDataTemplate(data, TRANSPORT.oaepMgf1p);
    const args = ['encrypt', '--pubkey-cert-pem', cert, '--session-key', SESSION_KEY[data], '--binary-data', this.file(bytes), this.file(template)];
    return withoutDeclaration(execFileSync('xmlsec1', args, { encoding: 'utf8' }));
  }

  /**
   * xmlenc 1.1 RSA-OAEP with SHA-256 and MGF1-SHA-256: xmlsec1 encrypts the element with a known
   * AES-256-GCM key, `openssl pkeyutl` wraps that key for `cert`.
   */
  encryptRsaOaep11(xml: string, cert: string): string {
    const aesKey = this.file(execFileSync('openssl', ['rand', '32']), '.bin');
    const template =
      `<xenc:EncryptedData xmlns:xenc="${XENC}" Type="${XENC}Element"><xenc:EncryptionMethod Algorithm="${DATA.aes256gcm}"/>` +
      `<ds:KeyInfo xmlns:ds="${DS}"><ds:KeyName>session</ds:KeyName></ds:KeyInfo><xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedData>`;
    const encrypted = execFileSync('xmlsec1', ['encrypt', '--aeskey:session', aesKey, '--xml-data', this.file(xml), this.file(template)], { encoding: 'utf8' });
    const wrapped = execFileSync('openssl', [
      'pkeyutl', '-encrypt', '-certin', '-inkey', cert, '-in', aesKey,
      '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha256', '-pkeyopt', 'rsa_mgf1_md:sha256',
    ]).toString('base64');
    const encryptedKey =
      `<xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="${XENC11}rsa-oaep"><ds:DigestMethod Algorithm="${XENC}sha256"/>` +
      `<xenc11:MGF xmlns:xenc11="${XENC11}" Algorithm="${XENC11}mgf1sha256"/></xenc:EncryptionMethod>` +
      `<xenc:CipherData><xenc:CipherValue>${wrapped}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey>`;
    return withoutDeclaration(encrypted).replace('<ds:KeyName>session</ds:KeyName>', encryptedKey);
  }

  /** xmlsec1 decrypts what we made, to show the fixtures are what a standard decryptor reads. */
  decrypt(xml: string, key: string): string {
    return withoutDeclaration(execFileSync('xmlsec1', ['decrypt', '--privkey-pem', key, this.file(xml)], { encoding: 'utf8' }));
  }
}

function withoutDeclaration(xml: string): string {
  return xml.replace(/^<\?xml[^>]*\?>\s*/, '').trimEnd();
}

function encryptedDataTemplate(data: string, transport: string): string {
  const digest = transport === TRANSPORT.oaepMgf1p ? `<ds:DigestMethod Algorithm="${DS}sha1"/>` : '';
  return (
    `<xenc:EncryptedData xmlns:xenc="${XENC}" Type="${XENC}Element"><xenc:EncryptionMethod Algorithm="${data}"/>` +
    `<ds:KeyInfo xmlns:ds="${DS}"><xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="${transport}">${digest}</xenc:EncryptionMethod>` +
    `<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>` +
    `<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedData>`
  );
}

const iso = (offsetSeconds: number) => new Date(Date.now() + offsetSeconds * 1000).toISOString();
let ids = 0;

export interface AssertionOptions {
  readonly issuer: string;
  readonly audience: string;
  readonly recipient: string;
  readonly id?: string;
  readonly nameId?: string;
  /** The bearer SubjectConfirmationData's InResponseTo; none when undefined. */
  readonly inResponseTo?: string;
  /** false: no signature template (an unsigned assertion). */
  readonly signed?: boolean;
  /** Wrap the NameID in saml:EncryptedID, for encrypt() with nodeName `${SAML}:NameID`. */
  readonly encryptedIdWrapper?: boolean;
  /** Wrap each Attribute in saml:EncryptedAttribute, for encrypt() with nodeName `${SAML}:Attribute` (the first one). */
  readonly encryptedAttributeWrapper?: boolean;
  readonly attributes?: Readonly<Record<string, string>>;
}

/** A bearer assertion in schema order, with a signature template after the Issuer for xmlsec1. */
export function assertionTemplate(o: AssertionOptions): string {
  const id = o.id ?? `_a${process.pid}x${Date.now()}x${ids++}`;
  const signature =
    `<ds:Signature xmlns:ds="${DS}"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>` +
    `<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="#${id}"><ds:Transforms>` +
    `<ds:Transform Algorithm="${DS}enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>` +
    `<ds:DigestMethod Algorithm="${XENC}sha256"/><ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/></ds:Signature>`;
  // The NameID declares its namespace itself, as OpenSAML writes an element it encrypts.
  const nameId = `<saml:NameID xmlns:saml="${SAML}">${o.nameId ?? 'alice@idp.test'}</saml:NameID>`;
  const attributes = Object.entries(o.attributes ?? { mail: o.nameId ?? 'alice@idp.test' })
    .map(([name, value]) => `<saml:Attribute xmlns:saml="${SAML}" Name="${name}"><saml:AttributeValue>${value}</saml:AttributeValue></saml:Attribute>`)
    .map((attribute) => (o.encryptedAttributeWrapper ? `<saml:EncryptedAttribute>${attribute}</saml:EncryptedAttribute>` : attribute))
    .join('');
  return (
    `<saml:Assertion xmlns:saml="${SAML}" ID="${id}" Version="2.0" IssueInstant="${iso(0)}"><saml:Issuer>${o.issuer}</saml:Issuer>` +
    (o.signed === false ? '' : signature) +
    `<saml:Subject>${o.encryptedIdWrapper ? `<saml:EncryptedID>${nameId}</saml:EncryptedID>` : nameId}` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${iso(300)}" ` +
    `Recipient="${o.recipient}"${o.inResponseTo === undefined ? '' : ` InResponseTo="${o.inResponseTo}"`}/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${iso(-60)}" NotOnOrAfter="${iso(300)}"><saml:AudienceRestriction><saml:Audience>${o.audience}</saml:Audience>` +
    `</saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="${iso(-10)}"><saml:AuthnContext>` +
    `<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    `<saml:AttributeStatement>${attributes}</saml:AttributeStatement></saml:Assertion>`
  );
}

export interface ResponseOptions {
  readonly issuer: string;
  readonly destination?: string;
  readonly inResponseTo?: string;
  /** Top-level StatusCode and an optional second-level one; default Success. */
  readonly status?: readonly [string, string?];
  readonly statusMessage?: string;
}

/** A samlp:Response around `inner` (assertions, EncryptedAssertions, or nothing). */
export function responseXml(inner: string, o: ResponseOptions): string {
  const [code, detail] = o.status ?? [SUCCESS];
  return (
    `<samlp:Response xmlns:samlp="${SAMLP}" xmlns:saml="${SAML}" ID="_r${process.pid}x${Date.now()}x${ids++}" Version="2.0" IssueInstant="${iso(0)}"` +
    `${o.destination === undefined ? '' : ` Destination="${o.destination}"`}${o.inResponseTo === undefined ? '' : ` InResponseTo="${o.inResponseTo}"`}>` +
    `<saml:Issuer>${o.issuer}</saml:Issuer><samlp:Status><samlp:StatusCode Value="${code}">${detail ? `<samlp:StatusCode Value="${detail}"/>` : ''}</samlp:StatusCode>` +
    `${o.statusMessage === undefined ? '' : `<samlp:StatusMessage>${o.statusMessage}</samlp:StatusMessage>`}</samlp:Status>${inner}</samlp:Response>`
  );
}

/** An EncryptedAssertion around the xenc:EncryptedData `encryptedData`. */
export function encryptedAssertionXml(encryptedData: string): string {
  return `<saml:EncryptedAssertion xmlns:saml="${SAML}">${encryptedData}</saml:EncryptedAssertion>`;
}
