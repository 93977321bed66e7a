/**
 * An SP's AuthnRequest (saml-core 3.4.1) carried in output_token_state.authn_request, read and
 * checked against the SP's description: the facts the Response answers it with.
 */
import { InvalidRequestError } from '../../errors/sts-errors';
import type { ServiceProvider } from './service-provider';

export interface AuthnRequestFacts {
  /** The request's ID: the Response's and the bearer confirmation's InResponseTo. */
  readonly id: string;
  /** Where the Response goes: the requested ACS (URL or index), one of the SP's, else the SP's default. */
  readonly assertionConsumerServiceUrl: string;
  /** NameIDPolicy/@Format when the request names one. */
  readonly nameIdFormat?: string;
}

/**
 * How the SP sent it: HTTP-POST binding (`message`: the SAMLRequest form value, base64 of the XML,
 * or the XML itself; a signature is enveloped) or HTTP-Redirect binding (`query`: the query string
 * exactly as received, `SAMLRequest=...&RelayState=...&SigAlg=...&Signature=...`; a signature
 * covers the query string).
 */
export type AuthnRequestInput = { readonly binding: 'post'; readonly message: string } | { readonly binding: 'redirect'; readonly query: string };

/** Placeholder until AuthnRequest reading lands: refuses every request with a clear error. */
export function readAuthnRequest(request: AuthnRequestInput, sp: ServiceProvider): AuthnRequestFacts {
  void request;
  void sp;
  throw new InvalidRequestError('output_token_state.authn_request is not supported yet.', { code: 'invalid_authn_request' });
}
