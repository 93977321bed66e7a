/**
 * samlify, the SAML library the tests use as an independent service provider (and identity
 * provider), with its xmllint-wasm schema validator set, so every document it reads is checked
 * against the SAML schemas first. Loaded without its type declarations on purpose: they bring an
 * old @xmldom/xmldom whose declarations pull the DOM library into the whole program, which
 * changes Node's Buffer types for the server code too.
 */
/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any -- an untyped test dependency */
import { MD, POST_BINDING, REDIRECT_BINDING, SAMLP } from './saml-names';

const library = require('samlify') as any;
library.setSchemaValidator(require('@authenio/samlify-xmllint-wasm'));

export const samlify: any = library;

/**
 * An IdP as samlify needs it to address an SP's AuthnRequests: single sign-on at
 * https://sts.test/sso for both bindings (the STS's own metadata is other tests' subject).
 */
export function samlifyRequestTarget(entityId: string, wantAuthnRequestsSigned: boolean): any {
  return library.IdentityProvider({
    metadata: `<md:EntityDescriptor xmlns:md="${MD}" entityID="${entityId}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="${wantAuthnRequestsSigned}" protocolSupportEnumeration="${SAMLP}">
    <md:SingleSignOnService Binding="${REDIRECT_BINDING}" Location="https://sts.test/sso"/>
    <md:SingleSignOnService Binding="${POST_BINDING}" Location="https://sts.test/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`,
  });
}
