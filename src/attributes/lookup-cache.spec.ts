import { LookupCache } from './lookup-cache';

describe('LookupCache', () => {
  let now = 1_000_000;
  const clock = () => now;

  it('answers an entry until its time is up, then forgets it', () => {
    const cache = new LookupCache(30_000, clock);
    cache.set('alice', { mail: 'alice@example.com' });
    now += 29_999;
    expect(cache.get('alice')).toEqual({ mail: 'alice@example.com' });
    now += 1;
    expect(cache.get('alice')).toBeUndefined();
  });

  it('keeps nothing with a time of 0', () => {
    const cache = new LookupCache(0, clock);
    cache.set('alice', { mail: 'a' });
    expect(cache.get('alice')).toBeUndefined();
  });

  it('keeps answers apart by key, an empty answer included', () => {
    const cache = new LookupCache(1000, clock);
    cache.set('alice', { mail: 'a' });
    cache.set('nobody', {});
    expect(cache.get('nobody')).toEqual({});
    expect(cache.get('alic')).toBeUndefined();
  });

  it('drops the oldest entry when full', () => {
    const cache = new LookupCache(60_000, clock);
    for (let i = 0; i <= 10_000; i++) cache.set(`user-${i}`, { n: String(i) });
    expect(cache.get('user-0')).toBeUndefined();
    expect(cache.get('user-1')).toEqual({ n: '1' });
    expect(cache.get('user-10000')).toEqual({ n: '10000' });
  });
});
