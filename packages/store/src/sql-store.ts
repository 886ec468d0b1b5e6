// The Store port written once in SQL; each adapter only supplies a small driver for its database.
import type {
  AccessRequestRecord,
  ApiKeyRecord,
  AttemptRecord,
  AuditEventRecord,
  AuditQuery,
  ExchangeTokenRecord,
  IdentityRecord,
  JwtKeyRecord,
  MagicLinkRecord,
  MailRecord,
  PendingGrantRecord,
  RefreshTokenRecord,
  RotateResult,
  ScimGroupQuery,
  ScimGroupRecord,
  ScimPage,
  ScimUserQuery,
  ScimUserRecord,
  SealedSecretRecord,
  SessionRecord,
  SigningKeyRecord,
  SsoTransactionRecord,
  Store,
  StoreStats,
  TenantRecord,
  UserRecord,
} from '@deskgate/core/store';
import { type ColumnTypes, migrations } from './migrations.ts';
import { SqlAccessRequests } from './sql-access-requests.ts';
import { SqlAttempts } from './sql-attempts.ts';
import { SqlAudit } from './sql-audit.ts';
import { SqlGrants } from './sql-grants.ts';
import { SqlKeys } from './sql-keys.ts';
import { SqlMail } from './sql-mail.ts';
import { SqlScim } from './sql-scim.ts';
import { SqlSecrets } from './sql-secrets.ts';
import { SqlSessions } from './sql-sessions.ts';
import { SqlUsers } from './sql-users.ts';
import { json } from './sql-values.ts';

export type SqlValue = string | number | null;
export type Row = Record<string, unknown>;

/** Statements use `?` placeholders; drivers translate them for their dialect. */
export interface SqlExecutor {
  all(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/** Drivers throw StoreConflictError for unique-key violations. */
export interface SqlDriver extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs `fn` in a write transaction; commits when it resolves, rolls back when it rejects. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  stats(): StoreStats;
}

/** A driver's count of failed statements by kind, for StoreStats. */
export function errorCounter() {
  const errors: StoreStats['errors'] = { unavailable: 0, conflict: 0, other: 0 };
  return {
    errors,
    count(kind: keyof StoreStats['errors']) {
      errors[kind]++;
    },
  };
}

const COLUMN_TYPES: Record<SqlDriver['dialect'], ColumnTypes> = {
  postgres: { time: 'BIGINT', bool: 'BOOLEAN', dialect: 'postgres' },
  sqlite: { time: 'INTEGER', bool: 'INTEGER', dialect: 'sqlite' },
};

/** How long sent mail stays listed (without its body) before purgeExpired deletes it. */
const SENT_MAIL_KEPT_MS = 7 * 24 * 60 * 60 * 1000;

// Any constant works; it only has to be the same in every deskgate instance sharing the database.
const MIGRATION_LOCK_KEY = 0x64657367;

const JSON_COLUMNS = new Set(['config', 'roles', 'public_jwk', 'allowed_origins']);
const BOOLEAN_COLUMNS = new Set(['confirmed', 'weak', 'failed']);

/**
 * Columns are the records' fields in snake_case, so one mapping serves every table; the conformance
 * suite compares whole records, which catches a column that does not map back.
 */
/** snake_case column -> camelCase field, worked out once per column name (it is on every row of every read). */
const FIELDS = new Map<string, string>();

function fieldOf(column: string): string {
  let field = FIELDS.get(column);
  if (field === undefined) {
    field = column.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
    FIELDS.set(column, field);
  }
  return field;
}

function toRecord<T>(row: Row): T {
  const record: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    const field = fieldOf(column);
    if (JSON_COLUMNS.has(column)) record[field] = JSON.parse(value as string);
    // SQLite hands back 0/1, PostgreSQL a boolean.
    else if (BOOLEAN_COLUMNS.has(column)) record[field] = Boolean(value);
    else record[field] = value;
  }
  return record as T;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

export class SqlStore implements Store {
  readonly #db: SqlDriver;
  /** The last record read of each tenant, with the text it was parsed from (getTenant). */
  readonly #tenants = new Map<string, { text: string; record: TenantRecord }>();
  readonly #keys: SqlKeys;
  readonly #attempts: SqlAttempts;
  readonly #sessions: SqlSessions;
  readonly #mail: SqlMail;
  readonly #requests: SqlAccessRequests;
  readonly #users: SqlUsers;
  readonly #audit: SqlAudit;
  readonly #grants: SqlGrants;
  readonly #scim: SqlScim;
  readonly #secrets: SqlSecrets;

  constructor(driver: SqlDriver) {
    this.#db = driver;
    const records = {
      run: (sql: string, params: readonly SqlValue[]) => this.#db.run(sql, params),
      all: (sql: string, params: readonly SqlValue[]) => this.#db.all(sql, params),
      one: <T>(sql: string, params: readonly SqlValue[]) => this.#one<T>(sql, params),
      many: <T>(sql: string, params: readonly SqlValue[]) => this.#many<T>(sql, params),
    };
    this.#keys = new SqlKeys(records);
    this.#attempts = new SqlAttempts(records);
    this.#sessions = new SqlSessions(driver, records);
    this.#mail = new SqlMail(driver, records);
    this.#requests = new SqlAccessRequests(driver, records);
    this.#users = new SqlUsers(driver, records);
    this.#audit = new SqlAudit(records);
    this.#grants = new SqlGrants(records);
    this.#scim = new SqlScim(driver, records);
    this.#secrets = new SqlSecrets(records);
  }

  async #one<T>(sql: string, params: readonly SqlValue[]): Promise<T | undefined> {
    const [row] = await this.#db.all(sql, params);
    return row && toRecord<T>(row);
  }

  async #many<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return (await this.#db.all(sql, params)).map((row) => toRecord<T>(row));
  }

  async migrate(): Promise<void> {
    const types = COLUMN_TYPES[this.#db.dialect];
    await this.#db.transaction(async (tx) => {
      // SQLite's BEGIN IMMEDIATE already serialises writers; PostgreSQL needs an explicit lock so two
      // instances starting together do not both create the tables.
      if (this.#db.dialect === 'postgres')
        await tx.all('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK_KEY]);
      await tx.exec(
        `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at ${types.time} NOT NULL)`,
      );
      const applied = new Set(
        (await tx.all('SELECT version FROM schema_migrations')).map((r) => r.version as number),
      );
      const latest = Math.max(0, ...migrations.map((m) => m.version));
      // An older build must not write to a schema it does not understand.
      if (Math.max(0, ...applied) > latest) {
        throw new Error(`database schema is newer than this build supports (latest known version ${latest})`);
      }
      for (const m of migrations) {
        if (applied.has(m.version)) continue;
        await tx.exec(m.up(types));
        await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
          m.version,
          m.name,
          Date.now(),
        ]);
      }
    });
  }

  close(): Promise<void> {
    return this.#db.close();
  }

  async schemaStatus(): Promise<{ applied: number; latest: number }> {
    const [row] = await this.#db.all('SELECT MAX(version) AS version FROM schema_migrations');
    return {
      applied: Number(row?.version ?? 0),
      latest: Math.max(0, ...migrations.map((m) => m.version)),
    };
  }

  stats(): StoreStats {
    return this.#db.stats();
  }

  async createTenant(t: TenantRecord): Promise<void> {
    await this.#db.run('INSERT INTO tenants (code, config, created_at, updated_at) VALUES (?, ?, ?, ?)', [
      t.code,
      json(t.config),
      t.createdAt,
      t.updatedAt,
    ]);
  }

  async putTenant(t: TenantRecord): Promise<void> {
    // createdAt keeps recording the first creation, so re-applying a seed file does not reset it.
    await this.#db.run(
      `INSERT INTO tenants (code, config, created_at, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (code) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at`,
      [t.code, json(t.config), t.createdAt, t.updatedAt],
    );
  }

  /**
   * Every request reads its tenant. The row is read each time (a change by another instance or the CLI counts
   * at once), but while its stored text is the same the record parsed from it is handed out again, frozen:
   * no JSON parse per request, and a caller that changed it would throw instead of changing it for the next.
   */
  async getTenant(code: string): Promise<TenantRecord | undefined> {
    const [row] = await this.#db.all('SELECT * FROM tenants WHERE code = ?', [code]);
    if (!row) return undefined;
    const memo = this.#tenants.get(code);
    if (memo && memo.text === row.config && memo.record.updatedAt === row.updated_at) return memo.record;
    const record = deepFreeze(toRecord<TenantRecord>(row));
    this.#tenants.set(code, { text: row.config as string, record });
    return record;
  }

  listTenants(): Promise<TenantRecord[]> {
    return this.#many<TenantRecord>('SELECT * FROM tenants ORDER BY code');
  }

  getUser(tenant: string, id: string): Promise<UserRecord | undefined> {
    return this.#users.getUser(tenant, id);
  }

  findUserByIdentity(tenant: string, issuer: string, subject: string): Promise<UserRecord | undefined> {
    return this.#users.findUserByIdentity(tenant, issuer, subject);
  }

  createUserWithIdentity(user: UserRecord, identity: IdentityRecord): Promise<void> {
    return this.#users.createUserWithIdentity(user, identity);
  }

  updateUser(user: UserRecord): Promise<void> {
    return this.#users.updateUser(user);
  }

  findUsersByEmail(tenant: string, email: string): Promise<UserRecord[]> {
    return this.#users.findUsersByEmail(tenant, email);
  }

  createIdentity(identity: IdentityRecord): Promise<void> {
    return this.#users.createIdentity(identity);
  }

  setUserDisabled(tenant: string, id: string, disabledAt: number | null): Promise<boolean> {
    return this.#users.setUserDisabled(tenant, id, disabledAt);
  }

  listIdentities(tenant: string, userId: string): Promise<IdentityRecord[]> {
    return this.#users.listIdentities(tenant, userId);
  }

  createScimUser(user: UserRecord, scim: ScimUserRecord, identities: IdentityRecord[]): Promise<void> {
    return this.#scim.createScimUser(user, scim, identities);
  }

  adoptScimUser(scim: ScimUserRecord, identities: IdentityRecord[]): Promise<void> {
    return this.#scim.adoptScimUser(scim, identities);
  }

  getScimUser(
    tenant: string,
    userId: string,
  ): Promise<{ user: UserRecord; scim: ScimUserRecord } | undefined> {
    return this.#scim.getScimUser(tenant, userId);
  }

  listScimUsers(
    tenant: string,
    query: ScimUserQuery,
  ): Promise<ScimPage<{ user: UserRecord; scim: ScimUserRecord }>> {
    return this.#scim.listScimUsers(tenant, query);
  }

  updateScimUser(
    user: UserRecord,
    scim: ScimUserRecord,
    expectedVersion: number,
    identities: { issuers: string[]; replacement: IdentityRecord[] },
  ): Promise<boolean> {
    return this.#scim.updateScimUser(user, scim, expectedVersion, identities);
  }

  deleteScimUser(tenant: string, userId: string, now: number): Promise<boolean> {
    return this.#scim.deleteScimUser(tenant, userId, now);
  }

  createScimGroup(group: ScimGroupRecord, memberIds: string[]): Promise<void> {
    return this.#scim.createScimGroup(group, memberIds);
  }

  getScimGroup(tenant: string, id: string): Promise<ScimGroupRecord | undefined> {
    return this.#scim.getScimGroup(tenant, id);
  }

  listScimGroups(tenant: string, query: ScimGroupQuery): Promise<ScimPage<ScimGroupRecord>> {
    return this.#scim.listScimGroups(tenant, query);
  }

  updateScimGroup(group: ScimGroupRecord, expectedVersion: number): Promise<boolean> {
    return this.#scim.updateScimGroup(group, expectedVersion);
  }

  deleteScimGroup(tenant: string, id: string): Promise<boolean> {
    return this.#scim.deleteScimGroup(tenant, id);
  }

  listScimGroupMembers(tenant: string, groupId: string): Promise<string[]> {
    return this.#scim.listScimGroupMembers(tenant, groupId);
  }

  changeScimGroupMembers(tenant: string, groupId: string, add: string[], remove: string[]): Promise<void> {
    return this.#scim.changeScimGroupMembers(tenant, groupId, add, remove);
  }

  listScimGroupsOfUser(tenant: string, userId: string): Promise<ScimGroupRecord[]> {
    return this.#scim.listScimGroupsOfUser(tenant, userId);
  }

  addPendingGrant(grant: PendingGrantRecord): Promise<boolean> {
    return this.#grants.addPendingGrant(grant);
  }

  removePendingGrant(grant: Omit<PendingGrantRecord, 'createdAt'>): Promise<boolean> {
    return this.#grants.removePendingGrant(grant);
  }

  listPendingGrants(tenant: string): Promise<PendingGrantRecord[]> {
    return this.#grants.listPendingGrants(tenant);
  }

  takePendingGrants(
    tenant: string,
    identity: { issuer: string; subject: string; email: string | null },
  ): Promise<PendingGrantRecord[]> {
    return this.#grants.takePendingGrants(tenant, identity);
  }

  createJwtKey(key: JwtKeyRecord): Promise<void> {
    return this.#keys.createJwtKey(key);
  }

  listJwtKeys(tenant: string): Promise<JwtKeyRecord[]> {
    return this.#keys.listJwtKeys(tenant);
  }

  revokeJwtKey(tenant: string, kid: string, now: number): Promise<boolean> {
    return this.#keys.revokeJwtKey(tenant, kid, now);
  }

  createApiKey(key: ApiKeyRecord): Promise<void> {
    return this.#keys.createApiKey(key);
  }

  getApiKey(kid: string): Promise<ApiKeyRecord | undefined> {
    return this.#keys.getApiKey(kid);
  }

  listApiKeys(tenant: string): Promise<ApiKeyRecord[]> {
    return this.#keys.listApiKeys(tenant);
  }

  revokeApiKey(tenant: string, kid: string, now: number): Promise<boolean> {
    return this.#keys.revokeApiKey(tenant, kid, now);
  }

  useTokenId(tenant: string, tokenId: string, expiresAt: number, now: number): Promise<boolean> {
    return this.#keys.useTokenId(tenant, tokenId, expiresAt, now);
  }

  createExchangeToken(token: ExchangeTokenRecord): Promise<void> {
    return this.#keys.createExchangeToken(token);
  }

  takeExchangeToken(tenant: string, digest: string, now: number): Promise<ExchangeTokenRecord | undefined> {
    return this.#keys.takeExchangeToken(tenant, digest, now);
  }

  getExchangeToken(digest: string, now: number): Promise<ExchangeTokenRecord | undefined> {
    return this.#keys.getExchangeToken(digest, now);
  }

  createSession(
    session: SessionRecord,
    refresh: RefreshTokenRecord,
    audit?: AuditEventRecord,
  ): Promise<void> {
    return this.#sessions.createSession(session, refresh, audit);
  }

  getSession(id: string): Promise<SessionRecord | undefined> {
    return this.#sessions.getSession(id);
  }

  revokeSession(id: string, reason: string, now: number): Promise<boolean> {
    return this.#sessions.revokeSession(id, reason, now);
  }

  getRefreshToken(digest: string): Promise<RefreshTokenRecord | undefined> {
    return this.#sessions.getRefreshToken(digest);
  }

  rotateRefreshToken(digest: string, successor: RefreshTokenRecord, now: number): Promise<RotateResult> {
    return this.#sessions.rotateRefreshToken(digest, successor, now);
  }

  ensureRefreshToken(token: RefreshTokenRecord): Promise<void> {
    return this.#sessions.ensureRefreshToken(token);
  }

  listSigningKeys(): Promise<SigningKeyRecord[]> {
    return this.#many<SigningKeyRecord>('SELECT * FROM signing_keys ORDER BY generation');
  }

  async insertSigningKey(k: SigningKeyRecord): Promise<boolean> {
    const { changes } = await this.#db.run(
      `INSERT INTO signing_keys (kid, generation, alg, public_jwk, private_jwk_encrypted, created_at, activates_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (generation) DO NOTHING`,
      [k.kid, k.generation, k.alg, json(k.publicJwk), k.privateJwkEncrypted, k.createdAt, k.activatesAt],
    );
    return changes === 1;
  }

  async deleteSigningKey(kid: string): Promise<void> {
    await this.#db.run('DELETE FROM signing_keys WHERE kid = ?', [kid]);
  }

  createAttempt(attempt: AttemptRecord): Promise<void> {
    return this.#attempts.createAttempt(attempt);
  }

  getAttempt(tenant: string, id: string): Promise<AttemptRecord | undefined> {
    return this.#attempts.getAttempt(tenant, id);
  }

  bindAttempt(id: string, bindingDigest: string): Promise<boolean> {
    return this.#attempts.bindAttempt(id, bindingDigest);
  }

  completeAttempt(
    id: string,
    userId: string,
    method: string,
    now: number,
    identity?: { issuer: string; subject: string },
  ): Promise<boolean> {
    return this.#attempts.completeAttempt(id, userId, method, now, identity);
  }

  confirmAttempt(id: string, now: number): Promise<boolean> {
    return this.#attempts.confirmAttempt(id, now);
  }

  redeemAttempt(id: string, now: number): Promise<boolean> {
    return this.#attempts.redeemAttempt(id, now);
  }

  failAttemptConfirmation(id: string): Promise<number> {
    return this.#attempts.failAttemptConfirmation(id);
  }

  createSsoTransaction(transaction: SsoTransactionRecord): Promise<void> {
    return this.#attempts.createSsoTransaction(transaction);
  }

  takeSsoTransaction(stateDigest: string): Promise<SsoTransactionRecord | undefined> {
    return this.#attempts.takeSsoTransaction(stateDigest);
  }

  listUsers(tenant: string): Promise<UserRecord[]> {
    return this.#users.listUsers(tenant);
  }

  createAccessRequest(request: AccessRequestRecord): Promise<void> {
    return this.#requests.createAccessRequest(request);
  }

  getAccessRequest(tenant: string, id: string): Promise<AccessRequestRecord | undefined> {
    return this.#requests.getAccessRequest(tenant, id);
  }

  findAccessRequestByConfirmDigest(digest: string): Promise<AccessRequestRecord | undefined> {
    return this.#requests.findAccessRequestByConfirmDigest(digest);
  }

  confirmAccessRequest(id: string, now: number): Promise<boolean> {
    return this.#requests.confirmAccessRequest(id, now);
  }

  decideAccessRequest(
    id: string,
    decision: 'approved' | 'rejected',
    decidedBy: string,
    now: number,
  ): Promise<boolean> {
    return this.#requests.decideAccessRequest(id, decision, decidedBy, now);
  }

  listAccessRequests(tenant: string, status?: AccessRequestRecord['status']): Promise<AccessRequestRecord[]> {
    return this.#requests.listAccessRequests(tenant, status);
  }

  enqueueMail(mail: MailRecord): Promise<void> {
    return this.#mail.enqueueMail(mail);
  }

  claimMail(now: number, leaseUntil: number, limit: number): Promise<MailRecord[]> {
    return this.#mail.claimMail(now, leaseUntil, limit);
  }

  markMailSent(id: string, now: number): Promise<void> {
    return this.#mail.markMailSent(id, now);
  }

  markMailFailed(id: string, error: string, nextAttemptAt: number | null): Promise<void> {
    return this.#mail.markMailFailed(id, error, nextAttemptAt);
  }

  mailDepth(): Promise<{ queued: number; failed: number }> {
    return this.#mail.mailDepth();
  }

  listMail(options?: { failed?: boolean; limit?: number }): Promise<MailRecord[]> {
    return this.#mail.listMail(options);
  }

  createMagicLink(link: MagicLinkRecord): Promise<void> {
    return this.#mail.createMagicLink(link);
  }

  getMagicLink(digest: string, now: number): Promise<MagicLinkRecord | undefined> {
    return this.#mail.getMagicLink(digest, now);
  }

  takeMagicLink(tenant: string, digest: string, now: number): Promise<MagicLinkRecord | undefined> {
    return this.#mail.takeMagicLink(tenant, digest, now);
  }

  async hitRateLimit(key: string, windowStart: number, expiresAt: number, cost: number): Promise<number> {
    // One upsert, so instances hitting the same key at once cannot lose a hit. Every CASE reads the row
    // as it was: a stored window older than this one starts over, a newer one (a clock running ahead)
    // is kept and added to.
    const [row] = await this.#db.all(
      `INSERT INTO rate_limits (key, window_start, count, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET
         count = CASE WHEN rate_limits.window_start < excluded.window_start
           THEN excluded.count ELSE rate_limits.count + excluded.count END,
         window_start = CASE WHEN rate_limits.window_start < excluded.window_start
           THEN excluded.window_start ELSE rate_limits.window_start END,
         expires_at = CASE WHEN rate_limits.window_start < excluded.window_start
           THEN excluded.expires_at ELSE rate_limits.expires_at END
       RETURNING count`,
      [key, windowStart, cost, expiresAt],
    );
    return Number(row?.count);
  }

  async peekRateLimit(key: string, windowStart: number): Promise<number> {
    const [row] = await this.#db.all('SELECT count FROM rate_limits WHERE key = ? AND window_start >= ?', [
      key,
      windowStart,
    ]);
    return row ? Number(row.count) : 0;
  }

  appendAudit(event: AuditEventRecord): Promise<void> {
    return this.#audit.appendAudit(event);
  }

  listAudit(tenant: string, query?: AuditQuery): Promise<AuditEventRecord[]> {
    return this.#audit.listAudit(tenant, query);
  }

  purgeAudit(before: number): Promise<void> {
    return this.#audit.purgeAudit(before);
  }

  async purgeExpired(before: number): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await tx.run('DELETE FROM attempts WHERE expires_at < ?', [before]);
      await tx.run('DELETE FROM sso_transactions WHERE expires_at < ?', [before]);
      await tx.run('DELETE FROM rate_limits WHERE expires_at < ?', [before]);
      await tx.run('DELETE FROM token_ids WHERE expires_at < ?', [before]);
      await tx.run('DELETE FROM exchange_tokens WHERE expires_at < ?', [before]);
      await tx.run('DELETE FROM magic_links WHERE expires_at < ?', [before]);
      // Decided requests stay as the record of who was let in; undecided ones go once expired.
      await tx.run(
        "DELETE FROM access_requests WHERE status IN ('unconfirmed', 'pending') AND expires_at < ?",
        [before],
      );
      // Sent mail stays a week for `mail list`; its body was cleared when it was sent.
      await tx.run('DELETE FROM mail_outbox WHERE sent_at IS NOT NULL AND sent_at < ?', [
        before - SENT_MAIL_KEPT_MS,
      ]);
      // Tokens go first: they reference their session.
      await tx.run(
        `DELETE FROM refresh_tokens WHERE expires_at < ?
         OR session_id IN (SELECT id FROM sessions WHERE expires_at < ?)`,
        [before, before],
      );
      await tx.run('DELETE FROM sessions WHERE expires_at < ?', [before]);
    });
  }

  listSealedSecrets(): Promise<SealedSecretRecord[]> {
    return this.#secrets.listSealedSecrets();
  }

  replaceSealedSecret(record: SealedSecretRecord, value: string): Promise<boolean> {
    return this.#secrets.replaceSealedSecret(record, value);
  }
}
