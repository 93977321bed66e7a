/**
 * CEL (Common Expression Language) through @bufbuild/cel: compiled once at load, evaluated per
 * request. At load an expression is parsed, its variables and functions are checked against what
 * the STS offers, and its estimated cost against the limit; a mistake is an ExpressionCompileError
 * whose message gives the line and column. Evaluation takes JSON values and gives a JSON value, or
 * throws an ExpressionEvaluationError: never a partial result.
 */
import type { CelInput, CelValue } from '@bufbuild/cel';
import type { JsonValue } from '../plugin-api/json';
import { estimatedCost } from './expression-cost';

type CelLibrary = typeof import('@bufbuild/cel');
type Expr = ReturnType<CelLibrary['parse']>['expr'];
type SourceInfo = ReturnType<CelLibrary['parse']>['sourceInfo'];

/** Operators the parser writes that the evaluator handles itself (not in the function table). */
const BUILT_IN_OPERATORS = new Set(['_&&_', '_||_', '_?_:_', '_[_]', '_[?_]', '_?._', '@not_strictly_false']);

let loaded: { cel: CelLibrary; env: ReturnType<CelLibrary['celEnv']> } | undefined;

/**
 * The evaluator, and its environment: the strings extension (lowerAscii, split, join, ...) beside
 * the standard library. Required on first use: a server without expressions never loads it
 * (about 15 MiB per process).
 */
function cel(): NonNullable<typeof loaded> {
  if (!loaded) {
    const library = require('@bufbuild/cel') as CelLibrary;
    const { strings } = require('@bufbuild/cel/ext') as typeof import('@bufbuild/cel/ext');
    loaded = { cel: library, env: library.celEnv({ funcs: strings }) };
  }
  return loaded;
}

export interface CompileOptions {
  /** The variables (namespaces) an expression may name. */
  readonly variables: ReadonlySet<string>;
  readonly maxListLength: number;
  readonly costLimit: number;
}

/** A syntax, name or cost problem; the message gives line and column where it has one. */
export class ExpressionCompileError extends Error {}

export type EvaluationFailure = 'failed' | 'cost' | 'result';

export class ExpressionEvaluationError extends Error {
  constructor(
    readonly failure: EvaluationFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface CompiledExpression {
  readonly text: string;
  readonly cost: number;
  /** The variables (namespaces) it names: only those need binding. */
  readonly names: ReadonlySet<string>;
  /** Throws ExpressionEvaluationError; `bindings` already checked by celBindings(). */
  evaluate(bindings: CelBindings): JsonValue;
}

export type CelBindings = Readonly<Record<string, CelInput>>;

export function compileExpression(text: string, options: CompileOptions): CompiledExpression {
  let parsed: ReturnType<CelLibrary['parse']>;
  try {
    parsed = cel().cel.parse(text);
  } catch (error) {
    const start = (error as { location?: { start?: { line: number; column: number } } }).location?.start;
    const reason = String((error as Error).message).replace(/^<input>:\d+:\d+: /, '');
    throw new ExpressionCompileError(start ? `syntax error at line ${start.line}, column ${start.column}: ${reason}` : `syntax error: ${reason}`);
  }
  const names = new Set<string>();
  checkNames(parsed.expr, new Set(), options.variables, text, parsed.sourceInfo, names);
  const cost = estimatedCost(parsed.expr, options.maxListLength);
  if (cost > options.costLimit) {
    throw new ExpressionCompileError(
      `estimated cost ${cost > 1e15 ? 'over 10^15' : cost} is over the limit ${options.costLimit} (lists taken as ${options.maxListLength} long); nest fewer all/exists/map/filter`,
    );
  }
  const run = cel().cel.plan(cel().env, parsed);
  return {
    text,
    cost,
    names,
    evaluate(bindings) {
      const result = run(bindings as Record<string, CelInput>);
      if (cel().cel.isCelError(result)) throw new ExpressionEvaluationError('failed', result.message);
      return jsonOf(result);
    },
  };
}

/**
 * Unknown variables and functions are refused at load (the evaluator would only find them when it
 * reaches them); the variables named are collected in `used`. `bound`: comprehension variables in scope.
 */
function checkNames(expr: Expr | undefined, bound: ReadonlySet<string>, variables: ReadonlySet<string>, text: string, info: SourceInfo, used: Set<string>): void {
  if (!expr) return;
  const kind = expr.exprKind;
  const at = () => positionOf(expr, text, info);
  const walk = (child: Expr | undefined, scope = bound) => checkNames(child, scope, variables, text, info, used);
  switch (kind.case) {
    case 'identExpr':
      if (bound.has(kind.value.name)) return;
      if (!variables.has(kind.value.name)) {
        throw new ExpressionCompileError(`unknown name "${kind.value.name}" ${at()}; expressions can use ${[...variables].join(', ')}`);
      }
      used.add(kind.value.name);
      return;
    case 'selectExpr':
      return walk(kind.value.operand);
    case 'callExpr': {
      const { function: name, target, args } = kind.value;
      checkFunction(name, target !== undefined, args.length, at);
      walk(target);
      args.forEach((arg) => walk(arg));
      return;
    }
    case 'listExpr':
      kind.value.elements.forEach((element) => walk(element));
      return;
    case 'structExpr':
      if (kind.value.messageName) throw new ExpressionCompileError(`message types (${kind.value.messageName}) are not available ${at()}`);
      for (const entry of kind.value.entries) {
        if (entry.keyKind.case === 'mapKey') walk(entry.keyKind.value);
        walk(entry.value);
      }
      return;
    case 'comprehensionExpr': {
      const { iterVar, iterVar2, accuVar, iterRange, accuInit, loopCondition, loopStep, result } = kind.value;
      walk(iterRange);
      walk(accuInit);
      const inLoop = new Set([...bound, iterVar, ...(iterVar2 ? [iterVar2] : []), accuVar]);
      walk(loopCondition, inLoop);
      walk(loopStep, inLoop);
      walk(result, new Set([...bound, accuVar]));
      return;
    }
    default:
      return;
  }
}

function checkFunction(name: string, hasTarget: boolean, argCount: number, at: () => string): void {
  if (BUILT_IN_OPERATORS.has(name)) return;
  const group = cel().env.funcs.find(name);
  if (!group) throw new ExpressionCompileError(`unknown function "${name}" ${at()}`);
  const overloads = [...group];
  if (!overloads.some((f) => (f.target !== undefined) === hasTarget && f.arguments.length === argCount)) {
    const call = hasTarget ? `x.${name}() with ${argCount} argument(s)` : `${name}() with ${argCount} argument(s)`;
    throw new ExpressionCompileError(`no function ${call} ${at()}`);
  }
}

function positionOf(expr: Expr, text: string, info: SourceInfo): string {
  const offset = info?.positions[Number(expr.id)] ?? info?.positions[expr.id.toString()];
  if (offset === undefined) return '';
  const before = [...text].slice(0, offset).join('');
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `at line ${line}, column ${column}`;
}

/**
 * JSON values as CEL inputs: objects become maps, integral numbers ints (so `token.exp + 60`
 * works), other numbers doubles. A list or map longer than maxListLength is refused: the cost
 * estimate took every list to be at most that long.
 */
export function celInputOf(value: JsonValue | undefined, maxListLength: number, name: string): CelInput {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) {
    if (value.length > maxListLength) throw tooLong(name, value.length, maxListLength);
    return value.map((item, index) => celInputOf(item, maxListLength, `${name}[${index}]`));
  }
  const entries = Object.entries(value);
  if (entries.length > maxListLength) throw tooLong(name, entries.length, maxListLength);
  return new Map(entries.map(([key, item]) => [key, celInputOf(item, maxListLength, `${name}.${key}`)]));
}

function tooLong(name: string, length: number, max: number): ExpressionEvaluationError {
  return new ExpressionEvaluationError('cost', `${name} has ${length} values; expressions take at most ${max} (max_list_length)`);
}

/** A CEL result as JSON; types JSON cannot carry (timestamps, durations, types) are refused. */
export function jsonOf(value: CelValue): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ExpressionEvaluationError('result', `the result ${value} is not a JSON number`);
    return value;
  }
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  const { isCelList, isCelMap, isCelUint } = cel().cel;
  if (isCelUint(value)) return jsonOf(value.value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (isCelList(value)) return Array.from(value, (item) => jsonOf(item));
  if (isCelMap(value)) {
    const object: Record<string, JsonValue> = {};
    for (const [key, item] of value.entries()) object[String(key)] = jsonOf(item);
    return object;
  }
  throw new ExpressionEvaluationError('result', 'the result is not a JSON value (a string, number, boolean, list or map)');
}
