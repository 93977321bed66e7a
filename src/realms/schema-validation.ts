/** Runs class-validator over a plain object and reports every problem with its key path. */
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { ConfigProblem, joinPath } from './config-problem';

export function validateSchema<T extends object>(
  schema: ClassConstructor<T>,
  plain: unknown,
  file: string,
  basePath: string,
): { value: T; problems: ConfigProblem[] } {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    return { value: undefined as unknown as T, problems: [{ file, path: basePath, message: 'must be a mapping of keys to values' }] };
  }
  const value = plainToInstance(schema, plain, { exposeDefaultValues: true });
  const errors = validateSync(value, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  return { value, problems: errors.flatMap((error) => flatten(error, file, basePath)) };
}

function flatten(error: ValidationError, file: string, parentPath: string): ConfigProblem[] {
  const property = /^\d+$/.test(error.property) ? Number(error.property) : error.property;
  const path = joinPath(parentPath, property);
  const own = Object.entries(error.constraints ?? {}).map(([kind, message]) => ({
    file,
    path,
    message: kind === 'whitelistValidation' ? 'unknown key' : message,
  }));
  return [...own, ...(error.children ?? []).flatMap((child) => flatten(child, file, path))];
}
