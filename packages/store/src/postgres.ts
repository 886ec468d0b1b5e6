// The shared Store for production: PostgreSQL through a `pg` pool, so any number of instances agree.
import type { Store } from '@deskgate/core/store';
import { StoreConflictError, StoreUnavailableError } from '@deskgate/core/store';
import pg from 'pg';
import {
  errorCounter,
  type Row,
  type SqlDriver,
  type SqlExecutor,
  SqlStore,
  type SqlValue,
} from './sql-store.ts';

export interface PostgresStoreOptions {
  connectionString: string;
  /**
   * Schema to keep the tables in (set as the connections' search_path); it must already exist.
   * @default the server's search_path, normally `public`
   */
  schema?: string;
  /**
   * Most connections the pool opens.
   * @default 10
   */
  max?: number;
  /**
   * How long a query waits for a connection before it fails with StoreUnavailableError: while the database is
   * down, requests fail fast instead of queueing.
   * @default 3000
   */
  connectionTimeoutMs?: number;
}

const UNIQUE_VIOLATION = '23505';
// Unquoted in search_path, so restricted to names PostgreSQL does not case-fold or need quoting for.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * Socket errors, SQLSTATE class 08 (connection exception), 57P01-57P03 (the server shutting down, crashed or
 * starting up) and 53300 (too many connections): the database is unreachable now, not the statement wrong.
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);
// pg reports a dropped connection and its pool's wait timeout by message only.
const UNAVAILABLE_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is closed)/;

function unavailable(err: unknown): boolean {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message);
}

// The store is written with `?`; none of its statements has a `?` inside a literal.
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

type MapError = (err: unknown) => unknown;

function executor(db: pg.Pool | pg.PoolClient, mapError: MapError): SqlExecutor {
  return {
    async all(sql, params: readonly SqlValue[] = []) {
      try {
        return (await db.query(numbered(sql), [...params])).rows as Row[];
      } catch (err) {
        throw mapError(err);
      }
    },
    async run(sql, params: readonly SqlValue[] = []) {
      try {
        return { changes: (await db.query(numbered(sql), [...params])).rowCount ?? 0 };
      } catch (err) {
        throw mapError(err);
      }
    },
    async exec(sql) {
      try {
        await db.query(sql);
      } catch (err) {
        throw mapError(err);
      }
    },
  };
}

export function createPostgresDriver(options: PostgresStoreOptions): SqlDriver {
  const { connectionString, schema, max = 10, connectionTimeoutMs = 3000 } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new TypeError('schema must match /^[a-z_][a-z0-9_]*$/');
  }
  // Times are BIGINT; epoch milliseconds fit a JS number exactly. Set on this pool only, so other
  // pg users in the process keep their own parsing.
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, Number);
  const pool = new pg.Pool({
    connectionString,
    max,
    connectionTimeoutMillis: connectionTimeoutMs,
    types,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle connection dropping (server restart, failover) must not crash the process: the pool
  // discards it and the next query opens a fresh one.
  pool.on('error', () => {});
  const counter = errorCounter();
  // The message of an unreachable database names no secret, but its cause (pg's error) is kept off the message.
  const mapError: MapError = (err) => {
    if (err instanceof StoreUnavailableError || err instanceof StoreConflictError) return err;
    if ((err as { code?: unknown } | null)?.code === UNIQUE_VIOLATION) {
      counter.count('conflict');
      return new StoreConflictError('unique constraint violated', { cause: err });
    }
    if (unavailable(err)) {
      counter.count('unavailable');
      return new StoreUnavailableError('the database is unreachable', { cause: err });
    }
    counter.count('other');
    return err;
  };
  const direct = executor(pool, mapError);

  return {
    dialect: 'postgres',
    ...direct,
    async transaction(fn) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw mapError(err);
      }
      let broken: Error | undefined;
      // A checked-out client has no pool listener: a connection dropped between two statements of this
      // transaction (a restart) is emitted here, and unheard it would crash the process. The next statement
      // fails too, and the client is discarded on release.
      const onError = (err: Error) => {
        broken = err;
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await fn(executor(client, mapError));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          // A connection that cannot roll back must not go back into the pool.
          broken = rollbackError as Error;
        }
        throw mapError(err);
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    },
    close: () => pool.end(),
    stats: () => ({
      errors: { ...counter.errors },
      pool: { max, total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount },
    }),
  };
}

export function createPostgresStore(options: PostgresStoreOptions): Store {
  return new SqlStore(createPostgresDriver(options));
}
