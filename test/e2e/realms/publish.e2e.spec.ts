/**
 * SPEC 4.4: the admin publish API creates, lists, reads, updates and deletes STS instances in
 * their realm files; each change is validated like the files, written atomically and live when
 * the call returns. Every refusal has the SPEC 4.2 error shape and leaves the files as they were.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { parse, stringify } from 'yaml';
import { expectErrorBody } from '../../support/error-body';
import { DEMO_PASSWORD, oidcInstance, rootRealm, testPasswordHash, usernameToOidc } from '../../support/realm-fixtures';
import { startTestServer, TestResponse, TestServer } from '../../support/test-server';

const ADMIN_TOKEN = 'admin-token-for-the-publish-tests';
const PUBLISH = '/sts-publish/rest';
const CREATE = `${PUBLISH}?_action=create`;
const EU_PASSWORD = 'the eu/fr realm has its own password';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON under test

function withIssuer(instance: Json, issuer: string): Json {
  return { ...instance, oidc: { ...instance.oidc, issuer } };
}

async function euFrRealm(): Promise<Json> {
  return {
    realm: '/eu/fr',
    identity_store: { type: 'file', users: [{ username: 'alice', password_hash: await testPasswordHash(EU_PASSWORD), attributes: { mail: 'alice@example.fr' } }] },
    keys: [{ kid: 'fr-ec-1', use: 'sig', generate: { type: 'ec', curve: 'P-256' } }],
    instances: { partners: withIssuer(oidcInstance('ES256', 'fr-ec-1'), 'https://sts.test/partners.eu') },
  };
}

/** The root realm as an operator would write it: with comments, which an update must keep. */
async function commentedRootRealm(): Promise<string> {
  return `# Root realm: maintained by the platform team\n${stringify(await rootRealm())}`
    .replace('\ninstances:\n', '\n# also published through /sts-publish/rest\ninstances:\n')
    .replace('token_lifetime_seconds: 300\n', 'token_lifetime_seconds: 300 # five minutes, per the security review\n');
}

/** A request with any method, bearing the admin token unless told otherwise. */
async function call(server: TestServer, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<TestResponse> {
  const response = await fetch(server.baseUrl + path, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

describe('admin publish API /sts-publish/rest', () => {
  let server: TestServer;
  let rootFile: string;
  let euFile: string;

  beforeAll(async () => {
    server = await startTestServer({ root: await commentedRootRealm(), 'eu-fr': await euFrRealm() }, { adminToken: ADMIN_TOKEN });
    rootFile = join(server.configDir, 'realms', 'root.yaml');
    euFile = join(server.configDir, 'realms', 'eu-fr.yaml');
  });
  afterAll(() => server.close());

  const admin = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => call(server, method, path, body, headers);
  const translate = (path: string, password = DEMO_PASSWORD) => server.post(`/rest-sts${path}?_action=translate`, usernameToOidc('alice', password));
  const issuerAt = async (path: string, password?: string) => {
    const res = await translate(path, password);
    expect(res.status).toBe(200);
    return decodeJwt(res.body.issued_token).iss;
  };
  const instancesOnDisk = async (file: string): Promise<Json> => parse(await readFile(file, 'utf8')).instances;

  /** Runs `refused`, expects its error, and checks that neither file changed and the server still serves. */
  async function expectRefusal(refused: () => Promise<TestResponse>, status: number, error: string): Promise<TestResponse> {
    const before = await Promise.all([readFile(rootFile, 'utf8'), readFile(euFile, 'utf8')]);
    const res = await refused();
    expectErrorBody(res, status, error);
    expect(await Promise.all([readFile(rootFile, 'utf8'), readFile(euFile, 'utf8')])).toEqual(before);
    expect((await translate('/default')).status).toBe(200);
    return res;
  }

  describe('authentication', () => {
    it.each([
      ['no Authorization header', undefined],
      ['a wrong token', `Bearer wrong-${ADMIN_TOKEN}`],
      ['the right token with another scheme', `Basic ${ADMIN_TOKEN}`],
      ['the token alone', ADMIN_TOKEN],
      ['an empty Bearer', 'Bearer '],
      ['the token followed by more', `Bearer ${ADMIN_TOKEN} extra`],
    ])('answers 401 admin_unauthorized with a Bearer challenge for %s', async (_what, authorization) => {
      const headers = authorization === undefined ? { authorization: '' } : { authorization };
      for (const [method, path, body] of [
        ['GET', PUBLISH],
        ['GET', `${PUBLISH}/default`],
        ['POST', CREATE, { instance_state: { realm: '/', name: 'sneaky', ...oidcInstance('ES256', 'ec-1') } }],
        ['PUT', `${PUBLISH}/default`, { instance_state: oidcInstance('ES256', 'ec-1') }],
        ['DELETE', `${PUBLISH}/default`],
      ] as const) {
        const res = await expectRefusal(() => admin(method, path, body, headers), 401, 'admin_unauthorized');
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="sts-publish"/);
        expect(JSON.stringify(res.body)).not.toContain(ADMIN_TOKEN);
      }
      expect((await server.get('/oauth2/sneaky/jwks')).status).toBe(404);
    });

    it('says invalid_token in the challenge only when a token was sent', async () => {
      expect((await admin('GET', PUBLISH, undefined, { authorization: '' })).headers.get('www-authenticate')).toBe('Bearer realm="sts-publish"');
      expect((await admin('GET', PUBLISH, undefined, { authorization: 'Bearer nope' })).headers.get('www-authenticate')).toBe(
        'Bearer realm="sts-publish", error="invalid_token"',
      );
    });

    it('accepts the scheme in any case', async () => {
      expect((await admin('GET', PUBLISH, undefined, { authorization: `bearer ${ADMIN_TOKEN}` })).status).toBe(200);
    });
  });

  describe('list and read', () => {
    it('lists every instance by path, as written in its realm file', async () => {
      const res = await admin('GET', PUBLISH);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const root = await rootRealm();
      expect(Object.keys(res.body).sort()).toEqual(['/default', '/es256', '/eu/fr/partners', '/hs256']);
      expect(res.body['/default']).toEqual({ realm: '/', name: 'default', ...(root.instances as Json).default });
      expect(res.body['/eu/fr/partners']).toEqual({ realm: '/eu/fr', name: 'partners', ...(await euFrRealm()).instances.partners });
      // Defaults the loader fills in are not shown: the answer is what the file says.
      expect(res.body['/default']).not.toHaveProperty('persist_issued_tokens');
      expect((await admin('GET', `${PUBLISH}/`)).body).toEqual(res.body);
    });

    it('reads one instance, in the root realm and in a nested realm', async () => {
      const list = (await admin('GET', PUBLISH)).body;
      for (const path of ['/default', '/eu/fr/partners']) {
        const res = await admin('GET', PUBLISH + path);
        expect(res.status).toBe(200);
        expect(res.body).toEqual(list[path]);
      }
    });
  });

  describe('create', () => {
    it('creates an instance that translates at once, and writes it into the realm file', async () => {
      const state = { realm: '/', name: 'created', ...withIssuer(oidcInstance('ES256', 'ec-1'), 'https://sts.test/created') };
      expect((await translate('/created')).status).toBe(404);

      const res = await admin('POST', CREATE, { instance_state: state });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ _id: '/created', url_element: '/created', result: 'success' });
      expect(res.headers.get('location')).toBe(`${PUBLISH}/created`);

      expect(await issuerAt('/created')).toBe('https://sts.test/created');
      const { realm: _realm, name: _name, ...settings } = state;
      expect((await instancesOnDisk(rootFile)).created).toEqual(settings);
      expect((await admin('GET', `${PUBLISH}/created`)).body).toEqual(state);
      expect(await issuerAt('/default')).toBe('https://sts.test');
    });

    it('creates an instance in a nested realm, in that realm\'s file', async () => {
      const state = { realm: '/eu/fr', name: 'suppliers', ...withIssuer(oidcInstance('ES256', 'fr-ec-1'), 'https://sts.test/suppliers.eu') };
      const res = await admin('POST', CREATE, { instance_state: state });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ _id: '/eu/fr/suppliers', url_element: '/eu/fr/suppliers', result: 'success' });
      expect(await issuerAt('/eu/fr/suppliers', EU_PASSWORD)).toBe('https://sts.test/suppliers.eu');
      expect(Object.keys(await instancesOnDisk(euFile))).toEqual(['partners', 'suppliers']);
      expect(await instancesOnDisk(rootFile)).not.toHaveProperty('suppliers');
    });

    it('lands both of two concurrent creates', async () => {
      const create = (realm: string, name: string, kid: string) =>
        admin('POST', CREATE, { instance_state: { realm, name, ...withIssuer(oidcInstance('ES256', kid), `https://sts.test/${name}`) } });
      const results = await Promise.all([create('/', 'parallel-1', 'ec-1'), create('/', 'parallel-2', 'ec-1'), create('/eu/fr', 'parallel-3', 'fr-ec-1')]);
      expect(results.map((r) => r.status)).toEqual([201, 201, 201]);

      expect(await issuerAt('/parallel-1')).toBe('https://sts.test/parallel-1');
      expect(await issuerAt('/parallel-2')).toBe('https://sts.test/parallel-2');
      expect(await issuerAt('/eu/fr/parallel-3', EU_PASSWORD)).toBe('https://sts.test/parallel-3');
      expect(await instancesOnDisk(rootFile)).toMatchObject({ 'parallel-1': expect.any(Object), 'parallel-2': expect.any(Object) });
      expect(Object.keys((await admin('GET', PUBLISH)).body)).toEqual(expect.arrayContaining(['/parallel-1', '/parallel-2', '/eu/fr/parallel-3']));
    });
  });

  describe('update', () => {
    it('changes how the instance behaves as soon as it answers', async () => {
      const current = (await admin('GET', `${PUBLISH}/es256`)).body;
      const res = await admin('PUT', `${PUBLISH}/es256`, { instance_state: withIssuer(current, 'https://sts.test/updated') });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ _id: '/es256', url_element: '/es256', result: 'success' });
      expect(await issuerAt('/es256')).toBe('https://sts.test/updated');
      expect((await admin('GET', `${PUBLISH}/es256`)).body.oidc.issuer).toBe('https://sts.test/updated');
    });

    it('keeps the comments and the rest of the realm file', async () => {
      const before = parse(await readFile(rootFile, 'utf8'));
      const { realm: _realm, name: _name, ...settings } = (await admin('GET', `${PUBLISH}/default`)).body;
      // Realm and name may be left out on PUT: the URL names the instance.
      const res = await admin('PUT', `${PUBLISH}/default`, { instance_state: withIssuer(settings, 'https://sts.test/commented') });
      expect(res.status).toBe(200);

      const text = await readFile(rootFile, 'utf8');
      expect(text).toMatch(/^# Root realm: maintained by the platform team\n/);
      expect(text).toContain('# also published through /sts-publish/rest\ninstances:');
      expect(text).toContain('token_lifetime_seconds: 300 # five minutes, per the security review');
      const after = parse(text);
      expect({ ...after, instances: undefined }).toEqual({ ...before, instances: undefined });
      expect(after.instances.default.oidc.issuer).toBe('https://sts.test/commented');
      expect(await issuerAt('/default')).toBe('https://sts.test/commented');
    });

    it('accepts what GET answers, PUT back unchanged, and leaves the file as it was', async () => {
      for (const path of ['/hs256', '/eu/fr/partners']) {
        const files = await Promise.all([readFile(rootFile, 'utf8'), readFile(euFile, 'utf8')]);
        const state = (await admin('GET', PUBLISH + path)).body;
        const res = await admin('PUT', PUBLISH + path, { instance_state: state });
        expect(res.status).toBe(200);
        expect((await admin('GET', PUBLISH + path)).body).toEqual(state);
        expect(await Promise.all([readFile(rootFile, 'utf8'), readFile(euFile, 'utf8')])).toEqual(files);
      }
    });
  });

  describe('delete', () => {
    it('removes the instance from the file and from service', async () => {
      const created = await admin('POST', CREATE, { instance_state: { realm: '/eu/fr', name: 'short-lived', ...oidcInstance('ES256', 'fr-ec-1') } });
      expect(created.status).toBe(201);
      expect((await translate('/eu/fr/short-lived', EU_PASSWORD)).status).toBe(200);

      const res = await admin('DELETE', `${PUBLISH}/eu/fr/short-lived`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ _id: '/eu/fr/short-lived', url_element: '/eu/fr/short-lived', result: 'success' });

      expectErrorBody(await translate('/eu/fr/short-lived', EU_PASSWORD), 404, 'instance_not_found');
      expectErrorBody(await admin('GET', `${PUBLISH}/eu/fr/short-lived`), 404, 'instance_not_found');
      expect(await instancesOnDisk(euFile)).not.toHaveProperty('short-lived');
      expect((await admin('GET', PUBLISH)).body).not.toHaveProperty('/eu/fr/short-lived');
      expect(await issuerAt('/eu/fr/partners', EU_PASSWORD)).toBe('https://sts.test/partners.eu');
    });
  });

  describe('refusals (the files stay as they were, the server keeps serving)', () => {
    const valid = (name: string, extra: Json = {}) => ({ realm: '/', name, ...oidcInstance('ES256', 'ec-1'), ...extra });

    it('refuses an unknown key with its key path, like a realm file', async () => {
      const res = await expectRefusal(() => admin('POST', CREATE, { instance_state: valid('bad', { colour: 'blue' }) }), 400, 'invalid_instance_state');
      expect(res.body.message).toContain('instances.bad.colour: unknown key');
      expect((await translate('/bad')).status).toBe(404);
    });

    it('refuses an unknown signing key with its key path', async () => {
      const state = { realm: '/', name: 'bad', ...oidcInstance('ES256', 'k9') };
      const res = await expectRefusal(() => admin('POST', CREATE, { instance_state: state }), 400, 'invalid_instance_state');
      expect(res.body.message).toContain('instances.bad.oidc.signing_key: no key "k9" in realm /');
    });

    it('refuses an update that breaks the instance, and keeps serving it as it was', async () => {
      const issuer = await issuerAt('/hs256');
      const state = (await admin('GET', `${PUBLISH}/hs256`)).body;
      const broken = { ...state, oidc: { ...state.oidc, signature_algorithm: 'XX512' }, supported_token_transforms: [] };
      const res = await expectRefusal(() => admin('PUT', `${PUBLISH}/hs256`, { instance_state: broken }), 400, 'invalid_instance_state');
      expect(res.body.message).toContain('instances.hs256.supported_token_transforms');
      expect(res.body.message).toContain('instances.hs256.oidc.signature_algorithm');
      expect(await issuerAt('/hs256')).toBe(issuer);
    });

    it('refuses to create an instance that exists (409 instance_exists)', async () => {
      await expectRefusal(() => admin('POST', CREATE, { instance_state: valid('default') }), 409, 'instance_exists');
    });

    it('answers 404 realm_not_found for an unknown realm', async () => {
      await expectRefusal(() => admin('POST', CREATE, { instance_state: { ...valid('x'), realm: '/nowhere' } }), 404, 'realm_not_found');
      await expectRefusal(() => admin('GET', `${PUBLISH}/nowhere/x`), 404, 'realm_not_found');
      await expectRefusal(() => admin('PUT', `${PUBLISH}/nowhere/x`, { instance_state: valid('x', { realm: '/nowhere' }) }), 404, 'realm_not_found');
      await expectRefusal(() => admin('DELETE', `${PUBLISH}/nowhere/x`), 404, 'realm_not_found');
    });

    it('answers 404 instance_not_found for an unknown instance', async () => {
      await expectRefusal(() => admin('GET', `${PUBLISH}/nope`), 404, 'instance_not_found');
      await expectRefusal(() => admin('PUT', `${PUBLISH}/nope`, { instance_state: valid('nope') }), 404, 'instance_not_found');
      await expectRefusal(() => admin('DELETE', `${PUBLISH}/eu/fr/nope`), 404, 'instance_not_found');
      await expectRefusal(() => admin('GET', `${PUBLISH}/eu/fr/-not-a-name`), 404, 'instance_not_found');
    });

    it.each([
      ['a body that is not an object', []],
      ['no instance_state', {}],
      ['an instance_state that is not an object', { instance_state: [valid('x')] }],
      ['an instance_state that is null', { instance_state: null }],
      ['a field beside instance_state', { instance_state: valid('x'), realm: '/' }],
      ['no realm', { instance_state: { ...valid('x'), realm: undefined } }],
      ['a realm that is not a string', { instance_state: { ...valid('x'), realm: 1 } }],
      ['a realm that is not a realm path', { instance_state: { ...valid('x'), realm: 'eu' } }],
      ['no name', { instance_state: { ...valid('x'), name: undefined } }],
      ['a name that is not a string', { instance_state: { ...valid('x'), name: ['x'] } }],
      ['a name with a slash', { instance_state: valid('eu/x') }],
      ['a name that is not a URL element', { instance_state: valid('..') }],
      ['an empty name', { instance_state: valid('') }],
    ])('refuses a create with %s (400 invalid_request)', async (_what, body) => {
      await expectRefusal(() => admin('POST', CREATE, body), 400, 'invalid_request');
    });

    it('refuses a PUT whose body names another instance or realm (400 invalid_request)', async () => {
      const state = (await admin('GET', `${PUBLISH}/default`)).body;
      await expectRefusal(() => admin('PUT', `${PUBLISH}/default`, { instance_state: { ...state, name: 'es256' } }), 400, 'invalid_request');
      await expectRefusal(() => admin('PUT', `${PUBLISH}/default`, { instance_state: { ...state, realm: '/eu/fr' } }), 400, 'invalid_request');
      await expectRefusal(() => admin('PUT', `${PUBLISH}/default`, { instance_state: 'default' }), 400, 'invalid_request');
    });

    it('refuses malformed JSON (400 malformed_json)', async () => {
      await expectRefusal(() => admin('POST', CREATE, '{"instance_state": {'), 400, 'malformed_json');
    });

    it('refuses a missing or unknown _action (400 unknown_action)', async () => {
      await expectRefusal(() => admin('POST', PUBLISH, { instance_state: valid('x') }), 400, 'unknown_action');
      await expectRefusal(() => admin('POST', `${PUBLISH}?_action=delete`, { instance_state: valid('x') }), 400, 'unknown_action');
    });

    it('leaves no temp file in the realm directory', async () => {
      expect((await readdir(join(server.configDir, 'realms'))).sort()).toEqual(['eu-fr.yaml', 'root.yaml']);
    });
  });
});

describe('admin publish API without STS_ADMIN_TOKEN', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ root: await rootRealm() });
  });
  afterAll(() => server.close());

  it.each([
    ['GET', PUBLISH, undefined],
    ['GET', `${PUBLISH}/default`, undefined],
    ['POST', CREATE, { instance_state: { realm: '/', name: 'x', ...oidcInstance('ES256', 'ec-1') } }],
    ['PUT', `${PUBLISH}/default`, { instance_state: oidcInstance('ES256', 'ec-1') }],
    ['DELETE', `${PUBLISH}/default`, undefined],
  ])('answers %s %s like an unknown route (404), token or not', async (method, path, body) => {
    const unknown = await call(server, method, path.replace(PUBLISH, '/no-such-api'), body);
    expect(unknown.status).toBe(404);
    for (const headers of [{}, { authorization: '' }] as Record<string, string>[]) {
      const res = await call(server, method, path, body, headers);
      expectErrorBody(res, 404, 'not_found');
      expect(res.body).toEqual(unknown.body);
      expect(res.headers.get('www-authenticate')).toBeNull();
    }
    expect((await server.post('/rest-sts/default?_action=translate', usernameToOidc('alice', DEMO_PASSWORD))).status).toBe(200);
  });

  it('answers malformed JSON exactly as an unknown route does', async () => {
    const unknown = await call(server, 'POST', '/no-such-api?_action=create', '{"instance_state": {');
    const res = await call(server, 'POST', CREATE, '{"instance_state": {');
    expect({ status: res.status, body: res.body }).toEqual({ status: unknown.status, body: unknown.body });
  });
});

describe('admin publish API with the config watcher on', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ root: await rootRealm() }, { adminToken: ADMIN_TOKEN, watchConfig: true });
  });
  afterAll(() => server.close());

  it('serves a change when the call returns, and still after the watcher has reloaded the file', async () => {
    const state = { realm: '/', name: 'watched', ...withIssuer(oidcInstance('ES256', 'ec-1'), 'https://sts.test/watched') };
    expect((await call(server, 'POST', CREATE, { instance_state: state })).status).toBe(201);
    const translate = () => server.post('/rest-sts/watched?_action=translate', usernameToOidc('alice', DEMO_PASSWORD));
    expect((await translate()).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 600)); // past the watcher's debounce
    expect(decodeJwt((await translate()).body.issued_token).iss).toBe('https://sts.test/watched');

    expect((await call(server, 'DELETE', `${PUBLISH}/watched`)).status).toBe(200);
    expect((await translate()).status).toBe(404);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await translate()).status).toBe(404);
  });
});
