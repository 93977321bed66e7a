/** The example plugin (plugins/example-custom) through the real manifest loader: contract 1.1 as plugin authors see it. */
import 'reflect-metadata';
import type { TokenProvider, TokenProviderParams } from '../plugin-api/token-contract';
import { manifestFromModule } from './plugin-manifest';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS plugin, loaded as the server loads it
const examplePlugin: unknown = require('../../plugins/example-custom');

const manifest = manifestFromModule(examplePlugin, 'example-custom');
const provider = manifest.providers!.CUSTOM as TokenProvider;

const params = { principal: 'alice', inputTokenType: 'USERNAME', outputTokenState: { token_type: 'CUSTOM' } } as unknown as TokenProviderParams;
const decode = (token: string) => JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as Record<string, unknown>;
const verify = (token: string) => provider.verifyIssuedToken!({ token } as never);

describe('example-custom plugin, contract 1.1', () => {
  it('declares the contract it was written for and names its validated_token_state field', () => {
    expect(manifest.contractVersion).toBe('1.1');
    expect(provider.issuedTokenField).toBe('custom_token');
  });

  it('marks itself demo-only: its validator checks nothing, so production refuses instances bound to it', () => {
    expect(manifest.demoOnly).toBe(true);
  });

  it('returns its token with an expiry 10 minutes out, which the token itself states', async () => {
    const issued = await provider.createToken(params);
    if (typeof issued === 'string') throw new Error('expected an IssuedToken');
    const content = decode(issued.token);
    expect(content).toMatchObject({ principal: 'alice', input_token_type: 'USERNAME' });
    expect(content.expires_at).toBe(issued.expiresAt!.toISOString());
    expect(Date.parse(content.expires_at as string) - Date.parse(content.issued_at as string)).toBe(600_000);
  });

  it('vouches for a token it issued and answers false, without throwing, for one it cannot read', async () => {
    const issued = await provider.createToken(params);
    expect(await verify(typeof issued === 'string' ? issued : issued.token)).toBe(true);
    for (const garbage of ['', '%%%', Buffer.from('null').toString('base64'), Buffer.from('{"principal":1}').toString('base64')]) {
      expect(await verify(garbage)).toBe(false);
    }
  });
});
