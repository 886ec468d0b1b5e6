// Users and their identities (D3: one (tenant, issuer, subject) points at one user), in SQL shared by both
// dialects; SqlStore delegates to these.
import type { IdentityRecord, UserRecord } from '@deskgate/core/store';
import type { SqlRecords } from './sql-keys.ts';
import type { SqlDriver, SqlExecutor } from './sql-store.ts';
import { bool, json } from './sql-values.ts';

/** A user's row, inside the caller's transaction (a first sign-in, a SCIM provisioning). */
export function insertUser(tx: SqlExecutor, user: UserRecord) {
  return tx.run(
    `INSERT INTO users (id, tenant, email, name, roles, confirmed, created_at, updated_at, disabled_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      user.id,
      user.tenant,
      user.email,
      user.name,
      json(user.roles),
      bool(user.confirmed),
      user.createdAt,
      user.updatedAt,
      user.disabledAt,
    ],
  );
}

/** An identity's row, inside the caller's transaction; a taken one is a unique violation (StoreConflictError). */
export function insertIdentity(tx: SqlExecutor, i: IdentityRecord) {
  return tx.run(
    'INSERT INTO identities (tenant, issuer, subject, user_id, created_at) VALUES (?, ?, ?, ?, ?)',
    [i.tenant, i.issuer, i.subject, i.userId, i.createdAt],
  );
}

export class SqlUsers {
  readonly #db: SqlDriver;
  readonly #records: SqlRecords;

  constructor(db: SqlDriver, records: SqlRecords) {
    this.#db = db;
    this.#records = records;
  }

  getUser(tenant: string, id: string): Promise<UserRecord | undefined> {
    return this.#records.one<UserRecord>('SELECT * FROM users WHERE tenant = ? AND id = ?', [tenant, id]);
  }

  findUserByIdentity(tenant: string, issuer: string, subject: string): Promise<UserRecord | undefined> {
    return this.#records.one<UserRecord>(
      `SELECT u.* FROM identities i JOIN users u ON u.id = i.user_id
       WHERE i.tenant = ? AND i.issuer = ? AND i.subject = ? AND u.tenant = i.tenant`,
      [tenant, issuer, subject],
    );
  }

  async createUserWithIdentity(user: UserRecord, identity: IdentityRecord): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await insertUser(tx, user);
      await insertIdentity(tx, identity);
    });
  }

  async updateUser(user: UserRecord): Promise<void> {
    await this.#db.run(
      'UPDATE users SET email = ?, name = ?, roles = ?, confirmed = ?, updated_at = ? WHERE tenant = ? AND id = ?',
      [user.email, user.name, json(user.roles), bool(user.confirmed), user.updatedAt, user.tenant, user.id],
    );
  }

  async setUserDisabled(tenant: string, id: string, disabledAt: number | null): Promise<boolean> {
    // Changes only a user not yet in that state, so of concurrent callers one gets true (and audits it).
    const { changes } =
      disabledAt === null
        ? await this.#db.run(
            'UPDATE users SET disabled_at = NULL WHERE tenant = ? AND id = ? AND disabled_at IS NOT NULL',
            [tenant, id],
          )
        : await this.#db.run(
            'UPDATE users SET disabled_at = ? WHERE tenant = ? AND id = ? AND disabled_at IS NULL',
            [disabledAt, tenant, id],
          );
    return changes === 1;
  }

  findUsersByEmail(tenant: string, email: string): Promise<UserRecord[]> {
    // Written as the index users_tenant_lower_email is. SQLite's lower() folds ASCII letters only, which is
    // all the contract needs; PostgreSQL's follows the database's locale and may fold non-ASCII ones too.
    return this.#records.many<UserRecord>(
      'SELECT * FROM users WHERE tenant = ? AND lower(email) = lower(?) ORDER BY created_at, id',
      [tenant, email],
    );
  }

  async createIdentity(identity: IdentityRecord): Promise<void> {
    // Inserted only for a user of the identity's own tenant (findUserByIdentity would never return one of
    // another); a taken identity is a unique violation, which the driver turns into StoreConflictError.
    const { changes } = await this.#db.run(
      `INSERT INTO identities (tenant, issuer, subject, user_id, created_at)
       SELECT ?, ?, ?, id, ? FROM users WHERE tenant = ? AND id = ?`,
      [
        identity.tenant,
        identity.issuer,
        identity.subject,
        identity.createdAt,
        identity.tenant,
        identity.userId,
      ],
    );
    if (changes !== 1) throw new Error('createIdentity: no such user in the tenant');
  }

  listIdentities(tenant: string, userId: string): Promise<IdentityRecord[]> {
    return this.#records.many<IdentityRecord>(
      'SELECT * FROM identities WHERE tenant = ? AND user_id = ? ORDER BY created_at, issuer, subject',
      [tenant, userId],
    );
  }

  listUsers(tenant: string): Promise<UserRecord[]> {
    return this.#records.many<UserRecord>('SELECT * FROM users WHERE tenant = ? ORDER BY created_at, id', [
      tenant,
    ]);
  }
}
