/**
 * Where SP metadata comes from: a file, or a URL served here by a real local HTTP server (http to
 * loopback, as the STS allows for partners' key sets), fetched at load, refreshed in the
 * background after refresh_seconds, the copy on hand kept (with a warning) when a refresh fails.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalHttpServer } from '../../../test/support/local-http-server';
import { makeKeyDir } from '../../../test/support/token-provider-fixtures';
import { pemPair, removeOpensslWorkDir, type PemPair } from '../../../test/support/openssl';
import { signWithXmlsec, spMetadataXml } from '../../../test/support/sp-metadata-fixtures';
import { Saml2SpMetadataConfig } from '../../realms/schema/saml2-sp-metadata-config';
import { SpMetadataLoadError, SpMetadataSource, type SpMetadataSourceOptions } from './sp-metadata-source';

function config(values: Partial<Saml2SpMetadataConfig>): Saml2SpMetadataConfig {
  return Object.assign(new Saml2SpMetadataConfig(), values);
}

const NO_EXTRA_CHECKS = () => undefined;

async function loadError(promise: Promise<unknown>): Promise<SpMetadataLoadError> {
  const caught = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(caught).toBeInstanceOf(SpMetadataLoadError);
  return caught as SpMetadataLoadError;
}

let server: LocalHttpServer;
let dir: { dir: string; remove: () => void };
let signer: PemPair;
let clock: number;
let warnings: string[];
let options: SpMetadataSourceOptions;

beforeAll(() => {
  signer = pemPair('/CN=SP metadata signer');
});
afterAll(() => removeOpensslWorkDir());

beforeEach(async () => {
  server = new LocalHttpServer('application/samlmetadata+xml');
  await server.listen();
  dir = makeKeyDir();
  clock = Date.now();
  warnings = [];
  options = { now: () => clock, logger: { warn: (message) => warnings.push(message) }, timeoutMs: 500 };
});
afterEach(async () => {
  await server.close();
  dir.remove();
});

describe('SpMetadataSource from a URL', () => {
  it('fetches at load, then again in the background once refresh_seconds have passed', async () => {
    server.serve(spMetadataXml({ acs: [{ url: 'https://sp.test/first', index: 0 }] }));
    const source = await SpMetadataSource.load(config({ url: `${server.origin}/md`, refresh_seconds: 60 }), dir.dir, NO_EXTRA_CHECKS, options);
    expect(source.current().assertionConsumerServices[0].url).toBe('https://sp.test/first');
    expect(server.count).toBe(1);

    server.serve(spMetadataXml({ acs: [{ url: 'https://sp.test/second', index: 0 }] }));
    clock += 59_000;
    expect(source.current().assertionConsumerServices[0].url).toBe('https://sp.test/first');
    expect(server.count).toBe(1);
    clock += 1_000;
    // The use that finds the copy due gets it still; the refresh it starts replaces it.
    expect(source.current().assertionConsumerServices[0].url).toBe('https://sp.test/first');
    await source.refresh();
    expect(server.count).toBe(2);
    expect(source.current().assertionConsumerServices[0].url).toBe('https://sp.test/second');
    expect(warnings).toEqual([]);
  });

  it('keeps the copy on hand and warns when a refresh fails, and retries no sooner than a minute later', async () => {
    server.serve(spMetadataXml());
    const source = await SpMetadataSource.load(config({ url: `${server.origin}/md`, refresh_seconds: 600 }), dir.dir, NO_EXTRA_CHECKS, options);
    server.serve('down', 503);
    clock += 600_000;
    source.current();
    await source.refresh();
    expect(source.current().entityId).toBe('https://sp.test/metadata');
    expect(warnings).toEqual([expect.stringMatching(/SP metadata refresh failed, the copy on hand stays in use: http:\/\/127\.0\.0\.1:\d+\/md: HTTP 503/)]);
    const after = server.count;
    clock += 59_000;
    source.current();
    expect(server.count).toBe(after);
    clock += 1_000;
    source.current();
    await source.refresh();
    expect(server.count).toBe(after + 1);
  });

  it('keeps the copy on hand when a refresh brings metadata it would refuse (tampered after signing)', async () => {
    const certificateFile = join(dir.dir, 'signer.crt.pem');
    writeFileSync(certificateFile, readFileSync(signer.certFile));
    const signed = signWithXmlsec(spMetadataXml({ signatureTemplate: true }), signer);
    server.serve(signed);
    const source = await SpMetadataSource.load(
      config({ url: `${server.origin}/md`, certificate_file: 'signer.crt.pem', refresh_seconds: 60 }),
      dir.dir,
      NO_EXTRA_CHECKS,
      options,
    );
    server.serve(signed.replace('https://sp.test/acs', 'https://evil.test/acs'));
    clock += 60_000;
    await source.refresh();
    expect(source.current().assertionConsumerServices[0].url).toBe('https://sp.test/acs');
    expect(warnings).toEqual([expect.stringMatching(/refresh failed.*signature refused: .*does not verify/)]);
  });

  it('at load, a fetch failure is a problem naming the URL and the reason', async () => {
    server.serve('nope', 404);
    const notFound = await loadError(SpMetadataSource.load(config({ url: `${server.origin}/md` }), dir.dir, NO_EXTRA_CHECKS, options));
    expect({ path: notFound.path, message: notFound.message }).toEqual({ path: 'sp_metadata', message: `${server.origin}/md: HTTP 404` });

    server.handler = () => undefined; // never answers
    expect((await loadError(SpMetadataSource.load(config({ url: `${server.origin}/slow` }), dir.dir, NO_EXTRA_CHECKS, options))).message).toBe(
      `${server.origin}/slow: no response within 500 ms`,
    );

    server.serve(Buffer.alloc(1024 * 1024 + 1, 0x20));
    expect((await loadError(SpMetadataSource.load(config({ url: `${server.origin}/big` }), dir.dir, NO_EXTRA_CHECKS, options))).message).toMatch(
      /response larger than 1048576 bytes/,
    );

    server.serve('', 302, { location: 'https://elsewhere.test/md' });
    expect((await loadError(SpMetadataSource.load(config({ url: `${server.origin}/moved` }), dir.dir, NO_EXTRA_CHECKS, options))).message).toMatch(
      /redirect to another origin \(https:\/\/elsewhere\.test\) not followed/,
    );

    server.serve('<md:EntityDescriptor');
    expect((await loadError(SpMetadataSource.load(config({ url: `${server.origin}/bad` }), dir.dir, NO_EXTRA_CHECKS, options))).message).toMatch(
      /\/bad: not well-formed XML/,
    );
  });

  it('follows a redirect within the same origin', async () => {
    server.handler = (req, res) => {
      if (req.url === '/old') {
        res.writeHead(301, { location: '/new' });
        res.end();
      } else {
        res.end(spMetadataXml());
      }
    };
    const source = await SpMetadataSource.load(config({ url: `${server.origin}/old` }), dir.dir, NO_EXTRA_CHECKS, options);
    expect(source.current().entityId).toBe('https://sp.test/metadata');
  });

  it.each([
    ['http://sp.test/metadata', /must use https \(http is allowed only for loopback hosts\)/],
    ['ftp://127.0.0.1/metadata', /must use https/],
    ['https://user:secret@sp.test/metadata', /must not contain a user name or password/],
    ['not a url', /not a valid absolute URL/],
  ])('refuses the URL %s', async (url, reason) => {
    const error = await loadError(SpMetadataSource.load(config({ url }), dir.dir, NO_EXTRA_CHECKS, options));
    expect(error.path).toBe('sp_metadata.url');
    expect(error.message).toMatch(reason);
    expect(error.message).toMatch(/^sp_metadata\.url /);
    // A password in the URL is never repeated in the message (it ends up in logs).
    expect(error.message).not.toContain('secret');
  });
});

describe('SpMetadataSource from a file', () => {
  it('reads it relative to the configuration directory, and never refreshes it', async () => {
    writeFileSync(join(dir.dir, 'sp.xml'), spMetadataXml());
    const source = await SpMetadataSource.load(config({ file: 'sp.xml', refresh_seconds: 60 }), dir.dir, NO_EXTRA_CHECKS, options);
    clock += 3_600_000;
    expect(source.current().entityId).toBe('https://sp.test/metadata');
    await source.refresh();
    expect(warnings).toEqual([]);
  });

  it('names the file and the reason when it is missing or refused', async () => {
    const missing = await loadError(SpMetadataSource.load(config({ file: 'none.xml' }), dir.dir, NO_EXTRA_CHECKS, options));
    expect(missing.message).toMatch(/^none\.xml: file not found \(relative to the configuration directory /);
    writeFileSync(join(dir.dir, 'expired.xml'), spMetadataXml({ validUntil: '2020-01-01T00:00:00Z' }));
    const expired = await loadError(SpMetadataSource.load(config({ file: 'expired.xml' }), dir.dir, NO_EXTRA_CHECKS, options));
    expect({ path: expired.path, message: expired.message }).toEqual({
      path: 'sp_metadata',
      message: "expired.xml: expired: the EntityDescriptor's validUntil 2020-01-01T00:00:00Z has passed",
    });
  });

  it('warns once when the copy in use passes its validUntil', async () => {
    const validUntil = new Date(clock + 10_000).toISOString();
    writeFileSync(join(dir.dir, 'sp.xml'), spMetadataXml({ validUntil }));
    const source = await SpMetadataSource.load(config({ file: 'sp.xml' }), dir.dir, NO_EXTRA_CHECKS, options);
    clock += 10_000;
    source.current();
    source.current();
    expect(warnings).toEqual([`sp.xml: the SP metadata in use is past its validUntil (${validUntil})`]);
  });

  it('refuses both file and url, or neither; and a certificate_file that is missing or no certificate', async () => {
    expect((await loadError(SpMetadataSource.load(config({ file: 'a', url: 'https://sp.test' }), dir.dir, NO_EXTRA_CHECKS, options))).message).toBe(
      'name the metadata by exactly one of file and url',
    );
    expect((await loadError(SpMetadataSource.load(config({}), dir.dir, NO_EXTRA_CHECKS, options))).path).toBe('sp_metadata');
    writeFileSync(join(dir.dir, 'sp.xml'), spMetadataXml());
    const missing = await loadError(SpMetadataSource.load(config({ file: 'sp.xml', certificate_file: 'nope.pem' }), dir.dir, NO_EXTRA_CHECKS, options));
    expect({ path: missing.path, message: missing.message }).toEqual({ path: 'sp_metadata.certificate_file', message: expect.stringMatching(/^nope\.pem: file not found/) });
    const notPem = await loadError(SpMetadataSource.load(config({ file: 'sp.xml', certificate_file: 'sp.xml' }), dir.dir, NO_EXTRA_CHECKS, options));
    expect(notPem.message).toBe('sp.xml is not a PEM X.509 certificate');
  });

  it("reports the instance's own requirement at the key it belongs to", async () => {
    writeFileSync(join(dir.dir, 'sp.xml'), spMetadataXml());
    const error = await loadError(SpMetadataSource.load(config({ file: 'sp.xml' }), dir.dir, () => ({ path: 'encryption.sp_certificate_file', message: 'no' }), options));
    expect({ path: error.path, message: error.message }).toEqual({ path: 'encryption.sp_certificate_file', message: 'sp.xml: no' });
  });
});
