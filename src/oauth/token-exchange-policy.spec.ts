import type { JsonObject } from '../plugin-api/json';
import type { InstanceSettings } from '../plugin-api/settings';
import type { TokenValidationResult } from '../plugin-api/token-contract';
import { actClaimOf, configuredAudiencesOf, grantedScopes, narrowedAudience } from './token-exchange-policy';
import { refusal as refused } from '../../test/support/sts-refusal';

const settings = {
  access_token: { audience: ['api', 'api-2'], allowed_scopes: ['read', 'write'] },
  oidc: { audience: ['rp'] },
  saml2: { sp_entity_id: 'https://sp.test' },
} as unknown as InstanceSettings;

const validated = (principal: string, attributes: JsonObject = {}): TokenValidationResult => ({
  principal,
  session: { authenticatedAt: new Date(), authenticationMethods: [], attributes },
});

/** The status and code a call was refused with. */
const refusal = (work: () => unknown): [number, string] => {
  const { status, code } = refused(work);
  return [status, code];
};

describe('configuredAudiencesOf', () => {
  it.each([
    ['JWT', ['api', 'api-2']],
    ['OPENIDCONNECT', ['rp']],
    ['SAML2', ['https://sp.test']],
    ['CUSTOM', []],
  ])('lists what the instance issues %s tokens for', (type, audiences) => {
    expect(configuredAudiencesOf(type, settings)).toEqual(audiences);
  });
});

describe('narrowedAudience', () => {
  it('keeps the configured audience when none is requested', () => {
    expect(narrowedAudience([], ['api'])).toBeUndefined();
  });

  it('narrows to requested audiences within the configured ones', () => {
    expect(narrowedAudience(['api-2'], ['api', 'api-2'])).toEqual(['api-2']);
  });

  it('never widens: an unconfigured target is invalid_target', () => {
    expect(refusal(() => narrowedAudience(['api', 'elsewhere'], ['api']))).toEqual([400, 'invalid_target']);
    expect(refusal(() => narrowedAudience(['api'], []))).toEqual([400, 'invalid_target']);
  });
});

describe('grantedScopes', () => {
  it('grants all allowed scopes when none is requested, and a requested subset as asked', () => {
    expect(grantedScopes(undefined, 'JWT', settings)).toEqual(['read', 'write']);
    expect(grantedScopes(['read'], 'JWT', settings)).toEqual(['read']);
  });

  it('refuses a scope beyond allowed_scopes, and any scope for a token that carries none', () => {
    expect(refusal(() => grantedScopes(['read', 'admin'], 'JWT', settings))).toEqual([400, 'invalid_scope']);
    expect(refusal(() => grantedScopes(['read'], 'OPENIDCONNECT', settings))).toEqual([400, 'invalid_scope']);
    expect(grantedScopes(undefined, 'SAML2', settings)).toEqual([]);
  });
});

describe('actClaimOf', () => {
  const actor = validated('service-a', { iss: 'https://idp.test' });

  it('lets the actor that may_act names act, nesting the subject token\'s own act (RFC 8693 section 4.1)', () => {
    const subject = validated('alice', { may_act: { sub: 'service-a', iss: 'https://idp.test' }, act: { sub: 'service-b' } });
    expect(actClaimOf(subject, actor, [])).toEqual({ sub: 'service-a', iss: 'https://idp.test', act: { sub: 'service-b' } });
  });

  it('accepts a may_act without iss for an actor of any issuer, and reads a SAML issuer', () => {
    const subject = validated('alice', { may_act: { sub: 'service-a' } });
    expect(actClaimOf(subject, validated('service-a', { saml_issuer: 'https://saml-idp.test' }), [])).toEqual({ sub: 'service-a', iss: 'https://saml-idp.test' });
  });

  it('lets an actor the instance allows act without may_act', () => {
    expect(actClaimOf(validated('alice'), validated('service-a'), ['service-a'])).toEqual({ sub: 'service-a' });
  });

  it.each([
    ['no may_act and no policy', validated('alice'), []],
    ['a may_act naming another actor', validated('alice', { may_act: { sub: 'service-z' } }), []],
    ['a may_act naming the actor under another issuer', validated('alice', { may_act: { sub: 'service-a', iss: 'https://other.test' } }), []],
    ['a may_act that is not an object', validated('alice', { may_act: 'service-a' }), []],
    ['a policy naming another actor', validated('alice'), ['service-z']],
  ])('refuses delegation with %s', (_, subject, allowed) => {
    expect(refusal(() => actClaimOf(subject, actor, allowed))).toEqual([400, 'invalid_request']);
  });
});
