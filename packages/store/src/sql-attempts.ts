// Sign-in attempts and SSO transactions (the handoff's state), in SQL shared by both dialects; SqlStore
// delegates to these. Every state change is one guarded statement: the database decides who wins a race.
import type { AttemptRecord, SsoTransactionRecord } from '@deskgate/core/store';
import type { SqlRecords } from './sql-keys.ts';
import type { SqlValue } from './sql-store.ts';

export class SqlAttempts {
  readonly #db: SqlRecords;

  constructor(db: SqlRecords) {
    this.#db = db;
  }

  async createAttempt(a: AttemptRecord): Promise<void> {
    await this.#db.run(
      `INSERT INTO attempts (id, tenant, challenge, origin, confirmation_code, created_at, expires_at,
         binding_digest, user_id, method, completed_at, confirmed_at, redeemed_at, confirm_failures, locale)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        a.id,
        a.tenant,
        a.challenge,
        a.origin,
        a.confirmationCode,
        a.createdAt,
        a.expiresAt,
        a.bindingDigest,
        a.userId,
        a.method,
        a.completedAt,
        a.confirmedAt,
        a.redeemedAt,
        a.confirmFailures,
        a.locale,
      ],
    );
  }

  getAttempt(tenant: string, id: string): Promise<AttemptRecord | undefined> {
    return this.#db.one<AttemptRecord>('SELECT * FROM attempts WHERE tenant = ? AND id = ?', [tenant, id]);
  }

  // Each transition is one guarded UPDATE: the database, not a read-then-write, decides who wins.
  async #transition(sql: string, params: readonly SqlValue[]): Promise<boolean> {
    return (await this.#db.run(sql, params)).changes === 1;
  }

  bindAttempt(id: string, bindingDigest: string): Promise<boolean> {
    return this.#transition(
      'UPDATE attempts SET binding_digest = ? WHERE id = ? AND binding_digest IS NULL AND completed_at IS NULL',
      [bindingDigest, id],
    );
  }

  completeAttempt(
    id: string,
    userId: string,
    method: string,
    now: number,
    identity?: { issuer: string; subject: string },
  ): Promise<boolean> {
    return this.#transition(
      `UPDATE attempts SET user_id = ?, method = ?, completed_at = ?, identity_issuer = ?, identity_subject = ?
       WHERE id = ? AND completed_at IS NULL`,
      [userId, method, now, identity?.issuer ?? null, identity?.subject ?? null, id],
    );
  }

  confirmAttempt(id: string, now: number): Promise<boolean> {
    return this.#transition(
      'UPDATE attempts SET confirmed_at = ? WHERE id = ? AND completed_at IS NOT NULL AND confirmed_at IS NULL',
      [now, id],
    );
  }

  redeemAttempt(id: string, now: number): Promise<boolean> {
    return this.#transition(
      'UPDATE attempts SET redeemed_at = ? WHERE id = ? AND completed_at IS NOT NULL AND redeemed_at IS NULL',
      [now, id],
    );
  }

  async failAttemptConfirmation(id: string): Promise<number> {
    // One statement: concurrent wrong entries each get their own total, none is lost.
    const [row] = await this.#db.all(
      'UPDATE attempts SET confirm_failures = confirm_failures + 1 WHERE id = ? RETURNING confirm_failures',
      [id],
    );
    return row ? Number(row.confirm_failures) : 0;
  }

  async createSsoTransaction(t: SsoTransactionRecord): Promise<void> {
    await this.#db.run(
      `INSERT INTO sso_transactions (state_digest, tenant, attempt_id, return_to, provider_id, nonce,
         code_verifier, binding_digest, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        t.stateDigest,
        t.tenant,
        t.attemptId,
        t.returnTo,
        t.providerId,
        t.nonce,
        t.codeVerifier,
        t.bindingDigest,
        t.createdAt,
        t.expiresAt,
      ],
    );
  }

  takeSsoTransaction(stateDigest: string): Promise<SsoTransactionRecord | undefined> {
    return this.#db.one<SsoTransactionRecord>(
      'DELETE FROM sso_transactions WHERE state_digest = ? RETURNING *',
      [stateDigest],
    );
  }
}
