/**
 * The CEL conformance cases shipped with @bufbuild/cel (cel-spec's own test data) that apply to
 * what expressions here can do: no proto messages, no typed bindings; results a token can carry
 * (numbers, strings, booleans, null, lists). Each is compiled and evaluated through our wrapper,
 * so name checks, cost estimate and result conversion are tested on the language's own cases.
 */
import { tests } from '@bufbuild/cel-spec/testdata/conformance.js';
import type { JsonValue } from '../plugin-api/json';
import { compileExpression, ExpressionCompileError, ExpressionEvaluationError } from './cel-expression';

const SUITES = ['basic', 'comparisons', 'conversions', 'fields', 'integer_math', 'fp_math', 'lists', 'logic', 'macros', 'string', 'string_ext'];
const PLAIN_KEYS = new Set(['name', 'description', 'expr', 'value', 'evalError', 'disableCheck']);

/** Proto message types (wrappers, google.protobuf.Value): expressions here have none. */
const MESSAGE_TYPES = /google\.protobuf\.|TestAllTypes/;

/** Cases left out, and why. */
const EXCLUDED: Record<string, string> = {
  'basic/variables/unbound_is_runtime_error': 'an unknown name is refused at load here, on purpose',
  'basic/functions/unbound_is_runtime_error': 'an unknown function is refused at load here, on purpose',
  'fields/quoted_map_fields/field_access_slash': 'back-quoted field names: not parsed by @bufbuild/cel 0.6.1',
  'fields/quoted_map_fields/field_access_dash': 'back-quoted field names: not parsed by @bufbuild/cel 0.6.1',
  'fields/quoted_map_fields/field_access_dot': 'back-quoted field names: not parsed by @bufbuild/cel 0.6.1',
  'fields/quoted_map_fields/has_field_slash': 'back-quoted field names: not parsed by @bufbuild/cel 0.6.1',
  'fields/quoted_map_fields/has_field_dash': 'back-quoted field names: not parsed by @bufbuild/cel 0.6.1',
  'fields/quoted_map_fields/has_field_dot': 'back-quoted field names: not parsed by @bufbuild/cel 0.6.1',
  'string_ext/quote/unicode_code_points': 'strings.quote() is not in the library\'s strings extension',
  'string_ext/quote/empty_quote': 'strings.quote() is not in the library\'s strings extension',
  'fields/qualified_identifier_resolution/map_value_repeat_key_heterogeneous': 'the library accepts a map literal repeating a key as int and uint',
};

interface Case {
  readonly name: string;
  readonly expr: string;
  readonly expected?: JsonValue;
  readonly error: boolean;
}

type ProtoValue = Record<string, unknown>;

/** An expected cel.expr.Value (proto JSON) as the JSON our wrapper answers, or undefined when it cannot be one. */
function expectedJson(value: ProtoValue): JsonValue | undefined {
  const [kind, raw] = Object.entries(value)[0] ?? [];
  switch (kind) {
    case 'int64Value':
    case 'uint64Value': {
      const n = BigInt(raw as string);
      return Number.isSafeInteger(Number(n)) ? Number(n) : n.toString();
    }
    case 'doubleValue': {
      const n = Number(raw);
      return Number.isFinite(n) ? n : undefined;
    }
    case 'stringValue':
    case 'boolValue':
      return raw as JsonValue;
    case 'nullValue':
      return null;
    case 'listValue': {
      const items = ((raw as { values?: ProtoValue[] }).values ?? []).map(expectedJson);
      return items.every((item) => item !== undefined) ? (items as JsonValue[]) : undefined;
    }
    default:
      return undefined;
  }
}

function applicableCases(): Case[] {
  const cases: Case[] = [];
  for (const suite of tests.suites ?? []) {
    if (!SUITES.includes(suite.name)) continue;
    for (const section of suite.suites ?? []) {
      for (const test of section.tests ?? []) {
        const original = test.original as Record<string, unknown>;
        if (!Object.keys(original).every((key) => PLAIN_KEYS.has(key))) continue;
        const name = `${suite.name}/${section.name}/${String(original.name)}`;
        if (EXCLUDED[name] || MESSAGE_TYPES.test(String(original.expr))) continue;
        const error = original.evalError !== undefined;
        const expected = original.value === undefined ? undefined : expectedJson(original.value as ProtoValue);
        if (!error && expected === undefined) continue;
        cases.push({ name, expr: String(original.expr), expected, error });
      }
    }
  }
  return cases;
}

const OPTIONS = { variables: new Set<string>(), maxListLength: 256, costLimit: 1_000_000 };

describe('CEL conformance cases (cel-spec data) through compileExpression', () => {
  const cases = applicableCases();

  it('runs a substantial subset of the suites', () => {
    expect(cases.length).toBeGreaterThan(400);
    expect(cases.filter((c) => c.error).length).toBeGreaterThan(20);
  });

  it.each(cases.filter((c) => !c.error).map((c) => [c.name, c] as const))('%s', (_name, { expr, expected }) => {
    // JSON text: -0 and 0 are the same number in a token.
    expect(JSON.stringify(compileExpression(expr, OPTIONS).evaluate({}))).toBe(JSON.stringify(expected));
  });

  it.each(cases.filter((c) => c.error).map((c) => [c.name, c] as const))('%s is an error, at load or when evaluated', (_name, { expr }) => {
    let failure: unknown;
    try {
      compileExpression(expr, OPTIONS).evaluate({});
    } catch (error) {
      failure = error;
    }
    expect(failure instanceof ExpressionCompileError || failure instanceof ExpressionEvaluationError).toBe(true);
  });
});
