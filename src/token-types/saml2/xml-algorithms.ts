/**
 * The XML signature and encryption algorithms SAML2 output offers, by the short names the
 * configuration uses, with their W3C identifiers (xmldsig-core1, xmlenc-core1, RFC 6931).
 */
/**
 * RSA-PSS (RFC 6931 sha256-rsa-MGF1) is not offered: xml-crypto can produce it, but xmlsec1 as
 * distributions ship it (1.2.x) cannot verify it, so SPs built on it would refuse such assertions.
 */
export const SIGNATURE_ALGORITHMS = {
  'rsa-sha256': { uri: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', family: 'RSA' },
  'rsa-sha512': { uri: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512', family: 'RSA' },
  // Signed as r || s (XML-DSig 1.1), verified with the methods xml-ecdsa.ts registers.
  'ecdsa-sha256': { uri: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256', family: 'EC' },
  'ecdsa-sha384': { uri: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384', family: 'EC' },
  'ecdsa-sha512': { uri: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512', family: 'EC' },
} as const;
export type SignatureAlgorithmName = keyof typeof SIGNATURE_ALGORITHMS;
export const SIGNATURE_ALGORITHM_NAMES = Object.keys(SIGNATURE_ALGORITHMS) as SignatureAlgorithmName[];

export const DIGEST_ALGORITHMS = {
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  sha512: 'http://www.w3.org/2001/04/xmlenc#sha512',
} as const;
export type DigestAlgorithmName = keyof typeof DIGEST_ALGORITHMS;
export const DIGEST_ALGORITHM_NAMES = Object.keys(DIGEST_ALGORITHMS) as DigestAlgorithmName[];

/** Content encryption: CBC (xmlenc-core 5.2.2) for SPs that lack GCM (xmlenc-core1 5.2.4). */
export const DATA_ENCRYPTION_ALGORITHMS = {
  'aes128-cbc': 'http://www.w3.org/2001/04/xmlenc#aes128-cbc',
  'aes256-cbc': 'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
  'aes128-gcm': 'http://www.w3.org/2009/xmlenc11#aes128-gcm',
  'aes256-gcm': 'http://www.w3.org/2009/xmlenc11#aes256-gcm',
} as const;
export type DataEncryptionName = keyof typeof DATA_ENCRYPTION_ALGORITHMS;
export const DATA_ENCRYPTION_NAMES = Object.keys(DATA_ENCRYPTION_ALGORITHMS) as DataEncryptionName[];

/**
 * Key transport (xmlenc-core1 5.5.2): rsa-oaep-mgf1p fixes MGF1 to SHA-1 (with a SHA-1 OAEP
 * digest, which every implementation reads by default); xmlenc11 rsa-oaep names its digest
 * (SHA-256) and mask generation function (MGF1 with SHA-256) explicitly.
 */
export const KEY_TRANSPORT_ALGORITHMS = {
  'rsa-oaep-mgf1p': { uri: 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p', digest: 'sha1', mgf1: undefined },
  'rsa-oaep': { uri: 'http://www.w3.org/2009/xmlenc11#rsa-oaep', digest: 'sha256', mgf1: 'sha256' },
} as const;
export type KeyTransportName = keyof typeof KEY_TRANSPORT_ALGORITHMS;
export const KEY_TRANSPORT_NAMES = Object.keys(KEY_TRANSPORT_ALGORITHMS) as KeyTransportName[];
