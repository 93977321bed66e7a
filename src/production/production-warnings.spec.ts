import { type InstanceView, productionWarnings } from './production-warnings';

const SERVER_YAML = 'config/server.yaml';
const WINDOW = { requests: 10, perSeconds: 60 };
const BACKOFF = { lockAfterUserFailures: 5, lockAfterAddressFailures: 20, firstDelaySeconds: 1, maxDelaySeconds: 900, shared: false };

function instance(file: string, name: string, ...from: string[]): InstanceView {
  return { realm: { file }, instance: { name, settings: { supported_token_transforms: from.map((type) => ({ from: type })) } } };
}

const instances = [
  instance('config/realms/root.yaml', 'default', 'USERNAME'),
  instance('config/realms/root.yaml', 'es256', 'SAML2', 'USERNAME'),
  instance('config/realms/root.yaml', 'custom', 'CUSTOM'),
  instance('config/realms/eu-fr.yaml', 'partners', 'USERNAME'),
  instance('config/realms/saml.yaml', 'saml', 'SAML2'),
];

describe('productionWarnings', () => {
  it('warns once about missing request limits, naming server.yaml and rate_limits', () => {
    for (const rateLimits of [undefined, { shared: false }]) {
      const warnings = productionWarnings({ file: SERVER_YAML, rateLimits, loginBackoff: BACKOFF }, instances);
      expect(warnings).toEqual([expect.stringMatching(/^config\/server\.yaml: rate_limits: no request limit is set, so one client may send/)]);
    }
  });

  it.each([{ perAddress: WINDOW }, { overall: WINDOW }, { perInstance: WINDOW }])('is content with any request limit: %j', (limit) => {
    expect(productionWarnings({ file: SERVER_YAML, rateLimits: { shared: false, ...limit }, loginBackoff: BACKOFF }, instances)).toEqual([]);
  });

  it('without login_backoff warns once per realm file that takes USERNAME input, listing its instances', () => {
    const warnings = productionWarnings({ file: SERVER_YAML, rateLimits: { shared: false, perAddress: WINDOW } }, instances);
    expect(warnings).toEqual([
      'config/realms/root.yaml: instances.default, instances.es256: accept USERNAME input (passwords), but config/server.yaml has no login_backoff, ' +
        'so password guessing is not slowed down. Add "login_backoff: {}" to it for the defaults (see the documentation on rate limits and login back-off)',
      expect.stringMatching(/^config\/realms\/eu-fr\.yaml: instances\.partners: accepts USERNAME input \(passwords\), but config\/server\.yaml has no login_backoff/),
    ]);
  });

  it('says nothing about back-off where no instance takes USERNAME input', () => {
    const warnings = productionWarnings({ file: SERVER_YAML, rateLimits: { shared: false, overall: WINDOW } }, [instances[2], instances[4]]);
    expect(warnings).toEqual([]);
  });

  it('warns when public_base_url is not set, naming the address the documents use instead', () => {
    const limited = { file: SERVER_YAML, rateLimits: { shared: false, overall: WINDOW }, loginBackoff: BACKOFF };
    expect(productionWarnings({ ...limited, publicBaseUrl: 'http://0.0.0.0:8080', publicBaseUrlConfigured: false }, instances)).toEqual([
      'config/server.yaml: public_base_url: not set, so the metadata documents name endpoints under http://0.0.0.0:8080, the address the server listens on. ' +
        'Set it to the URL clients reach this server at (see the documentation on discovery)',
    ]);
    expect(productionWarnings({ ...limited, publicBaseUrl: 'https://sts.example.com', publicBaseUrlConfigured: true }, instances)).toEqual([]);
  });
});
