import { createHash } from 'node:crypto';
import { escapeHtml, formPostPage, formPostPolicy, redirectLocation } from './redirect-response';

describe('redirectLocation', () => {
  const parameters = [
    ['id_token', 'a.b.c'],
    ['state', 'x y&z=1#frag'],
  ] as const;

  it('puts form-encoded parameters in the fragment, the registered URI untouched', () => {
    const location = redirectLocation('https://rp.example/cb?tenant=a%20b', parameters, 'fragment');
    expect(location.startsWith('https://rp.example/cb?tenant=a%20b#')).toBe(true);
    const fragment = new URLSearchParams(new URL(location).hash.slice(1));
    expect([...fragment]).toEqual([['id_token', 'a.b.c'], ['state', 'x y&z=1#frag']]);
    // A # or & in a value cannot start another component or parameter.
    expect(location.split('#')).toHaveLength(2);
  });

  it('adds to the query, keeping the registered query parameters', () => {
    expect(redirectLocation('https://rp.example/cb', [['error', 'access_denied']], 'query')).toBe('https://rp.example/cb?error=access_denied');
    const url = new URL(redirectLocation('https://rp.example/cb?tenant=a', parameters, 'query'));
    expect([...url.searchParams]).toEqual([['tenant', 'a'], ['id_token', 'a.b.c'], ['state', 'x y&z=1#frag']]);
    expect(url.hash).toBe('');
    expect(redirectLocation('https://rp.example/cb?', [['error', 'e']], 'query')).toBe('https://rp.example/cb?error=e');
  });
});

describe('escapeHtml', () => {
  it('replaces the characters that end an attribute or start markup', () => {
    expect(escapeHtml(`<script>"a" & 'b'</script>`)).toBe('&#60;script&#62;&#34;a&#34; &#38; &#39;b&#39;&#60;/script&#62;');
    expect(escapeHtml('plain-value_1.2~')).toBe('plain-value_1.2~');
  });
});

describe('formPostPage', () => {
  const attack = `"><script>alert(1)</script><img src=x onerror=alert(2)>`;
  const page = formPostPage('https://rp.example/cb?a=1&b=2', [
    ['id_token', 'a.b.c'],
    ['state', attack],
  ]);

  it('posts every parameter as an escaped hidden input to the redirect URI', () => {
    expect(page).toContain('<form method="post" action="https://rp.example/cb?a=1&#38;b=2">');
    expect(page).toContain('<input type="hidden" name="id_token" value="a.b.c">');
    expect(page).toContain(`<input type="hidden" name="state" value="${escapeHtml(attack)}">`);
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('<img');
    // One script only: the submit.
    expect(page.match(/<script/g)).toHaveLength(1);
  });

  it('allows that one script by its hash, the form only to the redirect origin, nothing else', () => {
    const script = /<script>([^<]*)<\/script>/.exec(page)![1]!;
    const hash = createHash('sha256').update(script).digest('base64');
    expect(formPostPolicy('https://rp.example:8443/cb?a=1')).toBe(
      `default-src 'none'; script-src 'sha256-${hash}'; form-action https://rp.example:8443; base-uri 'none'; frame-ancestors 'none'`,
    );
    // No external resource of any kind (the escaped attack above is text inside a value).
    expect(formPostPage('https://rp.example/cb', [['id_token', 'a.b.c']])).not.toMatch(/\s(src|href)=/);
  });
});
