/**
 * The token validator / token provider contract. Built-in token types (USERNAME, OPENIDCONNECT,
 * ...) and plugins implement exactly these interfaces; the dispatcher knows nothing else.
 * Modelled on PingAM's RestTokenTransformValidator / RestTokenProvider.
 *
 * One instance of each validator and token provider serves every concurrent request: keep no
 * per-request state on `this`.
 */
import type { JsonObject, JsonValue } from './json';
import type { RealmKey } from '../keys/loaded-key';
import type { InstanceSettings, RealmSettings } from './settings';

export type { RealmKey };

/** Bumped on a breaking change; plugin manifests declare the version they were built for. */
export const STS_CONTRACT_VERSION = '1.1';

/** What a validator established about the caller (PingAM's SSO token). */
export interface PrincipalSession {
  /** When the principal originally authenticated; becomes the ID token's auth_time. */
  readonly authenticatedAt: Date;
  /** How the principal authenticated, as RFC 8176 `amr` values (`pwd`, `x509`, ...). */
  readonly authenticationMethods: readonly string[];
  /**
   * The authentication context class the input vouched for, as verified: an input JWT's `acr`, a
   * SAML assertion's AuthnContextClassRef (contract 1.1; optional). Becomes the ID token's `acr`.
   */
  readonly acr?: string;
  /** Identity attributes or input-token claims, available to claim and attribute mapping. */
  readonly attributes: Readonly<Record<string, JsonValue>>;
  /**
   * The STS session the input was (SESSION or OPENAM input): its key in the token store, so the
   * tokens issued from it are recorded as such and a logout can cancel them. Optional; set by the
   * built-in session validator.
   */
  readonly sessionId?: string;
}

/** An identity the realm's identity store vouched for. */
export interface AuthenticatedIdentity {
  readonly username: string;
  readonly attributes: Readonly<Record<string, JsonValue>>;
}

/** The realm's user directory (file today, LDAP later). */
export interface IdentityStore {
  /** Resolves the identity, or null for a wrong password and an unknown user alike. */
  authenticate(username: string, password: string): Promise<AuthenticatedIdentity | null>;
  /** The user's current attributes without a password (session details), or null when unknown; optional. */
  lookup?(username: string): Promise<AuthenticatedIdentity | null>;
}

/** The realm's keys, imported once at load and never re-parsed per request. */
export interface RealmKeyResolver {
  /** The key with this kid, or undefined. */
  get(kid: string): RealmKey | undefined;
}

export interface StsRealmContext {
  /** `/`, `/eu`, `/eu/fr` */
  readonly path: string;
  /** Relative file names in the configuration are resolved against this directory. */
  readonly configDir: string;
  readonly settings: RealmSettings;
  readonly identityStore: IdentityStore | undefined;
  readonly keys: RealmKeyResolver;
}

export interface StsInstanceContext {
  readonly name: string;
  /** Instance path as used in URLs: `/default`, `/eu/fr/partners`. */
  readonly path: string;
  readonly settings: InstanceSettings;
}

/** Facts about the HTTP request that some token types need (X.509 from TLS or a proxy header). */
export interface StsRequestContext {
  /** The TCP peer (a proxy, when there is one). */
  readonly remoteAddress: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /**
   * The request's headers as received, `[name, value, name, value, ...]`, names in their original
   * case (contract 1.1; absent in older STS builds): tells a header sent twice, which `headers`
   * shows joined with ", ", from one sent once.
   */
  readonly rawHeaders?: readonly string[];
  /**
   * The mutual-TLS client's certificate chain as DER, leaf first (the TLS stack may complete it
   * with CAs from STS_TLS_CLIENT_CA_FILE); empty without mutual TLS.
   */
  readonly clientCertificateChain: readonly Buffer[];
  /** The request id the STS logs and answers in `X-Request-Id` (contract 1.1; absent in older STS builds). */
  readonly requestId?: string;
}

/**
 * The replay cache for inputs that must be used once (SAML assertion IDs, JWT `jti`). It lives in
 * the token store and is shared by the whole deployment: every instance of every realm, on every
 * node sharing the store, so an input spent at one instance is a replay at all others. Entries
 * are kept per kind of input (JWTs, whether presented as OPENIDCONNECT or JWT; SAML2; each plugin
 * type), so make `id` unique within that kind: include the issuer.
 */
export interface ReplayGuard {
  /**
   * True the first time `id` is presented before `expiresAt`, false for a replay. Rejects with a
   * 503 StsError when the store is down: let it propagate.
   */
  firstUse(id: string, expiresAt: Date): Promise<boolean>;
}

export interface TokenValidatorParams {
  readonly inputTokenType: string;
  /** The whole `input_token_state` object, `token_type` included. */
  readonly inputTokenState: Readonly<JsonObject>;
  readonly realm: StsRealmContext;
  readonly instance: StsInstanceContext;
  readonly request: StsRequestContext;
  readonly replayGuard: ReplayGuard;
}

export interface TokenValidationResult {
  /** The validated principal; must be a non-empty string. */
  readonly principal: string;
  /**
   * Who vouched for the input, as verified: a JWT's `iss` after its signature check, a SAML
   * assertion's signed `Issuer` (contract 1.1; optional). Token exchange matches `may_act` and
   * writes `act.iss` from this alone, never from `session.attributes`. Leave it out when the
   * input has no verified issuer.
   */
  readonly issuer?: string;
  readonly session?: PrincipalSession;
  /** Extra state handed unchanged to the token provider. */
  readonly additionalState?: JsonValue;
}

export interface TokenValidator {
  /** Throw an StsError (InvalidTokenError, InvalidRequestError, ...) to reject the input. */
  validateToken(params: TokenValidatorParams): Promise<TokenValidationResult> | TokenValidationResult;
  /** Optional load-time check of the instance configuration this validator relies on. */
  checkConfiguration?(context: ConfigurationCheckContext): ConfigurationProblem[] | Promise<ConfigurationProblem[]>;
}

export interface TokenProviderParams {
  readonly principal: string;
  readonly session: PrincipalSession | undefined;
  readonly additionalState: JsonValue | undefined;
  readonly inputTokenType: string;
  readonly inputTokenState: Readonly<JsonObject>;
  readonly outputTokenType: string;
  /** The whole `output_token_state` object, `token_type` included. */
  readonly outputTokenState: Readonly<JsonObject>;
  readonly realm: StsRealmContext;
  readonly instance: StsInstanceContext;
  /**
   * Set only by the token endpoint (`POST /oauth2{P}/token`, RFC 8693), never from a request's
   * `output_token_state`: what the exchange decided the issued token carries.
   */
  readonly exchange?: TokenExchangeContext;
  /**
   * The OAuth client this request authenticated (the token endpoint always; translate where the
   * instance authenticates clients); absent otherwise. Never taken from a token state.
   */
  readonly client?: AuthenticatedClient;
  /**
   * The access token issued beside this token in the same translate (several outputs at once);
   * absent otherwise. An ID token provider binds it with `at_hash` (OpenID Connect Core 3.1.3.6).
   */
  readonly accessToken?: string;
}

/** An OAuth client the STS authenticated for this request. */
export interface AuthenticatedClient {
  /** Its `client_id` in the instance's `oauth_clients`. */
  readonly id: string;
  /**
   * base64url SHA-256 of the DER of the certificate it authenticated with over mutual TLS
   * (RFC 8705); a bound access token carries it as `cnf: {"x5t#S256": ...}`.
   */
  readonly certificateThumbprint?: string;
}

/** What an RFC 8693 token exchange asks of the token provider. */
export interface TokenExchangeContext {
  /** The authenticated client the token is issued to (an access token's `client_id`). */
  readonly clientId?: string;
  /**
   * For access tokens: the scopes granted, within the instance's `allowed_scopes` and the subject
   * token's own scope; replaces any scope of `output_token_state`.
   */
  readonly scope?: readonly string[];
  /** The audiences the client narrowed to, all within the instance's configured ones; replaces them. */
  readonly audience?: readonly string[];
  /** The RFC 8693 section 4.1 `act` claim for delegation: `{sub, iss?, act?}`. */
  readonly actor?: JsonObject;
}

/** What a token provider may return instead of the bare token string (contract 1.1). */
export interface IssuedToken {
  /** The token as a string (base64 when binary). */
  readonly token: string;
  /**
   * When the token stops being valid. A persisting instance keeps its record until then; without
   * it the record lives for the server's default lifetime (`token_store.default_token_lifetime_seconds`).
   */
  readonly expiresAt?: Date;
  /**
   * RFC 7662 members an introspection answer may show for this token: iss, aud, scope,
   * client_id, jti, nbf, token_type. `active`, `sub`, `username`, `iat` and `exp` are set by the STS.
   */
  readonly introspectionClaims?: Readonly<Record<string, JsonValue>>;
}

/** A token this STS issued, handed back to the token provider that made it. */
export interface IssuedTokenCheckParams {
  readonly token: string;
  readonly tokenType: string;
  readonly realm: StsRealmContext;
  readonly instance: StsInstanceContext;
}

export interface TokenProvider {
  /** Returns the token as a string (base64 when binary), or an IssuedToken with its expiry. */
  createToken(params: TokenProviderParams): Promise<string | IssuedToken> | string | IssuedToken;
  /**
   * The field of `validated_token_state` / `cancelled_token_state` that carries a token of this
   * type (PingAM: `oidc_id_token`, `saml2_token`). Default: `token`.
   */
  readonly issuedTokenField?: string;
  /**
   * Optional check, for `_action=validate` and introspection, of a token the store still lists as
   * issued by this instance: does it still verify with the instance's current keys? Return false
   * when not (a signing key was removed); the token then counts as invalid. Return false, never
   * throw, for a malformed or foreign token; throw only StsErrors, for real faults.
   */
  verifyIssuedToken?(params: IssuedTokenCheckParams): Promise<boolean> | boolean;
  /**
   * Optional cheap check of `output_token_state`, run before the input is validated so a bad
   * request costs no password hash or signature check. Throw InvalidRequestError to refuse.
   */
  checkOutputTokenState?(outputTokenState: Readonly<JsonObject>, instance: StsInstanceContext): void;
  /**
   * Optional load-time check of the instance configuration this token provider relies on. It may
   * also prepare what it needs (read a partner key file); the instance is served only if it passes.
   */
  checkConfiguration?(context: ConfigurationCheckContext): ConfigurationProblem[] | Promise<ConfigurationProblem[]>;
}

export interface ConfigurationCheckContext {
  readonly realm: StsRealmContext;
  readonly instance: StsInstanceContext;
}

/** A configuration mistake; `path` is relative to the instance (`oidc.signing_key`). */
export interface ConfigurationProblem {
  readonly path: string;
  readonly message: string;
}

/** What a plugin module exports (and how built-in token types register). */
export interface StsPluginManifest {
  readonly name: string;
  readonly contractVersion: string;
  readonly validators?: Readonly<Record<string, TokenValidator>>;
  readonly providers?: Readonly<Record<string, TokenProvider>>;
  /**
   * True for a plugin that is a demonstration, not a secure token format: with
   * NODE_ENV=production an instance bound to it is refused at load, and it serves no request.
   */
  readonly demoOnly?: boolean;
}
