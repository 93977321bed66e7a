import { InvalidTokenError, isStsError, StsError } from '../errors/sts-errors';
import type { JsonObject } from '../plugin-api/json';
import {
  STS_CONTRACT_VERSION,
  type TokenProvider,
  type TokenProviderParams,
  type TokenValidator,
  type TokenValidatorParams,
} from '../plugin-api/token-contract';
import { LoadedInstance, type LoadedRealm } from '../realms/loaded-instance';
import type { InstanceConfig } from '../realms/schema/instance-config';
import { TokenDispatcher } from './token-dispatcher';
import { TokenTypeRegistry } from './token-type-registry';

const realm = { path: '/', file: 'test.yaml', settings: {}, identityStore: undefined, keys: {} } as unknown as LoadedRealm;
const request = { remoteAddress: '127.0.0.1', headers: {} };

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
    return { ...f, registry, target, dispatcher: new TokenDispatcher(registry) };
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
    ['input', { token_type: 'NOPE' }, output],
    ['output', input, { token_type: 'NOPE' }],
  ])('answers unknown_token_type for an unknown %s type', async (_side, inState, outState) => {
    const { dispatcher, target, calls } = setup();
    const error = await rejection(dispatcher.translate({ target, inputTokenState: inState, outputTokenState: outState, request }));
    expect([error.status, error.code]).toEqual([400, 'unknown_token_type']);
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

  it.each([{ principal: '' }, { principal: 42 }, undefined])('refuses a validator result without a principal: %j', async (result) => {
    const { dispatcher, target, calls, validator } = setup();
    validator.validateToken = () => result as never;
    const error = await rejection(dispatcher.translate({ target, inputTokenState: input, outputTokenState: output, request }));
    expect([error.status, error.code]).toEqual([500, 'token_validation_failed']);
    expect(calls).toEqual(['check-output']);
  });

  it.each(['', 17, null])('refuses a token provider result that is not a non-empty string: %j', async (result) => {
    const { dispatcher, target, provider } = setup();
    provider.createToken = () => result as never;
    const error = await rejection(dispatcher.translate({ target, inputTokenState: input, outputTokenState: output, request }));
    expect([error.status, error.code]).toEqual([500, 'token_issuance_failed']);
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
});
