// The mail outbox and magic links, in SQL shared by both dialects; SqlStore delegates to these. Claiming mail
// is one statement, so two instances never hold the same message (PostgreSQL skips rows another holds).
import type { MagicLinkRecord, MailRecord } from '@deskgate/core/store';
import type { SqlRecords } from './sql-keys.ts';
import type { SqlDriver } from './sql-store.ts';

export class SqlMail {
  readonly #db: SqlDriver;
  readonly #records: SqlRecords;

  constructor(db: SqlDriver, records: SqlRecords) {
    this.#db = db;
    this.#records = records;
  }

  async enqueueMail(m: MailRecord): Promise<void> {
    await this.#db.run(
      `INSERT INTO mail_outbox (id, tenant, "to", template, subject, body_encrypted, created_at, attempts,
         next_attempt_at, lease_until, sent_at, last_error, failed)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        m.id,
        m.tenant,
        m.to,
        m.template,
        m.subject,
        m.bodyEncrypted,
        m.createdAt,
        m.attempts,
        m.nextAttemptAt,
        m.leaseUntil,
        m.sentAt,
        m.lastError,
        m.failed ? 1 : 0,
      ],
    );
  }

  claimMail(now: number, leaseUntil: number, limit: number): Promise<MailRecord[]> {
    // SQLite runs one writer at a time, so the statement alone is atomic there; PostgreSQL locks the rows it
    // picks and skips those another transaction holds.
    const lock = this.#db.dialect === 'postgres' ? 'FOR UPDATE SKIP LOCKED' : '';
    return this.#records
      .many<MailRecord>(
        `UPDATE mail_outbox SET lease_until = ?
       WHERE id IN (
         SELECT id FROM mail_outbox
         WHERE sent_at IS NULL AND failed = ? AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)
         ORDER BY created_at, id LIMIT ? ${lock}
       )
       RETURNING *`,
        [leaseUntil, 0, now, now, limit],
      )
      .then((claimed) => claimed.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1)));
  }

  async markMailSent(id: string, now: number): Promise<void> {
    await this.#db.run(
      'UPDATE mail_outbox SET sent_at = ?, body_encrypted = NULL, lease_until = NULL WHERE id = ?',
      [now, id],
    );
  }

  async markMailFailed(id: string, error: string, nextAttemptAt: number | null): Promise<void> {
    await this.#db.run(
      `UPDATE mail_outbox SET attempts = attempts + 1, last_error = ?, lease_until = NULL,
         next_attempt_at = COALESCE(?, next_attempt_at), failed = ?
       WHERE id = ?`,
      [error, nextAttemptAt, nextAttemptAt === null ? 1 : 0, id],
    );
  }

  listMail(options: { failed?: boolean; limit?: number } = {}): Promise<MailRecord[]> {
    const where = options.failed ? 'WHERE sent_at IS NULL AND (failed = ? OR last_error IS NOT NULL)' : '';
    return this.#records.many<MailRecord>(
      `SELECT * FROM mail_outbox ${where} ORDER BY created_at DESC, id DESC LIMIT ?`,
      [...(options.failed ? [1] : []), options.limit ?? 100],
    );
  }

  async mailDepth(): Promise<{ queued: number; failed: number }> {
    const [row] = await this.#db.all(
      `SELECT COUNT(*) FILTER (WHERE failed = ?) AS queued, COUNT(*) FILTER (WHERE failed = ?) AS failed
       FROM mail_outbox WHERE sent_at IS NULL`,
      [0, 1],
    );
    return { queued: Number(row?.queued ?? 0), failed: Number(row?.failed ?? 0) };
  }

  async createMagicLink(link: MagicLinkRecord): Promise<void> {
    await this.#db.transaction(async (tx) => {
      // A newer link for the same email and attempt (or first-party sign-in) makes the older ones useless.
      await tx.run(
        link.attemptId === null
          ? 'DELETE FROM magic_links WHERE tenant = ? AND email = ? AND attempt_id IS NULL'
          : 'DELETE FROM magic_links WHERE tenant = ? AND email = ? AND attempt_id = ?',
        link.attemptId === null ? [link.tenant, link.email] : [link.tenant, link.email, link.attemptId],
      );
      await tx.run(
        `INSERT INTO magic_links (digest, tenant, email, attempt_id, return_to, user_id, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          link.digest,
          link.tenant,
          link.email,
          link.attemptId,
          link.returnTo,
          link.userId,
          link.createdAt,
          link.expiresAt,
        ],
      );
    });
  }

  async getMagicLink(digest: string, now: number): Promise<MagicLinkRecord | undefined> {
    const link = await this.#records.one<MagicLinkRecord>('SELECT * FROM magic_links WHERE digest = ?', [
      digest,
    ]);
    return link && link.expiresAt > now ? link : undefined;
  }

  async takeMagicLink(tenant: string, digest: string, now: number): Promise<MagicLinkRecord | undefined> {
    // Another tenant's link is left alone: a wrong path uses nothing up.
    const link = await this.#records.one<MagicLinkRecord>(
      'DELETE FROM magic_links WHERE digest = ? AND tenant = ? RETURNING *',
      [digest, tenant],
    );
    return link && link.expiresAt > now ? link : undefined;
  }
}
