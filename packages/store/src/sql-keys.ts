// Platform-JWT keys, used token ids, tenant API keys and exchange tokens, in SQL shared by both dialects;
// SqlStore delegates to these.
import type { ApiKeyRecord, ExchangeTokenRecord, JwtKeyRecord } from '@deskgate/core/store';
import type { Row, SqlValue } from './sql-store.ts';

/** What these queries need from SqlStore: its driver's `run`, and reads mapped back to records. */
export interface SqlRecords {
  run(sql: string, params: readonly SqlValue[]): Promise<{ changes: number }>;
  /** Raw rows, for statements that return computed columns rather than records. */
  all(sql: string, params: readonly SqlValue[]): Promise<Row[]>;
  one<T>(sql: string, params: readonly SqlValue[]): Promise<T | undefined>;
  many<T>(sql: string, params: readonly SqlValue[]): Promise<T[]>;
}

export class SqlKeys {
  readonly #db: SqlRecords;

  constructor(db: SqlRecords) {
    this.#db = db;
  }

  async createJwtKey(k: JwtKeyRecord): Promise<void> {
    // The primary key (tenant, kid) makes a taken kid a StoreConflictError, revoked or not.
    await this.#db.run(
      `INSERT INTO jwt_keys (tenant, kid, profile, alg, secret_encrypted, weak, created_at, revoked_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [k.tenant, k.kid, k.profile, k.alg, k.secretEncrypted, k.weak ? 1 : 0, k.createdAt, k.revokedAt],
    );
  }

  listJwtKeys(tenant: string): Promise<JwtKeyRecord[]> {
    return this.#db.many<JwtKeyRecord>('SELECT * FROM jwt_keys WHERE tenant = ? ORDER BY created_at, kid', [
      tenant,
    ]);
  }

  async revokeJwtKey(tenant: string, kid: string, now: number): Promise<boolean> {
    const { changes } = await this.#db.run(
      'UPDATE jwt_keys SET revoked_at = ? WHERE tenant = ? AND kid = ? AND revoked_at IS NULL',
      [now, tenant, kid],
    );
    return changes === 1;
  }

  async useTokenId(tenant: string, tokenId: string, expiresAt: number, now: number): Promise<boolean> {
    // One upsert, so the database decides between concurrent callers: a new id is inserted, an expired
    // record is taken over (it counts as absent), and a live one is left alone, which changes no row.
    // PostgreSQL locks the conflicting row and evaluates the WHERE on its latest version; SQLite runs the
    // statement under its single write lock.
    const { changes } = await this.#db.run(
      `INSERT INTO token_ids (tenant, token_id, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (tenant, token_id) DO UPDATE SET expires_at = excluded.expires_at
       WHERE token_ids.expires_at <= ?`,
      [tenant, tokenId, expiresAt, now],
    );
    return changes === 1;
  }

  async createApiKey(k: ApiKeyRecord): Promise<void> {
    // kid alone is the primary key: a kid taken in any tenant is a StoreConflictError.
    await this.#db.run(
      `INSERT INTO api_keys (kid, tenant, digest, allowed_origins, created_at, expires_at, revoked_at, purpose)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        k.kid,
        k.tenant,
        k.digest,
        JSON.stringify(k.allowedOrigins),
        k.createdAt,
        k.expiresAt,
        k.revokedAt,
        k.purpose,
      ],
    );
  }

  getApiKey(kid: string): Promise<ApiKeyRecord | undefined> {
    return this.#db.one<ApiKeyRecord>('SELECT * FROM api_keys WHERE kid = ?', [kid]);
  }

  listApiKeys(tenant: string): Promise<ApiKeyRecord[]> {
    return this.#db.many<ApiKeyRecord>('SELECT * FROM api_keys WHERE tenant = ? ORDER BY created_at, kid', [
      tenant,
    ]);
  }

  async revokeApiKey(tenant: string, kid: string, now: number): Promise<boolean> {
    // The tenant guard keeps one tenant from revoking another's key by its (public) kid.
    const { changes } = await this.#db.run(
      'UPDATE api_keys SET revoked_at = ? WHERE kid = ? AND tenant = ? AND revoked_at IS NULL',
      [now, kid, tenant],
    );
    return changes === 1;
  }

  async createExchangeToken(t: ExchangeTokenRecord): Promise<void> {
    // digest is the primary key: a taken one is a StoreConflictError.
    await this.#db.run(
      `INSERT INTO exchange_tokens (digest, tenant, session_id, target, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
      [t.digest, t.tenant, t.sessionId, t.target, t.createdAt, t.expiresAt],
    );
  }

  async takeExchangeToken(
    tenant: string,
    digest: string,
    now: number,
  ): Promise<ExchangeTokenRecord | undefined> {
    // One DELETE … RETURNING, so of concurrent callers only the one whose statement deletes the row gets
    // it back. An expired token is deleted all the same, then refused; another tenant's is left alone.
    const token = await this.#db.one<ExchangeTokenRecord>(
      'DELETE FROM exchange_tokens WHERE digest = ? AND tenant = ? RETURNING *',
      [digest, tenant],
    );
    return token && token.expiresAt > now ? token : undefined;
  }

  async getExchangeToken(digest: string, now: number): Promise<ExchangeTokenRecord | undefined> {
    const token = await this.#db.one<ExchangeTokenRecord>('SELECT * FROM exchange_tokens WHERE digest = ?', [
      digest,
    ]);
    return token && token.expiresAt > now ? token : undefined;
  }
}
