import { isAbsolute, relative } from 'node:path';

/** A path as shown in messages: relative to the working directory when inside it, else absolute. */
export function displayPath(path: string): string {
  const fromCwd = relative(process.cwd(), path);
  return fromCwd.startsWith('..') || isAbsolute(fromCwd) ? path : fromCwd;
}
