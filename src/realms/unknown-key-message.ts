/**
 * What to tell someone whose configuration has a key the schema does not accept: the key they
 * probably meant at that level (a typo), else where that key does belong in the file.
 */
import { closestName } from '../common/closest-name';
import { keyPlacements, schemaKeys } from './schema-keys';

const MAX_LISTED = 3;
const placementsByRoot = new Map<Function, ReadonlyMap<string, readonly string[]>>();

/** `level`: the schema of the mapping holding the key; `root`: the schema of the whole file. */
export function unknownKeyMessage(key: string, level: Function, root: Function): string {
  const suggestion = closestName(key, schemaKeys(level));
  if (suggestion !== undefined) return `unknown key; did you mean \`${suggestion}\`?`;
  if (!placementsByRoot.has(root)) placementsByRoot.set(root, keyPlacements(root));
  const elsewhere = placementsByRoot.get(root)!.get(key) ?? [];
  if (elsewhere.length === 0) return 'unknown key';
  const shown = elsewhere.slice(0, MAX_LISTED).map((path) => (/[.[]/.test(path) ? path : `${path} (the top level of the file)`));
  const hidden = elsewhere.length - shown.length;
  const more = hidden > 0 ? ` and ${hidden} more place${hidden === 1 ? '' : 's'}` : '';
  return `unknown key at this level; \`${key}\` belongs at ${shown.join(', ')}${more}`;
}
