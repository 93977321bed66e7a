/**
 * The redirect itself, in the three response modes: parameters in the fragment or the query of
 * the registered redirect URI (OAuth 2.0 Multiple Response Type Encoding Practices, form
 * encoding of RFC 6749 appendix B), or an HTML page whose form posts them there (OAuth 2.0 Form
 * Post Response Mode). Every value in the page is HTML-escaped, and its one inline script is
 * allowed by hash in a Content-Security-Policy that allows nothing else.
 */
import { createHash } from 'node:crypto';
import type { ResponseMode } from './authorization-request';

/** Name and value, in the order they are sent. */
export type ResponseParameters = readonly (readonly [string, string])[];

/** The Location of a fragment or query redirect; an existing query of the redirect URI is kept. */
export function redirectLocation(redirectUri: string, parameters: ResponseParameters, mode: Exclude<ResponseMode, 'form_post'>): string {
  const encoded = new URLSearchParams(parameters.map(([name, value]): [string, string] => [name, value])).toString();
  if (mode === 'fragment') return `${redirectUri}#${encoded}`;
  const separator = !redirectUri.includes('?') ? '?' : redirectUri.endsWith('?') || redirectUri.endsWith('&') ? '' : '&';
  return `${redirectUri}${separator}${encoded}`;
}

/** The five characters that end an attribute value or start markup, as character references. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

const SUBMIT_SCRIPT = 'document.forms[0].submit();';
const SUBMIT_SCRIPT_HASH = `'sha256-${createHash('sha256').update(SUBMIT_SCRIPT).digest('base64')}'`;

/**
 * The page's policy: no resource of any kind, the one script by its hash, the form only to the
 * redirect URI's origin, no framing.
 */
export function formPostPolicy(redirectUri: string): string {
  return `default-src 'none'; script-src ${SUBMIT_SCRIPT_HASH}; form-action ${new URL(redirectUri).origin}; base-uri 'none'; frame-ancestors 'none'`;
}

/** The auto-submitting page; without JavaScript the user presses the button. */
export function formPostPage(redirectUri: string, parameters: ResponseParameters): string {
  const inputs = parameters.map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join('\n');
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8"><title>Continue</title></head>',
    '<body>',
    `<form method="post" action="${escapeHtml(redirectUri)}">`,
    inputs,
    '<noscript><p>JavaScript is off: press Continue to go back to the application.</p><button type="submit">Continue</button></noscript>',
    '</form>',
    `<script>${SUBMIT_SCRIPT}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
