// Pending grants: roles that wait for a subject's or an email's first sign-in, in SQL shared by both dialects;
// SqlStore delegates to these.
import type { PendingGrantRecord } from '@deskgate/core/store';
import type { SqlRecords } from './sql-keys.ts';

type PendingGrantKey = Omit<PendingGrantRecord, 'createdAt'>;

/** Oldest first, then by the key, as listPendingGrants orders them (here by code unit, there by collation). */
function compareGrants(a: PendingGrantRecord, b: PendingGrantRecord): number {
  if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt;
  for (const field of ['kind', 'issuer', 'value', 'role'] as const) {
    if (a[field] !== b[field]) return a[field] < b[field] ? -1 : 1;
  }
  return 0;
}

export class SqlGrants {
  readonly #db: SqlRecords;

  constructor(db: SqlRecords) {
    this.#db = db;
  }

  async addPendingGrant(g: PendingGrantRecord): Promise<boolean> {
    // One statement, so of concurrent callers adding the same grant exactly one inserts it; the rest (and a
    // repeat) change no row and keep the first createdAt.
    const { changes } = await this.#db.run(
      `INSERT INTO pending_grants (tenant, kind, issuer, value, role, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant, kind, issuer, value, role) DO NOTHING`,
      [g.tenant, g.kind, g.issuer, g.value, g.role, g.createdAt],
    );
    return changes === 1;
  }

  async removePendingGrant(g: PendingGrantKey): Promise<boolean> {
    const { changes } = await this.#db.run(
      'DELETE FROM pending_grants WHERE tenant = ? AND kind = ? AND issuer = ? AND value = ? AND role = ?',
      [g.tenant, g.kind, g.issuer, g.value, g.role],
    );
    return changes === 1;
  }

  listPendingGrants(tenant: string): Promise<PendingGrantRecord[]> {
    return this.#db.many<PendingGrantRecord>(
      'SELECT * FROM pending_grants WHERE tenant = ? ORDER BY created_at, kind, issuer, value, role',
      [tenant],
    );
  }

  async takePendingGrants(
    tenant: string,
    identity: { issuer: string; subject: string; email: string | null },
  ): Promise<PendingGrantRecord[]> {
    // One DELETE … RETURNING, so of concurrent takes each row is returned by the one statement that deleted
    // it (as in takeExchangeToken). Stored emails are lowercase already; the given one is lowered in JS (all
    // of Unicode, as the stored value was) and in SQL. A null email matches no row (lower(NULL) is NULL).
    const grants = await this.#db.many<PendingGrantRecord>(
      `DELETE FROM pending_grants WHERE tenant = ?
       AND ((kind = 'subject' AND issuer = ? AND value = ?) OR (kind = 'email' AND issuer = '' AND value = lower(?)))
       RETURNING *`,
      [tenant, identity.issuer, identity.subject, identity.email?.toLowerCase() ?? null],
    );
    // RETURNING has no ORDER BY (in either dialect).
    return grants.sort(compareGrants);
  }
}
