/**
 * PingAM's REST STS instance state (the `instance_state` of its `sts-publish` payloads, as
 * RestSTSInstanceConfig.toJson writes it) mapped onto a realm file's instance keys, and back for
 * GET. The table is the mapping; docs/admin-api.md shows it to users. A key missing from the
 * table, or a value the table cannot carry over, is refused by name: nothing is dropped silently.
 */
import { createHash } from 'node:crypto';
import { InvalidRequestError } from '../../errors/sts-errors';

/** How a PingAM value is read (PingAM writes booleans and numbers as strings). */
type ValueKind = 'string' | 'strings' | 'boolean' | 'integer' | 'string_map';

type Rule =
  /** Written to our key `ours` (a dotted path under the instance). */
  | { readonly kind: 'mapped'; readonly ours: string; readonly value: ValueKind }
  /** Accepted, never written: PingAM state our STS keeps elsewhere (said why in `why`). */
  | { readonly kind: 'not_stored'; readonly why: string }
  /** Accepted only while it asks for nothing (null, or one of `allowed`); anything else is refused with `why`. */
  | { readonly kind: 'unsupported'; readonly why: string; readonly allowed?: readonly unknown[] };

const mapped = (ours: string, value: ValueKind): Rule => ({ kind: 'mapped', ours, value });
const notStored = (why: string): Rule => ({ kind: 'not_stored', why });
const unsupported = (why: string, allowed?: readonly unknown[]): Rule => ({ kind: 'unsupported', why, allowed });

const KEY_MATERIAL = "PingAM's keystore: the realm's `keys` hold the key material, named by the key alias";
const CUSTOM_CLASS = 'a PingAM Java extension class; use a plugin bound in the realm file instead';
const ENCRYPTION_ONLY = 'used only with encryption, which is off';

/** `instance_state.deployment-config` (DeploymentConfig). */
export const DEPLOYMENT_RULES: Readonly<Record<string, Rule>> = {
  'deployment-url-element': mapped('name', 'string'),
  'deployment-realm': mapped('realm', 'string'),
  'deployment-auth-target-mappings': notStored("PingAM's authentication modules: input tokens are validated by the realm's identity store and the instance's validation settings"),
  'deployment-offloaded-two-way-tls-header-key': mapped('x509_validation.client_certificate_header', 'string'),
  'deployment-tls-offload-engine-hosts': mapped('x509_validation.trusted_proxies', 'strings'),
};

/** `instance_state.oidc-id-token-config` (OpenIdConnectTokenConfig). */
export const OIDC_RULES: Readonly<Record<string, Rule>> = {
  'oidc-issuer': mapped('oidc.issuer', 'string'),
  'oidc-token-lifetime-seconds': mapped('oidc.token_lifetime_seconds', 'integer'),
  'oidc-audience': mapped('oidc.audience', 'strings'),
  'oidc-authorized-party': mapped('oidc.authorized_party', 'string'),
  'oidc-signature-algorithm': mapped('oidc.signature_algorithm', 'string'),
  'oidc-signature-key-alias': mapped('oidc.signing_key', 'string'),
  'oidc-claim-map': mapped('oidc.claim_map', 'string_map'),
  'oidc-public-key-reference-type': unsupported('ID tokens name their key by kid in the header (as NONE); an embedded JWK is not offered', ['NONE']),
  'oidc-keystore-location': notStored(KEY_MATERIAL),
  'oidc-keystore-password': notStored(KEY_MATERIAL),
  'oidc-signature-key-password': notStored(KEY_MATERIAL),
  // Read by clientSecretKey below: it becomes a realm key, never a realm file value.
  'oidc-client-secret': mapped('oidc.client_secret', 'string'),
  'oidc-custom-claim-mapper-class': unsupported(CUSTOM_CLASS),
  'oidc-custom-authn-context-mapper-class': unsupported(CUSTOM_CLASS),
  'oidc-custom-authn-method-references-mapper-class': unsupported(CUSTOM_CLASS),
};

/** `instance_state.saml2-config` (SAML2Config). */
export const SAML2_RULES: Readonly<Record<string, Rule>> = {
  'issuer-name': mapped('saml2.issuer', 'string'),
  'saml2-name-id-format': mapped('saml2.name_id_format', 'string'),
  'saml2-token-lifetime-seconds': mapped('saml2.token_lifetime_seconds', 'integer'),
  'saml2-sign-assertion': mapped('saml2.sign_assertion', 'boolean'),
  'saml2-attribute-map': mapped('saml2.attribute_map', 'string_map'),
  'saml2-sp-entity-id': mapped('saml2.sp_entity_id', 'string'),
  'saml2-sp-acs-url': mapped('saml2.sp_acs_url', 'string'),
  'saml2-signature-key-alias': mapped('saml2.signing_key', 'string'),
  'saml2-keystore-filename': notStored(KEY_MATERIAL),
  'saml2-keystore-password': notStored(KEY_MATERIAL),
  'saml2-signature-key-password': notStored(KEY_MATERIAL),
  'saml2-encrypt-assertion': unsupported("encryption needs the SP's certificate, which PingAM takes from its keystore: configure saml2.encryption in the realm file", [false, 'false']),
  'saml2-encrypt-attributes': unsupported("encryption needs the SP's certificate, which PingAM takes from its keystore: configure saml2.encryption in the realm file", [false, 'false']),
  'saml2-encrypt-nameid': unsupported("encryption needs the SP's certificate, which PingAM takes from its keystore: configure saml2.encryption in the realm file", [false, 'false']),
  'saml2-encryption-algorithm': notStored(ENCRYPTION_ONLY),
  'saml2-encryption-algorithm-strength': notStored(ENCRYPTION_ONLY),
  'saml2-encryption-key-alias': notStored(ENCRYPTION_ONLY),
  'saml2-custom-conditions-provider-class-name': unsupported(CUSTOM_CLASS),
  'saml2-custom-subject-provider-class-name': unsupported(CUSTOM_CLASS),
  'saml2-custom-attribute-statements-provider-class-name': unsupported(CUSTOM_CLASS),
  'saml2-custom-attribute-mapper-class-name': unsupported(CUSTOM_CLASS),
  'saml2-custom-authn-context-mapper-class-name': unsupported(CUSTOM_CLASS),
  'saml2-custom-authentication-statements-provider-class-name': unsupported(CUSTOM_CLASS),
  'saml2-custom-authz-decision-statements-provider-class-name': unsupported(CUSTOM_CLASS),
};

/** `supported-token-transforms[]` (TokenTransformConfig). */
export const TRANSFORM_RULES: Readonly<Record<string, Rule>> = {
  inputTokenType: mapped('from', 'string'),
  outputTokenType: mapped('to', 'string'),
  invalidateInterimOpenAMSession: notStored('no interim session is ever created, so there is none to invalidate'),
};

const NESTED: Readonly<Record<string, Readonly<Record<string, Rule>>>> = {
  'deployment-config': DEPLOYMENT_RULES,
  'oidc-id-token-config': OIDC_RULES,
  'saml2-config': SAML2_RULES,
};

/** `instance_state` itself (RestSTSInstanceConfig, STSInstanceConfig). */
export const INSTANCE_RULES: Readonly<Record<string, Rule>> = {
  'persist-issued-tokens-in-cts': mapped('persist_issued_tokens', 'boolean'),
  'custom-token-validators': unsupported(CUSTOM_CLASS, [[]]),
  'custom-token-providers': unsupported(CUSTOM_CLASS, [[]]),
  'custom-token-transforms': unsupported(CUSTOM_CLASS, [[]]),
};

export interface MappedPingAmInstance {
  readonly realm: string;
  readonly name: string;
  /** Our instance keys, as they go into the realm file. */
  readonly settings: Record<string, unknown>;
  /** PingAM keys accepted but not written (key paths such as `saml2-config.saml2-keystore-filename`). */
  readonly notStored: string[];
  /** The HS* ID-token secret (`oidc-client-secret`), stored as the realm key `kid` that `oidc.signing_key` names. */
  readonly secretKey?: PublishedSecretKey;
}

export interface PublishedSecretKey {
  readonly kid: string;
  readonly secret: Buffer;
}

/** Secrets longer than this are refused: a realm key holds at most 16384 bits. */
const MAX_SECRET_BYTES = 2048;

/** The realm key that holds an instance's `oidc-client-secret`: keys are unique across the server, so named by the instance path. */
export function clientSecretKid(realm: string, name: string): string {
  return `pingam-client-secret-${createHash('sha256').update(`${realm}\u0000${name}`).digest('hex').slice(0, 24)}`;
}

/** PingAM's `instance_state` -> our instance. Throws a 400 naming the first key it cannot carry over. */
export function fromPingAmInstanceState(state: unknown): MappedPingAmInstance {
  const top = objectAt(state, 'instance_state');
  const target: Record<string, unknown> = {};
  const notStored: string[] = [];
  for (const [key, value] of Object.entries(top)) {
    if (key === 'supported-token-transforms') {
      target.supported_token_transforms = transformsOf(value, notStored);
    } else if (Object.hasOwn(NESTED, key)) {
      if (value !== null) applyRules(NESTED[key], objectAt(value, key), key, target, notStored);
    } else {
      applyRule(ruleFor(INSTANCE_RULES, key), value, key, target, notStored);
    }
  }
  const { realm, name, ...settings } = target;
  if (typeof realm !== 'string') throw missing('deployment-config.deployment-realm');
  if (typeof name !== 'string') throw missing('deployment-config.deployment-url-element');
  const secretKey = clientSecretKey(settings, realm, name, notStored);
  return { realm, name, settings: withInputSettings(settings), notStored, ...(secretKey && { secretKey }) };
}

/**
 * PingAM signs HS* ID tokens with `oidc-client-secret` (the relying party verifies them with its
 * client secret). Here that secret becomes a realm key the ID tokens are signed with; for any
 * other algorithm PingAM ignores it, and so does this STS.
 */
function clientSecretKey(settings: Record<string, unknown>, realm: string, name: string, notStored: string[]): PublishedSecretKey | undefined {
  const oidc = settings.oidc as Record<string, unknown> | undefined;
  const value = oidc?.client_secret;
  if (oidc === undefined || typeof value !== 'string') return undefined;
  delete oidc.client_secret;
  const where = 'oidc-id-token-config.oidc-client-secret';
  const hashBits = /^HS(256|384|512)$/.exec(String(oidc.signature_algorithm))?.[1];
  if (hashBits === undefined) {
    notStored.push(where);
    return undefined;
  }
  const secret = Buffer.from(value, 'utf8');
  const needed = Number(hashBits) / 8;
  if (secret.length < needed) {
    throw invalidValue(where, `is ${secret.length} bytes long; HS${hashBits} needs a secret of at least ${needed} bytes (RFC 7518 section 3.2), as a shorter one can be guessed and ID tokens forged`);
  }
  if (secret.length > MAX_SECRET_BYTES) throw invalidValue(where, `is longer than ${MAX_SECRET_BYTES} bytes`);
  const kid = clientSecretKid(realm, name);
  oidc.signing_key = kid;
  return { kid, secret };
}

type Transform = Record<string, unknown>;
/** Opens the sessions that PingAM's OPENAM input takes (PingAM opens them at its login). */
const SESSION_LOGIN: Transform = { from: 'USERNAME', to: 'SESSION' };

/**
 * PingAM validates X509, OPENIDCONNECT and OPENAM input in its authentication modules, whose
 * settings are not in the payload; these are the settings that do the same here:
 * - X509 from the TLS offload header: the trusted offload engines checked the chain;
 * - OPENIDCONNECT: the instance's own ID tokens (its issuer, its signing key, its audience);
 * - OPENAM: the instance's sessions, opened by USERNAME -> SESSION (PingAM's login).
 * Anything else PingAM's modules would check is refused by the loader, naming the key.
 */
function withInputSettings(settings: Record<string, unknown>): Record<string, unknown> {
  const transforms = (settings.supported_token_transforms ?? []) as Transform[];
  const inputs = new Set(transforms.map((t) => t.from));
  const derived: Record<string, unknown> = { ...settings };
  const x509 = settings.x509_validation as Record<string, unknown> | undefined;
  if (inputs.has('X509') && x509?.client_certificate_header !== undefined) derived.x509_validation = { ...x509, proxy_verifies_chain: true };
  const oidc = settings.oidc as Record<string, unknown> | undefined;
  if (inputs.has('OPENIDCONNECT') && oidc?.issuer !== undefined && oidc.signing_key !== undefined && oidc.signature_algorithm !== undefined) {
    derived.oidc_validation = {
      trusted_issuers: [{ issuer: oidc.issuer, realm_key: oidc.signing_key, algorithms: [oidc.signature_algorithm], audiences: oidc.audience }],
    };
  }
  if (inputs.has('OPENAM')) {
    derived.session = { form: 'opaque' };
    if (!transforms.some(isSessionLogin)) derived.supported_token_transforms = [...transforms, SESSION_LOGIN];
  }
  return derived;
}

const isSessionLogin = (t: Transform) => t.from === SESSION_LOGIN.from && t.to === SESSION_LOGIN.to;

/** Our stored instance -> PingAM's `instance_state` shape (what RestSTSInstanceConfig.fromJson reads). Keys without a PingAM spelling are left out. */
export function toPingAmInstanceState(realm: string, name: string, settings: Record<string, unknown>): Record<string, unknown> {
  const ours: Record<string, unknown> = { ...settings, realm, name };
  const state: Record<string, unknown> = {};
  for (const [section, rules] of Object.entries(NESTED)) {
    const nested = reverseRules(rules, ours);
    if (Object.keys(nested).length > 0) state[section] = nested;
  }
  Object.assign(state, reverseRules(INSTANCE_RULES, ours));
  let transforms = Array.isArray(settings.supported_token_transforms) ? (settings.supported_token_transforms as Transform[]) : [];
  // The session login the mapping adds for OPENAM input is not one of PingAM's transforms.
  if (transforms.some((t) => t.from === 'OPENAM')) transforms = transforms.filter((t) => !isSessionLogin(t));
  state['supported-token-transforms'] = transforms.map((t) => ({ inputTokenType: t.from, outputTokenType: t.to, invalidateInterimOpenAMSession: false }));
  return state;
}

function transformsOf(value: unknown, notStored: string[]): Array<Record<string, unknown>> {
  if (!Array.isArray(value)) throw invalidValue('supported-token-transforms', 'must be an array of {inputTokenType, outputTokenType, invalidateInterimOpenAMSession}');
  return value.map((entry, index) => {
    const where = `supported-token-transforms.${index}`;
    const transform: Record<string, unknown> = {};
    applyRules(TRANSFORM_RULES, objectAt(entry, where), where, transform, notStored);
    return transform;
  });
}

function applyRules(rules: Readonly<Record<string, Rule>>, source: Record<string, unknown>, where: string, target: Record<string, unknown>, notStored: string[]): void {
  for (const [key, value] of Object.entries(source)) applyRule(ruleFor(rules, key), value, `${where}.${key}`, target, notStored);
}

/** Own keys only: a client's `__proto__` or `toString` is an unknown key, not a rule. */
function ruleFor(rules: Readonly<Record<string, Rule>>, key: string): Rule | undefined {
  return Object.hasOwn(rules, key) ? rules[key] : undefined;
}

function applyRule(rule: Rule | undefined, value: unknown, where: string, target: Record<string, unknown>, notStored: string[]): void {
  if (rule === undefined) {
    throw new InvalidRequestError(`${shown(where)} is not a PingAM REST STS key this STS can map; see the PingAM mapping table of the admin API.`, { code: 'pingam_key_unknown' });
  }
  if (rule.kind === 'not_stored') {
    // Reported only when it asks for something: PingAM writes false and null for what is off.
    if (value !== null && value !== undefined && value !== false && value !== 'false') notStored.push(where);
    return;
  }
  if (rule.kind === 'unsupported') {
    if (value === null || value === undefined || rule.allowed?.some((allowed) => JSON.stringify(allowed) === JSON.stringify(value))) return;
    throw new InvalidRequestError(`${shown(where)} cannot be carried over: ${rule.why}.`, { code: 'pingam_key_unsupported' });
  }
  if (value === null || value === undefined) return; // PingAM writes unset fields as null
  setPath(target, rule.ours, readValue(rule.value, value, where));
}

function readValue(kind: ValueKind, value: unknown, where: string): unknown {
  switch (kind) {
    case 'string':
      if (typeof value === 'string') return value;
      throw invalidValue(where, 'must be a string');
    case 'strings':
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return [...value];
      throw invalidValue(where, 'must be an array of strings');
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      throw invalidValue(where, 'must be true or false (or "true" / "false")');
    case 'integer':
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      if (typeof value === 'string' && /^\d{1,10}$/.test(value)) return Number(value);
      throw invalidValue(where, 'must be a whole number (or one written as a string)');
    case 'string_map':
      if (isObject(value) && Object.values(value).every((v) => typeof v === 'string')) return { ...value };
      throw invalidValue(where, 'must be an object of string values');
  }
}

function reverseRules(rules: Readonly<Record<string, Rule>>, ours: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, rule] of Object.entries(rules)) {
    if (rule.kind !== 'mapped') continue;
    const value = getPath(ours, rule.ours);
    if (value === undefined) continue;
    // PingAM writes booleans and numbers as strings; its fromJson reads them so.
    out[key] = rule.value === 'boolean' || rule.value === 'integer' ? String(value) : value;
  }
  return out;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
  node[parts[parts.length - 1]] = value;
}

function getPath(source: Record<string, unknown>, path: string): unknown {
  let node: unknown = source;
  for (const part of path.split('.')) node = isObject(node) ? node[part] : undefined;
  return node;
}

function objectAt(value: unknown, where: string): Record<string, unknown> {
  if (isObject(value)) return value;
  throw invalidValue(where, 'must be a JSON object');
}

function missing(where: string): InvalidRequestError {
  return new InvalidRequestError(`${where} is required: it names the instance.`, { code: 'pingam_key_missing' });
}

function invalidValue(where: string, why: string): InvalidRequestError {
  return new InvalidRequestError(`${shown(where)} ${why}.`, { code: 'pingam_value_invalid' });
}

/** Keys come from the client: shown shortened so a message stays readable. */
function shown(where: string): string {
  return where.length > 160 ? `${where.slice(0, 160)}...` : where;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
