/**
 * The trust anchors, intermediates and CRLs of an `x509_validation:` block, read and checked once
 * when the configuration loads. The X509 validator then looks them up by the (immutable) config
 * object; a reload builds new config objects and so reads the files again.
 */
import { ConfigFileError, readConfigFile } from '../../common/config-file';
import type { ConfigurationProblem } from '../../plugin-api/token-contract';
import type { X509ValidationConfig } from '../../realms/schema/x509-config';
import { CrlLoadError, loadCrls, type LoadedCrl } from './certificate-revocation';
import { CertificateParseError, parseCertificate, pemBlocks, type ParsedCertificate } from './parsed-certificate';

export interface TrustMaterial {
  readonly anchors: readonly ParsedCertificate[];
  readonly intermediates: readonly ParsedCertificate[];
  /** Undefined without `crl_file`. */
  readonly crls: readonly LoadedCrl[] | undefined;
}

const materials = new WeakMap<X509ValidationConfig, TrustMaterial>();

/** What the load-time check prepared for this block; it always ran before a request is served. */
export function trustMaterialFor(config: X509ValidationConfig): TrustMaterial {
  const material = materials.get(config);
  if (!material) throw new Error('x509_validation used before its configuration was checked');
  return material;
}

class TrustFileError extends Error {}

/** One reading per block: X509 input and `tls_client_auth` clients of the same instance share it. */
const preparations = new WeakMap<X509ValidationConfig, Promise<ConfigurationProblem[]>>();

/**
 * Reads the block's files relative to `configDir`; problems carry paths under `path`. A second
 * call for the same block reads nothing again and answers no problems: the first caller reports them.
 */
export function prepareTrustMaterial(config: X509ValidationConfig, configDir: string, path = 'x509_validation'): Promise<ConfigurationProblem[]> {
  const earlier = preparations.get(config);
  if (earlier) return earlier.then(() => []);
  const reading = readTrustMaterial(config, configDir, path);
  preparations.set(config, reading);
  return reading;
}

async function readTrustMaterial(config: X509ValidationConfig, configDir: string, path: string): Promise<ConfigurationProblem[]> {
  const problems: ConfigurationProblem[] = [];
  const attempt = async <T>(key: string, work: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof TrustFileError || error instanceof CrlLoadError)) throw error;
      problems.push({ path: `${path}.${key}`, message: error.message });
      return undefined;
    }
  };

  if (config.client_certificate_header !== undefined && config.trusted_proxies.length === 0) {
    problems.push({
      path: `${path}.trusted_proxies`,
      message: `client_certificate_header is only honoured from trusted proxies; list the proxy addresses that set ${config.client_certificate_header}`,
    });
  }
  if (config.proxy_verifies_chain && config.client_certificate_header === undefined) {
    problems.push({ path: `${path}.client_certificate_header`, message: 'proxy_verifies_chain needs the header your TLS-terminating proxy sets' });
  }
  if (config.trust_anchors_file === undefined && !config.proxy_verifies_chain) {
    problems.push({ path: `${path}.trust_anchors_file`, message: 'missing; name the CAs client certificates must chain to (or set proxy_verifies_chain when a trusted proxy checks them)' });
  }
  if (config.trust_anchors_file === undefined && (config.intermediates_file !== undefined || config.crl_file !== undefined)) {
    problems.push({ path: `${path}.${config.crl_file !== undefined ? 'crl_file' : 'intermediates_file'}`, message: 'needs trust_anchors_file: chains and CRLs are checked against the anchors' });
  }
  if (problems.length > 0) return problems;
  const anchorsFile = config.trust_anchors_file;
  const anchors = anchorsFile === undefined ? [] : await attempt('trust_anchors_file', () => readCertificates(anchorsFile, configDir));
  const intermediates =
    config.intermediates_file === undefined
      ? []
      : await attempt('intermediates_file', async () => {
          const certificates = await readCertificates(config.intermediates_file!, configDir);
          const notCa = certificates.findIndex((certificate) => !certificate.isCa);
          if (notCa >= 0) {
            throw new TrustFileError(
              `${config.intermediates_file}: certificate #${notCa + 1} ("${certificates[notCa].asn.subject}") is not a CA certificate (basicConstraints cA)`,
            );
          }
          return certificates;
        });
  if (!anchors || !intermediates) return problems;
  let crls: LoadedCrl[] | undefined;
  if (config.crl_file !== undefined) {
    const file = config.crl_file;
    crls = await attempt('crl_file', async () => loadCrls(await readTrustFile(file, configDir), file, [...anchors, ...intermediates]));
    if (!crls) return problems;
  }
  if (problems.length === 0) materials.set(config, { anchors, intermediates, crls });
  return problems;
}

async function readTrustFile(file: string, configDir: string): Promise<Buffer> {
  try {
    return await readConfigFile(configDir, file);
  } catch (error) {
    if (!(error instanceof ConfigFileError)) throw error;
    throw new TrustFileError(error.message);
  }
}

async function readCertificates(file: string, configDir: string): Promise<ParsedCertificate[]> {
  const text = (await readTrustFile(file, configDir)).toString('latin1');
  let blocks: Buffer[];
  try {
    blocks = pemBlocks(text, 'CERTIFICATE');
  } catch {
    throw new TrustFileError(`${file} holds a PEM block that is not valid base64`);
  }
  if (blocks.length === 0) throw new TrustFileError(`${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  return blocks.map((der, index) => {
    try {
      return parseCertificate(der);
    } catch (error) {
      if (!(error instanceof CertificateParseError)) throw error;
      throw new TrustFileError(`${file}: certificate #${index + 1} cannot be read as an X.509 certificate`);
    }
  });
}
