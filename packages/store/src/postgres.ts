// The shared Store for production: PostgreSQL through a `pg` pool, so any number of instances agree.
import type { Store } from '@deskgate/core/store';
import { StoreConflictError } from '@deskgate/core/store';
import pg from 'pg';
import { type Row, type SqlDriver, type SqlExecutor, SqlStore, type SqlValue } from './sql-store.ts';

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
}

const UNIQUE_VIOLATION = '23505';
// Unquoted in search_path, so restricted to names PostgreSQL does not case-fold or need quoting for.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;

function mapError(err: unknown): unknown {
  return (err as { code?: unknown } | null)?.code === UNIQUE_VIOLATION
    ? new StoreConflictError('unique constraint violated', { cause: err })
    : err;
}

// The store is written with `?`; none of its statements has a `?` inside a literal.
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function executor(db: pg.Pool | pg.PoolClient): SqlExecutor {
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
  const { connectionString, schema, max = 10 } = options;
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
    types,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle connection dropping (server restart, failover) must not crash the process: the pool
  // discards it and the next query opens a fresh one.
  pool.on('error', () => {});
  const direct = executor(pool);

  return {
    dialect: 'postgres',
    ...direct,
    async transaction(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn(executor(client));
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
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

export function createPostgresStore(options: PostgresStoreOptions): Store {
  return new SqlStore(createPostgresDriver(options));
}
