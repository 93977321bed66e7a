/**
 * Where an instance's SP metadata comes from (`saml2.sp_metadata`): a file read at load, or a URL
 * fetched at load and again after refresh_seconds. A refresh runs in the background when the
 * metadata is used after that time (the use itself gets the copy on hand); a refresh that fails
 * or brings metadata that would be refused at load keeps the copy on hand and logs a warning.
 */
import { Logger } from '@nestjs/common';
import { X509Certificate } from 'node:crypto';
import { boundedFetch, checkFetchUrl, FetchProblem } from '../../common/bounded-fetch';
import { ConfigFileError, readConfigFile } from '../../common/config-file';
import type { Saml2SpMetadataConfig } from '../../realms/schema/saml2-sp-metadata-config';
import { MAX_SP_METADATA_BYTES, readSpMetadata, SpMetadataError, type SpMetadata } from './sp-metadata-reader';

export interface SpMetadataSourceOptions {
  /** For tests; default global fetch. */
  readonly fetchImpl?: typeof fetch;
  /** Millisecond clock, for tests; default Date.now. */
  readonly now?: () => number;
  readonly logger?: { warn(message: string): void };
  /** Per fetch; default 5000. */
  readonly timeoutMs?: number;
}

/** A load-time problem, with the key it belongs to under `saml2`. */
export class SpMetadataLoadError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * What else the instance needs of the metadata (an encryption certificate, when it encrypts and
 * names no certificate file): the key under `saml2` and the reason to refuse it, or undefined.
 */
export type Acceptable = (metadata: SpMetadata) => { readonly path: string; readonly message: string } | undefined;

/** After a failed refresh, the next one is tried no sooner than this (or refresh_seconds if shorter). */
const RETRY_AFTER_FAILURE_MS = 60_000;

export class SpMetadataSource {
  private metadata: SpMetadata;
  private nextRefreshAt: number;
  private refreshing: Promise<void> | undefined;
  private warnedExpired = false;

  private constructor(
    private readonly config: Saml2SpMetadataConfig,
    private readonly signer: X509Certificate | undefined,
    private readonly acceptable: Acceptable,
    private readonly options: SpMetadataSourceOptions,
    first: SpMetadata,
  ) {
    this.metadata = first;
    this.nextRefreshAt = this.now() + config.refresh_seconds * 1000;
  }

  /** Reads the certificate and the metadata; throws SpMetadataLoadError naming the key and the reason. */
  static async load(
    config: Saml2SpMetadataConfig,
    configDir: string,
    acceptable: Acceptable,
    options: SpMetadataSourceOptions = {},
  ): Promise<SpMetadataSource> {
    if ((config.file === undefined) === (config.url === undefined)) {
      throw new SpMetadataLoadError('sp_metadata', 'name the metadata by exactly one of file and url');
    }
    if (config.url !== undefined) {
      const problem = checkFetchUrl(config.url, 'sp_metadata.url');
      if (problem) throw new SpMetadataLoadError('sp_metadata.url', problem);
    }
    const signer = config.certificate_file === undefined ? undefined : await readSigner(config.certificate_file, configDir);
    const now = options.now ?? Date.now;
    const bytes = await readSource(config, configDir, options).catch((error: unknown) => {
      throw error instanceof LoadProblem ? new SpMetadataLoadError('sp_metadata', error.message) : error;
    });
    const metadata = check(bytes, signer, new Date(now()), acceptable, where(config));
    return new SpMetadataSource(config, signer, acceptable, options, metadata);
  }

  /** The metadata on hand; starts a background refresh when a URL's copy is due for one. */
  current(): SpMetadata {
    const now = this.now();
    if (this.config.url !== undefined && now >= this.nextRefreshAt && !this.refreshing) void this.refresh();
    const validUntil = this.metadata.validUntil;
    if (validUntil && now >= validUntil.getTime() && !this.warnedExpired) {
      this.warnedExpired = true;
      this.warn(`${where(this.config)}: the SP metadata in use is past its validUntil (${validUntil.toISOString()})`);
    }
    return this.metadata;
  }

  /** Fetches the URL again now (shared with a refresh already running); never throws. */
  refresh(): Promise<void> {
    if (this.config.url === undefined) return Promise.resolve();
    this.refreshing ??= this.fetchAndReplace().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async fetchAndReplace(): Promise<void> {
    const refreshMs = this.config.refresh_seconds * 1000;
    try {
      const bytes = await fetchUrl(this.config.url!, this.options);
      this.metadata = check(bytes, this.signer, new Date(this.now()), this.acceptable, where(this.config));
      this.warnedExpired = false;
      this.nextRefreshAt = this.now() + refreshMs;
    } catch (error) {
      const reason = error instanceof LoadProblem || error instanceof SpMetadataLoadError ? error.message : `unexpected error (${String(error)})`;
      this.nextRefreshAt = this.now() + Math.min(RETRY_AFTER_FAILURE_MS, refreshMs);
      this.warn(`SP metadata refresh failed, the copy on hand stays in use: ${reason}`);
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private warn(message: string): void {
    (this.options.logger ?? defaultLogger).warn(message);
  }
}

const defaultLogger = new Logger('Saml2SpMetadata');

/** A failure to get the bytes, its message ready to show. */
class LoadProblem extends Error {}

function where(config: Saml2SpMetadataConfig): string {
  return config.file ?? config.url!;
}

async function readSource(config: Saml2SpMetadataConfig, configDir: string, options: SpMetadataSourceOptions): Promise<Uint8Array> {
  if (config.file === undefined) return fetchUrl(config.url!, options);
  try {
    return await readConfigFile(configDir, config.file);
  } catch (error) {
    if (error instanceof ConfigFileError) throw new LoadProblem(error.message);
    throw error;
  }
}

async function fetchUrl(url: string, options: SpMetadataSourceOptions): Promise<Uint8Array> {
  try {
    const { body } = await boundedFetch(new URL(url), {
      accept: 'application/samlmetadata+xml, application/xml, text/xml',
      maxBytes: MAX_SP_METADATA_BYTES,
      timeoutMs: options.timeoutMs,
      fetchImpl: options.fetchImpl,
    });
    return body;
  } catch (error) {
    if (error instanceof FetchProblem) throw new LoadProblem(`${url}: ${error.message}`);
    throw error;
  }
}

function check(
  bytes: Uint8Array,
  signer: X509Certificate | undefined,
  now: Date,
  acceptable: Acceptable,
  source: string,
): SpMetadata {
  let metadata: SpMetadata;
  try {
    metadata = readSpMetadata(bytes, { signer, now });
  } catch (error) {
    if (error instanceof SpMetadataError) throw new SpMetadataLoadError('sp_metadata', `${source}: ${error.message}`);
    throw error;
  }
  const problem = acceptable(metadata);
  if (problem) throw new SpMetadataLoadError(problem.path, `${source}: ${problem.message}`);
  return metadata;
}

async function readSigner(file: string, configDir: string): Promise<X509Certificate> {
  let text: string;
  try {
    text = (await readConfigFile(configDir, file)).toString('utf8');
  } catch (error) {
    if (error instanceof ConfigFileError) throw new SpMetadataLoadError('sp_metadata.certificate_file', error.message);
    throw error;
  }
  try {
    return new X509Certificate(text);
  } catch {
    throw new SpMetadataLoadError('sp_metadata.certificate_file', `${file} is not a PEM X.509 certificate`);
  }
}
