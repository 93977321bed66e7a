/** The JSON bodies of `/rest-sts{P}`, one class per `_action`, described with class-validator's decorators. */
import type { ClassConstructor } from 'class-transformer';
import { getMetadataStorage, IsEmpty, IsNotEmpty, IsObject, IsOptional, IsString, MaxLength, ValidateIf, ValidationTypes } from 'class-validator';
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

/**
 * Checks the top level of a body against a class above; token states are checked by their
 * validators and token providers. The class's decorators are read once into a plain checker
 * (compiledSchema): running class-validator per request cost more than the rest of a custom
 * translate. Answers the body itself (a fresh object from the JSON parser).
 */
export function parseBody<T extends object>(schema: ClassConstructor<T>, body: unknown): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidRequestError('The request body must be a JSON object.');
  }
  const source = body as Record<string, unknown>;
  if (Object.hasOwn(source, 'constructor')) throw new InvalidRequestError('Unknown field "constructor".');
  const problem = compiledSchema(schema)(source);
  if (problem !== undefined) throw new InvalidRequestError(problem);
  return source as T;
}

type BodyCheck = (body: Record<string, unknown>) => string | undefined;

const compiled = new WeakMap<ClassConstructor<object>, BodyCheck>();

function compiledSchema(schema: ClassConstructor<object>): BodyCheck {
  let check = compiled.get(schema);
  if (!check) compiled.set(schema, (check = compileSchema(schema)));
  return check;
}

/**
 * What validateSync(instance, { whitelist: true, forbidNonWhitelisted: true }) reports first, as
 * its message: the first unknown field in body order; else, property by property in
 * class-validator's order (the class's own, then inherited), skipped when an @IsOptional or
 * @ValidateIf condition is false, the first failing constraint (decorators run bottom-up).
 * Only what these bodies use is supported (fixed string messages, no `each`, no nesting).
 */
function compileSchema(schema: ClassConstructor<object>): BodyCheck {
  const storage = getMetadataStorage();
  const grouped = storage.groupByPropertyName(storage.getTargetValidationMetadatas(schema, '', false, false, undefined));
  const properties = Object.entries(grouped).map(([property, metadatas]) => {
    const conditions: Array<(body: object, value: unknown) => boolean> = [];
    const constraints: Array<{ valid(value: unknown, body: object): boolean; message: string }> = [];
    for (const metadata of metadatas) {
      if (metadata.type === ValidationTypes.CONDITIONAL_VALIDATION) {
        conditions.push(metadata.constraints[0] as (body: object, value: unknown) => boolean);
      } else if (metadata.type === ValidationTypes.CUSTOM_VALIDATION && !metadata.each && !metadata.validateIf) {
        const message = metadata.message;
        if (typeof message !== 'string' || message.includes('$')) throw new Error(`${schema.name}.${property}: request body checks need a fixed message`);
        for (const constraint of storage.getTargetValidatorConstraints(metadata.constraintCls)) {
          if (constraint.async) throw new Error(`${schema.name}.${property}: request body checks must be synchronous`);
          const { instance } = constraint;
          const { constraints: args } = metadata;
          constraints.push({
            valid: (value, body) => instance.validate(value, { targetName: schema.name, property, object: body, value, constraints: args }) as boolean,
            message,
          });
        }
      } else if (metadata.type !== ValidationTypes.WHITELIST) {
        throw new Error(`${schema.name}.${property}: unsupported request body check ${metadata.type}`);
      }
    }
    return { property, conditions, constraints };
  });
  const known = new Set(Object.keys(grouped));
  return (body) => {
    for (const key of Object.keys(body)) {
      if (!known.has(key)) return `Unknown field "${key.slice(0, 64)}".`;
    }
    properties: for (const { property, conditions, constraints } of properties) {
      const value = Object.hasOwn(body, property) ? body[property] : undefined;
      for (const condition of conditions) if (!condition(body, value)) continue properties;
      for (const { valid, message } of constraints) if (!valid(value, body)) return message;
    }
    return undefined;
  };
}
