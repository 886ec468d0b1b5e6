// Sessions and their refresh tokens, in SQL shared by both dialects; SqlStore delegates to these. A session,
// its first token and the sign-in's audit event are written together, and a rotation is one guarded update
// (the row lock decides).
import type { AuditEventRecord, RefreshTokenRecord, RotateResult, SessionRecord } from '@deskgate/core/store';
import { insertAuditEvent } from './sql-audit.ts';
import type { SqlRecords } from './sql-keys.ts';
import type { SqlDriver, SqlValue } from './sql-store.ts';

const INSERT_REFRESH_TOKEN =
  'INSERT INTO refresh_tokens (digest, session_id, created_at, expires_at, used_at) VALUES (?, ?, ?, ?, ?)';
const refreshTokenParams = (t: RefreshTokenRecord): SqlValue[] => [
  t.digest,
  t.sessionId,
  t.createdAt,
  t.expiresAt,
  t.usedAt,
];

export class SqlSessions {
  readonly #db: SqlDriver;
  readonly #records: SqlRecords;

  constructor(db: SqlDriver, records: SqlRecords) {
    this.#db = db;
    this.#records = records;
  }

  async createSession(
    s: SessionRecord,
    refresh: RefreshTokenRecord,
    audit?: AuditEventRecord,
  ): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO sessions (id, tenant, user_id, method, via, created_at, expires_at, revoked_at, revoke_reason,
           identity_issuer, identity_subject)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          s.id,
          s.tenant,
          s.userId,
          s.method,
          s.via,
          s.createdAt,
          s.expiresAt,
          s.revokedAt,
          s.revokeReason,
          s.identityIssuer,
          s.identitySubject,
        ],
      );
      await tx.run(INSERT_REFRESH_TOKEN, refreshTokenParams(refresh));
      if (audit) await insertAuditEvent(tx, audit);
    });
  }

  getSession(id: string): Promise<SessionRecord | undefined> {
    return this.#records.one<SessionRecord>('SELECT * FROM sessions WHERE id = ?', [id]);
  }

  async revokeSession(id: string, reason: string, now: number): Promise<boolean> {
    const { changes } = await this.#db.run(
      'UPDATE sessions SET revoked_at = ?, revoke_reason = ? WHERE id = ? AND revoked_at IS NULL',
      [now, reason, id],
    );
    return changes === 1;
  }

  getRefreshToken(digest: string): Promise<RefreshTokenRecord | undefined> {
    return this.#records.one<RefreshTokenRecord>('SELECT * FROM refresh_tokens WHERE digest = ?', [digest]);
  }

  rotateRefreshToken(digest: string, successor: RefreshTokenRecord, now: number): Promise<RotateResult> {
    return this.#db.transaction(async (tx) => {
      // The guard makes the row lock decide: of concurrent rotations only one sees used_at IS NULL.
      const { changes } = await tx.run(
        'UPDATE refresh_tokens SET used_at = ? WHERE digest = ? AND used_at IS NULL',
        [now, digest],
      );
      if (changes === 1) {
        await tx.run(INSERT_REFRESH_TOKEN, refreshTokenParams(successor));
        return 'rotated';
      }
      const [known] = await tx.all('SELECT 1 AS found FROM refresh_tokens WHERE digest = ?', [digest]);
      return known ? 'already_used' : 'not_found';
    });
  }

  async ensureRefreshToken(t: RefreshTokenRecord): Promise<void> {
    await this.#db.run(`${INSERT_REFRESH_TOKEN} ON CONFLICT (digest) DO NOTHING`, refreshTokenParams(t));
  }
}
