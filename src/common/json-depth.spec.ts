import { jsonDepthExceeds } from './json-depth';

function nested(depth: number, open = '[', close = ']'): unknown {
  return JSON.parse(open.repeat(depth) + close.repeat(depth));
}

describe('jsonDepthExceeds', () => {
  it('counts scalars as depth 0 and each array or object as one level', () => {
    expect(jsonDepthExceeds('text', 0)).toBe(false);
    expect(jsonDepthExceeds(null, 0)).toBe(false);
    expect(jsonDepthExceeds({}, 0)).toBe(true);
    expect(jsonDepthExceeds({}, 1)).toBe(false);
    expect(jsonDepthExceeds({ a: { b: [1, { c: 2 }] } }, 3)).toBe(true);
    expect(jsonDepthExceeds({ a: { b: [1, { c: 2 }] } }, 4)).toBe(false);
  });

  it('finds the deep branch among shallow siblings', () => {
    const value = { a: 1, b: [2, 3], c: { d: { e: { f: [] } } }, g: 'x' };
    expect(jsonDepthExceeds(value, 4)).toBe(true);
    expect(jsonDepthExceeds(value, 5)).toBe(false);
  });

  it('walks 100,000 levels without a stack overflow', () => {
    expect(jsonDepthExceeds(nested(100_000), 32)).toBe(true);
    expect(jsonDepthExceeds(nested(100_000), 100_000)).toBe(false);
  });
});
