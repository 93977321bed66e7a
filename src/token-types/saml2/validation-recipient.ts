/**
 * Is this instance the party the IdP meant? SAML 2.0 profiles 4.1.4.2 and RFC 7522 section 3: a
 * bearer SubjectConfirmationData must name one of our endpoints as Recipient, or an assertion
 * issued for another relying party could be replayed here. A Response's Destination, when
 * present, must name one too. Exact string comparison after trimming whitespace: SAML calls
 * both URI references and defines no normalisation.
 */
import type { Element } from '@xmldom/xmldom';
import { InvalidTokenError } from '../../errors/sts-errors';
import { NS } from './validation-signature';

/** How many found values a message lists, each cut to 200 characters: the input is hostile. */
const LISTED = 3;
const quoted = (value: string) => JSON.stringify(value.slice(0, 200));

function accepted(recipients: readonly string[], value: string | null | undefined): boolean {
  return value !== null && value !== undefined && recipients.some((recipient) => recipient.trim() === value.trim());
}

function listed(values: readonly string[]): string {
  return values.slice(0, LISTED).join(', ') + (values.length > LISTED ? `, and ${values.length - LISTED} more` : '');
}

/** `data`: each bearer SubjectConfirmation's SubjectConfirmationData, undefined where it has none. */
export function checkRecipient(data: readonly (Element | undefined)[], recipients: readonly string[]): void {
  if (data.some((element) => accepted(recipients, element?.getAttribute('Recipient')))) return;
  const found = data.map((element) => {
    if (!element) return 'no SubjectConfirmationData';
    const recipient = element.getAttribute('Recipient');
    return recipient === null ? 'no Recipient' : quoted(recipient);
  });
  throw new InvalidTokenError(
    `No bearer SubjectConfirmation names this endpoint as Recipient (found: ${listed(found)}; accepted: ${listed(recipients.map(quoted))}).`,
    { code: 'saml_recipient_mismatch' },
  );
}

/** `root`: the document element, a bare Assertion (nothing to check) or a samlp:Response. */
export function checkDestination(root: Element, recipients: readonly string[]): void {
  const destination = root.namespaceURI === NS.PROTOCOL ? root.getAttribute('Destination') : null;
  if (destination === null || accepted(recipients, destination)) return;
  throw new InvalidTokenError(
    `The Response is addressed to ${quoted(destination)}, not to this endpoint (accepted: ${listed(recipients.map(quoted))}).`,
    { code: 'saml_destination_mismatch' },
  );
}
