/**
 * Output type X509 (`x509_issuance:`): a short-lived TLS client certificate for the validated
 * principal, signed by the instance CA from the caller's PKCS#10 request
 * (`output_token_state.csr`). The CSR contributes its public key and nothing else: its subject
 * and requested extensions are ignored; the subject is the principal, the SANs come from
 * identity attributes.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { ServiceUnavailableError } from '../../errors/sts-errors';
import type { JsonObject } from '../../plugin-api/json';
import type {
  ConfigurationCheckContext,
  ConfigurationProblem,
  IssuedToken,
  IssuedTokenCheckParams,
  TokenProvider,
  TokenProviderParams,
} from '../../plugin-api/token-contract';
import { verifiedOrFalse } from '../issued-token-check';
import { readCertificateRequest, verifyCertificateRequest, type CsrKeyType } from './csr-request';
import { caKeyProblem, caSigner } from './issuance-ca';
import { SAN_TYPES, subjectAltNames } from './issuance-sans';
import { x509, x509Crypto } from './x509-library';

/** notBefore is backdated this much, for relying parties whose clocks run behind. */
export const CLOCK_SKEW_MS = 60_000;
const SERIAL_BYTES = 16;

const KEY_USAGE: Record<CsrKeyType, number> = {
  // TLS 1.2 RSA key exchange encrypts to the client's key only in the server role, but
  // digitalSignature + keyEncipherment is what client certificates for RSA keys conventionally carry.
  rsa: x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
  ec: x509.KeyUsageFlags.digitalSignature,
  ed25519: x509.KeyUsageFlags.digitalSignature,
};

export class X509IssuanceProvider implements TokenProvider {
  /** The field of validated_token_state / cancelled_token_state carrying an issued certificate (PEM). */
  readonly issuedTokenField = 'x509_certificate';

  checkOutputTokenState(state: Readonly<JsonObject>): void {
    readCertificateRequest(state);
  }

  async createToken({ principal, session, outputTokenState, realm, instance }: TokenProviderParams): Promise<IssuedToken> {
    const config = instance.settings.x509_issuance!;
    const request = readCertificateRequest(outputTokenState);
    await verifyCertificateRequest(request);
    const ca = await caSigner(realm.keys.get(config.ca_key)!);

    // X.509 times have whole seconds: start from one so the validity is exactly what is configured.
    const now = Math.floor(Date.now() / 1000) * 1000;
    if (ca.notAfter.getTime() <= now) {
      throw new ServiceUnavailableError('The certificate authority of this instance has expired.', { code: 'ca_expired' });
    }
    const notBefore = new Date(now - CLOCK_SKEW_MS);
    // Never beyond the CA certificate: a certificate outliving its issuer would fail validation early anyway.
    const notAfter = new Date(Math.min(now + config.certificate_lifetime_minutes * 60_000, ca.notAfter.getTime()));

    const sans = subjectAltNames(config.subject_alt_names, session?.attributes);
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(KEY_USAGE[request.keyType], true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
      await x509.SubjectKeyIdentifierExtension.create(request.csr.publicKey, false, x509Crypto),
      new x509.AuthorityKeyIdentifierExtension(ca.authorityKeyId, false),
      ...(sans.length > 0 ? [new x509.SubjectAlternativeNameExtension(sans, false)] : []),
    ];
    const certificate = await x509.X509CertificateGenerator.create(
      {
        serialNumber: randomSerialNumber(),
        // UTF8String, as RFC 5280 asks; the value is taken literally (no DN-string parsing).
        subject: new x509.Name([{ CN: [{ utf8String: principal }] }]),
        issuer: ca.issuer,
        notBefore,
        notAfter,
        publicKey: request.csr.publicKey,
        signingKey: ca.signingKey,
        signingAlgorithm: ca.signingAlgorithm,
        extensions,
      },
      ca.crypto,
    );
    return {
      token: certificate.toString('pem'),
      expiresAt: certificate.notAfter,
      // The CA's distinguished name and the serial number identify a certificate (RFC 5280 4.1.2.2).
      introspectionClaims: { iss: certificate.issuer, jti: certificate.serialNumber },
    };
  }

  /**
   * The certificate was signed by the instance CA's current key. node checks the signature, as
   * for certificate chains (certificate-chain.ts), with the key imported at load.
   */
  verifyIssuedToken({ token, realm, instance }: IssuedTokenCheckParams): Promise<boolean> {
    return verifiedOrFalse(() => {
      const config = instance.settings.x509_issuance;
      const ca = config && realm.keys.get(config.ca_key);
      if (!ca?.certificate || !ca.publicKey) return false;
      const certificate = new X509Certificate(token);
      return certificate.checkIssued(ca.certificate) && certificate.verify(ca.publicKey);
    });
  }

  async checkConfiguration({ realm, instance }: ConfigurationCheckContext): Promise<ConfigurationProblem[]> {
    const config = instance.settings.x509_issuance;
    if (!config) return [{ path: 'x509_issuance', message: 'missing; X509 output needs an x509_issuance section' }];
    const problems: ConfigurationProblem[] = [];
    const keyProblem = caKeyProblem(config.ca_key, realm);
    if (keyProblem) {
      problems.push({ path: 'x509_issuance.ca_key', message: keyProblem });
    } else {
      // Import the key into WebCrypto now, so a key it refuses fails the load rather than a request.
      await caSigner(realm.keys.get(config.ca_key)!).catch((error: unknown) =>
        problems.push({
          path: 'x509_issuance.ca_key',
          message: `key "${config.ca_key}" cannot be used to sign certificates: ${error instanceof Error ? error.message : String(error)}`,
        }),
      );
    }
    for (const type of Object.keys(config.subject_alt_names)) {
      if (!(SAN_TYPES as readonly string[]).includes(type)) {
        problems.push({
          path: `x509_issuance.subject_alt_names.${type}`,
          message: `unknown SAN type "${type}"; use ${SAN_TYPES.join(', ')}`,
        });
      }
    }
    return problems;
  }
}

/** 16 random bytes, positive (top bit clear) and never zero (RFC 5280 4.1.2.2), as hex. */
function randomSerialNumber(): string {
  for (;;) {
    const serial = randomBytes(SERIAL_BYTES);
    serial[0] &= 0x7f;
    if (serial.some((byte) => byte !== 0)) return serial.toString('hex');
  }
}
