/**
 * Which keys a schema class accepts, and where in a file each key belongs, read from the schema's
 * own metadata: class-validator's (whitelisting accepts exactly the decorated properties),
 * class-transformer's @Type for nested schemas, and @EntriesOf for maps of named entries.
 */
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, ValidationTypes } from 'class-validator';
import { entriesOf } from './schema/schema-decorators';

type Schema = Function;

/** Accepted keys; keys that exist only to be refused (@IsAbsent: `password`) are left out. */
export function schemaKeys(schema: Schema): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(schema, '', true, false);
  const refused = new Set(metadata.filter((m) => m.name === 'isAbsent').map((m) => m.propertyName));
  return [...new Set(metadata.map((m) => m.propertyName))].filter((key) => !refused.has(key));
}

/** Key -> every path where it is accepted in a file whose top level is `root`: `instances.<name>.oidc_validation`. */
export function keyPlacements(root: Schema): ReadonlyMap<string, readonly string[]> {
  const placements = new Map<string, string[]>();
  const visit = (schema: Schema, prefix: string, seen: ReadonlySet<Schema>): void => {
    for (const key of schemaKeys(schema)) placements.set(key, [...(placements.get(key) ?? []), prefix + key]);
    for (const child of childSchemas(schema)) {
      if (!seen.has(child.schema)) visit(child.schema, `${prefix}${child.key}${child.suffix}.`, new Set([...seen, child.schema]));
    }
  };
  visit(root, '', new Set([root]));
  return placements;
}

interface ChildSchema {
  readonly key: string;
  /** What the path shows between the key and the child's keys: `[]` for lists, `.<name>` for named entries. */
  readonly suffix: string;
  readonly schema: Schema;
}

function childSchemas(schema: Schema): ChildSchema[] {
  const children: ChildSchema[] = [];
  for (const key of schemaKeys(schema)) {
    const entries = entriesOf(schema, key);
    if (entries) children.push({ key, suffix: `.${entries.placeholder}`, schema: entries.schema() });
  }
  const nested = getMetadataStorage()
    .getTargetValidationMetadatas(schema, '', true, false)
    .filter((m) => m.type === ValidationTypes.NESTED_VALIDATION);
  for (const { propertyName: key, each } of nested) {
    const child = nestedSchema(schema, key, each === true);
    if (child) children.push({ key, suffix: each ? '[]' : '', schema: child });
  }
  return children;
}

/** The class @Type turns the key's value (or, for lists, its items) into, found by converting an empty one. */
function nestedSchema(schema: Schema, key: string, list: boolean): Schema | undefined {
  const converted = (plainToInstance(schema as new () => object, { [key]: list ? [{}] : {} }) as Record<string, unknown>)[key];
  const value = list && Array.isArray(converted) ? converted[0] : converted;
  const type = (value as object | undefined)?.constructor;
  return type && type !== Object ? type : undefined;
}
