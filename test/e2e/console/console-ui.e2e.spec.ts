/**
 * The console in a real browser (Debian's chromium, headless): sign in with the admin token, see
 * the instances, create one (a field error first, then served), lose no concurrent edit, run the
 * playground for USERNAME -> OPENIDCONNECT and USERNAME -> SAML2 and read the decoded claims and
 * attributes (shown as text, however they are spelled), see the audit lines in the Activity view,
 * keep no secret in web storage, work at 390 px, sign out and be refused. Screenshots are saved
 * as artifacts.
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { DEMO_PASSWORD, fileIdentityStore, oidcInstance, saml2Instance, testPasswordHash, type Json } from '../../support/realm-fixtures';
import { AUDIT_LOG, type AuditLog } from '../../../src/logging/audit-log';
import { REPO } from '../../support/spawned-server';
import { startTestServer, type TestServer } from '../../support/test-server';
import { artifactPath, launchChromium } from './console-browser';
import { CONSOLE_ADMIN_TOKEN } from './console-client';

/** Markup where a name is expected: the console must show it as text, never run it. */
const HOSTILE_NAME = '<img src=x onerror="document.body.dataset.xss=1">Mallory';

let server: TestServer;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  // The page's scripts as npm run build makes them, from the sources under test.
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(REPO, 'console-ui', 'tsconfig.json')]);
  const realm = {
    realm: '/',
    identity_store: fileIdentityStore(await testPasswordHash(), { alice: { mail: 'alice@example.com', cn: HOSTILE_NAME } }),
    keys: [
      { kid: 'rsa-1', use: 'sig', generate: { type: 'rsa', size: 2048 } },
      { kid: 'rsa-saml', use: 'sig', generate: { type: 'rsa', size: 2048 } },
    ],
    instances: {
      default: oidcInstance('RS256', 'rsa-1'),
      sp: saml2Instance({ issuer: 'https://idp.sts.test', sp_entity_id: 'https://sp.test', sp_acs_url: 'https://sp.test/acs', signing_key: 'rsa-saml', attributes: [{ name: 'cn', source: 'cn' }] }),
    },
  };
  server = await startTestServer({ root: realm }, { adminToken: CONSOLE_ADMIN_TOKEN });
  // The test server logs nothing, so the audit trail would be skipped: turn it on for the Activity view.
  jest.spyOn(server.app.get<symbol, AuditLog>(AUDIT_LOG), 'enabled', 'get').mockReturnValue(true);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
  page.on('pageerror', (error) => consoleErrors.push(error.message));
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Page-side expressions, as text: this project's TypeScript has no DOM types. */
const storedSecrets = () => page.evaluate<string>('JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })');
const scriptRan = () => page.evaluate<string | undefined>('document.body.dataset.xss');

describe('the console in chromium', () => {
  it('refuses a wrong admin token with a message at the form', async () => {
    await page.goto(`${server.baseUrl}/console`);
    await page.getByLabel('Admin token').fill('not-the-admin-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not the admin token' }).waitFor();
    await page.screenshot({ path: artifactPath('sign-in-refused.png') });
  });

  it('signs in and lists the instances with their transforms and links', async () => {
    await page.getByLabel('Admin token').fill(CONSOLE_ADMIN_TOKEN);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Instances' }).waitFor();
    const table = page.getByRole('table');
    await table.getByRole('link', { name: '/default' }).waitFor();
    expect(await table.getByRole('link', { name: '/sp' }).count()).toBe(1);
    expect(await table.textContent()).toContain('USERNAME → OPENIDCONNECT');
    expect(await table.getByRole('link', { name: 'SAML metadata' }).getAttribute('href')).toBe('/saml2/sp/metadata');
    await page.screenshot({ path: artifactPath('instances.png'), fullPage: true });
  });

  it('shows an instance, the keys, the plugins and the configuration status', async () => {
    await page.getByRole('table').getByRole('link', { name: '/default' }).click();
    await page.getByRole('heading', { name: 'Instance /default' }).waitFor();
    expect(await page.getByLabel('Published settings').textContent()).toContain('"signing_key": "rsa-1"');
    await page.getByRole('link', { name: 'Keys' }).click();
    await page.getByRole('heading', { name: 'Keys' }).waitFor();
    expect(await page.getByRole('table').textContent()).toContain('rsa-saml');
    await page.screenshot({ path: artifactPath('keys.png'), fullPage: true });
    await page.getByRole('link', { name: 'Plugins' }).click();
    await page.getByText('No plugin folders.').waitFor();
    await page.getByRole('link', { name: 'Configuration' }).click();
    await page.getByRole('heading', { name: 'Configuration' }).waitFor();
    expect(await page.getByLabel('Configuration status').textContent()).toContain('UP');
  });

  it('creates an instance: a bad value is shown at its field, the fixed one is served at once', async () => {
    await page.getByRole('link', { name: 'Instances' }).click();
    await page.getByRole('link', { name: 'New instance' }).click();
    await page.getByRole('heading', { name: 'New instance' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('partners');
    await page.getByLabel('Transforms').fill('USERNAME -> OPENIDCONNECT');
    await page.getByLabel('ID token issuer').fill('https://sts.test');
    await page.getByLabel('ID token audience').fill('rp-client');
    await page.getByLabel('ID token signature algorithm').fill('RS256');
    const signingKey = page.getByLabel('ID token signing key');
    await signingKey.fill('no-such-key');
    await page.getByRole('button', { name: 'Create instance' }).click();
    await page.locator('[aria-invalid="true"]').waitFor();
    expect(await signingKey.getAttribute('aria-invalid')).toBe('true');
    // The message is tied to the field, so a screen reader reads it with the field.
    const errorId = (await signingKey.getAttribute('aria-describedby'))!.split(' ').pop()!;
    expect(await page.locator(`#${errorId}`).textContent()).toContain('no-such-key');
    expect(await page.evaluate<string | undefined>('document.activeElement?.id')).toBe(await signingKey.getAttribute('id'));
    await page.screenshot({ path: artifactPath('field-error.png'), fullPage: true });
    await signingKey.fill('rsa-1');
    await page.getByRole('button', { name: 'Create instance' }).click();
    await page.getByRole('heading', { name: 'Instance /partners' }).waitFor();
    const translate = await fetch(`${server.baseUrl}/rest-sts/partners?_action=translate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input_token_state: { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD }, output_token_state: { token_type: 'OPENIDCONNECT', nonce: 'n' } }),
    });
    expect(translate.status).toBe(200);
  });

  it('reports an edit made by someone else meanwhile instead of overwriting it', async () => {
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: 'Edit instance /partners' }).waitFor();
    const current = (await (await fetch(`${server.baseUrl}/sts-publish/rest/partners`, { headers: { authorization: `Bearer ${CONSOLE_ADMIN_TOKEN}` } })).json()) as Json;
    const meanwhile = await fetch(`${server.baseUrl}/sts-publish/rest/partners`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${CONSOLE_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ instance_state: { ...current, oidc: { ...current.oidc, audience: ['their-client'] } } }),
    });
    expect(meanwhile.status).toBe(200);
    await page.getByLabel('ID token audience').fill('my-client');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('alert').filter({ hasText: 'Someone changed this instance' }).waitFor();
    const after = (await (await fetch(`${server.baseUrl}/sts-publish/rest/partners`, { headers: { authorization: `Bearer ${CONSOLE_ADMIN_TOKEN}` } })).json()) as Json;
    expect(after.oidc.audience).toEqual(['their-client']);
  });

  it('creates a SAML instance for a service provider and tries it in the playground: the assertion decoded and verified', async () => {
    await page.getByRole('link', { name: 'Instances' }).click();
    await page.getByRole('link', { name: 'New instance' }).click();
    await page.getByLabel('Name', { exact: true }).fill('crm');
    await page.getByLabel('Transforms').fill('USERNAME -> SAML2');
    await page.getByLabel('SAML issuer').fill('https://idp.sts.test');
    await page.getByLabel('SAML service provider entity ID').fill('https://crm.example.test');
    await page.getByLabel('SAML service provider ACS URL').fill('https://crm.example.test/acs');
    await page.getByLabel('SAML signing key').fill('rsa-saml');
    await page.getByLabel('Other settings (JSON)').fill(JSON.stringify({ saml2: { attributes: [{ name: 'mail', source: 'mail' }] } }));
    await page.getByRole('button', { name: 'Create instance' }).click();
    await page.getByRole('heading', { name: 'Instance /crm' }).waitFor();
    await page.getByRole('link', { name: 'Try it in the playground' }).click();
    await page.getByRole('heading', { name: 'Playground' }).waitFor();
    expect(await page.getByLabel('Instance').inputValue()).toBe('/crm');
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Run the translate' }).click();
    const attributes = page.getByRole('table', { name: 'Attributes' });
    await attributes.waitFor();
    expect(await attributes.getByRole('row').filter({ hasText: 'mail' }).getByRole('cell').nth(1).textContent()).toBe('alice@example.com');
    expect(await page.getByLabel('Assertion', { exact: true }).textContent()).toContain('https://crm.example.test');
    expect(await page.locator('[data-verified]').getAttribute('data-verified')).toBe('true');
  });

  it('runs USERNAME -> OPENIDCONNECT in the playground: the claims decoded, shown as text, and verified', async () => {
    await page.getByRole('link', { name: 'Playground' }).click();
    await page.getByRole('heading', { name: 'Playground' }).waitFor();
    await page.getByLabel('Instance').selectOption('/default');
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Run the translate' }).click();
    const claims = page.getByRole('table', { name: 'Claims' });
    await claims.waitFor();
    expect(await claims.getByRole('row').filter({ hasText: 'email' }).getByRole('cell').nth(1).textContent()).toBe('alice@example.com');
    // The hostile name is text in a cell, not an element, and ran nothing.
    expect(await claims.getByRole('row').filter({ has: page.getByRole('cell', { name: 'name', exact: true }) }).getByRole('cell').nth(1).textContent()).toBe(HOSTILE_NAME);
    expect(await page.locator('main img').count()).toBe(0);
    expect(await scriptRan()).toBeUndefined();
    expect(await page.locator('[data-verified]').getAttribute('data-verified')).toBe('true');
    const curl = await page.getByLabel('curl command').textContent();
    expect(curl).toContain('"password":"<password>"');
    expect(curl).not.toContain(DEMO_PASSWORD);
    expect(await page.getByLabel('Password').inputValue()).toBe('');
    expect(await storedSecrets()).toBe('{}{}');
    await page.screenshot({ path: artifactPath('playground-oidc.png'), fullPage: true });
  });

  it('runs USERNAME -> SAML2: the assertion with its conditions and attributes, values as text', async () => {
    await page.getByLabel('Instance').selectOption('/sp');
    expect(await page.getByLabel('Output token type').inputValue()).toBe('SAML2');
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Run the translate' }).click();
    const attributes = page.getByRole('table', { name: 'Attributes' });
    await attributes.waitFor();
    expect(await attributes.getByRole('row').filter({ hasText: 'cn' }).getByRole('cell').nth(1).textContent()).toBe(HOSTILE_NAME);
    expect(await page.getByLabel('Assertion', { exact: true }).textContent()).toContain('https://sp.test');
    expect(await page.locator('[data-verified]').getAttribute('data-verified')).toBe('true');
    expect(await page.locator('main img').count()).toBe(0);
    expect(await scriptRan()).toBeUndefined();
    await page.screenshot({ path: artifactPath('playground-saml2.png'), fullPage: true });
  });

  it('shows the playground runs in the Activity view: the audit lines and the transform counts', async () => {
    await page.getByRole('link', { name: 'Activity' }).click();
    await page.getByRole('heading', { name: 'Activity' }).waitFor();
    const events = page.getByRole('table', { name: /audit events/ });
    const issued = events.getByRole('row').filter({ hasText: '/default' }).filter({ hasText: 'issue' }).first();
    expect(await issued.textContent()).toContain('USERNAME → OPENIDCONNECT');
    expect(await issued.textContent()).toContain('alice');
    expect(await page.getByRole('table', { name: /Transforms/ }).textContent()).toContain('SAML2');
    expect(await page.locator('main').textContent()).not.toContain(DEMO_PASSWORD);
    await page.screenshot({ path: artifactPath('activity.png'), fullPage: true });
  });

  it('fits a 390 px wide screen: nothing but wide tables scrolls sideways', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('link', { name: 'Instances' }).click();
    await page.getByRole('heading', { name: 'Instances' }).waitFor();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.screenshot({ path: artifactPath('instances-390.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('signs out; the console then refuses the session and asks to sign in', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin token').waitFor();
    const status = await page.evaluate<number>("fetch('/console/api/instances').then((response) => response.status)");
    expect(status).toBe(401);
    await page.reload();
    await page.getByLabel('Admin token').waitFor();
    expect(await storedSecrets()).toBe('{}{}');
    // The only errors in the page's console are the refusals the test caused.
    expect(consoleErrors.filter((text) => !/status of (400|401|403|412) /.test(text))).toEqual([]);
  });
});
