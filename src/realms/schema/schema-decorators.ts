/** Small class-validator decorators the realm schema needs and class-validator lacks. */
import { Matches, registerDecorator, ValidationOptions } from 'class-validator';

/** A plain object whose values are all non-empty strings (claim maps, plugin bindings). */
export function IsStringRecord(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isStringRecord',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: '$property must map names to non-empty strings', ...options },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.values(value).every((v) => typeof v === 'string' && v.length > 0),
      },
    });
}

/** The name of an environment variable: secrets are named in YAML, their values read from the environment. */
export function IsEnvName(message = '$property must be an environment variable name'): PropertyDecorator {
  return Matches(/^[A-Za-z_][A-Za-z0-9_]*$/, { message });
}

/** Refuses a key that must never appear, with a message that says what to do instead. */
export function IsAbsent(message: string): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isAbsent',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message },
      validator: { validate: (value: unknown) => value === undefined },
    });
}

const ENTRIES = Symbol('rest-sts.schema-entries');

export interface EntriesSchema {
  readonly schema: () => Function;
  /** How a free name is shown in key paths: `<name>` in `instances.<name>.oidc`. */
  readonly placeholder: string;
}

/**
 * A map of free names to entries of one schema (`instances: {<name>: InstanceConfig}`), which
 * class-validator cannot type and the loader validates entry by entry. Recorded so the index of
 * where each key belongs (schema-keys.ts) can follow it.
 */
export function EntriesOf(schema: () => Function, placeholder: string): PropertyDecorator {
  return (target, propertyName) => Reflect.defineMetadata(ENTRIES, { schema, placeholder }, target, propertyName);
}

export function entriesOf(schema: Function, propertyName: string): EntriesSchema | undefined {
  return Reflect.getMetadata(ENTRIES, schema.prototype, propertyName) as EntriesSchema | undefined;
}
