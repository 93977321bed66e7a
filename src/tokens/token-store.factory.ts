/** Builds the process's TokenStore from `server.yaml`'s `token_store` section. */
import { resolve } from 'node:path';
import { displayPath } from '../common/display-path';
import { isStsError } from '../errors/sts-errors';
import { ConfigError } from '../realms/config-problem';
import type { ServerConfig } from '../server-config/server-config';
import { RedisTokenStore } from './redis-token-store';
import { SqliteTokenStore } from './sqlite-token-store';
import type { TokenStore } from './token-store';

/**
 * A SQLite file that cannot be opened stops start-up with a ConfigError (it is a local path the
 * operator must fix). Redis is only connected in the background: start-up never waits for it.
 */
export function createTokenStore(config: ServerConfig, dataDir: string): TokenStore {
  const backend = config.tokenStore.backend;
  if (backend.type === 'redis') return new RedisTokenStore(backend);
  const file = resolve(dataDir, backend.file);
  try {
    return new SqliteTokenStore(file);
  } catch (error) {
    const cause = isStsError(error) && error.cause instanceof Error ? error.cause : error;
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ConfigError([
      { file: config.file, path: 'token_store.sqlite.file', message: `cannot open the SQLite file ${displayPath(file)}: ${reason}` },
    ]);
  }
}
