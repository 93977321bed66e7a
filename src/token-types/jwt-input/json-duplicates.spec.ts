import { findDuplicateMember } from './json-duplicates';

describe('findDuplicateMember', () => {
  it('finds a repeated name at any depth, also when escaped differently', () => {
    expect(findDuplicateMember('{"a":1,"a":2}')).toBe('a');
    expect(findDuplicateMember('{"x":{"b":1,"c":[{"d":1,"d":2}]}}')).toBe('d');
    expect(findDuplicateMember('{"sub":"x","\\u0073ub":"y"}')).toBe('sub');
    // The escaped spelling first, the plain one second; an escaped quote or backslash inside a name.
    expect(findDuplicateMember('{"\\u0073ub":"y","sub":"x"}')).toBe('sub');
    expect(findDuplicateMember('{"a\\"b":1,"a\\u0022b":2}')).toBe('a"b');
    expect(findDuplicateMember('{"a\\\\":1,"a\\u005c":2}')).toBe('a\\');
  });
  it('tells apart names that differ only by an escape sequence', () => {
    expect(findDuplicateMember('{"a\\nb":1,"a\\\\nb":2,"anb":3}')).toBeUndefined();
  });
  it('does not confuse names with values, names in sibling objects, or strings holding quotes and braces', () => {
    expect(findDuplicateMember('{"a":"a","b":["a","a"],"c":{"a":1},"d":{"a":2}}')).toBeUndefined();
    expect(findDuplicateMember('{"q":"\\"a\\":1,{","a":"}, \\"q\\""}')).toBeUndefined();
    expect(findDuplicateMember('[{"a":1},{"a":1}]')).toBeUndefined();
  });
});
