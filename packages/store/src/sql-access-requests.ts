// Access requests (F3, D2), in SQL shared by both dialects; SqlStore
// delegates to these. Each change of state is one guarded UPDATE: of two approvers deciding at once, one wins.
import type { AccessRequestRecord } from '@deskgate/core/store';
import type { SqlRecords } from './sql-keys.ts';
import type { SqlDriver } from './sql-store.ts';

export class SqlAccessRequests {
  readonly #db: SqlDriver;
  readonly #records: SqlRecords;

  constructor(db: SqlDriver, records: SqlRecords) {
    this.#db = db;
    this.#records = records;
  }

  async createAccessRequest(r: AccessRequestRecord): Promise<void> {
    await this.#db.transaction(async (tx) => {
      // Asking again replaces an unconfirmed request: the older email's link stops working.
      await tx.run("DELETE FROM access_requests WHERE tenant = ? AND email = ? AND status = 'unconfirmed'", [
        r.tenant,
        r.email,
      ]);
      await tx.run(
        `INSERT INTO access_requests (id, tenant, email, status, confirm_digest, locale, created_at, expires_at,
           confirmed_at, decided_at, decided_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          r.id,
          r.tenant,
          r.email,
          r.status,
          r.confirmDigest,
          r.locale,
          r.createdAt,
          r.expiresAt,
          r.confirmedAt,
          r.decidedAt,
          r.decidedBy,
        ],
      );
    });
  }

  getAccessRequest(tenant: string, id: string): Promise<AccessRequestRecord | undefined> {
    return this.#records.one<AccessRequestRecord>(
      'SELECT * FROM access_requests WHERE tenant = ? AND id = ?',
      [tenant, id],
    );
  }

  findAccessRequestByConfirmDigest(digest: string): Promise<AccessRequestRecord | undefined> {
    return this.#records.one<AccessRequestRecord>('SELECT * FROM access_requests WHERE confirm_digest = ?', [
      digest,
    ]);
  }

  async confirmAccessRequest(id: string, now: number): Promise<boolean> {
    const { changes } = await this.#db.run(
      "UPDATE access_requests SET status = 'pending', confirmed_at = ? WHERE id = ? AND status = 'unconfirmed' AND expires_at > ?",
      [now, id, now],
    );
    return changes === 1;
  }

  async decideAccessRequest(
    id: string,
    decision: 'approved' | 'rejected',
    decidedBy: string,
    now: number,
  ): Promise<boolean> {
    const { changes } = await this.#db.run(
      "UPDATE access_requests SET status = ?, decided_at = ?, decided_by = ? WHERE id = ? AND status = 'pending' AND expires_at > ?",
      [decision, now, decidedBy, id, now],
    );
    return changes === 1;
  }

  listAccessRequests(tenant: string, status?: AccessRequestRecord['status']): Promise<AccessRequestRecord[]> {
    return this.#records.many<AccessRequestRecord>(
      `SELECT * FROM access_requests WHERE tenant = ? ${status ? 'AND status = ?' : ''}
       ORDER BY created_at DESC, id DESC`,
      status ? [tenant, status] : [tenant],
    );
  }
}
