// The audit log, in SQL shared by both dialects; SqlStore delegates to these. Only INSERT, SELECT and the
// retention DELETE by age: nothing here changes or removes a single event.
import type { AuditEventRecord, AuditQuery } from '@deskgate/core/store';
import type { SqlRecords } from './sql-keys.ts';
import type { Row, SqlExecutor, SqlValue } from './sql-store.ts';
import { json } from './sql-values.ts';

const DEFAULT_LIMIT = 100;

function toEvent(row: Row): AuditEventRecord {
  return {
    id: row.id as string,
    tenant: row.tenant as string,
    at: Number(row.at),
    type: row.type as string,
    actor: {
      kind: row.actor_kind as AuditEventRecord['actor']['kind'],
      id: (row.actor_id as string | null) ?? null,
    },
    method: (row.method as string | null) ?? null,
    outcome: row.outcome as AuditEventRecord['outcome'],
    code: (row.code as string | null) ?? null,
    subject: (row.subject as string | null) ?? null,
    details: JSON.parse(row.details as string) as AuditEventRecord['details'],
  };
}

/** Inserts one event, through the store or inside a transaction (a sign-in's, with its session). */
export async function insertAuditEvent(db: Pick<SqlExecutor, 'run'>, e: AuditEventRecord): Promise<void> {
  await db.run(
    `INSERT INTO audit_events (id, tenant, at, type, actor_kind, actor_id, method, outcome, code, subject, details)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      e.id,
      e.tenant,
      e.at,
      e.type,
      e.actor.kind,
      e.actor.id,
      e.method,
      e.outcome,
      e.code,
      e.subject,
      json(e.details),
    ],
  );
}

export class SqlAudit {
  readonly #db: SqlRecords;

  constructor(db: SqlRecords) {
    this.#db = db;
  }

  async appendAudit(e: AuditEventRecord): Promise<void> {
    await insertAuditEvent(this.#db, e);
  }

  async listAudit(tenant: string, query: AuditQuery = {}): Promise<AuditEventRecord[]> {
    const where = ['tenant = ?'];
    const params: SqlValue[] = [tenant];
    if (query.since !== undefined) {
      where.push('at >= ?');
      params.push(query.since);
    }
    if (query.until !== undefined) {
      where.push('at < ?');
      params.push(query.until);
    }
    if (query.actor !== undefined) {
      // A user id, or an actor kind without an id ('operator', 'system', 'anonymous').
      where.push('(actor_id = ? OR (actor_id IS NULL AND actor_kind = ?))');
      params.push(query.actor, query.actor);
    }
    if (query.type !== undefined) {
      where.push('type = ?');
      params.push(query.type);
    }
    params.push(query.limit ?? DEFAULT_LIMIT);
    const rows = await this.#db.all(
      `SELECT * FROM audit_events WHERE ${where.join(' AND ')} ORDER BY at DESC, id DESC LIMIT ?`,
      params,
    );
    return rows.map(toEvent);
  }

  async purgeAudit(before: number): Promise<void> {
    await this.#db.run('DELETE FROM audit_events WHERE at < ?', [before]);
  }
}
