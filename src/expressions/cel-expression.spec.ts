import { celInputOf, compileExpression, ExpressionCompileError, ExpressionEvaluationError } from './cel-expression';
import { DIRECT_COST, TimeLimitExceeded, withinTimeLimit } from './time-limit';

const VARIABLES = new Set(['principal', 'token', 'ldap']);
const OPTIONS = { variables: VARIABLES, maxListLength: 256, costLimit: 1_000_000 };

function compileError(text: string, options = OPTIONS): string {
  try {
    compileExpression(text, options);
  } catch (error) {
    if (error instanceof ExpressionCompileError) return error.message;
    throw error;
  }
  throw new Error(`${text} compiled`);
}

const bindings = (values: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(values).map(([name, value]) => [name, celInputOf(value as never, 256, name)]));

describe('compileExpression', () => {
  it('evaluates the examples of the documentation over JSON attributes', () => {
    const input = bindings({ principal: 'bob', token: { groups: ['app-a', 'staff', 'app-b'], exp: 1700000000 }, ldap: { givenName: 'Bob', sn: 'Example' } });
    expect(compileExpression("ldap.givenName + ' ' + ldap.sn", OPTIONS).evaluate(input)).toBe('Bob Example');
    expect(compileExpression("token.groups.filter(g, g.startsWith('app-'))", OPTIONS).evaluate(input)).toEqual(['app-a', 'app-b']);
    expect(compileExpression("has(ldap.mail) ? ldap.mail : principal + '@example.com'", OPTIONS).evaluate(input)).toBe('bob@example.com');
    // Integral JSON numbers are CEL ints, so integer arithmetic works on them.
    expect(compileExpression('token.exp + 60', OPTIONS).evaluate(input)).toBe(1700000060);
    expect(compileExpression("{'a': [1, 2.5, true, null]}", OPTIONS).evaluate(input)).toEqual({ a: [1, 2.5, true, null] });
    expect(compileExpression('ldap.sn.lowerAscii()', OPTIONS).evaluate(input)).toBe('example');
  });

  it.each([
    ["ldap.givenName + ' ' +", /^syntax error at line 1, column 22: /],
    ['ldap.sn == \'x\'\n  && principal ==', /^syntax error at line 2, column 16: /],
    ['ldpa.mail', /^unknown name "ldpa" at line 1, column 1; expressions can use principal, token, ldap$/],
    ["token.groups.exists(g, g == grp)", /^unknown name "grp" at line 1, column 29/],
    ['lookup(principal)', /^unknown function "lookup" at line 1, column 1/],
    ['principal.startsWith()', /^no function x\.startsWith\(\) with 0 argument\(s\) at line 1, column 10/],
    ['google.protobuf.Int64Value{value: 1}', /^message types \(google\.protobuf\.Int64Value\) are not available/],
  ])('refuses %j at load: %s', (text, message) => {
    expect(compileError(text)).toMatch(message);
  });

  it('the variables of a comprehension are in scope inside it only', () => {
    expect(compileExpression('token.groups.all(g, g != principal)', OPTIONS).cost).toBeGreaterThan(256);
    expect(compileError('token.groups.all(g, true) && g == principal')).toMatch(/^unknown name "g"/);
  });

  it('refuses an expression whose estimated cost is over the limit, naming both', () => {
    const nested = 'token.a.all(x, token.b.all(y, token.c.all(z, x + y + z != principal)))';
    expect(compileError(nested)).toMatch(/^estimated cost \d+ is over the limit 1000000 \(lists taken as 256 long\)/);
    // Two levels of nesting fit; literal lists count at their own length.
    expect(compileExpression('token.a.all(x, token.b.exists(y, x == y))', OPTIONS).cost).toBeLessThan(1_000_000);
    expect(compileExpression('[1, 2, 3].map(x, [4, 5].map(y, x * y))', { ...OPTIONS, costLimit: 100 }).cost).toBeLessThanOrEqual(100);
  });

  it('refuses at evaluation a list longer than the cost estimate allows', () => {
    expect(() => celInputOf({ groups: Array.from({ length: 257 }, (_, i) => `g${i}`) }, 256, 'token')).toThrow(
      new ExpressionEvaluationError('cost', 'token.groups has 257 values; expressions take at most 256 (max_list_length)'),
    );
    expect(() => celInputOf(Object.fromEntries(Array.from({ length: 3 }, (_, i) => [`k${i}`, i])), 2, 'ldap')).toThrow(/ldap has 3 values/);
  });

  it.each([
    ['ldap.mail', /no such key|mail/],
    ["1 + 'a'", /no matching overload/],
    ['1 / 0', /divide by zero|division/],
    ["timestamp('2024-01-01T00:00:00Z')", /not a JSON value/],
    ['1.0 / 0.0', /not a JSON number/],
  ])('an evaluation error (%j) is an ExpressionEvaluationError, not a crash', (text, message) => {
    const expression = compileExpression(text, OPTIONS);
    expect(() => expression.evaluate(bindings({ principal: 'p', token: {}, ldap: {} }))).toThrow(ExpressionEvaluationError);
    expect(() => expression.evaluate(bindings({ principal: 'p', token: {}, ldap: {} }))).toThrow(message);
  });
});

describe('withinTimeLimit', () => {
  it('answers what the work returns', () => {
    expect(withinTimeLimit(100, () => 42)).toBe(42);
  });

  it('stops synchronous work at the deadline', () => {
    const started = Date.now();
    expect(() =>
      withinTimeLimit(50, () => {
        for (;;);
      }),
    ).toThrow(TimeLimitExceeded);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('runs work of a small estimated cost directly, and costly work under the watchdog', () => {
    expect(withinTimeLimit(50, () => 'direct', DIRECT_COST)).toBe('direct');
    expect(() =>
      withinTimeLimit(
        50,
        () => {
          for (;;);
        },
        DIRECT_COST + 1,
      ),
    ).toThrow(TimeLimitExceeded);
  });

  it('passes the work\'s own errors through', () => {
    expect(() =>
      withinTimeLimit(100, () => {
        throw new RangeError('mine');
      }),
    ).toThrow(new RangeError('mine'));
  });
});
