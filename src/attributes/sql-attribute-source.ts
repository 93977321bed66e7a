/**
 * `type: sql`: one SELECT per lookup, the key bound as its only parameter `$1` (never spliced into
 * the text). PostgreSQL through node-postgres (a pool made on first use, so a database that is down
 * does not stop a load; statement_timeout bounds each query on the server too); SQLite through
 * better-sqlite3, the file opened read-only.
 */
import Database from 'better-sqlite3';
import { isAbsolute, resolve } from 'node:path';
import type { Pool } from 'pg';
import type { JsonValue } from '../plugin-api/json';
import type { AttributeLookupConfig, AttributeSourceConfig } from '../realms/schema/attribute-source-config';
import { type AttributeSource, AttributeSourceFailure, type Attributes, collectValues, LookupConfigError, type SourceLookup } from './attribute-source';

/** More rows than this is an answer no token should carry. */
export const MAX_ROWS = 1000;
const SELECT = /^\s*(select|with)\b/i;
const KEY_PARAMETER = /\$1(?!\d)/g;
const HAS_KEY_PARAMETER = /\$1(?!\d)/;

type Row = Record<string, unknown>;
type RunQuery = (query: string, key: string) => Promise<Row[]>;

export class SqlAttributeSource implements AttributeSource {
  readonly type = 'sql';
  readonly name: string;
  private readonly run: RunQuery;

  constructor(
    private readonly config: AttributeSourceConfig,
    configDir: string,
    env: NodeJS.ProcessEnv,
  ) {
    this.name = config.name;
    this.run = config.driver === 'postgres' ? postgresRunner(config, env) : sqliteRunner(resolveFile(configDir, config.file!));
  }

  static problems(config: AttributeSourceConfig, env: NodeJS.ProcessEnv): { field: string; message: string }[] {
    if (config.driver === undefined) return [{ field: 'driver', message: 'missing; a sql source needs driver: sqlite or postgres' }];
    if (config.driver === 'sqlite' && config.file === undefined) return [{ field: 'file', message: 'missing; a sqlite source needs the database file' }];
    if (config.driver === 'postgres') {
      if (config.connection_env === undefined) return [{ field: 'connection_env', message: 'missing; a postgres source needs the variable holding its connection string' }];
      if (!env[config.connection_env]) return [{ field: 'connection_env', message: `environment variable ${config.connection_env} is not set` }];
    }
    return [];
  }

  prepare(lookup: AttributeLookupConfig): Promise<SourceLookup> {
    const query = lookup.query?.trim().replace(/;$/, '');
    if (!query) return Promise.reject(new LookupConfigError('query', `missing; a lookup in the sql source "${this.name}" needs a query`));
    if (!SELECT.test(query)) return Promise.reject(new LookupConfigError('query', 'must be one SELECT (or WITH ... SELECT) statement'));
    if (!HAS_KEY_PARAMETER.test(query)) return Promise.reject(new LookupConfigError('query', 'must use the key as the parameter $1 (e.g. WHERE login = $1)'));
    const timeoutMs = this.config.timeout_ms;
    return Promise.resolve({
      find: async (key: string): Promise<Attributes> => {
        const rows = await withTimeout(this.run(query, key), timeoutMs);
        if (rows.length > MAX_ROWS) throw new AttributeSourceFailure('invalid_answer', `the query answered more than ${MAX_ROWS} rows`);
        return collectValues(rows.map(jsonRow), lookup.attributes);
      },
    });
  }
}

function resolveFile(configDir: string, file: string): string {
  return isAbsolute(file) ? file : resolve(configDir, file);
}

function postgresRunner(config: AttributeSourceConfig, env: NodeJS.ProcessEnv): RunQuery {
  let pool: Pool | undefined;
  return async (query, key) => {
    if (!pool) {
      // Required on first use: most deployments never need the driver (about 15 MiB per process).
      const { Pool: PostgresPool } = require('pg') as typeof import('pg');
      pool = new PostgresPool({
        connectionString: env[config.connection_env!],
        max: 4,
        connectionTimeoutMillis: config.timeout_ms,
        query_timeout: config.timeout_ms,
        statement_timeout: config.timeout_ms,
        idleTimeoutMillis: 10_000,
        // An idle pool of a replaced configuration must not keep the process alive.
        allowExitOnIdle: true,
      });
      pool.on('error', () => undefined); // an idle client's socket closing is not a request's failure
    }
    try {
      // One row more than allowed is enough to know the answer is too large.
      const result = await pool.query({ text: `SELECT * FROM (${query}) AS lookup LIMIT ${MAX_ROWS + 1}`, values: [key] });
      return result.rows as Row[];
    } catch (error) {
      throw new AttributeSourceFailure('unavailable', `the database did not answer (${(error as Error).message})`, { cause: error });
    }
  };
}

/** An unused SQLite handle is closed after this long (so a replaced configuration's goes away too). */
const SQLITE_IDLE_CLOSE_MS = 60_000;

function sqliteRunner(file: string): RunQuery {
  let database: Database.Database | undefined;
  let idle: NodeJS.Timeout | undefined;
  const statements = new Map<string, Database.Statement>();
  const close = () => {
    database?.close();
    database = undefined;
    statements.clear();
  };
  return async (query, key) => {
    clearTimeout(idle);
    idle = setTimeout(close, SQLITE_IDLE_CLOSE_MS).unref();
    try {
      database ??= new Database(file, { readonly: true, fileMustExist: true });
      let statement = statements.get(query);
      if (!statement) statements.set(query, (statement = database.prepare(`SELECT * FROM (${query.replace(KEY_PARAMETER, '$key')}) LIMIT ${MAX_ROWS + 1}`)));
      return statement.all({ key }) as Row[];
    } catch (error) {
      close();
      throw new AttributeSourceFailure('unavailable', `the database could not be read (${(error as Error).message})`, { cause: error });
    }
  };
}

/** Column values as JSON: big integers and dates as text, bytes as base64. */
function jsonRow(row: Row): Record<string, JsonValue> {
  return Object.fromEntries(Object.entries(row).map(([name, value]) => [name, jsonValueOf(value)]));
}

function jsonValueOf(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value as JsonValue;
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AttributeSourceFailure('unavailable', `no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
