/**
 * Load-time checks of what an instance's IdP metadata publishes, so that `GET /saml2{P}/metadata`
 * never fails on its configuration: the key that signs the metadata, and the certificate of the
 * encryption key it publishes.
 */
import { ConfigProblem, joinPath } from '../realms/config-problem';
import type { LoadedInstance } from '../realms/loaded-instance';
import { SIGNATURE_ALGORITHMS } from '../token-types/saml2/xml-algorithms';
import { xmlSigningKeyProblem } from '../token-types/saml2/xml-signing';
import { publishesIdpMetadata } from './idp-metadata';

export function idpMetadataProblems(instances: readonly LoadedInstance[]): ConfigProblem[] {
  return instances.filter(publishesIdpMetadata).flatMap(problemsOf);
}

function problemsOf(loaded: LoadedInstance): ConfigProblem[] {
  const { name, settings } = loaded.instance;
  const saml2 = settings.saml2!;
  const problems: ConfigProblem[] = [];
  const problem = (message: string, ...path: string[]) => problems.push({ file: loaded.realm.file, path: joinPath('instances', name, ...path), message });

  // An instance that signs its assertions or responses has had its signing key checked for that.
  if (saml2.metadata.sign && !saml2.sign_assertion && !saml2.sign_response) {
    const kid = saml2.signing_key;
    const unusable = kid === undefined ? 'set saml2.signing_key' : xmlSigningKeyProblem(kid, loaded.realm);
    const key = kid === undefined ? undefined : loaded.realm.keys.get(kid);
    const algorithm = saml2.signature_algorithm && SIGNATURE_ALGORITHMS[saml2.signature_algorithm];
    if (unusable) problem(`the metadata is signed with saml2.signing_key: ${unusable}`, 'saml2', 'metadata', 'sign');
    else if (key && algorithm && algorithm.family !== key.family) {
      problem(`${saml2.signature_algorithm} signs with an ${algorithm.family} key, but "${kid}" (which signs the metadata) is ${key.family}`, 'saml2', 'signature_algorithm');
    }
  }

  const decryptionKid = settings.saml2_validation?.decryption_key;
  const decryptionKey = decryptionKid === undefined ? undefined : loaded.realm.keys.get(decryptionKid);
  if (decryptionKey && !decryptionKey.certificate) {
    problem(
      `key "${decryptionKid}" has no certificate, which the identity provider metadata publishes as the encryption key: ` +
        'give it a certificate_file, or use a generated key (which has one)',
      'saml2_validation',
      'decryption_key',
    );
  }
  return problems;
}
