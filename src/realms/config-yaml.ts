/**
 * How every configuration file (realm files, server.yaml) is read as YAML: duplicate keys are
 * refused and alias expansion is bounded, and syntax errors become ConfigProblems for `file`.
 */
import { type Document, parseDocument } from 'yaml';
import type { ConfigProblem } from './config-problem';

export function parseConfigDocument(text: string): Document {
  return parseDocument(text, { uniqueKeys: true, prettyErrors: false });
}

/** The file's content as plain data, or its YAML problems. */
export function readConfigYaml(text: string, file: string): { content: unknown; problems?: undefined } | { problems: ConfigProblem[] } {
  const document = parseConfigDocument(text);
  if (document.errors.length > 0) {
    return { problems: document.errors.map((e) => ({ file, path: '', message: `YAML: ${e.message.split('\n')[0]}` })) };
  }
  return { content: document.toJS({ maxAliasCount: 100 }) };
}
