/**
 * Edits the `instances:` map of a realm file as a YAML Document, so comments, key order and the
 * rest of the file survive an edit made through the admin API.
 */
import { Document, isMap, isNode, isScalar, isSeq, type Node, type Pair, YAMLMap, type YAMLSeq } from 'yaml';
import { ConflictError, NotFoundError } from '../../errors/sts-errors';
import { formatConfigProblem } from '../config-problem';
import { parseConfigDocument } from '../config-yaml';

export type InstanceSettings = Record<string, unknown>;

export class RealmDocument {
  private constructor(private readonly document: Document) {}

  /** The realm file as it is now; refused when it no longer is the realm it was loaded as. */
  static parse(text: string, realm: string, file: string): RealmDocument {
    const { document, problem } = parseConfigDocument(text, file);
    if (problem || document.get('realm') !== realm) {
      // Someone edited the file since it was loaded; editing it blind could lose their change.
      const why = problem ? ` (${formatConfigProblem(problem)})` : '';
      throw new ConflictError(`The realm file ${file} changed on disk and no longer holds a valid realm ${realm}${why}; fix or reload it first.`, {
        code: 'realm_file_changed',
      });
    }
    return new RealmDocument(document);
  }

  has(name: string): boolean {
    return this.document.hasIn(['instances', name]);
  }

  add(name: string, settings: InstanceSettings, path: string): void {
    if (this.has(name)) throw new ConflictError(`Instance ${path} already exists; update it with PUT.`, { code: 'instance_exists' });
    const instances = this.document.get('instances');
    // `instances: {}` would otherwise grow as a one-line flow map.
    if (!isMap(instances) || (instances.flow && instances.items.length === 0)) {
      this.document.set('instances', new YAMLMap());
    }
    this.document.setIn(['instances', name], this.document.createNode(settings));
  }

  /** Changes only what differs, so comments on the keys and values that stay are kept. */
  replace(name: string, settings: InstanceSettings, path: string): void {
    this.requireInstance(name, path);
    this.document.setIn(['instances', name], merged(this.document, this.document.getIn(['instances', name], true), settings));
  }

  remove(name: string, path: string): void {
    this.requireInstance(name, path);
    this.document.deleteIn(['instances', name]);
  }

  /** Adds a realm key unless one with its kid is listed (a republish keeps the entry). */
  ensureKey(entry: { kid: string } & Record<string, unknown>): void {
    if (this.keyIndex(entry.kid) >= 0) return;
    const keys = this.document.get('keys');
    if (!isSeq(keys) || keys.flow) this.document.set('keys', this.document.createNode(isSeq(keys) ? keys.toJSON() : []));
    (this.document.get('keys') as YAMLSeq).add(this.document.createNode(entry));
  }

  /** Removes the realm key `kid`; false when there is none. */
  removeKey(kid: string): boolean {
    const index = this.keyIndex(kid);
    if (index < 0) return false;
    this.document.deleteIn(['keys', index]);
    return true;
  }

  private keyIndex(kid: string): number {
    const keys = this.document.get('keys');
    return isSeq(keys) ? keys.items.findIndex((item) => isMap(item) && item.get('kid') === kid) : -1;
  }

  toString(): string {
    // No folding of long lines: an edit should not reflow values it did not change.
    return this.document.toString({ lineWidth: 0, flowCollectionPadding: false });
  }

  private requireInstance(name: string, path: string): void {
    if (!this.has(name)) throw new NotFoundError(`No STS instance ${path} in the realm file.`, { code: 'instance_not_found' });
  }
}

/** `value` written over `node`: maps and sequences are updated in place, other nodes replaced keeping their comments. */
function merged(document: Document, node: unknown, value: unknown): unknown {
  if (isMap(node) && isPlainObject(value)) {
    node.items = node.items.filter((pair) => Object.hasOwn(value, keyOf(pair)));
    for (const [key, child] of Object.entries(value)) {
      const pair = node.items.find((item) => keyOf(item) === key);
      if (pair) pair.value = merged(document, pair.value, child);
      else node.items.push(document.createPair(key, child));
    }
    return node;
  }
  if (isSeq(node) && Array.isArray(value)) {
    node.items = value.map((child, index) => merged(document, node.items[index], child));
    return node;
  }
  if (isScalar(node) && node.value === value) return node;
  const fresh = document.createNode(value);
  if (isNode(node)) keepComments(node, fresh);
  return fresh;
}

function keepComments(from: Node, to: Node): void {
  to.commentBefore = from.commentBefore;
  to.comment = from.comment;
  to.spaceBefore = from.spaceBefore;
}

function keyOf(pair: Pair): string {
  return String(isScalar(pair.key) ? pair.key.value : pair.key);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
