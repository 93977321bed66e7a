/**
 * How every configuration file (realm files, server.yaml) is read as YAML: duplicate keys are
 * refused and alias expansion is bounded, and a syntax error becomes one ConfigProblem with its
 * line and column.
 */
import { type Document, LineCounter, parseDocument } from 'yaml';
import type { ConfigProblem } from './config-problem';

export interface ParsedConfigDocument {
  readonly document: Document;
  /** The first syntax error; later ones are mostly its consequences, so only it is reported. */
  readonly problem?: ConfigProblem;
}

export function parseConfigDocument(text: string, file: string): ParsedConfigDocument {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter });
  const [first] = document.errors;
  if (!first) return { document };
  const { line, col } = lineCounter.linePos(first.pos[0]);
  return { document, problem: { file, path: '', line, column: col, message: `YAML syntax error: ${first.message}` } };
}

/** The file's content as plain data, or its YAML problem. */
export function readConfigYaml(text: string, file: string): { content: unknown; problems?: undefined } | { problems: ConfigProblem[] } {
  const { document, problem } = parseConfigDocument(text, file);
  if (problem) return { problems: [problem] };
  return { content: document.toJS({ maxAliasCount: 100 }) };
}
