// The embedded Store: a SQLite file through Node's built-in node:sqlite, no native addon to build.
import { realpathSync } from 'node:fs';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { Store } from '@deskgate/core/store';
import { StoreConflictError } from '@deskgate/core/store';
import {
  errorCounter,
  type Row,
  type SqlDriver,
  type SqlExecutor,
  SqlStore,
  type SqlValue,
} from './sql-store.ts';
import { BACKSTOP_PAGES, type Checkpointer, startCheckpoints } from './sqlite-checkpoints.ts';

export interface SqliteStoreOptions {
  /** Path of the database file, created when missing; `:memory:` for a private in-memory database. */
  filename: string;
  /**
   * Checkpoint the WAL from a worker thread instead of inside the commit that fills it (sqlite-checkpoints.ts).
   * The server turns it on (openStore); tests and tools that open many short-lived stores leave it off.
   * @default false
   */
  backgroundCheckpoints?: boolean;
}

// How long a writer waits for another process holding the file's write lock.
const BUSY_TIMEOUT_MS = 5000;

// SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY (extended result codes).
const UNIQUE_VIOLATIONS = new Set([2067, 1555]);

// DatabaseSync blocks the thread while it waits for a lock, so a second connection in this process
// waiting on a transaction that is parked at an `await` would wait for ever. Every connection to a
// file in this process therefore takes turns through one queue; other processes are kept out by
// SQLite's own locking (BEGIN IMMEDIATE + busy_timeout).
const queues = new Map<unknown, Promise<unknown>>();

function inTurn<T>(key: unknown, fn: () => Promise<T>): Promise<T> {
  const result = (queues.get(key) ?? Promise.resolve()).then(fn);
  const tail = result.then(
    () => {},
    () => {},
  );
  queues.set(key, tail);
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return result;
}

export function createSqliteDriver(
  filename: string,
  options: { backgroundCheckpoints?: boolean } = {},
): SqlDriver {
  const counter = errorCounter();
  const mapError = (err: unknown): unknown => {
    if (err instanceof StoreConflictError) return err;
    const errcode = (err as { errcode?: unknown } | null)?.errcode;
    const conflict = typeof errcode === 'number' && UNIQUE_VIOLATIONS.has(errcode);
    counter.count(conflict ? 'conflict' : 'other');
    return conflict ? new StoreConflictError('unique constraint violated', { cause: err }) : err;
  };
  const db = new DatabaseSync(filename);
  db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // WAL lets readers proceed while one writer commits; it has no meaning for an in-memory database.
  db.exec('PRAGMA journal_mode = WAL');
  // In WAL mode NORMAL syncs at checkpoints, not at every commit: a crash of the process loses nothing, a power
  // cut or OS crash may roll back the last commits (clients then hold tokens the store forgot and sign in
  // again), and the file is never corrupted. FULL fsynced every refresh and sign-in: a quarter of the API's
  // CPU time went into waiting for the disk (BENCHMARKS.md).
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA foreign_keys = ON');
  const inMemory = filename === ':memory:' || filename === '';
  let checkpointer: Checkpointer | undefined;
  if (options.backgroundCheckpoints && !inMemory) {
    db.exec(`PRAGMA wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    checkpointer = startCheckpoints(filename);
  }
  // An in-memory database is private to its connection, so it gets a queue of its own.
  const key = inMemory ? {} : realpathSync(filename);

  const statements = new Map<string, StatementSync>();
  const prepare = (sql: string): StatementSync => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  const attempt = <T>(fn: () => T): Promise<T> => {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(mapError(err));
    }
  };

  const direct: SqlExecutor = {
    all: (sql, params: readonly SqlValue[] = []) => attempt(() => prepare(sql).all(...params) as Row[]),
    run: (sql, params: readonly SqlValue[] = []) =>
      attempt(() => ({ changes: Number(prepare(sql).run(...params).changes) })),
    exec: (sql) => attempt(() => db.exec(sql)),
  };

  return {
    dialect: 'sqlite',
    all: (sql, params) => inTurn(key, () => direct.all(sql, params)),
    run: (sql, params) => inTurn(key, () => direct.run(sql, params)),
    exec: (sql) => inTurn(key, () => direct.exec(sql)),
    transaction: (fn) =>
      inTurn(key, async () => {
        // IMMEDIATE takes the write lock up front; a deferred transaction that reads first could not
        // upgrade when another process wrote in between (SQLITE_BUSY_SNAPSHOT).
        db.exec('BEGIN IMMEDIATE');
        try {
          const result = await fn(direct);
          db.exec('COMMIT');
          return result;
        } catch (err) {
          try {
            db.exec('ROLLBACK');
          } catch {
            // Already rolled back by SQLite itself; the original error is the one worth reporting.
          }
          throw mapError(err);
        }
      }),
    close: () =>
      inTurn(key, async () => {
        // The worker's connection closes first, so that this last one checkpoints and removes the WAL.
        await checkpointer?.stop();
        db.close();
      }),
    stats: () => ({ errors: { ...counter.errors } }),
  };
}

export function createSqliteStore(options: SqliteStoreOptions): Store {
  return new SqlStore(
    createSqliteDriver(options.filename, { backgroundCheckpoints: options.backgroundCheckpoints }),
  );
}
