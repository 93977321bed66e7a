import { InvalidTokenError, isStsError, StsError, TokenStoreUnavailableError } from '../errors/sts-errors';
import type { JsonObject } from '../plugin-api/json';
import {
  type ReplayGuard,
  STS_CONTRACT_VERSION,
  type TokenProvider,
  type TokenProviderParams,
  type TokenValidator,
  type TokenValidatorParams,
} from '../plugin-api/token-contract';
import { LoadedInstance, type LoadedRealm } from '../realms/loaded-instance';
import type { InstanceConfig } from '../realms/schema/instance-config';
import type { IssuedTokens } from '../tokens/issued-tokens';
import { TokenDispatcher } from './token-dispatcher';
import { TokenTypeRegistry } from './token-type-registry';

const realm = { path: '/', file: 'test.yaml', settings: {}, identityStore: undefined, keys: {} } as unknown as LoadedRealm;
const request = { remoteAddress: '127.0.0.1', headers: {}, clientCertificateChain: [] };
/** Names the guard after its namespace so a test can see which one a validator got. */
const replayGuardFor = (inputTokenType: string) => ({ namespace: inputTokenType, firstUse: async () => true }) as ReplayGuard;

function instanceWith(transforms: [string, string][], bindings: Partial<InstanceConfig> = {}): LoadedInstance {
  const settings = {
    supported_token_transforms: transforms.map(([from, to]) => ({ from, to })),
    persist_issued_tokens: false,
    custom_token_validators: {},
    custom_token_providers: {},
    ...bindings,
  } as InstanceConfig;
  return new LoadedInstance(realm, 'inst', settings);
}

/** Records calls in order so tests can assert what ran and with what. */
function fakes() {
  const calls: string[] = [];
  const validator: TokenValidator & { last?: TokenValidatorParams } = {
    validateToken(params) {
      calls.push('validate');
      validator.last = params;
      return { principal: `user-${params.inputTokenState.id}`, additionalState: { from: 'validator' } };
    },
  };
  const provider: TokenProvider & { last?: TokenProviderParams } = {
    checkOutputTokenState() {
      calls.push('check-output');
    },
    createToken(params) {
      calls.push('create');
      provider.last = params;
      return `token-for-${params.principal}`;
    },
  };
  return { calls, validator, provider };
}

async function rejection(promise: Promise<unknown>): Promise<StsError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isStsError(error)) throw new Error(`expected an StsError, got ${String(error)}`);
  return error;
}

describe('TokenDispatcher', () => {
  const input: JsonObject = { token_type: 'IN', id: '7' };
  const output: JsonObject = { token_type: 'OUT', extra: 'x' };

  function setup(transforms: [string, string][] = [['IN', 'OUT']]) {
    const f = fakes();
    const registry = new TokenTypeRegistry([
      { name: 'builtin', contractVersion: STS_CONTRACT_VERSION, validators: { IN: f.validator }, providers: { OUT: f.provider } },
    ]);
    const target = instanceWith(transforms);
    return { ...f, registry, target, dispatcher: new TokenDispatcher(registry, { timeoutMs: 10_000, replayGuardFor }) };
  }

  it('checks the output state, validates, then provides, handing over everything the contract names', async () => {
    const { dispatcher, target, calls, validator, provider } = setup();
    const token = await dispatcher.translate({ target, inputTokenState: input, outputTokenState: output, request });
    expect(token).toBe('token-for-user-7');
    expect(calls).toEqual(['check-output', 'validate', 'create']);
    expect(validator.last).toMatchObject({ inputTokenType: 'IN', inputTokenState: input, realm, instance: target.instance, request });
    expect(provider.last).toMatchObject({
      principal: 'user-7',
      additionalState: { from: 'validator' },
      inputTokenType: 'IN',
      inputTokenState: input,
      outputTokenType: 'OUT',
      outputTokenState: output,
      realm,
      instance: target.instance,
    });
  });

  it('refuses a transform the instance does not list before any validation', async () => {
    const { dispatcher, calls } = setup();
    const other = instanceWith([['OUT', 'IN']]);
    const error = await rejection(dispatcher.translate({ target: other, inputTokenState: input, outputTokenState: output, request }));
    expect([error.status, error.code]).toEqual([400, 'unsupported_transform']);
    expect(calls).toEqual([]);
  });

  it.each([
    ['input', { token_type: 'NOPE' }, output, 'Unknown token type "NOPE" as input; instance /inst accepts IN, IN2 as input.'],
    ['output', input, { token_type: 'NOPE' }, 'Unknown token type "NOPE" as output; instance /inst issues OUT.'],
  ])('answers unknown_token_type for an unknown %s type, naming the types the instance takes there', async (_side, inState, outState, message) => {
    const { dispatcher, target, calls } = setup([['IN', 'OUT'], ['IN2', 'OUT'], ['IN', 'OUT']]);
    const error = await rejection(dispatcher.translate({ target, inputTokenState: inState, outputTokenState: outState, request }));
    expect([error.status, error.code, error.message]).toEqual([400, 'unknown_token_type', message]);
    expect(calls).toEqual([]);
  });

  it.each([{}, { token_type: 5 }, { token_type: '' }])('answers invalid_request for token_type %j', async (state) => {
    const { dispatcher, target } = setup();
    const error = await rejection(dispatcher.translate({ target, inputTokenState: state as JsonObject, outputTokenState: output, request }));
    expect([error.status, error.code]).toEqual([400, 'invalid_request']);
  });

  it('does not validate when the output state is refused', async () => {
    const { dispatcher, target, calls, provider } = setup();
    provider.checkOutputTokenState = () => {
      throw new StsError(400, 'invalid_request', 'bad output');
    };
    const error = await rejection(dispatcher.translate({ target, inputTokenState: input, outputTokenState: output, request }));
    expect(error.code).toBe('invalid_request');
    expect(calls).toEqual([]);
  });

  it('passes a validator rejection through unchanged and never provides', async () => {
    const { dispatcher, target, calls, validator } = setup();
    validator.validateToken = () => Promise.reject(new InvalidTokenError('expired', { code: 'token_expired' }));
    const error = await rejection(dispatcher.translate({ target, inputTokenState: input, outputTokenState: output, request }));
    expect([error.status, error.code, error.message]).toEqual([401, 'token_expired', 'expired']);
    expect(calls).toEqual(['check-output']);
  });

  it('turns a validator crash into a 500 that keeps the cause for the log', async () => {
    const { dispatcher, target, calls, validator } = setup();
    const crash = new TypeError('secret internals');
    validator.validateToken = () => {
      throw crash;
    };
    const error = await rejection(dispatcher.translate({ target, inputTokenState: input, outputTokenState: output, request }));
    expect([error.status, error.code]).toEqual([500, 'token_validation_failed']);
    expect(error.message).not.toContain('secret internals');
    expect(error.cause).toBe(crash);
    expect(calls).toEqual(['check-output']);
  });

  it('turns a token provider crash into token_issuance_failed', async () => {
    const { dispatcher, target, provider } = setup();
    provider.createToken = () => Promise.reject(new Error('boom'));
    const error = await rejection(dispatcher.translate({ target, inputTokenState: input, outputTokenState: output, request }));
    expect([error.status, error.code]).toEqual([500, 'token_issuance_failed']);
  });

  it.each([
    ['an empty principal', { principal: '' }],
    ['a principal that is not a string', { principal: 42 }],
    ['nothing at all', undefined],
    ['an issuer that is not a string', { principal: 'p', issuer: 42 }],
    ['an empty issuer', { principal: 'p', issuer: '' }],
    ['a session without an authentication time', { principal: 'p', session: { authenticationMethods: [], attributes: {} } }],
    ['an authentication time that is not a Date', { principal: 'p', session: { authenticatedAt: 1700000000, authenticationMethods: [], attributes: {} } }],
  ])('refuses a validator result with %s as its own fault (500)', async (_, result) => {
    const { dispatcher, target, calls, validator } = setup();
    validator.validateToken = () => result as never;
    const error = await rejection(dispatcher.translate({ target, inputTokenState: input, outputTokenState: output, request }));
    expect([error.status, error.code]).toEqual([500, 'token_validation_failed']);
    expect(calls).toEqual(['check-output']);
  });

  it.each([
    ['1e308 seconds (an Invalid Date)', new Date(1e308 * 1000)],
    ['after 9999', new Date(Date.UTC(10000, 0, 1))],
    ['before 1970', new Date(-1000)],
  ])('refuses an authentication time %s taken from the input with 401 auth_time_out_of_range, and issues nothing', async (_, authenticatedAt) => {
    const { dispatcher, target, calls, validator } = setup();
    validator.validateToken = () => ({ principal: 'p', session: { authenticatedAt, authenticationMethods: [], attributes: {} } });
    const error = await rejection(dispatcher.translate({ target, inputTokenState: input, outputTokenState: output, request }));
    expect([error.status, error.code]).toEqual([401, 'auth_time_out_of_range']);
    expect(calls).toEqual(['check-output']);
  });

  it('accepts the last millisecond of 9999 as an authentication time', async () => {
    const { dispatcher, target, validator, provider } = setup();
    const authenticatedAt = new Date('9999-12-31T23:59:59.000Z');
    validator.validateToken = () => ({ principal: 'p', session: { authenticatedAt, authenticationMethods: [], attributes: {} } });
    await dispatcher.translate({ target, inputTokenState: input, outputTokenState: output, request });
    expect(provider.last?.session?.authenticatedAt).toBe(authenticatedAt);
  });

  it.each(['', 17, null])('refuses a token provider result that is not a non-empty string: %j', async (result) => {
    const { dispatcher, target, provider } = setup();
    provider.createToken = () => result as never;
    const error = await rejection(dispatcher.translate({ target, inputTokenState: input, outputTokenState: output, request }));
    expect([error.status, error.code]).toEqual([500, 'token_issuance_failed']);
  });

  it('hands the validator the deployment-wide replay guard of its input type', async () => {
    const { dispatcher, target, validator } = setup();
    await dispatcher.translate({ target, inputTokenState: input, outputTokenState: output, request });
    expect(validator.last?.replayGuard).toMatchObject({ namespace: 'IN' });
  });

  it.each([{ token: '' }, { token: 5 }, { token: 'ok', expiresAt: new Date(NaN) }, { token: 'ok', expiresAt: 1234 }])(
    'refuses an IssuedToken that is malformed: %j',
    async (result) => {
      const { dispatcher, target, provider } = setup();
      provider.createToken = () => result as never;
      const error = await rejection(dispatcher.translate({ target, inputTokenState: input, outputTokenState: output, request }));
      expect([error.status, error.code]).toEqual([500, 'token_issuance_failed']);
    },
  );

  describe('on an instance that persists issued tokens', () => {
    function persisting(record: jest.Mock) {
      const s = setup();
      const target = instanceWith([['IN', 'OUT']], { persist_issued_tokens: true });
      const issuedTokens = { record } as unknown as IssuedTokens;
      return { ...s, target, dispatcher: new TokenDispatcher(s.registry, { timeoutMs: 10_000, replayGuardFor, issuedTokens }) };
    }

    it('records the issued token, its type, principal and expiry before answering', async () => {
      const record = jest.fn().mockResolvedValue(undefined);
      const { dispatcher, target, provider } = persisting(record);
      const expiresAt = new Date(Date.now() + 60_000);
      provider.createToken = (params) => ({ token: `t-${params.principal}`, expiresAt, introspectionClaims: { iss: 'x' } });
      await expect(dispatcher.translate({ target, inputTokenState: input, outputTokenState: output, request })).resolves.toBe('t-user-7');
      expect(record).toHaveBeenCalledWith(target, 'OUT', 'user-7', { token: 't-user-7', expiresAt, introspectionClaims: { iss: 'x' } });
    });

    it('answers with the store error, not the token, when the store cannot record it', async () => {
      const record = jest.fn().mockRejectedValue(new TokenStoreUnavailableError());
      const { dispatcher, target } = persisting(record);
      const error = await rejection(dispatcher.translate({ target, inputTokenState: input, outputTokenState: output, request }));
      expect([error.status, error.code]).toEqual([503, 'token_store_unavailable']);
    });

    it('records nothing for an instance that does not persist', async () => {
      const record = jest.fn();
      const { dispatcher } = persisting(record);
      await dispatcher.translate({ target: instanceWith([['IN', 'OUT']]), inputTokenState: input, outputTokenState: output, request });
      expect(record).not.toHaveBeenCalled();
    });
  });

  describe('exchange (the RFC 8693 token endpoint)', () => {
    const actorState: JsonObject = { token_type: 'ACT', id: '9' };

    function exchangeSetup(transforms: [string, string][] = [['IN', 'OUT'], ['ACT', 'OUT']], bindings: Partial<InstanceConfig> = {}) {
      const s = setup();
      const actorValidator: TokenValidator = {
        validateToken: (params) => {
          s.calls.push(`validate-actor ${(params.replayGuard as unknown as { namespace: string }).namespace}`);
          return { principal: `actor-${params.inputTokenState.id}` };
        },
      };
      const registry = new TokenTypeRegistry([
        { name: 'builtin', contractVersion: STS_CONTRACT_VERSION, validators: { IN: s.validator, ACT: actorValidator }, providers: { OUT: s.provider } },
      ]);
      const record = jest.fn().mockResolvedValue(undefined);
      const issuedTokens = { record } as unknown as IssuedTokens;
      const target = instanceWith(transforms, bindings);
      return { ...s, record, target, dispatcher: new TokenDispatcher(registry, { timeoutMs: 10_000, replayGuardFor, issuedTokens }) };
    }

    it('validates subject and actor, lets the endpoint decide from both, and hands its decision to the provider', async () => {
      const { dispatcher, target, calls, provider } = exchangeSetup();
      const decide = jest.fn().mockReturnValue({ audience: ['api'], actor: { sub: 'actor-9' } });
      const issued = await dispatcher.exchange({ target, inputTokenState: input, actorTokenState: actorState, outputTokenState: output, request, decide });
      expect(issued).toEqual({ token: 'token-for-user-7' });
      expect(calls).toEqual(['check-output', 'validate', 'validate-actor ACT', 'create']);
      expect(decide).toHaveBeenCalledWith(expect.objectContaining({ principal: 'user-7' }), { principal: 'actor-9' });
      expect(provider.last?.exchange).toEqual({ audience: ['api'], actor: { sub: 'actor-9' } });
      expect(provider.last?.principal).toBe('user-7');
    });

    it('records a token for the exchanging client unless the provider named a client itself', async () => {
      const { dispatcher, target, record, provider } = exchangeSetup([['IN', 'OUT']], { persist_issued_tokens: true });
      const decide = () => ({ clientId: 'exchanger' });
      await dispatcher.exchange({ target, inputTokenState: input, outputTokenState: output, request, decide });
      expect(record.mock.calls[0][3].introspectionClaims).toEqual({ client_id: 'exchanger' });
      provider.createToken = () => ({ token: 't', introspectionClaims: { iss: 'x', client_id: 'named-by-provider' } });
      await dispatcher.exchange({ target, inputTokenState: input, outputTokenState: output, request, decide });
      expect(record.mock.calls[1][3].introspectionClaims).toEqual({ iss: 'x', client_id: 'named-by-provider' });
    });

    it('refuses an actor token type the instance does not accept for the output, before any validation', async () => {
      const { dispatcher, target, calls } = exchangeSetup([['IN', 'OUT']]);
      const error = await rejection(dispatcher.exchange({ target, inputTokenState: input, actorTokenState: actorState, outputTokenState: output, request, decide: () => ({}) }));
      expect([error.status, error.code]).toEqual([400, 'unsupported_transform']);
      expect(calls).toEqual([]);
    });

    it('issues nothing when the endpoint refuses the decision', async () => {
      const { dispatcher, target, calls } = exchangeSetup();
      const decide = () => {
        throw new InvalidTokenError('not permitted');
      };
      const error = await rejection(dispatcher.exchange({ target, inputTokenState: input, actorTokenState: actorState, outputTokenState: output, request, decide }));
      expect(error.message).toBe('not permitted');
      expect(calls).not.toContain('create');
    });

    it('records what it issues on a persisting instance, as translate does', async () => {
      const { dispatcher, record } = exchangeSetup();
      const target = instanceWith([['IN', 'OUT']], { persist_issued_tokens: true });
      await dispatcher.exchange({ target, inputTokenState: input, outputTokenState: output, request, decide: () => ({}) });
      expect(record).toHaveBeenCalledWith(target, 'OUT', 'user-7', { token: 'token-for-user-7' });
    });
  });

  it('uses the plugin an instance binds a type to, and 503s while that plugin is missing', async () => {
    const { dispatcher, registry } = setup();
    const target = instanceWith([['IN', 'OUT']], { custom_token_validators: { IN: 'my-plugin' } });
    const missing = await rejection(dispatcher.translate({ target, inputTokenState: input, outputTokenState: output, request }));
    expect([missing.status, missing.code]).toEqual([503, 'plugin_unavailable']);

    registry.setPlugin({
      name: 'my-plugin',
      contractVersion: STS_CONTRACT_VERSION,
      validators: { IN: { validateToken: () => ({ principal: 'from-plugin' }) } },
    });
    await expect(dispatcher.translate({ target, inputTokenState: input, outputTokenState: output, request })).resolves.toBe(
      'token-for-from-plugin',
    );
    registry.removePlugin('my-plugin');
    const removed = await rejection(dispatcher.translate({ target, inputTokenState: input, outputTokenState: output, request }));
    expect(removed.code).toBe('plugin_unavailable');
  });

  it('serves concurrent requests with one validator and token provider instance without mixing answers', async () => {
    const { dispatcher, target, validator } = setup();
    validator.validateToken = async (params) => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
      return { principal: `user-${params.inputTokenState.id}` };
    };
    const ids = Array.from({ length: 50 }, (_, i) => String(i));
    const tokens = await Promise.all(
      ids.map((id) => dispatcher.translate({ target, inputTokenState: { token_type: 'IN', id }, outputTokenState: output, request })),
    );
    expect(tokens).toEqual(ids.map((id) => `token-for-user-${id}`));
  });

  describe('with a timeout', () => {
    /** A promise the test settles by hand, so no test depends on how long anything takes. */
    function deferred<T>() {
      let resolve!: (value: T) => void;
      let reject!: (reason: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    }
    const never = <T>() => new Promise<T>(() => undefined);

    function timedSetup(timeoutMs: number) {
      const s = setup();
      return { ...s, dispatcher: new TokenDispatcher(s.registry, { timeoutMs, replayGuardFor }) };
    }

    function translate(dispatcher: TokenDispatcher, target: LoadedInstance) {
      return dispatcher.translate({ target, inputTokenState: input, outputTokenState: output, request });
    }

    it('answers 504 token_processing_timeout for a validator that never settles, and never provides', async () => {
      const { dispatcher, target, calls, validator, provider } = timedSetup(50);
      validator.validateToken = () => {
        calls.push('validate');
        return never();
      };
      const createToken = jest.spyOn(provider, 'createToken');
      const error = await rejection(translate(dispatcher, target));
      expect(error).toBeInstanceOf(StsError);
      expect([error.status, error.code]).toEqual([504, 'token_processing_timeout']);
      expect(createToken).not.toHaveBeenCalled();
      expect(calls).toEqual(['check-output', 'validate']);
    });

    it('answers 504 for a token provider that never settles', async () => {
      const { dispatcher, target, calls, provider } = timedSetup(50);
      provider.createToken = () => {
        calls.push('create');
        return never();
      };
      const error = await rejection(translate(dispatcher, target));
      expect([error.status, error.code]).toEqual([504, 'token_processing_timeout']);
      expect(calls).toEqual(['check-output', 'validate', 'create']);
    });

    it('answers 504 for an output state check that never settles, before any validation', async () => {
      const { dispatcher, target, calls, provider } = timedSetup(50);
      // The contract says void, but a plugin written in JS may well return a promise.
      provider.checkOutputTokenState = (() => never()) as unknown as TokenProvider['checkOutputTokenState'];
      const error = await rejection(translate(dispatcher, target));
      expect([error.status, error.code]).toEqual([504, 'token_processing_timeout']);
      expect(calls).toEqual([]);
    });

    it('drops a validator answer that arrives after the timeout', async () => {
      const { dispatcher, target, calls, validator, provider } = timedSetup(50);
      const late = deferred<{ principal: string }>();
      validator.validateToken = () => late.promise;
      const createToken = jest.spyOn(provider, 'createToken');

      const error = await rejection(translate(dispatcher, target));
      expect([error.status, error.code]).toEqual([504, 'token_processing_timeout']);

      late.resolve({ principal: 'too-late' });
      await late.promise;
      await new Promise((resolve) => setImmediate(resolve));
      expect(createToken).not.toHaveBeenCalled();
      expect(calls).toEqual(['check-output']);
    });

    it('ignores a validator failure that arrives after the timeout', async () => {
      const { dispatcher, target, validator, provider } = timedSetup(50);
      const late = deferred<{ principal: string }>();
      validator.validateToken = () => late.promise;
      const createToken = jest.spyOn(provider, 'createToken');
      const unhandled = jest.fn();
      process.on('unhandledRejection', unhandled);
      try {
        const error = await rejection(translate(dispatcher, target));
        expect(error.code).toBe('token_processing_timeout');
        late.reject(new InvalidTokenError('late refusal'));
        await late.promise.catch(() => undefined);
        await new Promise((resolve) => setImmediate(resolve));
        expect(unhandled).not.toHaveBeenCalled();
        expect(createToken).not.toHaveBeenCalled();
      } finally {
        process.off('unhandledRejection', unhandled);
      }
    });

    it('lets a slow validator that answers in time succeed', async () => {
      const { dispatcher, target, calls, validator } = timedSetup(200);
      validator.validateToken = async (params) => {
        calls.push('validate');
        await new Promise((resolve) => setTimeout(resolve, 10));
        return { principal: `slow-${params.inputTokenState.id}` };
      };
      await expect(translate(dispatcher, target)).resolves.toBe('token-for-slow-7');
      expect(calls).toEqual(['check-output', 'validate', 'create']);
    });

    it('lets a validator that settles by hand before the timeout succeed', async () => {
      const { dispatcher, target, validator } = timedSetup(50);
      const answer = deferred<{ principal: string }>();
      validator.validateToken = () => {
        answer.resolve({ principal: 'in-time' });
        return answer.promise;
      };
      await expect(translate(dispatcher, target)).resolves.toBe('token-for-in-time');
    });

    it('works with a synchronous validator and token provider', async () => {
      const { dispatcher, target, calls } = timedSetup(50);
      await expect(translate(dispatcher, target)).resolves.toBe('token-for-user-7');
      expect(calls).toEqual(['check-output', 'validate', 'create']);
    });

    it('awaits a thenable that is not a Promise', async () => {
      const { dispatcher, target, validator, provider } = timedSetup(50);
      validator.validateToken = () =>
        ({
          then(onFulfilled: (value: { principal: string }) => unknown) {
            onFulfilled({ principal: 'from-thenable' });
          },
        }) as unknown as Promise<{ principal: string }>;
      provider.createToken = (params) =>
        ({
          then(onFulfilled: (value: string) => unknown) {
            onFulfilled(`thenable-token-for-${params.principal}`);
          },
        }) as unknown as Promise<string>;
      await expect(translate(dispatcher, target)).resolves.toBe('thenable-token-for-from-thenable');
    });

    it('times out a thenable that never settles', async () => {
      const { dispatcher, target, validator, provider } = timedSetup(50);
      const then = jest.fn();
      validator.validateToken = () => ({ then }) as unknown as Promise<{ principal: string }>;
      const createToken = jest.spyOn(provider, 'createToken');
      const error = await rejection(translate(dispatcher, target));
      expect([error.status, error.code]).toEqual([504, 'token_processing_timeout']);
      expect(then).toHaveBeenCalled();
      expect(createToken).not.toHaveBeenCalled();
    });

    it('turns a thenable whose then() throws into a 500, not a timeout', async () => {
      const { dispatcher, target, validator } = timedSetup(50);
      validator.validateToken = () =>
        ({
          then() {
            throw new Error('broken thenable');
          },
        }) as unknown as Promise<{ principal: string }>;
      const error = await rejection(translate(dispatcher, target));
      expect([error.status, error.code]).toEqual([500, 'token_validation_failed']);
    });
  });
});
