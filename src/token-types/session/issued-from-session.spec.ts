import type { PrincipalSession, TokenProvider, TokenProviderParams } from '../../plugin-api/token-contract';
import type { TokenStore } from '../../tokens/token-store';
import { linkedToSessions } from './issued-from-session';
import { Sessions } from './sessions';

class FakeProvider implements TokenProvider {
  readonly issuedTokenField = 'fake_token';
  private readonly answer = true;
  verifyIssuedToken(): boolean {
    return this.answer; // reads `this`: the wrapper must keep it bound
  }
  createToken(): string {
    return 'the-token';
  }
}

const session: PrincipalSession = { authenticatedAt: new Date(), authenticationMethods: ['pwd'], attributes: {} };
const params = (cancel: boolean, from: PrincipalSession | undefined) =>
  ({ session: from, instance: { path: '/default', settings: { session: { cancel_issued_tokens_on_logout: cancel } } }, realm: {} }) as unknown as TokenProviderParams;

function setUp() {
  const linkSessionToken = jest.fn(async () => undefined);
  const sessions = new Sessions({ linkSessionToken } as unknown as TokenStore);
  const provider = linkedToSessions(sessions, { FAKE: new FakeProvider() }).FAKE;
  return { sessions, provider, linkSessionToken };
}

it('keeps what the wrapped provider offers', () => {
  const { provider } = setUp();
  expect(provider.issuedTokenField).toBe('fake_token');
  expect(provider.verifyIssuedToken!({} as never)).toBe(true);
  expect(provider.checkConfiguration).toBeUndefined();
});

it('links a token issued from a remembered session when the instance cancels such tokens at logout', async () => {
  const { sessions, provider, linkSessionToken } = setUp();
  sessions.remember(session, { key: 'session-key', record: { keepUntil: 12345 } as never });
  expect(await provider.createToken(params(true, session))).toBe('the-token');
  expect(linkSessionToken).toHaveBeenCalledWith('session-key', expect.any(String), 12345);
});

it('links nothing without the option, or for a token not issued from a session', async () => {
  const { sessions, provider, linkSessionToken } = setUp();
  sessions.remember(session, { key: 'session-key', record: { keepUntil: 12345 } as never });
  await provider.createToken(params(false, session));
  await provider.createToken(params(true, { ...session }));
  await provider.createToken(params(true, undefined));
  expect(linkSessionToken).not.toHaveBeenCalled();
});
