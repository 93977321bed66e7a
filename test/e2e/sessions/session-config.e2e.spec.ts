/** The `session` block: each configuration mistake is refused at load with its key path and reason. */
import 'reflect-metadata';
import { expectConfigProblem } from '../../support/config-errors';
import { rootRealm, type Json } from '../../support/realm-fixtures';
import { startupError, writeConfigDir } from '../../support/test-server';

async function refusal(instance: Json) {
  const realm = await rootRealm({ instances: { default: instance } });
  return startupError(await writeConfigDir({ root: JSON.parse(JSON.stringify(realm)) }));
}

const base = (session: Json | undefined, transforms = [{ from: 'USERNAME', to: 'SESSION' }]): Json => ({
  supported_token_transforms: transforms,
  ...(session !== undefined && { session }),
});
const signed = { issuer: 'https://sts.test', signature_algorithm: 'ES256', signing_key: 'ec-1' };

it.each([
  ['SESSION output without a session block', base(undefined), 'instances.default.session', /missing; SESSION output needs a session section/],
  ['OPENAM input without a session block', { ...base(undefined, [{ from: 'OPENAM', to: 'SESSION' }]) }, 'instances.default.session', /missing/],
  ['an unknown form', base({ ...signed, form: 'cookie' }), 'instances.default.session.form', /form must be one of: jwt, opaque/],
  ['the jwt form without a signing key', base({ issuer: 'https://sts.test', signature_algorithm: 'ES256' }), 'instances.default.session.signing_key', /string/],
  ['the jwt form without an algorithm', base({ issuer: 'https://sts.test', signing_key: 'ec-1' }), 'instances.default.session.signature_algorithm', /must be one of/],
  ['a signing key the realm does not have', base({ ...signed, signing_key: 'nope' }), 'instances.default.session.signing_key', /no key "nope"/],
  ['the jwt form without any issuer', base({ signature_algorithm: 'ES256', signing_key: 'ec-1' }), 'instances.default.session.issuer', /set session.issuer or oidc.issuer/],
  ['a maximum lifetime shorter than the idle timeout', base({ form: 'opaque', idle_timeout_seconds: 600, max_lifetime_seconds: 60 }), 'instances.default.session.max_lifetime_seconds', /at least session.idle_timeout_seconds/],
  ['an idle timeout of 0', base({ form: 'opaque', idle_timeout_seconds: 0 }), 'instances.default.session.idle_timeout_seconds', /must not be less than 1/],
  ['a protocol claim in allowed_claims', base({ form: 'opaque', allowed_claims: ['scope', 'sub'] }), 'instances.default.session.allowed_claims[1]', /"sub" is set by the STS/],
  ['cancel_issued_tokens_on_logout without persist_issued_tokens', base({ form: 'opaque', cancel_issued_tokens_on_logout: true }), 'instances.default.session.cancel_issued_tokens_on_logout', /needs persist_issued_tokens: true/],
  ['an unknown key', base({ form: 'opaque', idle_seconds: 5 }), 'instances.default.session.idle_seconds', /unknown key/i],
])('refuses %s', async (_name, instance, path, message) => {
  expectConfigProblem(await refusal(instance), path, message);
});
