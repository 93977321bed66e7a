/** The JSON bodies of `/rest-sts{P}`, one class per `_action`, checked with class-validator. */
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { IsObject, validateSync } from 'class-validator';
import { InvalidRequestError } from '../errors/sts-errors';
import type { JsonObject } from '../plugin-api/json';

const objectField = (name: string) => ({ message: `${name} is required and must be a JSON object.` });

export class TranslateBody {
  @IsObject(objectField('input_token_state'))
  input_token_state!: JsonObject;

  @IsObject(objectField('output_token_state'))
  output_token_state!: JsonObject;
}

export class ValidateBody {
  @IsObject(objectField('validated_token_state'))
  validated_token_state!: JsonObject;
}

export class CancelBody {
  @IsObject(objectField('cancelled_token_state'))
  cancelled_token_state!: JsonObject;
}

/** Checks the top level of a body; token states are checked by their validators and token providers. */
export function parseBody<T extends object>(schema: ClassConstructor<T>, body: unknown): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidRequestError('The request body must be a JSON object.');
  }
  const value = plainToInstance(schema, body);
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
