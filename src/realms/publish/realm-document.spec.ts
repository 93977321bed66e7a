import { parse } from 'yaml';
import { refusal } from '../../../test/support/sts-refusal';
import { RealmDocument } from './realm-document';

const FILE = `# Root realm: owned by the platform team
realm: /
keys: # generated on first start
  - kid: ec-1
    use: sig
    generate: { type: ec, curve: P-256 }

# Published through the admin API too
instances:
  # the main instance
  default:
    supported_token_transforms:
      - { from: USERNAME, to: OPENIDCONNECT } # the only one
    oidc:
      issuer: https://sts.example.com # public name
      audience: [rp-client]
      signature_algorithm: ES256
      signing_key: ec-1
      token_lifetime_seconds: 300 # five minutes
  # kept for old clients
  legacy:
    supported_token_transforms: [{ from: USERNAME, to: OPENIDCONNECT }]
`;

const document = () => RealmDocument.parse(FILE, '/', 'root.yaml');
const instancesOf = (text: string) => (parse(text) as { instances: Record<string, unknown> }).instances;
const defaultInstance = () => structuredClone(instancesOf(FILE).default) as Record<string, Record<string, unknown>>;

describe('RealmDocument', () => {
  describe('realm keys (a published secret)', () => {
    const entry = { kid: 'pingam-client-secret-1', use: 'sig', generate: { type: 'oct', size: 256 } };
    const keysOf = (text: string) => (parse(text) as { keys?: Array<{ kid: string }> }).keys;

    it('adds a key after the others, keeping their comments, and only once', () => {
      const edited = document();
      edited.ensureKey(entry);
      edited.ensureKey({ ...entry, generate: { type: 'oct', size: 512 } });
      const text = edited.toString();
      expect(keysOf(text)).toEqual([{ kid: 'ec-1', use: 'sig', generate: { type: 'ec', curve: 'P-256' } }, entry]);
      expect(text).toContain('# generated on first start');
    });

    it('adds the keys list when the file has none, or an empty flow list', () => {
      for (const keys of ['', 'keys: []\n', 'keys:\n']) {
        const edited = RealmDocument.parse(`realm: /\n${keys}instances: {}\n`, '/', 'root.yaml');
        edited.ensureKey(entry);
        expect(keysOf(edited.toString())).toEqual([entry]);
      }
    });

    it('removes a key by kid, and answers false for one that is not there', () => {
      const edited = document();
      edited.ensureKey(entry);
      expect(edited.removeKey(entry.kid)).toBe(true);
      expect(edited.removeKey(entry.kid)).toBe(false);
      expect(keysOf(edited.toString())?.map((k) => k.kid)).toEqual(['ec-1']);
    });
  });

  it('adds an instance and keeps every comment and the other instances', () => {
    const edited = document();
    edited.add('added', { supported_token_transforms: [{ from: 'USERNAME', to: 'SAML2' }] }, '/added');
    const text = edited.toString();
    expect(instancesOf(text)).toEqual({ ...instancesOf(FILE), added: { supported_token_transforms: [{ from: 'USERNAME', to: 'SAML2' }] } });
    for (const comment of ['# Root realm', '# generated on first start', '# Published through', '# the main instance', '# public name', '# kept for old clients']) {
      expect(text).toContain(comment);
    }
  });

  it('updates only what changed, keeping comments on the keys and values that stay', () => {
    const changed = defaultInstance();
    changed.oidc.issuer = 'https://new.example.com';
    changed.oidc.audience = ['rp-client', 'api'];
    delete changed.oidc.token_lifetime_seconds;
    changed.persist_issued_tokens = true as never;

    const edited = document();
    edited.replace('default', changed, '/default');
    const text = edited.toString();

    expect(instancesOf(text).default).toEqual(changed);
    expect(instancesOf(text).legacy).toEqual(instancesOf(FILE).legacy);
    expect(text).toContain('issuer: https://new.example.com # public name');
    expect(text).toContain('# the only one');
    expect(text).toContain('# the main instance');
    expect(text).not.toContain('five minutes'); // went with its key
  });

  it('writes an unchanged instance back unchanged', () => {
    const edited = document();
    edited.replace('default', defaultInstance(), '/default');
    expect(edited.toString()).toBe(RealmDocument.parse(FILE, '/', 'root.yaml').toString());
  });

  it('removes an instance and nothing else', () => {
    const edited = document();
    edited.remove('legacy', '/legacy');
    const text = edited.toString();
    expect(Object.keys(instancesOf(text))).toEqual(['default']);
    expect(text).toContain('# public name');
  });

  it('grows an empty flow map `instances: {}` as a block map', () => {
    const edited = RealmDocument.parse('realm: /eu\ninstances: {}\n', '/eu', 'eu.yaml');
    edited.add('partners', { persist_issued_tokens: false }, '/eu/partners');
    expect(edited.toString()).toBe('realm: /eu\ninstances:\n  partners:\n    persist_issued_tokens: false\n');
  });

  it('refuses to add an instance that exists, or change or remove one that does not', () => {
    expect(refusal(() => document().add('default', {}, '/default'))).toMatchObject({ status: 409, code: 'instance_exists' });
    expect(refusal(() => document().replace('nope', {}, '/nope'))).toMatchObject({ status: 404, code: 'instance_not_found' });
    expect(refusal(() => document().remove('nope', '/nope'))).toMatchObject({ status: 404, code: 'instance_not_found' });
  });

  it('refuses a file that no longer holds the realm it was loaded as', () => {
    expect(refusal(() => RealmDocument.parse(FILE, '/eu', 'root.yaml'))).toMatchObject({ status: 409, code: 'realm_file_changed' });
    expect(refusal(() => RealmDocument.parse('realm: /\ninstances: [\n', '/', 'root.yaml'))).toMatchObject({ status: 409, code: 'realm_file_changed' });
  });

  it('names the line and column of a YAML syntax error in the file', () => {
    const refused = refusal(() => RealmDocument.parse('realm: /\ninstances:\n  a: 1\n   b: 2\n', '/', 'config/realms/root.yaml'));
    expect(refused).toMatchObject({ status: 409, code: 'realm_file_changed' });
    expect(refused.message).toContain('(config/realms/root.yaml:3:6: YAML syntax error: ');
  });
});
