import { DatabaseSync } from 'node:sqlite';
import { ERROR_CODES } from '@deskgate/protocol';
import type { Answer, FuzzRequest } from './requests.ts';

// --- Oracles --------------------------------------------------------------------------------------------

export const KNOWN_CODES = new Set<string>(ERROR_CODES);

/**
 * Why an error answer's body is not one of the app's error shapes, or undefined when it is: JSON
 * `{error:{code,message}}` with a protocol code, an HTML page naming its code in `data-error-code`, or (under
 * /scim/v2) SCIM's error body.
 */
export function errorBodyProblem(req: FuzzRequest, answer: Answer): string | undefined {
  if (req.method === 'HEAD' || answer.status < 400) return undefined;
  if (answer.contentType.startsWith('text/html')) {
    const code = /data-error-code="([a-z_]+)"/.exec(answer.text)?.[1];
    return code && KNOWN_CODES.has(code) ? undefined : `HTML error page without a known data-error-code`;
  }
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return `error body is neither JSON nor HTML (${answer.contentType}): ${answer.text.slice(0, 100)}`;
  }
  const scim = body as { schemas?: unknown; status?: unknown; detail?: unknown };
  if (answer.contentType.startsWith('application/scim+json')) {
    return Array.isArray(scim.schemas) &&
      scim.schemas.includes('urn:ietf:params:scim:api:messages:2.0:Error') &&
      scim.status === String(answer.status) &&
      typeof scim.detail === 'string'
      ? undefined
      : `SCIM error body is malformed: ${answer.text.slice(0, 200)}`;
  }
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (typeof error?.code !== 'string' || !KNOWN_CODES.has(error.code) || typeof error.message !== 'string')
    return `JSON error body without a known code: ${answer.text.slice(0, 200)}`;
  return undefined;
}

// --- The side-effect oracle: a change log of the SQLite file ----------------------------------------------

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
      'CREATE TABLE fuzz_changes (id INTEGER PRIMARY KEY, tbl TEXT NOT NULL, kind TEXT NOT NULL, before TEXT, after TEXT)',
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
        CREATE TRIGGER "fuzz_${table}_insert" AFTER INSERT ON "${table}" BEGIN
          INSERT INTO fuzz_changes (tbl, kind, after) VALUES ('${table}', 'added', ${row('NEW')});
        END;
        CREATE TRIGGER "fuzz_${table}_update" AFTER UPDATE ON "${table}" BEGIN
          INSERT INTO fuzz_changes (tbl, kind, before, after) VALUES ('${table}', 'changed', ${row('OLD')}, ${row('NEW')});
        END;
        CREATE TRIGGER "fuzz_${table}_delete" AFTER DELETE ON "${table}" BEGIN
          INSERT INTO fuzz_changes (tbl, kind, before) VALUES ('${table}', 'removed', ${row('OLD')});
        END;`);
    }
  }

  /** From now on: what since() reports. */
  mark(): void {
    this.#mark = Number(
      (this.#db.prepare('SELECT coalesce(max(id), 0) AS id FROM fuzz_changes').get() as { id: number }).id,
    );
  }

  /** The rows changed since mark(), but for updates that changed nothing (an upsert of the same values). */
  since(): RowChange[] {
    const rows = this.#db
      .prepare('SELECT tbl, kind, before, after FROM fuzz_changes WHERE id > ? ORDER BY id')
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

/** Lines the app logged at level error (50) or above: an unhandled error even when the answer hid it. */
export function errorLogs(lines: string[]): string[] {
  return lines.filter((line) => {
    try {
      return (JSON.parse(line) as { level?: number }).level! >= 50;
    } catch {
      return true;
    }
  });
}

/** A one-line description of a request, for failure messages. */
export function describeRequest(req: FuzzRequest): string {
  const body =
    req.body === undefined
      ? ''
      : 'text' in req.body
        ? ` body=${JSON.stringify(req.body.text.slice(0, 200))}`
        : ` bytes=${req.body.bytes.length}`;
  return `${req.method} ${req.path.slice(0, 300)} [route ${req.route}] headers=${JSON.stringify(req.headers).slice(0, 400)} cookies=${JSON.stringify(req.cookies).slice(0, 300)}${body}`;
}
