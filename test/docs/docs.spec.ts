/**
 * The user documentation (README.md and docs/*.md) is checked like code:
 *
 * 1. Every ```yaml block is loaded by the real loaders. Its first line says what it is:
 *      # config/realms/<file>.yaml        a complete realm file (any path ending in realms/<file>.yaml)
 *      # add to <path>/realms/<file>.yaml  lines added to that file as shown earlier on the same page
 *                                          (mappings merge, lists append, no existing value changes)
 *      # whole file: <path>/realms/<file>.yaml
 *                                          the complete file after the "add to" blocks before it: it
 *                                          must equal what they add up to, and is loaded
 *      # part of a realm file              a fragment written from the file's top level; the test
 *                                          completes it into a minimal realm (BASE_REALM below)
 *      # config/server.yaml                a complete server.yaml
 *      # part of config/server.yaml        a fragment of server.yaml (every key there is optional)
 *      # other YAML: <what>                not STS configuration: parsed only
 *      # kubernetes: <what>                a Kubernetes manifest: parsed only
 *    A block whose documents all have apiVersion and kind (a Kubernetes manifest) is parsed only too.
 *    Any other ```yaml block fails: a snippet can never be skipped silently.
 *    Files that snippets name are made here (FIXTURE_FILES); variables they name (`*_env`) are set.
 *    Every ```js block is a plugin: its first line `// <dir>/<name>/index.js` names it, and it is
 *    loaded through the plugin manifest check and registered for the realm snippets that bind it.
 * 2. docs/configuration.md documents exactly the keys of the realm and server.yaml schemas (walked
 *    through class-validator and class-transformer metadata), with type, default and meaning, and the
 *    defaults it states are the schema's. Its environment table names every variable the server reads.
 * 3. Relative links in README.md and docs/*.md point at files (and headings) that exist.
 * 4. README.md stays a front door (at most 16,000 bytes), and no page refers to project internals.
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { manifestFromModule } from '../../src/plugins/plugin-manifest';
import type { StsPluginManifest } from '../../src/plugin-api/token-contract';
import { ConfigError } from '../../src/realms/config-problem';
import { loadRealms } from '../../src/realms/realm-loader';
import { InstanceConfig } from '../../src/realms/schema/instance-config';
import { RealmConfig } from '../../src/realms/schema/realm-config';
import { loadServerConfig } from '../../src/server-config/server-config-loader';
import { ServerConfigSchema } from '../../src/server-config/server-config-schema';
import { builtinTokenTypes } from '../../src/token-types/builtin-token-types';
import { TokenTypeRegistry } from '../../src/transform/token-type-registry';
import { makeTestPki } from '../support/client-certificate-pki';
import { removeOpensslWorkDir } from '../support/openssl';

const ROOT = resolve(__dirname, '../..');
const DOCS_DIR = join(ROOT, 'docs');
const README_MAX_BYTES = 16_000;

// ---------------------------------------------------------------------------------------------
// Reading the pages

interface CodeBlock {
  readonly page: string;
  readonly line: number;
  readonly lang: string;
  readonly text: string;
}

function pages(): string[] {
  const docs = existsSync(DOCS_DIR) ? readdirSync(DOCS_DIR).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`) : [];
  return ['README.md', ...docs];
}

function readPage(page: string): string {
  return readFileSync(join(ROOT, page), 'utf8');
}

/** Fenced code blocks (``` or ~~~, possibly indented inside a list), dedented. */
function codeBlocks(page: string): CodeBlock[] {
  const lines = readPage(page).split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang] = open;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !(lines[j].trim().startsWith(fence) && lines[j].trim().replace(/[`~]/g, '') === '')) {
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j].trimStart());
      j++;
    }
    if (j === lines.length) throw new Error(`${page}:${i + 1}: code block never closed`);
    blocks.push({ page, line: i + 1, lang: lang.toLowerCase(), text: body.join('\n') });
    i = j;
  }
  return blocks;
}

/** The page without its fenced code blocks and inline code spans. */
function proseOf(page: string): string {
  return readPage(page)
    .replace(/^(\s*)(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\s*\2[`~]*\s*$/gm, '')
    .replace(/`[^`\n]*`/g, '');
}

// ---------------------------------------------------------------------------------------------
// Files and variables the snippets name

/** Key files, certificates and JWKS files that snippets refer to, relative to the config dir. */
const FIXTURE_FILES = [
  'keys/rsa-1.key.pem', 'keys/rsa-1.crt.pem', 'keys/ec-1.key.pem', 'keys/enc-1.key.pem', 'keys/old.key.pem',
  'keys/saml.key.pem', 'keys/saml.crt.pem', 'keys/ca.key.pem', 'keys/ca.crt.pem',
  'idp-jwks.json', 'idp.pem', 'idp.crt.pem', 'sp.crt.pem', 'partner.crt.pem', 'gateway-jwks.json',
  'ca.crt.pem', 'intermediates.pem', 'ca.crl.pem', 'ldap-ca.pem', 'sp-metadata.xml',
] as const;

function makeFixtures(dir: string): void {
  const file = (name: string) => {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    return join(dir, name);
  };
  const pem = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' });
  const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
  const selfSigned = (keyFile: string, certFile: string, subject: string, ca = false) =>
    execFileSync('openssl', [
      'req', '-x509', '-new', '-key', keyFile, '-subj', subject, '-days', '30', '-out', certFile,
      ...(ca ? ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'] : []),
    ], { stdio: 'ignore' });
  const keyWithCertificate = (keyName: string, certName: string | undefined, key: KeyObject, subject: string, ca = false) => {
    writeFileSync(file(keyName), pem(key));
    if (certName) selfSigned(join(dir, keyName), file(certName), subject, ca);
  };

  keyWithCertificate('keys/rsa-1.key.pem', 'keys/rsa-1.crt.pem', rsa().privateKey, '/CN=sts.example.com');
  keyWithCertificate('keys/ec-1.key.pem', undefined, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, '');
  keyWithCertificate('keys/enc-1.key.pem', undefined, rsa().privateKey, '');
  keyWithCertificate('keys/old.key.pem', undefined, rsa().privateKey, '');
  keyWithCertificate('keys/saml.key.pem', 'keys/saml.crt.pem', rsa().privateKey, '/CN=sts.example.com');
  keyWithCertificate('keys/ca.key.pem', 'keys/ca.crt.pem', rsa().privateKey, '/CN=My CA', true);

  // A trusted issuer's public keys, and certificates of IdPs, SPs and partners (their keys stay here).
  const idpRsa = rsa();
  const idpEc = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = (key: KeyObject, kid: string) => ({ ...key.export({ format: 'jwk' }), kid, use: 'sig' });
  writeFileSync(file('idp-jwks.json'), JSON.stringify({ keys: [jwk(idpRsa.publicKey, 'idp-rsa'), jwk(idpEc.publicKey, 'idp-ec')] }));
  writeFileSync(file('idp.pem'), idpRsa.publicKey.export({ type: 'spki', format: 'pem' }));
  // An OAuth client's public keys (private_key_jwt).
  const gateway = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(file('gateway-jwks.json'), JSON.stringify({ keys: [jwk(gateway.publicKey, 'gateway-2026')] }));
  const work = mkdtempSync(join(tmpdir(), 'sts-docs-keys-'));
  for (const [name, subject] of [['idp.crt.pem', '/CN=idp.example.com'], ['sp.crt.pem', '/CN=sp.example.com'], ['partner.crt.pem', '/CN=partner.example.com']]) {
    const keyFile = join(work, `${name}.key`);
    writeFileSync(keyFile, pem(rsa().privateKey));
    selfSigned(keyFile, file(name), subject);
  }
  rmSync(work, { recursive: true, force: true });
  // An SP's SAML metadata, with sp.crt.pem as its encryption certificate.
  const spCertificate = readFileSync(join(dir, 'sp.crt.pem'), 'utf8').replace(/-----[^-]+-----|\s/g, '');
  writeFileSync(
    file('sp-metadata.xml'),
    `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://sp.example.com"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${spCertificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example.com/saml/acs" index="0"/></md:SPSSODescriptor></md:EntityDescriptor>`,
  );

  // Client certificate trust: a root, its issuing CA and that CA's CRL.
  const pki = makeTestPki();
  cpSync(pki.rootFile, file('ca.crt.pem'));
  cpSync(pki.intermediateFile, file('intermediates.pem'));
  cpSync(pki.crlFile, file('ca.crl.pem'));
  cpSync(pki.rootFile, file('ldap-ca.pem'));

  for (const name of FIXTURE_FILES) if (!existsSync(join(dir, name))) throw new Error(`fixture ${name} was not made`);
}

/** Every `<something>_env: NAME` in a snippet, with a value that suits what it names. */
/** Values for `*_env` keys that need a given form; every other one gets a long secret. */
const EXAMPLE_ENV_VALUES: Record<string, string> = { url_env: 'redis://127.0.0.1:6379/0', key_wrapping_key_env: Buffer.alloc(32, 1).toString('base64') };

function variablesNamed(content: unknown, found = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(content)) content.forEach((item) => variablesNamed(item, found));
  else if (content && typeof content === 'object') {
    for (const [key, value] of Object.entries(content)) {
      if (key.endsWith('_env') && typeof value === 'string') {
        found.set(value, EXAMPLE_ENV_VALUES[key] ?? 'docs-example-secret-0123456789-abcdefghijklmnopqrstuvwxyz');
      } else variablesNamed(value, found);
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// What a YAML block is

type YamlKind =
  | { kind: 'realm-file'; path: string }
  | { kind: 'realm-add'; path: string }
  | { kind: 'realm-whole'; path: string }
  | { kind: 'realm-fragment' }
  | { kind: 'server-file' }
  | { kind: 'server-fragment' }
  | { kind: 'other'; what: string };

const REALM_PATH = String.raw`(\S*realms/[\w.-]+\.ya?ml)`;

function classify(block: CodeBlock): YamlKind {
  const first = block.text.split('\n')[0].trim();
  let match: RegExpExecArray | null;
  if ((match = new RegExp(`^# add to ${REALM_PATH}$`).exec(first))) return { kind: 'realm-add', path: match[1] };
  if ((match = new RegExp(`^# whole file: ${REALM_PATH}$`).exec(first))) return { kind: 'realm-whole', path: match[1] };
  if ((match = new RegExp(`^# ${REALM_PATH}$`).exec(first))) return { kind: 'realm-file', path: match[1] };
  if (first === '# part of a realm file') return { kind: 'realm-fragment' };
  if (/^# (\S*\/)?server\.yaml$/.test(first)) return { kind: 'server-file' };
  if (/^# part of (\S*\/)?server\.yaml$/.test(first)) return { kind: 'server-fragment' };
  if ((match = /^# other YAML: (.+)$/.exec(first))) return { kind: 'other', what: match[1] };
  if ((match = /^# kubernetes: (.+)$/.exec(first))) return { kind: 'other', what: `Kubernetes ${match[1]}` };
  const documents = parseAllDocuments(block.text);
  const manifests = Array.isArray(documents) ? documents.map((d) => d.toJS()) : [];
  if (manifests.length > 0 && manifests.every((m) => m && typeof m === 'object' && 'apiVersion' in m && 'kind' in m)) {
    return { kind: 'other', what: 'Kubernetes manifest' };
  }
  throw new Error(
    `${block.page}:${block.line}: a yaml block must start with "# config/realms/<file>.yaml", "# add to <path>/realms/<file>.yaml", ` +
      `"# whole file: <path>", "# part of a realm file", "# config/server.yaml", "# part of config/server.yaml", "# kubernetes: <what>" ` +
      `or "# other YAML: <what>"; ` +
      `it starts with: ${first}`,
  );
}

type Plain = Record<string, unknown>;

const isMapping = (value: unknown): value is Plain => typeof value === 'object' && value !== null && !Array.isArray(value);

/** What a reader gets by adding `addition`'s lines to `target`: nothing existing may change. */
function addLines(target: unknown, addition: unknown, path: string): unknown {
  if (target === undefined) return addition;
  if (isMapping(target) && isMapping(addition)) {
    const result: Plain = { ...target };
    for (const [key, value] of Object.entries(addition)) result[key] = addLines(target[key], value, path ? `${path}.${key}` : key);
    return result;
  }
  if (Array.isArray(target) && Array.isArray(addition)) return [...target, ...addition];
  if (JSON.stringify(target) === JSON.stringify(addition)) return target;
  throw new Error(`"add to" would change ${path} from ${JSON.stringify(target)} to ${JSON.stringify(addition)}; show the whole file instead`);
}

/** Password "demo-password". */
const DEMO_HASH = '$scrypt$ln=15,r=8,p=1$Qw3VUN7FOOrYjDO1LTp5hg$u4EBFpZemCpUV8gKKHXEtbynKjr7sjcAMrypmH8dYbc';

/**
 * What a "part of a realm file" is completed with: a realm with a file identity store and the keys
 * the pages refer to (rsa-1 with a certificate, ec-1, enc-1 for encryption, ca-1 a CA).
 */
const BASE_REALM: Plain = {
  realm: '/',
  identity_store: { type: 'file', users: [{ username: 'demo', password_hash: DEMO_HASH, attributes: { mail: 'demo@example.com', cn: 'Demo User', groups: ['staff'] } }] },
  keys: [
    { kid: 'rsa-1', use: 'sig', private_key_file: 'keys/rsa-1.key.pem', certificate_file: 'keys/rsa-1.crt.pem' },
    { kid: 'ec-1', use: 'sig', private_key_file: 'keys/ec-1.key.pem' },
    { kid: 'enc-1', use: 'enc', private_key_file: 'keys/enc-1.key.pem' },
    { kid: 'ca-1', use: 'sig', private_key_file: 'keys/ca.key.pem', certificate_file: 'keys/ca.crt.pem' },
  ],
  instances: {},
};
const BASE_OIDC = { issuer: 'https://sts.example.com', audience: ['rp-client'], signature_algorithm: 'RS256', signing_key: 'rsa-1' };

/**
 * A fragment as a loadable realm. Blocks are checked in depth only for the transforms that use
 * them, so each instance gets a transform from every input block it has and to every output block.
 */
function completeFragment(fragment: Plain): Plain {
  const realm: Plain = { ...BASE_REALM, ...fragment };
  const ownKeys = Array.isArray(fragment.keys) ? (fragment.keys as Plain[]) : [];
  realm.keys = [...(BASE_REALM.keys as Plain[]).filter((base) => !ownKeys.some((own) => own.kid === base.kid)), ...ownKeys];
  const instances: Plain = {};
  for (const [name, value] of Object.entries(isMapping(fragment.instances) ? fragment.instances : {})) {
    const instance: Plain = { ...(value as Plain) };
    const bound = (key: string) => Object.keys(isMapping(instance[key]) ? instance[key] : {});
    const inputs = [
      ...(instance.oidc_validation ? ['OPENIDCONNECT', 'JWT'] : []),
      ...(instance.saml2_validation ? ['SAML2'] : []),
      ...(instance.x509_validation ? ['X509'] : []),
      ...bound('custom_token_validators'),
    ];
    const outputs = [
      ...(instance.oidc ? ['OPENIDCONNECT'] : []),
      ...(instance.access_token ? ['JWT'] : []),
      ...(instance.saml2 ? ['SAML2'] : []),
      ...(instance.x509_issuance ? ['X509'] : []),
      ...bound('custom_token_providers'),
    ];
    if (outputs.length === 0) {
      instance.oidc = BASE_OIDC;
      outputs.push('OPENIDCONNECT');
    }
    if (inputs.length === 0) inputs.push('USERNAME');
    const transforms = [
      ...((instance.supported_token_transforms as Plain[] | undefined) ?? []),
      ...inputs.map((from) => ({ from, to: outputs[0] })),
      ...outputs.map((to) => ({ from: inputs[0], to })),
    ];
    instance.supported_token_transforms = transforms.filter((t, i) => transforms.findIndex((u) => u.from === t.from && u.to === t.to) === i);
    instances[name] = instance;
  }
  realm.instances = instances;
  return realm;
}

/** Plugin names bound anywhere in a realm. */
function boundPlugins(realm: Plain): string[] {
  const names: string[] = [];
  for (const instance of Object.values(isMapping(realm.instances) ? realm.instances : {})) {
    for (const key of ['custom_token_validators', 'custom_token_providers']) {
      const map = (instance as Plain)[key];
      if (isMapping(map)) names.push(...Object.values(map).map(String));
    }
  }
  return names;
}

interface RealmCase {
  readonly title: string;
  readonly fileName: string;
  readonly content: Plain;
  /** The block as written, for a complete file: loaded as the reader would save it. */
  readonly text?: string;
}

interface WholeFileCase {
  readonly title: string;
  readonly expected: Plain;
  readonly actual: Plain;
}

interface ServerCase {
  readonly title: string;
  readonly content: Plain;
  readonly text?: string;
}

interface PluginCase {
  readonly title: string;
  readonly name: string;
  readonly source: string;
}

interface OtherCase {
  readonly title: string;
}

interface Cases {
  readonly realms: RealmCase[];
  readonly wholeFiles: WholeFileCase[];
  readonly servers: ServerCase[];
  readonly plugins: PluginCase[];
  readonly others: OtherCase[];
  /** Blocks that say nothing (or something wrong) about what they are. */
  readonly problems: string[];
}

/** Every checkable block of every page, with "add to" blocks resolved against their page. */
function collectCases(): Cases {
  const cases: Cases = { realms: [], wholeFiles: [], servers: [], plugins: [], others: [], problems: [] };
  for (const page of pages()) {
    // What each realm file shown on this page holds so far, and whether lines were added to it.
    const files = new Map<string, { content: Plain; added: boolean }>();
    for (const block of codeBlocks(page)) {
      try {
        collectBlock(block, files, cases);
      } catch (error) {
        cases.problems.push((error as Error).message);
      }
    }
  }
  return cases;
}

function collectBlock(block: CodeBlock, files: Map<string, { content: Plain; added: boolean }>, cases: Cases): void {
  const where = `${block.page}:${block.line}`;
  if (block.lang === 'js' || block.lang === 'javascript') {
    const match = /^\/\/ (\S+\/)?([\w.-]+)\/index\.(js|cjs)$/.exec(block.text.split('\n')[0].trim());
    if (!match) throw new Error(`${where}: a js block is a plugin file and starts with "// <dir>/<name>/index.js"`);
    cases.plugins.push({ title: `${where} plugin ${match[2]}`, name: match[2], source: block.text });
    return;
  }
  if (block.lang !== 'yaml' && block.lang !== 'yml') return;
  const kind = classify(block);
  const parsed = (): Plain => {
    const value = parse(block.text, { uniqueKeys: true });
    if (!isMapping(value)) throw new Error(`${where}: expected a mapping`);
    return value;
  };
  switch (kind.kind) {
    case 'realm-file': {
      const content = parsed();
      files.set(kind.path, { content, added: false });
      cases.realms.push({ title: `${where} ${kind.path}`, fileName: basename(kind.path), content, text: block.text });
      break;
    }
    case 'realm-add': {
      const earlier = files.get(kind.path);
      if (!earlier) throw new Error(`${where}: "add to ${kind.path}" but the page shows no such file before`);
      let content: Plain;
      try {
        content = addLines(earlier.content, parsed(), '') as Plain;
      } catch (error) {
        throw new Error(`${where}: ${(error as Error).message}`);
      }
      files.set(kind.path, { content, added: true });
      cases.realms.push({ title: `${where} ${kind.path} after adding these lines`, fileName: basename(kind.path), content });
      break;
    }
    case 'realm-whole': {
      const earlier = files.get(kind.path);
      if (!earlier?.added) throw new Error(`${where}: "whole file: ${kind.path}" needs "add to ${kind.path}" blocks before it`);
      const content = parsed();
      cases.realms.push({ title: `${where} ${kind.path} (whole file)`, fileName: basename(kind.path), content, text: block.text });
      cases.wholeFiles.push({ title: `${where} ${kind.path} is what the lines added before it add up to`, expected: earlier.content, actual: content });
      break;
    }
    case 'realm-fragment':
      cases.realms.push({ title: `${where} part of a realm file`, fileName: 'fragment.yaml', content: completeFragment(parsed()) });
      break;
    case 'server-file':
      cases.servers.push({ title: `${where} server.yaml`, content: parsed(), text: block.text });
      break;
    case 'server-fragment':
      cases.servers.push({ title: `${where} part of server.yaml`, content: parsed() });
      break;
    case 'other':
      for (const document of parseAllDocuments(block.text) as ReturnType<typeof parseAllDocuments> & unknown[]) {
        if (document.errors.length > 0) throw new Error(`${where}: ${document.errors[0].message}`);
      }
      cases.others.push({ title: `${where} ${kind.what}` });
      break;
  }
}

/**
 * it.each rows. jest refuses an empty table: a kind every page set must have yields one row whose
 * test fails, an optional kind one row that passes.
 */
function rows<T extends { title: string }>(cases: readonly T[], optional = false): (readonly [string, T | undefined])[] {
  if (cases.length > 0) return cases.map((c) => [c.title, c] as const);
  return [[optional ? '(none on the pages)' : '(none on the pages, but there must be some)', undefined]];
}

// ---------------------------------------------------------------------------------------------

describe('the documentation', () => {
  const cases = collectCases();
  let work: string;
  let fixtures: string;
  const savedEnv = { ...process.env };
  const registry = new TokenTypeRegistry([builtinTokenTypes()]);
  const pluginNames = new Set<string>();
  const pluginErrors = new Map<string, string>();

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'sts-docs-'));
    fixtures = join(work, 'fixtures');
    makeFixtures(fixtures);
    const example = join(ROOT, 'plugins', 'example-custom', 'index.js');
    registry.setPlugin(manifestFromModule(require(example), 'example-custom'));
    pluginNames.add('example-custom');
    // The pages' plugins, registered before any realm snippet that binds them is loaded.
    for (const plugin of cases.plugins) {
      try {
        const dir = join(work, 'doc-plugins', plugin.name);
        mkdirSync(dir, { recursive: true });
        const entry = join(dir, 'index.js');
        writeFileSync(entry, plugin.source);
        const manifest: StsPluginManifest = manifestFromModule(require(entry), plugin.name);
        registry.setPlugin(manifest);
        pluginNames.add(plugin.name);
      } catch (error) {
        pluginErrors.set(plugin.title, (error as Error).message);
      }
    }
  }, 120_000);

  afterAll(() => {
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
    removeOpensslWorkDir();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  let dirCount = 0;
  function configDir(): { configDir: string; dataDir: string } {
    const root = join(work, `case-${dirCount++}`);
    const dir = join(root, 'config');
    cpSync(fixtures, dir, { recursive: true });
    mkdirSync(join(dir, 'realms'), { recursive: true });
    return { configDir: dir, dataDir: join(root, 'data') };
  }

  function setVariables(content: unknown): NodeJS.ProcessEnv {
    for (const [name, value] of variablesNamed(content)) process.env[name] = value;
    return process.env;
  }

  async function problemsOf(load: Promise<unknown>): Promise<string | undefined> {
    try {
      await load;
      return undefined;
    } catch (error) {
      if (error instanceof ConfigError) return error.message;
      throw error;
    }
  }

  /** Fails the row jest needs when a kind that must be on the pages is not; passes for an optional one. */
  function present<T>(value: T | undefined, optional = false): value is T {
    if (value === undefined && !optional) throw new Error('the pages have no snippet of this kind');
    return value !== undefined;
  }

  describe('plugin files load', () => {
    it.each(rows(cases.plugins))('%s', (_title, plugin) => {
      if (!present(plugin)) return;
      expect(pluginErrors.get(plugin.title)).toBeUndefined();
      expect(pluginNames.has(plugin.name)).toBe(true);
    });
  });

  describe('realm snippets load through the realm loader', () => {
    it.each(rows(cases.realms))('%s', async (_title, snippet) => {
      if (!present(snippet)) return;
      const unknownPlugins = boundPlugins(snippet.content).filter((name) => !pluginNames.has(name));
      expect(unknownPlugins).toEqual([]);
      const dir = configDir();
      writeFileSync(join(dir.configDir, 'realms', snippet.fileName), snippet.text ?? stringify(snippet.content));
      const env = setVariables(snippet.content);
      expect(await problemsOf(loadRealms({ ...dir, env, registry }))).toBeUndefined();
    });
  });

  describe('"whole file" snippets', () => {
    it.each(rows(cases.wholeFiles, true))('%s', (_title, whole) => {
      if (!present(whole, true)) return;
      expect(whole.actual).toEqual(whole.expected);
    });
  });

  describe('server.yaml snippets load through the server.yaml loader', () => {
    it.each(rows(cases.servers))('%s', async (_title, snippet) => {
      if (!present(snippet)) return;
      const dir = configDir();
      writeFileSync(join(dir.configDir, 'server.yaml'), snippet.text ?? stringify(snippet.content));
      const env = setVariables(snippet.content);
      expect(await problemsOf(Promise.resolve().then(() => loadServerConfig(dir.configDir, env)))).toBeUndefined();
    });
  });

  describe('other YAML parses', () => {
    it.each(rows(cases.others, true))('%s', () => {
      // Parsed when the pages were read; a syntax error is reported with the blocks that say nothing.
    });
  });

  it('knows what every yaml and js block of the pages is', () => {
    expect(cases.problems).toEqual([]);
  });

  it('names each plugin of the pages once', () => {
    const names = cases.plugins.map((plugin) => plugin.name);
    expect(names.filter((name, index) => names.indexOf(name) !== index || name === 'example-custom')).toEqual([]);
  });

  it('has YAML snippets of each kind (the collection itself works)', () => {
    expect(cases.realms.length).toBeGreaterThan(10);
    expect(cases.servers.length).toBeGreaterThan(2);
    expect(cases.plugins.length).toBeGreaterThan(0);
  });

  // -------------------------------------------------------------------------------------------

  describe('the configuration reference', () => {
    const reference = referenceTables();

    it('documents every key of the realm file schema, and no key it does not have', () => {
      const schema = schemaKeys(RealmConfig, '', { instances: { path: 'instances.<name>', type: InstanceConfig } });
      expect(missingAndExtra(schema, reference.realm)).toEqual({ missing: [], extra: [] });
    });

    it('documents every key of the server.yaml schema, and no key it does not have', () => {
      const schema = schemaKeys(ServerConfigSchema, '', {});
      expect(missingAndExtra(schema, reference.server)).toEqual({ missing: [], extra: [] });
    });

    it('gives each key a type, a default and a meaning, and the defaults the schema has', () => {
      const realm = schemaKeys(RealmConfig, '', { instances: { path: 'instances.<name>', type: InstanceConfig } });
      const server = schemaKeys(ServerConfigSchema, '', {});
      const wrong: string[] = [];
      for (const [rows, schema] of [[reference.realm, realm], [reference.server, server]] as const) {
        for (const [path, row] of rows) {
          if (row.cells.length !== 4 || row.cells.some((cell) => cell.trim() === '')) wrong.push(`${path}: needs | key | type | default | meaning |`);
          const expected = schema.get(path)?.default;
          if (expected !== undefined && !row.cells[2].includes(`\`${String(expected)}\``)) {
            wrong.push(`${path}: default is \`${String(expected)}\`, the reference says ${row.cells[2]}`);
          }
        }
      }
      expect(wrong).toEqual([]);
    });

    it('names every environment variable the server reads, and none it does not', () => {
      // Every name in the settings module (some are destructured), and every `env.NAME` elsewhere.
      const settings = readFileSync(join(ROOT, 'src', 'server-settings.ts'), 'utf8');
      const read = new Set([...settings.matchAll(/\b(STS_[A-Z0-9_]+|PORT|HOST)\b/g)].map((m) => m[1]));
      for (const match of sourceText({ withSpecs: false }).matchAll(/\benv(?:\.|\[['"])([A-Z][A-Z0-9_]+)\b/g)) read.add(match[1]);
      const documented = reference.environment;
      expect([...read].filter((name) => !documented.has(name)).sort()).toEqual([]);
      const sources = sourceText();
      expect([...documented].filter((name) => !sources.includes(name)).sort()).toEqual([]);
    });
  });

  // -------------------------------------------------------------------------------------------

  describe('links', () => {
    it.each(pages().map((page) => [page]))('%s: every relative link points at an existing file and heading', (page) => {
      const broken: string[] = [];
      for (const target of relativeLinks(page)) {
        const [pathPart, anchor] = target.split('#', 2);
        const file = pathPart === '' ? page : relative(ROOT, resolve(ROOT, dirname(page), decodeURI(pathPart)));
        if (!existsSync(join(ROOT, file))) {
          broken.push(`${target}: no file ${file}`);
          continue;
        }
        if (anchor !== undefined && file.endsWith('.md') && !headingAnchors(file).has(anchor)) {
          broken.push(`${target}: no heading #${anchor} in ${file}`);
        }
        if (anchor === undefined && statSync(join(ROOT, file)).isDirectory() && !existsSync(join(ROOT, file, 'README.md'))) {
          broken.push(`${target}: a directory without README.md`);
        }
      }
      expect(broken).toEqual([]);
    });
  });

  describe('pages for users', () => {
    it(`README.md is at most ${README_MAX_BYTES} bytes`, () => {
      expect(statSync(join(ROOT, 'README.md')).size).toBeLessThanOrEqual(README_MAX_BYTES);
    });

    it.each(pages().map((page) => [page]))('%s names no project internals', (page) => {
      const text = readPage(page);
      const found: string[] = [];
      text.split('\n').forEach((line, index) => {
        for (const pattern of [/SPEC/, /\bissue /i, /test\//, /\.spec\.ts/]) {
          if (pattern.test(line)) found.push(`${page}:${index + 1}: ${line.trim()}`);
        }
      });
      expect(found).toEqual([]);
    });

    it('README.md keeps the two commands', () => {
      const readme = readPage('README.md');
      expect(readme).toContain('npm ci && npm start');
      expect(readme).toContain('npm ci && npm test');
    });
  });
});

// ---------------------------------------------------------------------------------------------
// The configuration reference: tables in docs/configuration.md

interface ReferenceRow {
  readonly cells: string[];
}

function splitRow(line: string): string[] {
  return line.trim().replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/).map((cell) => cell.trim());
}

/** `a.{b,c}.d` -> `a.b.d`, `a.c.d`. */
function expandBraces(path: string): string[] {
  const match = /\{([^}]+)\}/.exec(path);
  if (!match) return [path];
  return match[1].split(',').flatMap((choice) => expandBraces(path.slice(0, match.index) + choice.trim() + path.slice(match.index + match[0].length)));
}

/**
 * Key rows of the tables under "## Realm files ..." and "## `config/server.yaml`" (tables whose first
 * header cell is "Key"), and the variables of the table under "## Environment variables".
 */
function referenceTables(): { realm: Map<string, ReferenceRow>; server: Map<string, ReferenceRow>; environment: Set<string> } {
  const realm = new Map<string, ReferenceRow>();
  const server = new Map<string, ReferenceRow>();
  const environment = new Set<string>();
  let section: 'realm' | 'server' | 'environment' | undefined;
  let table: 'key' | 'variable' | undefined;
  const lines = proseOfKeepingCode('docs/configuration.md');
  for (const line of lines) {
    const heading = /^## (.*)$/.exec(line);
    if (heading) {
      section = /realm files/i.test(heading[1]) ? 'realm' : /server\.yaml/.test(heading[1]) ? 'server' : /environment variables/i.test(heading[1]) ? 'environment' : undefined;
      table = undefined;
      continue;
    }
    if (!line.startsWith('|')) {
      table = undefined;
      continue;
    }
    const cells = splitRow(line);
    if (/^-+$/.test(cells[0].replace(/[:\s]/g, ''))) continue;
    if (table === undefined) {
      table = cells[0] === 'Key' ? 'key' : cells[0] === 'Variable' ? 'variable' : undefined;
      continue;
    }
    if (table === 'key' && section !== 'realm' && section !== 'server') {
      throw new Error(`docs/configuration.md: a key table outside the realm file and server.yaml sections: ${line}`);
    }
    if (table === 'key' && (section === 'realm' || section === 'server')) {
      const key = /^`([^`]+)`$/.exec(cells[0]);
      if (!key) throw new Error(`docs/configuration.md: a key row must name one key path in backticks: ${line}`);
      for (const path of expandBraces(key[1])) (section === 'realm' ? realm : server).set(path, { cells });
    }
    if (table === 'variable' && section === 'environment') {
      for (const match of cells[0].matchAll(/`([A-Z0-9_]+)`/g)) environment.add(match[1]);
    }
  }
  return { realm, server, environment };
}

/** The page's lines outside fenced code blocks (inline code kept: key paths are written in it). */
function proseOfKeepingCode(page: string): string[] {
  const out: string[] = [];
  let fence: string | undefined;
  for (const line of readPage(page).split('\n')) {
    const open = /^\s*(`{3,}|~{3,})/.exec(line);
    if (open) {
      if (fence === undefined) fence = open[1];
      else if (line.trim().startsWith(fence)) fence = undefined;
      continue;
    }
    if (fence === undefined) out.push(line);
  }
  return out;
}

interface SchemaKey {
  /** The schema's default when it is a number, a boolean or a non-empty string. */
  readonly default?: number | boolean | string;
}

type ClassType = new () => object;

/**
 * Every key path of a schema class and the classes nested in it, as class-validator knows them
 * (a key without a decorator would be refused as unknown, so the decorated keys are all there are).
 * Nested classes come from class-transformer's @Type; `special` names nestings done by hand.
 */
function schemaKeys(type: ClassType, prefix: string, special: Record<string, { path: string; type: ClassType }>): Map<string, SchemaKey> {
  const keys = new Map<string, SchemaKey>();
  const metadata = getMetadataStorage().getTargetValidationMetadatas(type, '', true, false);
  const properties = [...new Set(metadata.map((m) => m.propertyName))];
  const defaults = new type() as Record<string, unknown>;
  // class-transformer keeps @Type metadata in its own storage; its public API does not expose it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const transformerStorage = require('class-transformer/cjs/storage').defaultMetadataStorage as {
    findTypeMetadata(target: unknown, property: string): { typeFunction: () => ClassType } | undefined;
  };
  for (const property of properties) {
    const path = prefix + property;
    const value = defaults[property];
    const primitive = typeof value === 'number' || typeof value === 'boolean' || (typeof value === 'string' && value !== '');
    keys.set(path, primitive ? { default: value as number | boolean | string } : {});
    const nested = special[path] ?? (() => {
      const found = transformerStorage.findTypeMetadata(type, property);
      if (!found) return undefined;
      const isList = metadata.some((m) => m.propertyName === property && m.type === 'nestedValidation' && m.each);
      return { path: isList ? `${path}[]` : path, type: found.typeFunction() };
    })();
    if (nested) for (const [child, info] of schemaKeys(nested.type, `${nested.path}.`, special)) keys.set(child, info);
  }
  return keys;
}

function missingAndExtra(schema: Map<string, SchemaKey>, documented: Map<string, ReferenceRow>): { missing: string[]; extra: string[] } {
  return {
    missing: [...schema.keys()].filter((key) => !documented.has(key)).sort(),
    extra: [...documented.keys()].filter((key) => !schema.has(key)).sort(),
  };
}

/** package.json and the TypeScript under src/ (without the unit specs unless asked). */
function sourceText({ withSpecs = true } = {}): string {
  const texts: string[] = [readFileSync(join(ROOT, 'package.json'), 'utf8')];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && (withSpecs || !entry.name.endsWith('.spec.ts'))) texts.push(readFileSync(path, 'utf8'));
    }
  };
  walk(join(ROOT, 'src'));
  return texts.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Links

function relativeLinks(page: string): string[] {
  const prose = proseOf(page);
  const targets: string[] = [];
  for (const match of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) targets.push(match[1]);
  for (const match of prose.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)) targets.push(match[1]);
  return targets.filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function headingAnchors(page: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseOfKeepingCode(page)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const text = heading[1].replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}
