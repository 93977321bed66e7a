'use strict';
/**
 * Regenerates the two screenshots of docs/console.md from the built server and Debian's chromium:
 *
 *   npm run build && node scripts/console-screenshots.js
 *
 * A throw-away configuration (generated keys, one user whose password is made up for the run)
 * and a random admin token: nothing secret is read or written outside a temporary directory.
 */
require('reflect-metadata');
const { randomBytes } = require('node:crypto');
const { mkdirSync, mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { stringify } = require('yaml');
const { chromium } = require('playwright-core');
const { createApp } = require('../dist/app.factory');
const { hashPassword } = require('../dist/identity/scrypt-password');

const OUT = join(__dirname, '..', 'docs', 'images');

async function main() {
  const root = mkdtempSync(join(tmpdir(), 'sts-console-shots-'));
  const password = randomBytes(12).toString('base64url');
  const adminToken = randomBytes(24).toString('base64url');
  mkdirSync(join(root, 'config', 'realms'), { recursive: true });
  writeFileSync(join(root, 'config', 'realms', 'root.yaml'), stringify(await realm(password)));
  const app = await createApp(
    { host: '127.0.0.1', port: 0, configDir: join(root, 'config'), dataDir: join(root, 'data'), pluginsDir: join(root, 'plugins'), adminToken, maxBodyBytes: 65536, maxJsonDepth: 32, maxHeaderBytes: 16384, requestTimeoutMs: 30000, watchConfig: false, watchPlugins: false, tokenTimeoutMs: 10000, workers: 1, docs: false },
    false,
  );
  await app.listen(0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${app.getHttpServer().address().port}`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`${baseUrl}/console`);
    await page.getByLabel('Admin token').fill(adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('table').getByRole('link', { name: '/partners' }).waitFor();
    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: join(OUT, 'console-instances.png') });
    await page.getByRole('link', { name: 'Playground' }).click();
    await page.getByLabel('Instance').selectOption('/partners');
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Run the translate' }).click();
    await page.getByRole('table', { name: 'Claims' }).waitFor();
    await page.screenshot({ path: join(OUT, 'console-playground.png'), fullPage: true });
  } finally {
    await browser.close();
    await app.close();
    rmSync(root, { recursive: true, force: true });
  }
}

async function realm(password) {
  return {
    realm: '/',
    identity_store: {
      type: 'file',
      users: [{ username: 'alice', password_hash: await hashPassword(password), attributes: { mail: 'alice@example.com', cn: 'Alice Example' } }],
    },
    keys: [
      { kid: 'oidc-signing', use: 'sig', generate: { type: 'rsa', size: 2048 } },
      { kid: 'saml-signing', use: 'sig', generate: { type: 'ec', curve: 'P-256' } },
    ],
    instances: {
      partners: {
        supported_token_transforms: [{ from: 'USERNAME', to: 'OPENIDCONNECT' }],
        oidc: { issuer: 'https://sts.example.com', audience: ['partner-portal'], signature_algorithm: 'RS256', signing_key: 'oidc-signing', claim_map: { email: 'mail', name: 'cn' } },
      },
      'sp-crm': {
        supported_token_transforms: [{ from: 'USERNAME', to: 'SAML2' }],
        saml2: { issuer: 'https://sts.example.com/saml', sp_entity_id: 'https://crm.example.com', sp_acs_url: 'https://crm.example.com/acs', signing_key: 'saml-signing', signature_algorithm: 'ecdsa-sha256', attributes: [{ name: 'mail', source: 'mail' }] },
      },
    },
  };
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
