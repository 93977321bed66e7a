import 'reflect-metadata';
import { InvalidRequestError, InvalidTokenError } from '../errors/sts-errors';
import { STS_CONTRACT_VERSION, type TokenProvider, type TokenValidator } from '../plugin-api/token-contract';
import { manifestFromModule, PluginLoadError } from './plugin-manifest';

const FOLDER = 'my-plugin';
const [MAJOR, MINOR] = STS_CONTRACT_VERSION.split('.').map(Number);

function validator(): TokenValidator {
  return { validateToken: () => ({ principal: 'p' }) };
}

function provider(): TokenProvider {
  return { createToken: () => 'token' };
}

function manifest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: FOLDER, contractVersion: STS_CONTRACT_VERSION, validators: { CUSTOM: validator() }, ...overrides };
}

/** Runs the loader on what a module exports and returns the PluginLoadError it must throw. */
function loadError(moduleExports: unknown, folderName = FOLDER): PluginLoadError {
  let thrown: unknown;
  try {
    manifestFromModule(moduleExports, folderName);
  } catch (error) {
    thrown = error;
  }
  if (!(thrown instanceof PluginLoadError)) throw new Error(`expected a PluginLoadError, got ${String(thrown)}`);
  return thrown;
}

describe('manifestFromModule', () => {
  describe('where the manifest comes from', () => {
    it('accepts the manifest as module.exports itself', () => {
      const v = validator();
      const result = manifestFromModule(manifest({ validators: { CUSTOM: v } }), FOLDER);
      expect(result.name).toBe(FOLDER);
      expect(result.contractVersion).toBe(STS_CONTRACT_VERSION);
      expect(result.validators?.CUSTOM).toBe(v);
    });

    it('accepts the manifest as the default export', () => {
      const v = validator();
      const result = manifestFromModule({ default: manifest({ validators: { CUSTOM: v } }) }, FOLDER);
      expect(result.validators?.CUSTOM).toBe(v);
    });

    it('accepts the manifest as a named `manifest` export', () => {
      const v = validator();
      const result = manifestFromModule({ manifest: manifest({ validators: { CUSTOM: v } }) }, FOLDER);
      expect(result.validators?.CUSTOM).toBe(v);
    });

    it('prefers the default export over a named `manifest` export', () => {
      const fromDefault = validator();
      const fromNamed = validator();
      const result = manifestFromModule(
        { default: manifest({ validators: { CUSTOM: fromDefault } }), manifest: manifest({ validators: { CUSTOM: fromNamed } }) },
        FOLDER,
      );
      expect(result.validators?.CUSTOM).toBe(fromDefault);
    });

    it('calls a factory with the plugin API and uses the manifest it returns', () => {
      const p = provider();
      const factory = jest.fn((_api: unknown) => manifest({ validators: undefined, providers: { CUSTOM: p } }));
      const result = manifestFromModule(factory, FOLDER);

      expect(factory).toHaveBeenCalledTimes(1);
      const api = factory.mock.calls[0][0] as Record<string, unknown>;
      expect(api).toEqual(expect.any(Object));
      expect(api.STS_CONTRACT_VERSION).toBe(STS_CONTRACT_VERSION);
      expect(api.InvalidTokenError).toBe(InvalidTokenError);
      expect(api.InvalidRequestError).toBe(InvalidRequestError);
      expect(result.providers?.CUSTOM).toBe(p);
      expect(result.validators).toEqual({});
    });

    it('calls a factory given as the default export (ESM namespace or transpiled CommonJS)', () => {
      const v = validator();
      const factory = jest.fn(() => manifest({ validators: { CUSTOM: v } }));
      const result = manifestFromModule({ __esModule: true, default: factory }, FOLDER);
      expect(factory).toHaveBeenCalledTimes(1);
      expect(result.validators?.CUSTOM).toBe(v);
    });

    it('lets a factory build handlers from the API error classes', async () => {
      const result = manifestFromModule(
        (api: { InvalidTokenError: typeof InvalidTokenError }) =>
          manifest({
            validators: {
              CUSTOM: {
                validateToken: () => {
                  throw new api.InvalidTokenError('nope');
                },
              },
            },
          }),
        FOLDER,
      );
      const call = async () => result.validators!.CUSTOM.validateToken({} as never);
      await expect(call()).rejects.toBeInstanceOf(InvalidTokenError);
    });
  });

  describe('validators and providers', () => {
    it('instantiates a validator class exactly once and keeps that instance', () => {
      let constructed = 0;
      class CustomValidator implements TokenValidator {
        constructor() {
          constructed += 1;
        }
        validateToken() {
          return { principal: 'p' };
        }
      }
      const result = manifestFromModule(manifest({ validators: { CUSTOM: CustomValidator } }), FOLDER);
      expect(constructed).toBe(1);
      expect(result.validators?.CUSTOM).toBeInstanceOf(CustomValidator);
      // Reading it again hands out the same instance, not a new one.
      expect(result.validators?.CUSTOM).toBe(result.validators?.CUSTOM);
      expect(constructed).toBe(1);
    });

    it('instantiates a provider class exactly once and keeps that instance', () => {
      let constructed = 0;
      class CustomProvider implements TokenProvider {
        constructor() {
          constructed += 1;
        }
        createToken() {
          return 'token';
        }
      }
      const result = manifestFromModule(manifest({ validators: undefined, providers: { CUSTOM: CustomProvider } }), FOLDER);
      expect(constructed).toBe(1);
      expect(result.providers?.CUSTOM).toBeInstanceOf(CustomProvider);
      expect(result.providers?.CUSTOM.createToken({} as never)).toBe('token');
    });

    it('instantiates each class of a factory-made manifest once, even with several token types', () => {
      const constructed: string[] = [];
      const result = manifestFromModule(() => {
        class A {
          constructor() {
            constructed.push('A');
          }
          validateToken() {
            return { principal: 'a' };
          }
        }
        class B {
          constructor() {
            constructed.push('B');
          }
          createToken() {
            return 'b';
          }
        }
        return manifest({ validators: { CUSTOM: A, OTHER_1: A }, providers: { CUSTOM: B } });
      }, FOLDER);
      expect(constructed.sort()).toEqual(['A', 'A', 'B']);
      expect(Object.keys(result.validators ?? {}).sort()).toEqual(['CUSTOM', 'OTHER_1']);
      expect(Object.keys(result.providers ?? {})).toEqual(['CUSTOM']);
    });

    it('keeps plain-object validators and providers as they are', () => {
      const v = validator();
      const p = provider();
      const result = manifestFromModule(manifest({ validators: { CUSTOM: v }, providers: { CUSTOM: p } }), FOLDER);
      expect(result.validators?.CUSTOM).toBe(v);
      expect(result.providers?.CUSTOM).toBe(p);
    });

    it('keeps the contract 1.1 members of a provider: issuedTokenField and verifyIssuedToken', async () => {
      const p: TokenProvider = {
        issuedTokenField: 'custom_token',
        createToken: () => ({ token: 'token', expiresAt: new Date(0) }),
        verifyIssuedToken: ({ token }) => token === 'token',
      };
      const result = manifestFromModule(manifest({ providers: { CUSTOM: p } }), FOLDER);
      expect(result.providers?.CUSTOM.issuedTokenField).toBe('custom_token');
      expect(await result.providers?.CUSTOM.verifyIssuedToken?.({ token: 'token' } as never)).toBe(true);
    });

    it('keeps issuedTokenField and verifyIssuedToken of a provider class', () => {
      class CustomProvider implements TokenProvider {
        readonly issuedTokenField = 'custom_token';
        createToken() {
          return 'token';
        }
        verifyIssuedToken() {
          return false;
        }
      }
      const result = manifestFromModule(manifest({ providers: { CUSTOM: CustomProvider } }), FOLDER);
      expect(result.providers?.CUSTOM.issuedTokenField).toBe('custom_token');
      expect(result.providers?.CUSTOM.verifyIssuedToken?.({} as never)).toBe(false);
    });

    it('accepts a manifest with providers only', () => {
      const result = manifestFromModule(manifest({ validators: undefined, providers: { CUSTOM: provider() } }), FOLDER);
      expect(Object.keys(result.providers ?? {})).toEqual(['CUSTOM']);
      expect(result.validators).toEqual({});
    });
  });

  describe('the returned manifest', () => {
    it('is frozen, is named after the folder and carries nothing but the contract fields', () => {
      const result = manifestFromModule(manifest({ extra: 'dropped' }), FOLDER);
      expect(Object.isFrozen(result)).toBe(true);
      expect(result.name).toBe(FOLDER);
      expect(Object.keys(result).sort()).toEqual(['contractVersion', 'name', 'providers', 'validators']);
      expect(() => {
        (result as { name: string }).name = 'other';
      }).toThrow(TypeError);
    });

    it('carries demoOnly: true, and leaves it out when false or absent', () => {
      expect(manifestFromModule(manifest({ demoOnly: true }), FOLDER).demoOnly).toBe(true);
      for (const demoOnly of [false, undefined]) {
        expect(Object.keys(manifestFromModule(manifest({ demoOnly }), FOLDER))).not.toContain('demoOnly');
      }
    });

    it(`accepts an older or equal minor of major ${MAJOR}`, () => {
      expect(manifestFromModule(manifest({ contractVersion: `${MAJOR}.0` }), FOLDER).contractVersion).toBe(`${MAJOR}.0`);
      expect(manifestFromModule(manifest({ contractVersion: `${MAJOR}.${MINOR}` }), FOLDER).contractVersion).toBe(
        `${MAJOR}.${MINOR}`,
      );
    });
  });

  describe('refusals', () => {
    it.each([
      ['undefined', undefined],
      ['null', null],
      ['a number', 42],
      ['a string', 'manifest'],
      ['a boolean', true],
    ])('refuses a module that exports %s', (_what, exported) => {
      expect(loadError(exported).message).toMatch(/exports no manifest/);
    });

    it('refuses an empty module.exports (what CommonJS gives when a module exports nothing)', () => {
      const error = loadError({});
      expect(error).toBeInstanceOf(PluginLoadError);
      expect(error.message).toMatch(/exports no manifest/);
    });

    it('refuses a factory that returns nothing', () => {
      expect(loadError(() => undefined).message).toMatch(/exports no manifest/);
    });

    it('refuses a name different from the folder name, naming both', () => {
      const { message } = loadError(manifest({ name: 'someone-else' }));
      expect(message).toMatch(/does not match the folder name/);
      expect(message).toContain('"someone-else"');
      expect(message).toContain(`"${FOLDER}"`);
    });

    it('refuses a manifest without a name', () => {
      expect(loadError(manifest({ name: undefined })).message).toMatch(/does not match the folder name/);
    });

    it.each(['yes', 1, 'true', null])('refuses demoOnly %j: only true or false', (demoOnly) => {
      expect(loadError(manifest({ demoOnly })).message).toBe(`demoOnly must be true or false, not ${JSON.stringify(demoOnly)}`);
    });

    it('refuses a manifest without contractVersion', () => {
      expect(loadError(manifest({ contractVersion: undefined })).message).toMatch(/contractVersion must be a string like/);
    });

    it.each(['one', '1', `${MAJOR}.${MINOR}.0`, ` ${STS_CONTRACT_VERSION}`, MAJOR])(
      'refuses a malformed contractVersion %j',
      (version) => {
        const { message } = loadError(manifest({ contractVersion: version }));
        expect(message).toMatch(/contractVersion must be a string like/);
        expect(message).toContain(STS_CONTRACT_VERSION);
      },
    );

    it('refuses another major version', () => {
      const other = `${MAJOR + 1}.0`;
      const { message } = loadError(manifest({ contractVersion: other }));
      expect(message).toContain(`built for contract ${other}`);
      expect(message).toContain(`this server implements contract ${STS_CONTRACT_VERSION}`);
    });

    it.each([MINOR + 1, MINOR + 9])(`refuses a newer minor version ${MAJOR}.%d`, (newerMinor) => {
      const newer = `${MAJOR}.${newerMinor}`;
      const { message } = loadError(manifest({ contractVersion: newer }));
      expect(message).toContain(`built for contract ${newer}`);
      expect(message).toContain(`this server implements contract ${STS_CONTRACT_VERSION}`);
    });

    it.each([
      ['absent', { validators: undefined, providers: undefined }],
      ['empty', { validators: {}, providers: {} }],
    ])('refuses a manifest whose validators and providers are %s', (_what, overrides) => {
      expect(loadError(manifest(overrides)).message).toMatch(/declares no validators and no providers/);
    });

    it.each([
      ['validators', 'CUSTOM'],
      ['validators', null],
      ['providers', 7],
    ])('refuses %s given as %j', (key, value) => {
      expect(loadError(manifest({ [key]: value })).message).toMatch(new RegExp(`^${key} must map token types to handlers`));
    });

    it.each(['custom', 'Custom', '1CUSTOM', 'CUS-TOM'])('refuses the token type key %j', (key) => {
      const { message } = loadError(manifest({ validators: { [key]: validator() } }));
      expect(message).toContain(`validators.${key}`);
      expect(message).toMatch(/token type names are upper case/);
    });

    it('refuses a validator without validateToken', () => {
      const { message } = loadError(manifest({ validators: { CUSTOM: { createToken: () => 'x' } } }));
      expect(message).toContain('validators.CUSTOM has no validateToken() method');
    });

    it('refuses a validator class without validateToken', () => {
      class NotAValidator {}
      const { message } = loadError(manifest({ validators: { CUSTOM: NotAValidator } }));
      expect(message).toContain('validators.CUSTOM has no validateToken() method');
    });

    it.each([null, 'handler', 3])('refuses a validator entry %j', (entry) => {
      expect(loadError(manifest({ validators: { CUSTOM: entry } })).message).toContain('validators.CUSTOM has no validateToken() method');
    });

    it('refuses a provider without createToken', () => {
      const { message } = loadError(manifest({ providers: { OUT: { validateToken: () => ({ principal: 'p' }) } } }));
      expect(message).toContain('providers.OUT has no createToken() method');
    });

    it.each([
      ['an empty string', ''],
      ['a number', 42],
      ['null', null],
      ['"token_type", which names the type already', 'token_type'],
      ['a string longer than 128 characters', 'f'.repeat(129)],
    ])('refuses a provider whose issuedTokenField is %s', (_what, field) => {
      const { message } = loadError(manifest({ providers: { OUT: { ...provider(), issuedTokenField: field } } }));
      expect(message).toContain('providers.OUT.issuedTokenField must be a non-empty string');
    });

    it.each([true, 'verify', {}])('refuses a provider whose verifyIssuedToken is %j', (value) => {
      const { message } = loadError(manifest({ providers: { OUT: { ...provider(), verifyIssuedToken: value } } }));
      expect(message).toContain('providers.OUT.verifyIssuedToken must be a method');
    });

    it('refuses a class whose constructor throws, naming where', () => {
      class Broken {
        constructor() {
          throw new Error('no config file');
        }
        validateToken() {
          return { principal: 'p' };
        }
      }
      const { message } = loadError(manifest({ validators: { CUSTOM: Broken } }));
      expect(message).toContain('validators.CUSTOM');
      expect(message).toMatch(/constructor threw: no config file/);
    });

    it('refuses a factory that throws, keeping its message', () => {
      const { message } = loadError(() => {
        throw new Error('cannot start');
      });
      expect(message).toMatch(/the manifest function threw: cannot start/);
    });

    it('refuses a factory that throws something that is not an Error', () => {
      const { message } = loadError(() => {
        throw 'plain string';
      });
      expect(message).toMatch(/the manifest function threw: plain string/);
    });

    it('refuses a module that exports a class instead of a manifest, without constructing it', () => {
      let constructed = 0;
      class PluginClass {
        constructor() {
          constructed += 1;
        }
      }
      expect(loadError(PluginClass).message).toMatch(/exports a class/);
      expect(loadError({ default: PluginClass }).message).toMatch(/exports a class/);
      expect(constructed).toBe(0);
    });

    it('is an Error subclass', () => {
      const error = loadError(null);
      expect(error).toBeInstanceOf(Error);
      expect(error).toBeInstanceOf(PluginLoadError);
    });
  });
});
