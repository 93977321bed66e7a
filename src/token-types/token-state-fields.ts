/** Reads typed fields out of a token state object, refusing wrong types with a 400. */
import { InvalidRequestError } from '../errors/sts-errors';
import type { JsonObject } from '../plugin-api/json';

export function requiredString(state: Readonly<JsonObject>, stateName: string, field: string, maxLength: number): string {
  const value = state[field];
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidRequestError(`${stateName}.${field} is required and must be a non-empty string.`);
  }
  if (value.length > maxLength) {
    throw new InvalidRequestError(`${stateName}.${field} is longer than ${maxLength} characters.`);
  }
  return value;
}

export function optionalString(state: Readonly<JsonObject>, stateName: string, field: string, maxLength: number): string | undefined {
  return state[field] === undefined ? undefined : requiredString(state, stateName, field, maxLength);
}

export function optionalBoolean(state: Readonly<JsonObject>, stateName: string, field: string): boolean | undefined {
  const value = state[field];
  if (value !== undefined && typeof value !== 'boolean') {
    throw new InvalidRequestError(`${stateName}.${field} must be true or false.`);
  }
  return value;
}
