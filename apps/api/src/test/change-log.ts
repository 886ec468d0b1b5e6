// The side-effect oracle of the adversarial suites (fuzz.test.ts, csrf-matrix.test.ts): a change log of the
// harness's SQLite file, and which changes a refused request may make by design.
import { DatabaseSync } from 'node:sqlite';

/**
 * The harness's SQLite file (createHarness makes it under os.tmpdir(), which reads TMPDIR each time): the
 * caller points TMPDIR at a directory of its own while the harness is created, then finds the file here.
 */

export interface RowChange {
  table: string;
  kind: 'added' | 'removed' | 'changed';
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
}

/**
 * Every row the app inserts, updates or deletes, whatever the statement: triggers on each of the store's tables
 * copy the row (before and after) into a table of their own, inside the app's own transaction, so a rolled-back
 * write leaves nothing. Comparing whole snapshots instead costs a read of the database per run, and the database
 * grows with every run (each signed-in run adds a user and a session): quadratic under `pnpm fuzz`.
 */
export class ChangeLog {
  readonly #db: DatabaseSync;
  readonly tables: string[];
  readonly #keys = new Map<string, string[]>();
  #mark = 0;

  constructor(filename: string) {
    // A second connection: WAL lets it read while the app writes; it writes only the triggers, here, once.
    this.#db = new DatabaseSync(filename);
    this.#db.exec('PRAGMA busy_timeout = 5000');
    this.tables = (
      this.#db
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .all() as { name: string }[]
    ).map((t) => t.name);
    this.#db.exec(
      'CREATE TABLE test_changes (id INTEGER PRIMARY KEY, tbl TEXT NOT NULL, kind TEXT NOT NULL, before TEXT, after TEXT)',
    );
    for (const table of this.tables) {
      const info = this.#db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string; pk: number }[];
      const columns = info.map((c) => c.name);
      this.#keys.set(
        table,
        info.filter((c) => c.pk > 0).map((c) => c.name),
      );
      // json_object cannot hold a BLOB: those are logged as hex.
      const row = (ref: 'NEW' | 'OLD') =>
        `json_object(${columns
          .map(
            (c) =>
              `'${c}', CASE WHEN typeof(${ref}."${c}") = 'blob' THEN 'bytes:' || hex(${ref}."${c}") ELSE ${ref}."${c}" END`,
          )
          .join(', ')})`;
      this.#db.exec(`
        CREATE TRIGGER "test_${table}_insert" AFTER INSERT ON "${table}" BEGIN
          INSERT INTO test_changes (tbl, kind, after) VALUES ('${table}', 'added', ${row('NEW')});
        END;
        CREATE TRIGGER "test_${table}_update" AFTER UPDATE ON "${table}" BEGIN
          INSERT INTO test_changes (tbl, kind, before, after) VALUES ('${table}', 'changed', ${row('OLD')}, ${row('NEW')});
        END;
        CREATE TRIGGER "test_${table}_delete" AFTER DELETE ON "${table}" BEGIN
          INSERT INTO test_changes (tbl, kind, before) VALUES ('${table}', 'removed', ${row('OLD')});
        END;`);
    }
  }

  /** From now on: what since() reports. */
  mark(): void {
    this.#mark = Number(
      (this.#db.prepare('SELECT coalesce(max(id), 0) AS id FROM test_changes').get() as { id: number }).id,
    );
  }

  /** The rows changed since mark(), but for updates that changed nothing (an upsert of the same values). */
  since(): RowChange[] {
    const rows = this.#db
      .prepare('SELECT tbl, kind, before, after FROM test_changes WHERE id > ? ORDER BY id')
      .all(this.#mark) as {
      tbl: string;
      kind: RowChange['kind'];
      before: string | null;
      after: string | null;
    }[];
    return rows
      .filter((r) => r.kind !== 'changed' || r.before !== r.after)
      .map((r) => ({
        table: r.tbl,
        kind: r.kind,
        ...(r.before !== null && { before: JSON.parse(r.before) }),
        ...(r.after !== null && { after: JSON.parse(r.after) }),
      }));
  }

  /**
   * Puts back the rows of `tables` that `changes` updated. A fuzzed request that happens to be a valid write
   * (new tenant settings, a revoked key) would otherwise steer every later run: an allowed origin gone, the
   * SCIM token revoked.
   */
  restore(changes: RowChange[], tables: readonly string[]): void {
    for (const { table, kind, before } of changes) {
      const key = this.#keys.get(table);
      if (kind !== 'changed' || !before || !tables.includes(table) || !key?.length) continue;
      const columns = Object.keys(before);
      const value = (v: unknown) =>
        typeof v === 'string' && v.startsWith('bytes:')
          ? Buffer.from(v.slice(6), 'hex')
          : (v as string | number | null);
      this.#db
        .prepare(
          `UPDATE "${table}" SET ${columns.map((c) => `"${c}" = ?`).join(', ')} WHERE ${key.map((k) => `"${k}" = ?`).join(' AND ')}`,
        )
        .run(...columns.map((c) => value(before[c])), ...key.map((k) => value(before[k])));
    }
  }

  close() {
    this.#db.close();
  }
}

/**
 * Changes a refused request may make by design; anything else after a 4xx is a side effect of a refusal:
 * - rate_limits: refusals are what several counters count (failed redeems, forged tokens, bad JWTs).
 * - audit_events: refused sign-ins are audited (their code only), so a new row whose outcome is `refused`.
 * - attempts.confirm_failures: a wrong confirmation code counts towards burning the attempt (MAX_CONFIRM_FAILURES).
 */
export function unexpectedChanges(changes: RowChange[]): RowChange[] {
  return changes.filter((change) => {
    if (change.table === 'rate_limits') return false;
    if (change.table === 'audit_events' && change.kind === 'added' && change.after?.outcome === 'refused')
      return false;
    if (change.table === 'attempts' && change.kind === 'changed') {
      const { confirm_failures: a, ...restBefore } = change.before ?? {};
      const { confirm_failures: b, ...restAfter } = change.after ?? {};
      if (Number(b) === Number(a) + 1 && JSON.stringify(restBefore) === JSON.stringify(restAfter))
        return false;
    }
    return true;
  });
}
