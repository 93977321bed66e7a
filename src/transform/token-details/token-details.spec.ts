/** TokenDetails refusals that need no real keys: types without details, options, the provider's verdict. */
import { isStsError, StsError } from '../../errors/sts-errors';
import { STS_CONTRACT_VERSION, type TokenProvider } from '../../plugin-api/token-contract';
import { LoadedInstance, type LoadedRealm } from '../../realms/loaded-instance';
import type { InstanceConfig } from '../../realms/schema/instance-config';
import { TokenTypeRegistry } from '../token-type-registry';
import { TokenDetails } from './token-details';

const realm = { path: '/', file: 'test.yaml', settings: {}, identityStore: undefined, keys: { get: () => undefined } } as unknown as LoadedRealm;

async function rejection(promise: Promise<unknown>): Promise<StsError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!isStsError(error)) throw new Error(`expected an StsError, got ${String(error)}`);
  return error;
}

function setup() {
  const provider: TokenProvider = { createToken: () => 'x', verifyIssuedToken: () => true };
  const registry = new TokenTypeRegistry([
    { name: 'builtin', contractVersion: STS_CONTRACT_VERSION, validators: {}, providers: { SESSION: provider, CUSTOM: provider } },
  ]);
  const settings = {
    supported_token_transforms: [{ from: 'USERNAME', to: 'SESSION' }, { from: 'USERNAME', to: 'CUSTOM' }],
    persist_issued_tokens: false,
    custom_token_validators: {},
    custom_token_providers: {},
  } as unknown as InstanceConfig;
  return { details: new TokenDetails(registry, undefined, 1000), target: new LoadedInstance(realm, 'inst', settings) };
}

describe('TokenDetails', () => {
  it('sends session tokens to the session details action (token_details_unsupported)', async () => {
    const { details, target } = setup();
    const error = await rejection(details.details(target, { token_type: 'SESSION', token: 'abc' }));
    expect([error.status, error.code]).toEqual([400, 'token_details_unsupported']);
    expect(error.message).toMatch(/_action=session_info/);
  });

  it('has no details for a plugin type (token_details_unsupported)', async () => {
    const { details, target } = setup();
    const error = await rejection(details.details(target, { token_type: 'CUSTOM', token: 'abc' }));
    expect([error.status, error.code]).toEqual([400, 'token_details_unsupported']);
  });

  it('refuses a type the instance does not issue before reading anything (unknown_token_type)', async () => {
    const { details, target } = setup();
    const error = await rejection(details.details(target, { token_type: 'OPENIDCONNECT', token: 'abc' }));
    expect([error.status, error.code]).toEqual([400, 'unknown_token_type']);
    expect(error.message).toBe('Instance /inst does not issue "OPENIDCONNECT" tokens; it issues SESSION, CUSTOM.');
  });

  it.each([
    [{ errorOnExpiry: 'no' }, 'options.errorOnExpiry must be true or false.'],
    [{ errorOnExpiry: 0 }, 'options.errorOnExpiry must be true or false.'],
    [{ resolveToUser: true }, 'Unknown option "resolveToUser"; token_details takes errorOnExpiry.'],
  ])('refuses options %j with 400 invalid_request', async (options, message) => {
    const { details, target } = setup();
    const error = await rejection(details.details(target, { token_type: 'SESSION', token: 'abc', options }));
    expect([error.status, error.code, error.message]).toEqual([400, 'invalid_request', message]);
  });
});
