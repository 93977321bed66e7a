/** Which JWKS URLs the STS fetches from: https, or http to a loopback host only. */

/** Returns a person-readable problem with a JWKS URL, or undefined when it is acceptable. */
export function checkJwksUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'jwks_url is not a valid absolute URL';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    return `jwks_url must use https (got ${parsed.protocol.replace(/:$/, '')})`;
  }
  if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
    return 'jwks_url must use https (http is allowed only for loopback hosts)';
  }
  // Credentials in a URL end up in logs and error messages; partners' JWKS are public anyway.
  if (parsed.username !== '' || parsed.password !== '') {
    return 'jwks_url must not contain a user name or password';
  }
  return undefined;
}

/** WHATWG URL parsing already normalises hosts (127.1 -> 127.0.0.1, [0::1] -> [::1], case). */
function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}
