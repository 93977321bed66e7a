import { IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, Min, MinLength, ValidateIf } from 'class-validator';
import { JWS_ALGORITHM_NAMES, type JwsAlgorithmName } from '../../keys/jws-algorithms';
import { toStringArray } from './encryption-config';

export const SESSION_FORMS = ['jwt', 'opaque'] as const;
export type SessionForm = (typeof SESSION_FORMS)[number];

/**
 * Output and input type SESSION (and PingAM's OPENAM): the STS's own session. Either form is
 * recorded in the token store, which alone decides whether a session is alive.
 */
export class SessionConfig {
  /** `jwt`: a signed JWT with `usage: "session"`; `opaque`: a random reference. */
  @IsIn(SESSION_FORMS, { message: `form must be one of: ${SESSION_FORMS.join(', ')}` })
  @IsOptional()
  form: SessionForm = 'jwt';

  /** `iss` of the JWT form; default the instance's `oidc.issuer` (one of the two is needed for jwt, checked at load). */
  @MinLength(1)
  @IsString()
  @IsOptional()
  issuer?: string;

  /** `aud` of the JWT form; none by default. */
  @IsString({ each: true })
  @IsArray()
  @toStringArray
  @IsOptional()
  audience: string[] = [];

  /** Needed for the jwt form. */
  @IsIn(JWS_ALGORITHM_NAMES, { message: `signature_algorithm must be one of: ${JWS_ALGORITHM_NAMES.join(', ')}` })
  @ValidateIf((config: SessionConfig) => config.form === 'jwt' || config.signature_algorithm !== undefined)
  signature_algorithm?: JwsAlgorithmName;

  /** kid of a realm key with `use: sig` (or a rotating key's name); needed for the jwt form. */
  @IsString()
  @ValidateIf((config: SessionConfig) => config.form === 'jwt' || config.signing_key !== undefined)
  signing_key?: string;

  /** A session not used for this long ends. */
  @Max(30 * 86400)
  @Min(1)
  @IsInt()
  @IsOptional()
  idle_timeout_seconds: number = 1800;

  /** A session ends this long after login, however much it is used; at least idle_timeout_seconds (checked at load). */
  @Max(365 * 86400)
  @Min(1)
  @IsInt()
  @IsOptional()
  max_lifetime_seconds: number = 28800;

  /** Claim names a request may set through `output_token_state.claims`; none by default. */
  @IsString({ each: true })
  @IsArray()
  @IsOptional()
  allowed_claims: string[] = [];

  /** true: a logout also cancels the tokens issued from the session (needs persist_issued_tokens). */
  @IsBoolean()
  @IsOptional()
  cancel_issued_tokens_on_logout: boolean = false;
}
