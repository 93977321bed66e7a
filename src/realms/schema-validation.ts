/** Runs class-validator over a plain object and reports every problem with its key path. */
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { ConfigProblem, joinPath } from './config-problem';
import { unknownKeyMessage } from './unknown-key-message';

/** `root`: the schema of the whole file, when `schema` is part of it (where a misplaced key belongs). */
export function validateSchema<T extends object>(
  schema: ClassConstructor<T>,
  plain: unknown,
  file: string,
  basePath: string,
  root: Function = schema,
): { value: T; problems: ConfigProblem[] } {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    return { value: undefined as unknown as T, problems: [{ file, path: basePath, message: 'must be a mapping of keys to values' }] };
  }
  const value = plainToInstance(schema, plain, { exposeDefaultValues: true });
  nullMeansDefault(value);
  const errors = validateSync(value, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    // One clear reason per key. class-validator runs a property's decorators bottom-up, so the
    // schema classes put the basic type check (@IsString, @IsInt, @IsArray) lowest.
    stopAtFirstError: true,
  });
  return { value, problems: errors.flatMap((error) => flatten(error, file, basePath, root)) };
}

/**
 * A key written with no value (`keys:`) is YAML null, which class-validator's @IsOptional lets
 * through while the code expects the default; on schema objects null means "the default" (and a
 * required key stays missing, so it is still reported). Free-form maps are left as they are.
 */
function nullMeansDefault(value: unknown): void {
  if (Array.isArray(value)) return value.forEach(nullMeansDefault);
  if (typeof value !== 'object' || value === null || value.constructor === Object) return;
  const defaults = new (value.constructor as new () => Record<string, unknown>)();
  const target = value as Record<string, unknown>;
  for (const [key, child] of Object.entries(target)) {
    if (child === null) target[key] = defaults[key];
    else nullMeansDefault(child);
  }
}

function flatten(error: ValidationError, file: string, parentPath: string, root: Function): ConfigProblem[] {
  const property = /^\d+$/.test(error.property) ? Number(error.property) : error.property;
  const path = joinPath(parentPath, property);
  const own = Object.entries(error.constraints ?? {}).map(([kind, message]) => ({
    file,
    path,
    // The error's target is the schema object holding the key.
    message: kind === 'whitelistValidation' ? unknownKeyMessage(error.property, (error.target as object).constructor, root) : message,
  }));
  return [...own, ...(error.children ?? []).flatMap((child) => flatten(child, file, path, root))];
}
