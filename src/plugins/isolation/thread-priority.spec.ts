import { lowerThisThread, workerThreadNice } from './thread-priority';

describe('workerThreadNice', () => {
  it.each([
    ['the default below a server at 0', 10, 0, 10],
    ['relative to a server already niced', 10, 5, 15],
    ['capped at 19', 10, 15, 19],
    ['19 below a server at 0', 19, 0, 19],
    ['relative to a server given a higher priority', 10, -5, 5],
  ])('%s', (_what, nice, serverNice, expected) => {
    expect(workerThreadNice(nice, 'linux', () => serverNice)).toBe(expected);
  });

  it('counts from 0 when the creating thread’s priority cannot be read, instead of throwing', () => {
    const unreadable = () => {
      throw new Error('A system error occurred: uv_os_getpriority returned ESRCH');
    };
    expect(workerThreadNice(10, 'linux', unreadable)).toBe(10);
  });

  it('changes nothing for nice 0', () => {
    expect(workerThreadNice(0, 'linux', () => 0)).toBeUndefined();
  });

  it.each(['darwin', 'win32', 'freebsd'] as const)('changes nothing on %s, where pid 0 would be the whole process', (platform) => {
    const creatorNice = jest.fn(() => 0);
    expect(workerThreadNice(10, platform, creatorNice)).toBeUndefined();
    expect(creatorNice).not.toHaveBeenCalled();
  });
});

describe('lowerThisThread', () => {
  it('sets the calling thread (pid 0) to the value', () => {
    const set = jest.fn();
    expect(lowerThisThread(12, set)).toBeUndefined();
    expect(set).toHaveBeenCalledWith(0, 12);
  });

  it('does nothing without a value', () => {
    const set = jest.fn();
    expect(lowerThisThread(undefined, set)).toBeUndefined();
    expect(set).not.toHaveBeenCalled();
  });

  it('answers why when the system refuses, instead of throwing', () => {
    const set = jest.fn(() => {
      throw new Error('A system error occurred: uv_os_setpriority returned EACCES (permission denied)');
    });
    expect(lowerThisThread(10, set)).toMatch(/EACCES/);
  });
});
