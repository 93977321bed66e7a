/** The JSON bodies of `/rest-sts{P}`, one class per `_action`, checked with class-validator. */
import type { ClassConstructor } from 'class-transformer';
import { IsEmpty, IsNotEmpty, IsObject, IsOptional, IsString, MaxLength, ValidateIf, validateSync } from 'class-validator';
import { InvalidRequestError } from '../errors/sts-errors';
import type { JsonObject } from '../plugin-api/json';

const objectField = (name: string) => ({ message: `${name} is required and must be a JSON object.` });

/**
 * Client authentication in a JSON body, where the instance asks for it (translate with
 * `translate_client_authentication`, cancel with `cancel_requires_client_authentication`): the
 * parameters of RFC 7523 (`private_key_jwt`) and RFC 8705 (`client_id` beside a TLS client
 * certificate). A secret goes in HTTP Basic.
 */
class ClientAuthenticationMembers {
  @IsString({ message: 'client_id must be a string.' })
  @IsOptional()
  client_id?: string;

  @IsString({ message: 'client_assertion_type must be a string.' })
  @IsOptional()
  client_assertion_type?: string;

  @IsString({ message: 'client_assertion must be a string.' })
  @IsOptional()
  client_assertion?: string;
}

export class TranslateBody extends ClientAuthenticationMembers {
  @IsObject(objectField('input_token_state'))
  input_token_state!: JsonObject;

  /** Required unless output_token_states asks for several outputs, or authorization_request for a redirect, instead. */
  @ValidateIf((body: TranslateBody) => body.output_token_states === undefined && body.authorization_request === undefined)
  @IsObject(objectField('output_token_state'))
  output_token_state?: JsonObject;

  /** Several outputs from one validation, by name; its entries are checked by output-token-set.ts. */
  @ValidateIf((body: TranslateBody) => body.output_token_state !== undefined && body.output_token_states !== undefined)
  @IsEmpty({ message: 'Give output_token_state (one token) or output_token_states (several), not both.' })
  output_token_states?: unknown;

  /** An OIDC redirect instead of JSON (src/oidc-redirect/); it decides the outputs itself. */
  @ValidateIf((body: TranslateBody) => body.authorization_request !== undefined && (body.output_token_state !== undefined || body.output_token_states !== undefined))
  @IsEmpty({ message: 'authorization_request decides the outputs (response_type): leave out output_token_state and output_token_states.' })
  authorization_request?: unknown;
}

/** `_action=redirect_error`: an OAuth error to the authorization request's registered redirect URI (oidc-redirect/redirect-error.ts checks the values). */
export class RedirectErrorBody extends ClientAuthenticationMembers {
  @IsObject(objectField('authorization_request'))
  authorization_request!: JsonObject;

  @IsString({ message: 'error is required and must be a string (an OAuth error code such as access_denied).' })
  error!: string;

  @IsOptional()
  error_description?: unknown;

  @IsOptional()
  error_code?: unknown;

  @IsOptional()
  error_reason?: unknown;
}

export class ValidateBody {
  @IsObject(objectField('validated_token_state'))
  validated_token_state!: JsonObject;
}

/** `_action=token_details`: a token this instance issued, its type, and `options` (token-details.ts checks them). */
export class TokenDetailsBody {
  @IsString({ message: 'token_type is required and must be a string.' })
  @MaxLength(64, { message: 'token_type is at most 64 characters.' })
  token_type!: string;

  @IsString({ message: 'token is required and must be a string.' })
  @IsNotEmpty({ message: 'token must not be empty.' })
  token!: string;

  @IsObject({ message: 'options must be a JSON object, e.g. {"errorOnExpiry": false}.' })
  @IsOptional()
  options?: JsonObject;
}

export class CancelBody extends ClientAuthenticationMembers {
  @IsObject(objectField('cancelled_token_state'))
  cancelled_token_state!: JsonObject;
}

/** Checks the top level of a body; token states are checked by their validators and token providers. */
export function parseBody<T extends object>(schema: ClassConstructor<T>, body: unknown): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidRequestError('The request body must be a JSON object.');
  }
  // A shallow copy onto an instance of the schema: class-transformer's plainToInstance walked every
  // nested value (a stack overflow on deeply nested token states, a TypeError on a nested
  // `"constructor": <not a function>` key; both were 500s found by test/property). Token states
  // are checked by their validators and token providers, so only the top level is copied here.
  const source = body as Record<string, unknown>;
  if (Object.prototype.hasOwnProperty.call(source, 'constructor')) throw new InvalidRequestError('Unknown field "constructor".');
  const value = new schema();
  for (const key of Object.keys(source)) {
    Object.defineProperty(value, key, { value: source[key], enumerable: true, writable: true, configurable: true });
  }
  const [first] = validateSync(value, { whitelist: true, forbidNonWhitelisted: true });
  if (first) {
    const message =
      first.constraints?.whitelistValidation !== undefined
        ? `Unknown field "${first.property.slice(0, 64)}".`
        : Object.values(first.constraints ?? {})[0];
    throw new InvalidRequestError(message ?? 'The request body is invalid.');
  }
  return value;
}
