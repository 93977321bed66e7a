import { randomBase64url, randomHex } from './random-identifier';

describe('random identifiers', () => {
  it('are as long as asked, in their alphabet', () => {
    expect(randomBase64url(16)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(randomBase64url(17)).toMatch(/^[A-Za-z0-9_-]{23}$/);
    expect(randomHex(16)).toMatch(/^[0-9a-f]{32}$/);
  });

  it('never repeat, across many refills of the pool', () => {
    // 20,000 x 16 bytes is about 80 refills of the 4 KiB pool; a byte handed out twice would repeat an identifier.
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) seen.add(i % 2 ? randomBase64url(16) : randomHex(16));
    expect(seen.size).toBe(20_000);
  });

  it('take fresh bytes when a request does not fit in what is left of the pool', () => {
    const sizes = [4000, 200, 4096, 1, 4096];
    const values = sizes.map((size) => randomHex(size));
    values.forEach((value, i) => expect(value).toHaveLength(sizes[i] * 2));
    // Consecutive pool-sized draws come from different fills.
    expect(values[2]).not.toBe(values[4]);
  });

  it('refuse a size that is not 1 to 4,096 whole bytes', () => {
    for (const size of [0, -1, 4097, 1.5, Number.NaN]) expect(() => randomBase64url(size)).toThrow(RangeError);
  });
});
