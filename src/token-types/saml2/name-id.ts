/**
 * The Subject's NameID: its value (the principal, an identity attribute, or a pairwise persistent
 * identifier), its Format and its qualifiers.
 *
 * A pairwise identifier is HMAC-SHA256, keyed by a realm secret, over a label, the SP's entity ID
 * and the principal, base64url: the same for one principal at one SP on every request, unrelated
 * between SPs, and not reversible to the principal without the secret.
 */
import { createHmac } from 'node:crypto';
import { InvalidRequestError } from '../../errors/sts-errors';
import type { JsonValue } from '../../plugin-api/json';
import type { ConfigurationProblem, RealmKey, RealmKeyResolver } from '../../plugin-api/token-contract';
import type { Saml2Config } from '../../realms/schema/saml2-config';
import { NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_UNSPECIFIED } from './assertion-namespaces';
import type { ServiceProvider } from './service-provider';
import { isXmlText } from './xml-names';

/** HMAC-SHA256 keys shorter than its output would weaken it (RFC 2104 section 3). */
const MIN_PAIRWISE_SECRET_BYTES = 32;
/** Separates these identifiers from anything else the same secret might ever be used for. */
const PAIRWISE_LABEL = 'rest-sts saml2 pairwise NameID';

export interface NameId {
  readonly value: string;
  readonly format: string;
  readonly nameQualifier?: string;
  readonly spNameQualifier?: string;
}

/** The NameID Format this instance issues to `sp`, before any AuthnRequest asks. */
export function effectiveNameIdFormat(config: Saml2Config, sp: Pick<ServiceProvider, 'nameIdFormats'>): string {
  if (config.name_id?.pairwise_key !== undefined) return NAMEID_FORMAT_PERSISTENT;
  return config.name_id_format ?? sp.nameIdFormats[0] ?? NAMEID_FORMAT_UNSPECIFIED;
}

export function nameIdProblems(config: Saml2Config, realm: { readonly path: string; readonly keys: RealmKeyResolver }): ConfigurationProblem[] {
  const problems: ConfigurationProblem[] = [];
  const nameId = config.name_id;
  if (!nameId) return problems;
  for (const field of ['name_qualifier', 'sp_name_qualifier'] as const) {
    const value = nameId[field];
    if (value !== undefined && (value.length === 0 || !isXmlText(value))) {
      problems.push({ path: `saml2.name_id.${field}`, message: 'must be a non-empty string of XML characters' });
    }
  }
  if (nameId.attribute !== undefined && nameId.attribute.length === 0) problems.push({ path: 'saml2.name_id.attribute', message: 'names no identity attribute' });
  if (nameId.pairwise_key !== undefined) {
    const problem = pairwiseKeyProblem(nameId.pairwise_key, realm);
    if (problem) problems.push({ path: 'saml2.name_id.pairwise_key', message: problem });
    if (nameId.attribute !== undefined) {
      problems.push({ path: 'saml2.name_id.attribute', message: 'a pairwise NameID is derived from the principal; set attribute or pairwise_key, not both' });
    }
    if (config.name_id_format !== undefined && config.name_id_format !== NAMEID_FORMAT_PERSISTENT) {
      problems.push({ path: 'saml2.name_id_format', message: `a pairwise NameID has the persistent format (${NAMEID_FORMAT_PERSISTENT}); remove name_id_format or set it to that` });
    }
  }
  return problems;
}

function pairwiseKeyProblem(kid: string, realm: { readonly path: string; readonly keys: RealmKeyResolver }): string | undefined {
  const key = realm.keys.get(kid);
  if (!key) return `no key "${kid}" in realm ${realm.path}`;
  if (key.family !== 'oct') return `key "${kid}" is a ${key.family} key; a pairwise NameID is keyed by a secret (an oct key)`;
  // A rotating key's name resolves to whichever version is active: the identifiers would change.
  if (key.kid !== kid) return `key "${kid}" rotates; every pairwise NameID would change with each version, so name a key that does not rotate`;
  if (key.retiredAt) return `key "${kid}" is retired (retired_at); every pairwise NameID would change with a new key`;
  if ((key.secretBytes ?? 0) < MIN_PAIRWISE_SECRET_BYTES) {
    return `key "${kid}" has ${key.secretBytes ?? 0} bytes; a pairwise NameID needs a secret of at least ${MIN_PAIRWISE_SECRET_BYTES} bytes (256 bits)`;
  }
  return undefined;
}

/** The pairwise persistent identifier of `principal` at the SP `spEntityId`. */
export function pairwiseNameId(key: RealmKey, spEntityId: string, principal: string): string {
  return createHmac('sha256', key.privateKey!).update(JSON.stringify([PAIRWISE_LABEL, spEntityId, principal]), 'utf8').digest('base64url');
}

export interface NameIdInput {
  readonly config: Saml2Config;
  readonly sp: ServiceProvider;
  readonly keys: RealmKeyResolver;
  readonly principal: string;
  readonly identity: Readonly<Record<string, JsonValue>> | undefined;
  /** The AuthnRequest's NameIDPolicy Format, when it names one. */
  readonly requestedFormat?: string;
}

export function resolveNameId({ config, sp, keys, principal, identity, requestedFormat }: NameIdInput): NameId {
  const format = effectiveNameIdFormat(config, sp);
  if (requestedFormat !== undefined && requestedFormat !== NAMEID_FORMAT_UNSPECIFIED && requestedFormat !== format) {
    throw new InvalidRequestError(`The AuthnRequest asks for a NameID in ${requestedFormat}; this instance issues ${format}.`, {
      code: 'invalid_name_id_policy',
    });
  }
  const settings = config.name_id;
  let value: string;
  if (settings?.pairwise_key !== undefined) value = pairwiseNameId(keys.get(settings.pairwise_key)!, sp.entityId, principal);
  else if (settings?.attribute !== undefined) value = attributeValue(settings.attribute, identity);
  else value = principal;
  return {
    value,
    format,
    ...(settings?.name_qualifier !== undefined && { nameQualifier: settings.name_qualifier }),
    ...(settings?.sp_name_qualifier !== undefined && { spNameQualifier: settings.sp_name_qualifier }),
  };
}

/** The one value of the identity attribute `name`, as text. */
function attributeValue(name: string, identity: Readonly<Record<string, JsonValue>> | undefined): string {
  const raw = identity && Object.hasOwn(identity, name) ? identity[name] : undefined;
  const values = (Array.isArray(raw) ? raw : [raw]).filter((value) => value !== undefined && value !== null && value !== '');
  if (values.length === 0) {
    throw new InvalidRequestError(`The NameID comes from the identity attribute "${name}", which this principal does not have.`, {
      code: 'name_id_attribute_missing',
    });
  }
  const [value] = values;
  if (values.length > 1 || (typeof value !== 'string' && typeof value !== 'number') || !isXmlText(String(value))) {
    throw new InvalidRequestError(`The identity attribute "${name}" cannot be the NameID: it must have exactly one text value.`, {
      code: 'name_id_attribute_unusable',
    });
  }
  return String(value);
}
