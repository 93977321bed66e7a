/**
 * Issuers across the whole server. An instance's issuer is its `oidc.issuer` and/or
 * `access_token.issuer` (one URL: both set and different is refused). Several instances, in any
 * realms, may share an issuer; an issuer has one discovery document, one RFC 8414 document and
 * one JWKS (the keys of all its instances), served at paths derived from the issuer URL:
 *
 *   {issuer path}/.well-known/openid-configuration       (OpenID Connect Discovery 1.0)
 *   /.well-known/oauth-authorization-server{issuer path}  (RFC 8414 section 3.1)
 *   /jwks{issuer path}                                    (its jwks_uri)
 *
 * The issuer path is the issuer URL's path below `public_base_url` when the issuer lives under
 * it, else the issuer URL's whole path (a reverse proxy maps it; the registry logs where). Two
 * issuers with one path are refused. Endpoint members (token endpoint and the rest) come from
 * the issuer's primary instance: the one marked `issuer_primary: true`, else the only instance
 * of the issuer, else the only one with `oauth_clients` (the only one a client could call).
 * Several candidates and no mark is refused; no candidate leaves the endpoints out.
 */
import type { JwsAlgorithmName } from '../keys/jws-algorithms';
import { jwtOutputsOf } from '../keys/key-publication';
import { ConfigProblem, joinPath } from './config-problem';
import type { LoadedInstance } from './loaded-instance';

export interface Issuer {
  /** As configured: the `iss` of the tokens and the `issuer` of the documents. */
  readonly issuer: string;
  /** Its path on this server: `/` or `/tenants/a`. */
  readonly path: string;
  /** The instances whose ID tokens or access tokens carry this issuer, in configuration order. */
  readonly instances: readonly LoadedInstance[];
  /** The instance whose endpoints the documents name; none when no instance qualifies. */
  readonly primary: LoadedInstance | undefined;
  /** The algorithms of its instances' ID tokens; empty when it issues none (then no OIDC discovery). */
  readonly idTokenAlgorithms: readonly JwsAlgorithmName[];
}

/** The issuers of one configuration, found by their path on this server or by instance. */
export class IssuerIndex {
  private readonly byPath: ReadonlyMap<string, Issuer>;
  private readonly byInstance: ReadonlyMap<LoadedInstance, Issuer>;

  constructor(readonly issuers: readonly Issuer[] = []) {
    this.byPath = new Map(issuers.map((issuer) => [issuer.path, issuer]));
    this.byInstance = new Map(issuers.flatMap((issuer) => issuer.instances.map((loaded) => [loaded, issuer] as const)));
  }

  at(path: string): Issuer | undefined {
    return this.byPath.get(path);
  }

  of(loaded: LoadedInstance): Issuer | undefined {
    return this.byInstance.get(loaded);
  }
}

/** `/` -> ``, `/tenants/a` -> `/tenants/a`: what routes append or prepend. */
const suffix = (path: string) => (path === '/' ? '' : path);

export const openidConfigurationRoute = (path: string) => `${suffix(path)}/.well-known/openid-configuration`;
export const authorizationServerMetadataRoute = (path: string) => `/.well-known/oauth-authorization-server${suffix(path)}`;
export const issuerJwksRoute = (path: string) => `/jwks${suffix(path)}`;

/** The issuer URL a client starts from, without a terminating slash (RFC 8414 section 3.1, OIDC Discovery section 4). */
function issuerBase(issuer: URL): string {
  return `${issuer.origin}${issuer.pathname.replace(/\/+$/, '')}`;
}

/** Where clients look for an issuer's documents, and where this server serves them. */
export function documentLocations(issuer: Issuer): { url: string; route: string }[] {
  const url = new URL(issuer.issuer);
  const issuerPath = url.pathname.replace(/\/+$/, '');
  return [
    ...(issuer.idTokenAlgorithms.length > 0 ? [{ url: `${issuerBase(url)}/.well-known/openid-configuration`, route: openidConfigurationRoute(issuer.path) }] : []),
    { url: `${url.origin}/.well-known/oauth-authorization-server${issuerPath}`, route: authorizationServerMetadataRoute(issuer.path) },
  ];
}

/** True when a client that follows `public_base_url` finds every document where the issuer URL says. */
export function mapsOntoServer(issuer: Issuer, publicBaseUrl: string): boolean {
  return documentLocations(issuer).every(({ url, route }) => url === `${publicBaseUrl}${route}`);
}

/** The issuer's path on this server: below public_base_url when it lives there, else its URL's path. */
function pathOnServer(issuer: URL, base: URL): string {
  const issuerPath = issuer.pathname.replace(/\/+$/, '');
  const basePath = base.pathname.replace(/\/+$/, '');
  if (issuer.origin === base.origin && (issuerPath === basePath || issuerPath.startsWith(`${basePath}/`))) {
    return issuerPath.slice(basePath.length) || '/';
  }
  return issuerPath || '/';
}

interface Claim {
  readonly loaded: LoadedInstance;
  readonly issuer: string;
  /** `instances.<name>.oidc.issuer` or `...access_token.issuer`: where it is configured. */
  readonly keyPath: string;
}

/** The issuer of an instance's ID tokens and access tokens, with the key that sets it. */
function claimOf(loaded: LoadedInstance): Claim | undefined {
  const { name, settings } = loaded.instance;
  if (jwtOutputsOf(settings).length === 0) return undefined;
  const fromOidc = settings.oidc?.issuer || undefined;
  const issuer = fromOidc ?? (settings.access_token?.issuer || undefined);
  if (issuer === undefined) return undefined;
  return { loaded, issuer, keyPath: joinPath('instances', name, fromOidc ? 'oidc' : 'access_token', 'issuer') };
}

const listed = (instances: readonly LoadedInstance[]) => instances.map((loaded) => loaded.instance.path).join(', ');

/** Groups the instances by issuer and checks the rules above; `publicBaseUrl` as server.yaml resolves it. */
export function buildIssuers(instances: readonly LoadedInstance[], publicBaseUrl: string): { index: IssuerIndex; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const problem = (loaded: LoadedInstance, path: string, message: string) => problems.push({ file: loaded.realm.file, path, message });

  for (const loaded of instances) {
    const { oidc, access_token } = loaded.instance.settings;
    if (oidc?.issuer && access_token?.issuer && oidc.issuer !== access_token.issuer) {
      problem(
        loaded,
        joinPath('instances', loaded.instance.name, 'access_token', 'issuer'),
        `"${access_token.issuer}" differs from oidc.issuer "${oidc.issuer}": an instance has one issuer, which its tokens, its discovery document and its JWKS share. ` +
          'Set both to the same URL, or leave access_token.issuer out (it defaults to oidc.issuer)',
      );
    }
  }

  const base = new URL(publicBaseUrl);
  const groups = new Map<string, Claim[]>();
  for (const claim of instances.map(claimOf)) {
    if (!claim) continue;
    let url: URL;
    try {
      url = new URL(claim.issuer);
    } catch {
      continue; // not a URL (an access_token.issuer such as "my-sts"): no documents to serve
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') continue;
    if (/[?#]/.test(claim.issuer) || url.username || url.password) {
      problem(claim.loaded, claim.keyPath, `issuer "${claim.issuer}" has a query, fragment or user information, which an issuer identifier may not have (RFC 8414 section 2)`);
      continue;
    }
    groups.set(claim.issuer, [...(groups.get(claim.issuer) ?? []), claim]);
  }

  const issuers: Issuer[] = [];
  const byPath = new Map<string, Claim[]>();
  for (const [issuer, claims] of groups) {
    const members = claims.map((claim) => claim.loaded);
    const path = pathOnServer(new URL(issuer), base);
    byPath.set(path, [...(byPath.get(path) ?? []), claims[0]]);
    const idTokenAlgorithms = [
      ...new Set(members.flatMap((loaded) => jwtOutputsOf(loaded.instance.settings).filter((o) => o.section === 'oidc').map((o) => o.algorithm))),
    ];
    issuers.push({ issuer, path, instances: members, primary: primaryOf(issuer, members, problem), idTokenAlgorithms });
  }

  for (const [path, claims] of byPath) {
    if (claims.length < 2) continue;
    for (const claim of claims) {
      const others = claims.filter((other) => other !== claim).map((other) => `"${other.issuer}" (instance ${other.loaded.instance.path}, ${other.loaded.realm.file})`);
      problem(
        claim.loaded,
        claim.keyPath,
        `issuer "${claim.issuer}" and issuer ${others.join(', ')} both map to the path ${path} on this server, where only one issuer's discovery document can be served ` +
          `(${openidConfigurationRoute(path)}); give them different paths, such as ${new URL(claim.issuer).origin}/<name>`,
      );
    }
  }
  return { index: new IssuerIndex(issuers), problems };
}

/** The instance whose endpoints an issuer's documents name (see the file comment). */
function primaryOf(
  issuer: string,
  members: readonly LoadedInstance[],
  problem: (loaded: LoadedInstance, path: string, message: string) => void,
): LoadedInstance | undefined {
  const marked = members.filter((loaded) => loaded.instance.settings.issuer_primary);
  if (marked.length > 1) {
    for (const loaded of marked) {
      problem(
        loaded,
        joinPath('instances', loaded.instance.name, 'issuer_primary'),
        `instances ${listed(marked)} all set issuer_primary for issuer "${issuer}"; its metadata names the endpoints of one instance only: keep issuer_primary on one of them`,
      );
    }
    return undefined;
  }
  if (marked.length === 1) return marked[0];
  if (members.length === 1) return members[0];
  const withClients = members.filter((loaded) => loaded.instance.settings.oauth_clients.length > 0);
  if (withClients.length > 1) {
    problem(
      withClients[0],
      joinPath('instances', withClients[0].instance.name, 'issuer_primary'),
      `issuer "${issuer}" is shared by instances ${listed(members)}, and ${listed(withClients)} have oauth_clients, so their token, introspection and revocation endpoints differ; ` +
        "the issuer's metadata names one instance's: set issuer_primary: true on that instance",
    );
    return undefined;
  }
  return withClients[0];
}
