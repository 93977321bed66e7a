/**
 * Runs a throw-away OpenLDAP slapd (mdb backend, suffix dc=example,dc=com) on a free port with its
 * own temp directory, for the LDAP identity-store tests; stop() and restart() (same port, same
 * data) play a directory outage. Every password is generated per run.
 */
import { ChildProcess, execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { answersOnPort, freePort, killServerProcesses, launchServerProcess, terminateServerProcess } from './spawned-server';

const SLAPD = process.env.SLAPD ?? '/usr/sbin/slapd';
const SLAPADD = process.env.SLAPADD ?? '/usr/sbin/slapadd';
const SCHEMA_DIR = '/etc/ldap/schema';
const MODULE_DIR = '/usr/lib/ldap';
const START_TIMEOUT_MS = 10_000;

export const LDAP_SUFFIX = 'dc=example,dc=com';
export const LDAP_PEOPLE = `ou=people,${LDAP_SUFFIX}`;

export interface LdapTestUser {
  readonly uid: string;
  readonly password: string;
  readonly mail?: string;
  readonly cn?: string;
  /** Put the entry under another ou (to make a uid ambiguous). */
  readonly ou?: string;
  /** More inetOrgPerson attributes (givenName, sn, businessCategory...); a list is several values. */
  readonly extra?: Readonly<Record<string, string | readonly string[]>>;
}

export interface SlapdTestServer {
  readonly port: number;
  /** `ldap://127.0.0.1:<port>` (StartTLS offered when started with tls) */
  readonly url: string;
  /** With tls: `ldaps://127.0.0.1:<port>` and the PEM file of the CA that issued its certificate. */
  readonly ldapsUrl?: string;
  readonly caFile?: string;
  /** The search account (can read people, not their passwords). */
  readonly serviceDn: string;
  readonly servicePassword: string;
  /** Stops slapd (SIGTERM, SIGKILL after 5 s); the data stays for restart(). */
  stop(): Promise<void>;
  /** Starts it again on the same port; resolves once it accepts connections. */
  restart(): Promise<void>;
  /** SIGSTOP: the port stays open, nothing answers (a hung directory). */
  freeze(): void;
  /** SIGCONT after freeze(). */
  thaw(): void;
  /** Stops slapd and deletes its directory. */
  dispose(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Starts slapd with these users; fails (never skips) when slapd is not installed. */
export async function startSlapd(users: readonly LdapTestUser[], options: { tls?: boolean } = {}): Promise<SlapdTestServer> {
  if (!existsSync(SLAPD) || !existsSync(SLAPADD)) {
    throw new Error(`${SLAPD} is missing: install the Debian packages slapd and ldap-utils (.ci/run does) to run the LDAP tests`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'sts-slapd-'));
  const servicePassword = randomBytes(12).toString('base64url');
  const serviceDn = `cn=sts-search,${LDAP_SUFFIX}`;
  await mkdir(join(dir, 'db'));
  const conf = join(dir, 'slapd.conf');
  if (options.tls) await makeCertificates(dir);
  await writeFile(conf, slapdConf(dir, randomBytes(12).toString('base64url'), options.tls ?? false));
  await writeFile(join(dir, 'data.ldif'), dataLdif(serviceDn, servicePassword, users));
  // Offline load: no rootdn bind over the network needed.
  await promisify(execFile)(SLAPADD, ['-f', conf, '-l', join(dir, 'data.ldif')]);
  // Another process may take the port between freePort() and slapd's bind: try again.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const tlsPort = options.tls ? await freePort() : undefined;
    const listen = () => launch(conf, port, tlsPort);
    try {
      let child = await listen();
      return {
        port,
        url: `ldap://127.0.0.1:${port}`,
        ldapsUrl: tlsPort ? `ldaps://127.0.0.1:${tlsPort}` : undefined,
        caFile: options.tls ? join(dir, 'ca.pem') : undefined,
        serviceDn,
        servicePassword,
        stop: () => terminate(child),
        restart: async () => {
          await terminate(child);
          child = await listen();
        },
        freeze: () => child.kill('SIGSTOP'),
        thaw: () => child.kill('SIGCONT'),
        dispose: async () => {
          await terminate(child);
          await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

/** Kills every slapd this test file started and did not stop; for afterAll. */
export function stopAllSlapds(): void {
  killServerProcesses(running);
}

/** RFC 2307 {SSHA}: SHA-1 over password and salt, then the salt. */
function ssha(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha1').update(password).update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

/** A throw-away CA and a server certificate for 127.0.0.1, made with the openssl CLI. */
async function makeCertificates(dir: string): Promise<void> {
  const run = (args: string[]) => promisify(execFile)('openssl', args, { cwd: dir });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=sts test LDAP CA']);
  await run(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  await writeFile(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext']);
}

function slapdConf(dir: string, rootPassword: string, tls: boolean): string {
  return [
    ...['core', 'cosine', 'inetorgperson'].map((schema) => `include ${SCHEMA_DIR}/${schema}.schema`),
    `pidfile ${join(dir, 'slapd.pid')}`,
    ...(tls
      ? [`TLSCACertificateFile ${join(dir, 'ca.pem')}`, `TLSCertificateFile ${join(dir, 'server.pem')}`, `TLSCertificateKeyFile ${join(dir, 'server.key')}`]
      : []),
    `modulepath ${MODULE_DIR}`,
    'moduleload back_mdb',
    'database mdb',
    `suffix "${LDAP_SUFFIX}"`,
    `rootdn "cn=admin,${LDAP_SUFFIX}"`,
    `rootpw ${ssha(rootPassword)}`,
    `directory ${join(dir, 'db')}`,
    'maxsize 33554432',
    // Anonymous may only bind; signed-in accounts read entries but never password hashes.
    'access to attrs=userPassword by anonymous auth by * none',
    'access to * by users read by * none',
    '',
  ].join('\n');
}

function dataLdif(serviceDn: string, servicePassword: string, users: readonly LdapTestUser[]): string {
  const ous = [...new Set(['people', ...users.map((u) => u.ou ?? 'people')])];
  const entries = [
    `dn: ${LDAP_SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example`,
    `dn: ${serviceDn}\nobjectClass: person\nobjectClass: simpleSecurityObject\ncn: sts-search\nsn: service\nuserPassword: ${ssha(servicePassword)}`,
    ...ous.map((ou) => `dn: ou=${ou},${LDAP_SUFFIX}\nobjectClass: organizationalUnit\nou: ${ou}`),
    ...users.map((u) =>
      [
        `dn: uid=${u.uid},ou=${u.ou ?? 'people'},${LDAP_SUFFIX}`,
        'objectClass: inetOrgPerson',
        `uid: ${u.uid}`,
        `cn: ${u.cn ?? u.uid}`,
        ...(u.extra?.sn ? [] : [`sn: ${u.uid}`]),
        ...(u.mail ? [`mail: ${u.mail}`] : []),
        ...Object.entries(u.extra ?? {}).flatMap(([name, values]) => (typeof values === 'string' ? [values] : values).map((value) => `${name}: ${value}`)),
        `userPassword: ${ssha(u.password)}`,
      ].join('\n'),
    ),
  ];
  return entries.join('\n\n') + '\n';
}

async function launch(conf: string, port: number, tlsPort: number | undefined): Promise<ChildProcess> {
  const urls = [`ldap://127.0.0.1:${port}/`, ...(tlsPort ? [`ldaps://127.0.0.1:${tlsPort}/`] : [])].join(' ');
  // -d 0: stay in the foreground (so the child is slapd itself) without debug output.
  return launchServerProcess(`slapd on port ${port}`, SLAPD, ['-f', conf, '-h', urls, '-d', '0'], {
    running,
    timeoutMs: START_TIMEOUT_MS,
    ready: async () => (await answersOnPort(port)) && (tlsPort === undefined || (await answersOnPort(tlsPort))),
    ports: tlsPort === undefined ? [port] : [port, tlsPort],
  });
}

function terminate(child: ChildProcess): Promise<void> {
  return terminateServerProcess(child, 'slapd');
}

