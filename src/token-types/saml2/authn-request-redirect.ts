/**
 * The HTTP-Redirect binding of an AuthnRequest (saml-bindings 3.4.4): the query string as the SP
 * sent it, `SAMLRequest` base64 of raw DEFLATE, and when signed, `SigAlg` and `Signature` over the
 * octets `SAMLRequest=...&RelayState=...&SigAlg=...` exactly as they appear in the query
 * (3.4.4.1), verified with node:crypto against the SP's signing certificates.
 */
import { verify, type X509Certificate } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { InvalidRequestError } from '../../errors/sts-errors';

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const RSA_SHA512 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512';
const ECDSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256';
const ECDSA_SHA384 = 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384';
const ECDSA_SHA512 = 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512';

/** SigAlg -> hash and key type. */
const ALGORITHMS: Readonly<Record<string, { readonly hash: string; readonly keyType: 'rsa' | 'ec' }>> = {
  [RSA_SHA256]: { hash: 'sha256', keyType: 'rsa' },
  [RSA_SHA512]: { hash: 'sha512', keyType: 'rsa' },
  [ECDSA_SHA256]: { hash: 'sha256', keyType: 'ec' },
  [ECDSA_SHA384]: { hash: 'sha384', keyType: 'ec' },
  [ECDSA_SHA512]: { hash: 'sha512', keyType: 'ec' },
};
const WEAK = /(sha1|md5)(?![0-9])/i;
const PARAMETERS: ReadonlySet<string> = new Set(['SAMLRequest', 'RelayState', 'SigAlg', 'Signature']);
/** RelayState is at most 80 bytes (saml-bindings 3.4.3); the rest is the request and a signature. */
const QUERY_OVERHEAD = 4096;

export interface RedirectBindingRequest {
  /** The inflated AuthnRequest XML. */
  readonly xml: string;
  /** The query carried a signature and it verified with one of the SP's certificates. */
  readonly signed: boolean;
}

function refuse(code: string, message: string): InvalidRequestError {
  return new InvalidRequestError(message, { code });
}

function malformed(why: string): InvalidRequestError {
  return refuse('authn_request_malformed', `The AuthnRequest query ${why}.`);
}

/**
 * Decodes the query (at most `maxBytes` of XML, checked before decoding and while inflating) and
 * checks its signature when it has one and the SP gave certificates to check it with.
 */
export function readRedirectBinding(query: string, maxBytes: number, certificates: readonly X509Certificate[]): RedirectBindingRequest {
  // base64 and percent-encoding at most triple the deflated size, which is below the XML size.
  if (query.length > maxBytes * 3 + QUERY_OVERHEAD) {
    throw refuse('authn_request_too_large', `The AuthnRequest query is longer than this STS accepts (${maxBytes * 3 + QUERY_OVERHEAD} characters).`);
  }
  const raw = rawParameters(query.startsWith('?') ? query.slice(1) : query);
  const request = raw.get('SAMLRequest');
  if (request === undefined) throw malformed('has no SAMLRequest parameter');
  const xml = inflate(base64Of(request, 'SAMLRequest'), maxBytes);

  const sigAlg = raw.get('SigAlg');
  const signature = raw.get('Signature');
  if ((sigAlg === undefined) !== (signature === undefined)) throw malformed('must carry both SigAlg and Signature, or neither');
  if (sigAlg === undefined || signature === undefined || certificates.length === 0) return { xml, signed: false };

  // The signed octets are the parameters as sent (still URL-encoded), in this order (3.4.4.1).
  const relayState = raw.get('RelayState');
  const octets = `SAMLRequest=${request}${relayState === undefined ? '' : `&RelayState=${relayState}`}&SigAlg=${sigAlg}`;
  checkSignature(Buffer.from(octets, 'utf8'), urlDecode(sigAlg, 'SigAlg'), base64Of(signature, 'Signature'), certificates);
  return { xml, signed: true };
}

/** Each parameter this binding defines, still URL-encoded; a repeated one refuses the query. */
function rawParameters(query: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    const name = eq === -1 ? part : part.slice(0, eq);
    if (!PARAMETERS.has(name)) continue;
    if (found.has(name)) throw malformed(`has ${name} more than once`);
    found.set(name, eq === -1 ? '' : part.slice(eq + 1));
  }
  return found;
}

/** application/x-www-form-urlencoded decoding, as browsers encode the query. */
function urlDecode(value: string, name: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    throw malformed(`has a ${name} that is not URL-encoded correctly`);
  }
}

function base64Of(value: string, name: string): Buffer {
  // A `+` the SP did not percent-encode reads as a space, which base64 never contains.
  const text = urlDecode(value, name).replace(/ /g, '+').replace(/[\r\n]/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) throw malformed(`has a ${name} that is not base64`);
  return Buffer.from(text, 'base64');
}

function inflate(deflated: Buffer, maxBytes: number): string {
  if (deflated.length > maxBytes) throw refuse('authn_request_too_large', `The AuthnRequest is larger than the ${maxBytes} bytes this STS accepts.`);
  let bytes: Buffer;
  try {
    // The cap stops a small deflate bomb from expanding into memory.
    bytes = inflateRawSync(deflated, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      throw refuse('authn_request_too_large', `The AuthnRequest inflates to more than the ${maxBytes} bytes this STS accepts.`);
    }
    throw malformed('has a SAMLRequest that is not raw DEFLATE data');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw malformed('has a SAMLRequest that is not UTF-8 XML');
  }
}

function checkSignature(octets: Buffer, sigAlg: string, signature: Buffer, certificates: readonly X509Certificate[]): void {
  const algorithm = ALGORITHMS[sigAlg];
  if (!algorithm) {
    if (WEAK.test(sigAlg)) {
      throw refuse('authn_request_weak_algorithm', `The AuthnRequest is signed with ${sigAlg}, which is too weak; SHA-256 or stronger is required.`);
    }
    throw refuse('authn_request_signature_invalid', `The AuthnRequest is signed with ${sigAlg || '(no algorithm)'}, which is not supported.`);
  }
  for (const certificate of certificates) {
    const key = certificate.publicKey;
    if (key.asymmetricKeyType !== algorithm.keyType) continue;
    // ECDSA values are written as r || s (XML-DSig) by most SPs and as DER by some: either verifies.
    const encodings = algorithm.keyType === 'ec' ? (['ieee-p1363', 'der'] as const) : ([undefined] as const);
    for (const dsaEncoding of encodings) {
      try {
        if (verify(algorithm.hash, octets, dsaEncoding ? { key, dsaEncoding } : key, signature)) return;
      } catch {
        // A value of the wrong shape for this key: try the next.
      }
    }
  }
  throw refuse('authn_request_signature_invalid', "The AuthnRequest query's signature does not verify with the SP's signing certificates.");
}
