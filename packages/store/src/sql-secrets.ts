// The values sealed with the master key, for `master-key rotate`: listed where they live, and replaced one by
// one with a compare-and-swap on the column's text. SqlStore delegates to these.
import type { SealedSecretRecord } from '@deskgate/core/store';
import type { SqlRecords } from './sql-keys.ts';

/** Where each kind lives: its table, the sealed column, and the columns of the row's key. */
const PLACES = {
  signing_key: { table: 'signing_keys', column: 'private_jwk_encrypted', key: ['kid'] },
  jwt_key: { table: 'jwt_keys', column: 'secret_encrypted', key: ['tenant', 'kid'] },
  tenant: { table: 'tenants', column: 'config', key: ['code'] },
  mail: { table: 'mail_outbox', column: 'body_encrypted', key: ['id'] },
} as const satisfies Record<SealedSecretRecord['kind'], { table: string; column: string; key: string[] }>;

export class SqlSecrets {
  readonly #db: SqlRecords;

  constructor(db: SqlRecords) {
    this.#db = db;
  }

  async listSealedSecrets(): Promise<SealedSecretRecord[]> {
    // Raw rows: the tenant's config stays the JSON text the compare-and-swap compares.
    const rows = async (kind: SealedSecretRecord['kind'], sql: string): Promise<SealedSecretRecord[]> =>
      (await this.#db.all(sql, [])).map((row) => ({
        kind,
        id: String(row.id),
        tenant: row.tenant === null || row.tenant === undefined ? null : String(row.tenant),
        value: String(row.value),
      }));
    return [
      ...(await rows(
        'signing_key',
        'SELECT kid AS id, NULL AS tenant, private_jwk_encrypted AS value FROM signing_keys ORDER BY generation',
      )),
      ...(await rows(
        'jwt_key',
        'SELECT kid AS id, tenant, secret_encrypted AS value FROM jwt_keys ORDER BY tenant, kid',
      )),
      ...(await rows(
        'tenant',
        'SELECT code AS id, code AS tenant, config AS value FROM tenants ORDER BY code',
      )),
      // Sent mail has no body any more (cleared when sent).
      ...(await rows(
        'mail',
        `SELECT id, NULL AS tenant, body_encrypted AS value FROM mail_outbox
         WHERE body_encrypted IS NOT NULL ORDER BY created_at, id`,
      )),
    ];
  }

  async replaceSealedSecret(record: SealedSecretRecord, value: string): Promise<boolean> {
    const place = PLACES[record.kind];
    if (!place) throw new TypeError(`Unknown kind of sealed secret: ${String(record.kind)}`);
    const keyValues = place.key.map((column) => (column === 'tenant' ? record.tenant : record.id));
    const { changes } = await this.#db.run(
      `UPDATE ${place.table} SET ${place.column} = ?
       WHERE ${place.key.map((column) => `${column} = ?`).join(' AND ')} AND ${place.column} = ?`,
      [value, ...keyValues, record.value],
    );
    return changes === 1;
  }
}
