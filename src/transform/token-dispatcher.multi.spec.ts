/** Several outputs from one validation (`output_token_states`): order, at_hash binding, all or nothing. */
import { isStsError, StsError, TokenStoreUnavailableError } from '../errors/sts-errors';
import type { JsonObject } from '../plugin-api/json';
import { STS_CONTRACT_VERSION, type IssuedToken, type TokenProvider, type TokenProviderParams, type TokenValidator } from '../plugin-api/token-contract';
import { LoadedInstance, type LoadedRealm } from '../realms/loaded-instance';
import type { InstanceConfig } from '../realms/schema/instance-config';
import type { IssuedTokens } from '../tokens/issued-tokens';
import type { AuditLog } from '../logging/audit-log';
import { MAX_OUTPUT_TOKENS } from './output-token-set';
import { TokenDispatcher } from './token-dispatcher';
import { TokenTypeRegistry } from './token-type-registry';

const realm = { path: '/', file: 'test.yaml', settings: {}, identityStore: undefined, keys: {} } as unknown as LoadedRealm;
const request = { remoteAddress: '127.0.0.1', headers: {}, clientCertificateChain: [] };
const replayGuardFor = () => ({ firstUse: async () => true });
const input: JsonObject = { token_type: 'USERNAME', id: '7' };

async function rejection(promise: Promise<unknown>): Promise<StsError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!isStsError(error)) throw new Error(`expected an StsError, got ${String(error)}`);
  return error;
}

function setup({ transforms = ['OPENIDCONNECT', 'JWT', 'SAML2', 'SESSION'], persist = true, recordFails = false } = {}) {
  const metrics = { observeTransform: jest.fn() };
  const audit = { enabled: true, record: jest.fn() };
  const calls: string[] = [];
  const validator: TokenValidator = {
    validateToken() {
      calls.push('validate');
      return { principal: 'alice' };
    },
  };
  const seen: Record<string, TokenProviderParams> = {};
  const providerOf = (type: string): TokenProvider => ({
    checkOutputTokenState(state) {
      calls.push(`check ${type}`);
      if (state.refuse_early) throw new StsError(400, 'invalid_request', 'refused before validation');
    },
    createToken(params) {
      calls.push(`create ${type}`);
      seen[String(params.outputTokenState.label ?? type)] = params;
      if (params.outputTokenState.refuse) throw new StsError(400, 'refused_by_provider', 'this provider refuses');
      return { token: `${type}-${String(params.outputTokenState.label ?? '')}`, expiresAt: new Date(Date.now() + 60_000) };
    },
  });
  const registry = new TokenTypeRegistry([
    {
      name: 'builtin',
      contractVersion: STS_CONTRACT_VERSION,
      validators: { USERNAME: validator },
      providers: { OPENIDCONNECT: providerOf('OPENIDCONNECT'), JWT: providerOf('JWT'), SAML2: providerOf('SAML2'), SESSION: providerOf('SESSION') },
    },
  ]);
  const settings = {
    supported_token_transforms: transforms.map((to) => ({ from: 'USERNAME', to })),
    persist_issued_tokens: persist,
    custom_token_validators: {},
    custom_token_providers: {},
  } as unknown as InstanceConfig;
  const target = new LoadedInstance(realm, 'inst', settings);
  const recorded: string[] = [];
  const forgotten: string[] = [];
  const issuedTokens = {
    async record(_target: LoadedInstance, _type: string, _principal: string, issued: IssuedToken) {
      if (recordFails && recorded.length === 1) throw new TokenStoreUnavailableError();
      recorded.push(issued.token);
    },
    async forget(_target: LoadedInstance, token: string) {
      forgotten.push(token);
      return true;
    },
  } as unknown as IssuedTokens;
  const dispatcher = new TokenDispatcher(registry, { timeoutMs: 10_000, replayGuardFor, issuedTokens, metrics, audit: audit as unknown as AuditLog });
  const translate = (outputTokenStates: unknown) => dispatcher.translateMany({ target, inputTokenState: input, outputTokenStates, request });
  return { calls, seen, recorded, forgotten, translate, metrics, audit, dispatcher, target };
}

describe('TokenDispatcher.translateMany', () => {
  it('validates once, checks every output first, creates the access token before the ID token and hands it over', async () => {
    const { calls, seen, recorded, translate } = setup();
    const issued = await translate({ id_token: { token_type: 'OPENIDCONNECT' }, access_token: { token_type: 'JWT' }, saml: { token_type: 'SAML2' } });
    expect(issued).toEqual({ id_token: 'OPENIDCONNECT-', access_token: 'JWT-', saml: 'SAML2-' });
    expect(calls).toEqual(['check OPENIDCONNECT', 'check JWT', 'check SAML2', 'validate', 'create JWT', 'create SAML2', 'create OPENIDCONNECT']);
    expect(seen.OPENIDCONNECT!.accessToken).toBe('JWT-');
    expect(seen.JWT!.accessToken).toBeUndefined();
    expect(seen.SAML2!.accessToken).toBeUndefined();
    expect(recorded.sort()).toEqual(['JWT-', 'OPENIDCONNECT-', 'SAML2-']);
  });

  it('counts and audits each output as a transform of its own, with its token hash', async () => {
    const { metrics, audit, translate } = setup();
    await translate({ id_token: { token_type: 'OPENIDCONNECT' }, access_token: { token_type: 'JWT' } });
    expect(metrics.observeTransform.mock.calls.map(([input, output, outcome]) => [input, output, outcome])).toEqual([
      ['USERNAME', 'OPENIDCONNECT', 'success'],
      ['USERNAME', 'JWT', 'success'],
    ]);
    expect(audit.record.mock.calls.map(([event]) => [event.output_type, event.outcome, event.principal, typeof event.token_hash])).toEqual([
      ['OPENIDCONNECT', 'success', 'alice', 'string'],
      ['JWT', 'success', 'alice', 'string'],
    ]);
  });

  it('counts and audits every output of a failed set as failed, with the error', async () => {
    const { metrics, audit, translate } = setup();
    await rejection(translate({ access_token: { token_type: 'JWT' }, saml: { token_type: 'SAML2', refuse: true } }));
    expect(metrics.observeTransform.mock.calls.map(([, output, outcome]) => [output, outcome])).toEqual([
      ['JWT', 'refused_by_provider'],
      ['SAML2', 'refused_by_provider'],
    ]);
    expect(audit.record.mock.calls.map(([event]) => [event.output_type, event.outcome, event.error, event.token_hash])).toEqual([
      ['JWT', 'failure', 'refused_by_provider', undefined],
      ['SAML2', 'failure', 'refused_by_provider', undefined],
    ]);
  });

  it('opens a session last, so that no other output can fail after it', async () => {
    const { calls, translate } = setup();
    await translate({ session_token: { token_type: 'SESSION' }, id_token: { token_type: 'OPENIDCONNECT' }, access_token: { token_type: 'JWT' } });
    expect(calls.filter((call) => call.startsWith('create'))).toEqual(['create JWT', 'create OPENIDCONNECT', 'create SESSION']);
  });

  it('never opens the session when another output fails', async () => {
    const { calls, translate } = setup();
    await rejection(translate({ session_token: { token_type: 'SESSION' }, saml: { token_type: 'SAML2', refuse: true } }));
    expect(calls).not.toContain('create SESSION');
  });

  it('gives an ID token without an access token in the set no access token to bind', async () => {
    const { seen, translate } = setup();
    await translate({ id_token: { token_type: 'OPENIDCONNECT' }, saml: { token_type: 'SAML2' } });
    expect(seen.OPENIDCONNECT!.accessToken).toBeUndefined();
  });

  it('issues several access tokens when no ID token asks for an at_hash', async () => {
    const { translate } = setup();
    const issued = await translate({ a: { token_type: 'JWT', label: 'a' }, b: { token_type: 'JWT', label: 'b' } });
    expect(issued).toEqual({ a: 'JWT-a', b: 'JWT-b' });
  });

  it('refuses an ID token with two access tokens (ambiguous_access_token) before validating', async () => {
    const { calls, translate } = setup();
    const error = await rejection(translate({ id: { token_type: 'OPENIDCONNECT' }, a: { token_type: 'JWT' }, b: { token_type: 'JWT' } }));
    expect([error.status, error.code]).toEqual([400, 'ambiguous_access_token']);
    expect(calls).toEqual([]);
  });

  it('refuses the whole set when one output is not a transform the instance supports', async () => {
    const { calls, translate } = setup({ transforms: ['OPENIDCONNECT'] });
    const error = await rejection(translate({ id_token: { token_type: 'OPENIDCONNECT' }, access_token: { token_type: 'JWT' } }));
    expect([error.status, error.code]).toEqual([400, 'unsupported_transform']);
    expect(calls).toEqual([]);
  });

  it('refuses the whole set, before validation, when one output state is refused', async () => {
    const { calls, recorded, translate } = setup();
    const error = await rejection(translate({ a: { token_type: 'JWT' }, b: { token_type: 'SAML2', refuse_early: true } }));
    expect(error.message).toBe('refused before validation');
    expect(calls).not.toContain('validate');
    expect(recorded).toEqual([]);
  });

  it('records nothing when an output fails after another was created', async () => {
    const { calls, recorded, translate } = setup();
    const error = await rejection(translate({ access_token: { token_type: 'JWT' }, saml: { token_type: 'SAML2', refuse: true }, id_token: { token_type: 'OPENIDCONNECT' } }));
    expect([error.status, error.code]).toEqual([400, 'refused_by_provider']);
    expect(calls).toContain('create JWT');
    expect(calls).not.toContain('create OPENIDCONNECT');
    expect(recorded).toEqual([]);
  });

  it('takes back what it recorded when the store fails part way', async () => {
    const { recorded, forgotten, translate } = setup({ recordFails: true });
    const error = await rejection(translate({ access_token: { token_type: 'JWT' }, id_token: { token_type: 'OPENIDCONNECT' } }));
    expect([error.status, error.code]).toEqual([503, 'token_store_unavailable']);
    expect(forgotten).toEqual(recorded);
    expect(forgotten).toHaveLength(1);
  });

  it.each<[string, unknown, string]>([
    ['an array', [{ token_type: 'JWT' }], 'invalid_output_token_states'],
    ['a string', 'JWT', 'invalid_output_token_states'],
    ['null', null, 'invalid_output_token_states'],
    ['an empty map', {}, 'invalid_output_token_states'],
    ['a name with a space', { 'id token': { token_type: 'JWT' } }, 'invalid_output_token_states'],
    ['a name starting with a digit', { '1': { token_type: 'JWT' } }, 'invalid_output_token_states'],
    ['a state that is a string', { a: 'JWT' }, 'invalid_output_token_states'],
    ['a state without token_type', { a: {} }, 'invalid_request'],
    ['an unknown output type', { a: { token_type: 'NOPE' } }, 'unknown_token_type'],
    ['too many outputs', Object.fromEntries(Array.from({ length: MAX_OUTPUT_TOKENS + 1 }, (_, i) => [`t${i}`, { token_type: 'SAML2' }])), 'too_many_output_tokens'],
  ])('answers 400 for %s', async (_name, states, code) => {
    const { calls, translate } = setup();
    const error = await rejection(translate(states));
    expect([error.status, error.code]).toEqual([400, code]);
    expect(calls).toEqual([]);
  });

  it(`accepts exactly ${MAX_OUTPUT_TOKENS} outputs`, async () => {
    const { translate } = setup({ persist: false });
    const issued = await translate(Object.fromEntries(Array.from({ length: MAX_OUTPUT_TOKENS }, (_, i) => [`t${i}`, { token_type: 'SAML2', label: i }])));
    expect(Object.keys(issued)).toHaveLength(MAX_OUTPUT_TOKENS);
  });
});

describe('TokenDispatcher.translateManyIssued', () => {
  it('answers each token with its expiry, and hands each output only the exchange context named for it (issuedTo)', async () => {
    const { seen, dispatcher, target } = setup();
    const issued = await dispatcher.translateManyIssued({
      target,
      inputTokenState: input,
      request,
      outputTokenStates: { id_token: { token_type: 'OPENIDCONNECT' }, access_token: { token_type: 'JWT' }, saml: { token_type: 'SAML2' } },
      issuedTo: { id_token: { clientId: 'rp', audience: ['rp'] }, access_token: { clientId: 'rp' } },
    });
    expect(Object.keys(issued).sort()).toEqual(['access_token', 'id_token', 'saml']);
    expect(issued.id_token!.expiresAt).toBeInstanceOf(Date);
    expect(seen.OPENIDCONNECT!.exchange).toEqual({ clientId: 'rp', audience: ['rp'] });
    expect(seen.JWT!.exchange).toEqual({ clientId: 'rp' });
    expect(seen.SAML2!.exchange).toBeUndefined();
    // The at_hash binding still applies.
    expect(seen.OPENIDCONNECT!.accessToken).toBe(issued.access_token!.token);
  });
});
