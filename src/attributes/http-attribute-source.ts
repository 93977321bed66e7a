/**
 * `type: http`: a JSON service asked `GET <base_url><path>` with the key URL-encoded into the path.
 * The same rules as every fetch of the STS (bounded-fetch.ts): https, plain http only to a loopback
 * host, one deadline, a size cap counted as the body arrives, same-origin redirects only.
 * 404 means the key is unknown; the answer must be a JSON object. With `bearer_token_env`, every
 * request carries that token (redirects stay on the same origin, so it goes nowhere else).
 */
import { boundedFetch, checkFetchUrl, FetchProblem } from '../common/bounded-fetch';
import { jsonDepthExceeds } from '../common/json-depth';
import type { JsonValue } from '../plugin-api/json';
import type { AttributeLookupConfig, AttributeSourceConfig } from '../realms/schema/attribute-source-config';
import { type AttributeSource, AttributeSourceFailure, type Attributes, LookupConfigError, type SourceLookup } from './attribute-source';

const MAX_DEPTH = 16;

export class HttpAttributeSource implements AttributeSource {
  readonly type = 'http';
  readonly name: string;

  private readonly authorization?: string;

  constructor(
    private readonly config: AttributeSourceConfig,
    env: NodeJS.ProcessEnv,
  ) {
    this.name = config.name;
    if (config.bearer_token_env !== undefined) this.authorization = `Bearer ${env[config.bearer_token_env]}`;
  }

  static problems(config: AttributeSourceConfig, env: NodeJS.ProcessEnv): { field: string; message: string }[] {
    if (config.base_url === undefined) return [{ field: 'base_url', message: 'missing; an http source needs base_url' }];
    const problem = checkFetchUrl(config.base_url, 'base_url');
    if (problem) return [{ field: 'base_url', message: problem }];
    if (config.bearer_token_env !== undefined && !env[config.bearer_token_env]) {
      return [{ field: 'bearer_token_env', message: `environment variable ${config.bearer_token_env} is not set` }];
    }
    return [];
  }

  prepare(lookup: AttributeLookupConfig): Promise<SourceLookup> {
    const { path } = lookup;
    if (!path) return Promise.reject(new LookupConfigError('path', `missing; a lookup in the http source "${this.name}" needs a path such as /users/{key}`));
    const base = this.config.base_url!.replace(/\/+$/, '');
    return Promise.resolve({
      find: async (key: string): Promise<Attributes> => {
        // URL parsing would resolve these as path segments (a key of ".." would climb out of path).
        if (key === '.' || key === '..') return {};
        const url = new URL(base + path.split('{key}').join(encodeURIComponent(key)));
        let body: Uint8Array;
        try {
          ({ body } = await boundedFetch(url, {
            accept: 'application/json',
            ...(this.authorization && { authorization: this.authorization }),
            maxBytes: this.config.max_response_bytes,
            timeoutMs: this.config.timeout_ms,
          }));
        } catch (error) {
          if (!(error instanceof FetchProblem)) throw error;
          if (error.message === 'HTTP 404') return {};
          const kind = error.message.startsWith('response larger than') ? 'invalid_answer' : 'unavailable';
          throw new AttributeSourceFailure(kind, error.message, { cause: error });
        }
        return pickMembers(parseObject(body), lookup.attributes);
      },
    });
  }
}

function parseObject(body: Uint8Array): Record<string, JsonValue> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    throw new AttributeSourceFailure('invalid_answer', 'the answer is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new AttributeSourceFailure('invalid_answer', 'the answer is not a JSON object');
  if (jsonDepthExceeds(parsed, MAX_DEPTH)) throw new AttributeSourceFailure('invalid_answer', `the answer nests deeper than ${MAX_DEPTH} levels`);
  return parsed as Record<string, JsonValue>;
}

function pickMembers(object: Record<string, JsonValue>, keep: readonly string[] | undefined): Attributes {
  if (!keep) return object;
  return Object.fromEntries(keep.filter((name) => Object.hasOwn(object, name)).map((name) => [name, object[name]]));
}
