// Store adapters for deskgate: pick one from configuration with openStore, or build one directly.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '@deskgate/core/store';
import { createPostgresStore } from './postgres.ts';
import { createSqliteStore } from './sqlite.ts';

export { createPostgresStore, type PostgresStoreOptions } from './postgres.ts';
export { createSqliteStore, type SqliteStoreOptions } from './sqlite.ts';

export interface OpenStoreOptions {
  /**
   * `postgres://` or `postgresql://` URL for a shared PostgreSQL database.
   * @default undefined (embedded SQLite under dataDir)
   */
  databaseUrl?: string;
  /** Directory of the embedded SQLite file `deskgate.sqlite`, created when missing. */
  dataDir: string;
  /** PostgreSQL: the most connections this instance's pool opens. @default 10 */
  poolSize?: number;
}

/** Opens the configured store; call `migrate()` before use. */
export function openStore(options: OpenStoreOptions): Store {
  const { databaseUrl, dataDir, poolSize } = options;
  if (!databaseUrl) {
    mkdirSync(dataDir, { recursive: true });
    return createSqliteStore({ filename: join(dataDir, 'deskgate.sqlite'), backgroundCheckpoints: true });
  }
  // Only the scheme goes into the message: the rest of the URL may carry a password.
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(databaseUrl)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql')
    return createPostgresStore({ connectionString: databaseUrl, ...(poolSize && { max: poolSize }) });
  throw new TypeError(
    `databaseUrl must be a postgres:// or postgresql:// URL (got ${scheme ? `${scheme}://...` : 'no scheme'}); leave it unset for SQLite`,
  );
}
