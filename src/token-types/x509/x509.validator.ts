/**
 * Input type X509: the client authenticates with its certificate, from mutual TLS to this server
 * or from the header a trusted TLS-terminating proxy sets (`x509_validation:` instance settings).
 * The certificate must chain to a configured trust anchor, be within its validity period, allow
 * TLS client authentication and (with `crl_file`) not be revoked; the principal is read from it
 * per `principal_from`, and its fields are offered to claim and attribute mapping.
 */
import type {
  ConfigurationCheckContext,
  ConfigurationProblem,
  TokenValidationResult,
  TokenValidator,
  TokenValidatorParams,
} from '../../plugin-api/token-contract';
import { checkCaIssuedCertificate } from './ca-issued-certificate';
import { certificateAttributes, principalOf } from './certificate-principal';
import { presentedCertificate } from './client-certificate-source';
import { prepareTrustMaterial } from './trust-material';

export class X509TokenValidator implements TokenValidator {
  /** `input_token_state` is `{"token_type": "X509"}`; the certificate comes with the request, not in the body. */
  validateToken({ instance, request }: TokenValidatorParams): TokenValidationResult {
    // checkConfiguration guarantees the block and its prepared material for instances that accept X509.
    const config = instance.settings.x509_validation!;
    const presented = presentedCertificate(request, config);
    const { leaf } = presented;
    const now = new Date();
    checkCaIssuedCertificate(presented, config, now);
    return {
      principal: principalOf(leaf, config.principal_from),
      session: { authenticatedAt: now, authenticationMethods: ['x509'], attributes: certificateAttributes(leaf) },
    };
  }

  async checkConfiguration({ realm, instance }: ConfigurationCheckContext): Promise<ConfigurationProblem[]> {
    const config = instance.settings.x509_validation;
    if (!config) return [{ path: 'x509_validation', message: 'missing; X509 input needs an x509_validation section' }];
    return prepareTrustMaterial(config, realm.configDir);
  }
}
