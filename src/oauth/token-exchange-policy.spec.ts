import type { JsonObject } from '../plugin-api/json';
import type { InstanceSettings } from '../plugin-api/settings';
import type { TokenValidationResult } from '../plugin-api/token-contract';
import { actClaimOf, configuredAudiencesOf, grantedScopes, narrowedAudience, requestedScopes } from './token-exchange-policy';
import { refusal as refused } from '../../test/support/sts-refusal';

const settings = {
  access_token: { audience: ['api', 'api-2'], allowed_scopes: ['read', 'write'] },
  oidc: { audience: ['rp'] },
  saml2: { sp_entity_id: 'https://sp.test' },
} as unknown as InstanceSettings;

const validated = (principal: string, attributes: JsonObject = {}, issuer?: string): TokenValidationResult => ({
  principal,
  ...(issuer !== undefined && { issuer }),
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

describe('requestedScopes (before validation)', () => {
  it('passes a request within allowed_scopes, and no request as undefined', () => {
    expect(requestedScopes(['read'], 'JWT', settings)).toEqual(['read']);
    expect(requestedScopes(undefined, 'JWT', settings)).toBeUndefined();
    expect(requestedScopes(undefined, 'SAML2', settings)).toBeUndefined();
  });

  it('refuses a scope beyond allowed_scopes, and any scope for a token that carries none', () => {
    expect(refusal(() => requestedScopes(['read', 'admin'], 'JWT', settings))).toEqual([400, 'invalid_scope']);
    expect(refusal(() => requestedScopes(['read'], 'OPENIDCONNECT', settings))).toEqual([400, 'invalid_scope']);
  });
});

describe('grantedScopes (after the subject token validated)', () => {
  const unscoped = validated('alice');

  it('without a subject scope: all allowed scopes when none is requested, a requested subset as asked', () => {
    expect(grantedScopes(undefined, 'JWT', settings, unscoped)).toEqual(['read', 'write']);
    expect(grantedScopes(['read'], 'JWT', settings, unscoped)).toEqual(['read']);
    expect(grantedScopes(undefined, 'SAML2', settings, unscoped)).toEqual([]);
  });

  it.each([
    ['a space-delimited scope', { scope: 'read admin' }],
    ['a scope array', { scope: ['read', 'admin'] }],
    ['an scp array (Entra ID, Okta)', { scp: ['read', 'admin'] }],
    ['an scp string', { scp: 'read admin' }],
  ])('bounds the grant by %s: no request gets the intersection with allowed_scopes', (_, attributes) => {
    expect(grantedScopes(undefined, 'JWT', settings, validated('alice', attributes))).toEqual(['read']);
    expect(grantedScopes(['read'], 'JWT', settings, validated('alice', attributes))).toEqual(['read']);
  });

  it.each([
    ['a scope the subject lacks', { scope: 'read' }, ['read', 'write']],
    ['any scope when the subject carries an empty one', { scope: '' }, ['read']],
    ['any scope when the subject\'s scope is not text', { scope: 42 }, ['read']],
  ])('refuses %s with invalid_scope', (_, attributes, requested) => {
    expect(refusal(() => grantedScopes(requested, 'JWT', settings, validated('alice', attributes)))).toEqual([400, 'invalid_scope']);
  });

  it('token_exchange.allow_scope_widening restores the allowed_scopes-only bound', () => {
    const widening = { ...settings, token_exchange: { allow_scope_widening: true } } as unknown as InstanceSettings;
    expect(grantedScopes(['read', 'write'], 'JWT', widening, validated('alice', { scope: 'read' }))).toEqual(['read', 'write']);
    expect(grantedScopes(undefined, 'JWT', widening, validated('alice', { scope: 'read' }))).toEqual(['read', 'write']);
  });
});

describe('actClaimOf', () => {
  const actor = validated('service-a', {}, 'https://idp.test');

  it('lets the actor that may_act names act, nesting the subject token\'s own act (RFC 8693 section 4.1)', () => {
    const subject = validated('alice', { may_act: { sub: 'service-a', iss: 'https://idp.test' }, act: { sub: 'service-b' } });
    expect(actClaimOf(subject, actor, [])).toEqual({ sub: 'service-a', iss: 'https://idp.test', act: { sub: 'service-b' } });
  });

  it('matches a may_act without iss against the subject token\'s own issuer', () => {
    const subject = validated('alice', { may_act: { sub: 'service-a' } }, 'https://saml-idp.test');
    expect(actClaimOf(subject, validated('service-a', {}, 'https://saml-idp.test'), [])).toEqual({ sub: 'service-a', iss: 'https://saml-idp.test' });
  });

  it('lets an actor the instance allows act without may_act', () => {
    expect(actClaimOf(validated('alice'), validated('service-a'), ['service-a'])).toEqual({ sub: 'service-a' });
  });

  it.each([
    ['no may_act and no policy', validated('alice'), actor, []],
    ['a may_act naming another actor', validated('alice', { may_act: { sub: 'service-z' } }), actor, []],
    ['a may_act naming the actor under another issuer', validated('alice', { may_act: { sub: 'service-a', iss: 'https://other.test' } }), actor, []],
    ['a may_act that is not an object', validated('alice', { may_act: 'service-a' }), actor, []],
    ['a policy naming another actor', validated('alice'), actor, ['service-z']],
    ['a may_act without iss and an actor of another issuer', validated('alice', { may_act: { sub: 'service-a' } }, 'https://subject-idp.test'), actor, []],
    [
      'an actor whose attributes claim the issuer may_act names (iss, saml_issuer) but whose verified issuer differs',
      validated('alice', { may_act: { sub: 'service-a', iss: 'https://idp.test' } }),
      validated('service-a', { iss: 'https://idp.test', saml_issuer: 'https://idp.test' }, 'https://evil.test'),
      [],
    ],
    [
      'an actor with no verified issuer claiming one in its attributes',
      validated('alice', { may_act: { sub: 'service-a', iss: 'https://idp.test' } }),
      validated('service-a', { iss: 'https://idp.test' }),
      [],
    ],
  ])('refuses delegation with %s', (_, subject, actorResult, allowed) => {
    expect(refusal(() => actClaimOf(subject, actorResult, allowed))).toEqual([400, 'invalid_request']);
  });
});
