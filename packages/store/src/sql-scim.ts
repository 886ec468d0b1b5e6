// SCIM provisioning (docs/provisioning.md): the SCIM side of users, groups and their members, in SQL shared by
// both dialects; SqlStore delegates to these. userName and displayName are unique ignoring case through
// *_lower columns lowered in JS (all of Unicode, where SQLite's lower() folds ASCII only); a taken one, a taken
// externalId or identity is a unique violation, which the driver turns into StoreConflictError.
import type {
  IdentityRecord,
  ScimGroupQuery,
  ScimGroupRecord,
  ScimPage,
  ScimUserQuery,
  ScimUserRecord,
  UserRecord,
} from '@deskgate/core/store';
import type { SqlRecords } from './sql-keys.ts';
import type { SqlDriver, SqlExecutor, SqlValue } from './sql-store.ts';
import { insertIdentity, insertUser } from './sql-users.ts';
import { json } from './sql-values.ts';

type ScimUser = { user: UserRecord; scim: ScimUserRecord };

const DEFAULT_COUNT = 100;

// The SCIM side next to the user's columns, prefixed so that it splits off again (see toScimUser).
const SCIM_USER_SELECT = `SELECT u.*, s.user_name AS scim_user_name, s.external_id AS scim_external_id,
  s.attributes AS scim_attributes, s.version AS scim_version, s.created_at AS scim_created_at,
  s.updated_at AS scim_updated_at
  FROM scim_users s JOIN users u ON u.id = s.user_id AND u.tenant = s.tenant`;

const GROUP_COLUMNS =
  'g.tenant, g.id, g.display_name, g.external_id, g.role, g.version, g.created_at, g.updated_at';

interface JoinedRow {
  scimUserName: string;
  scimExternalId: string | null;
  scimAttributes: string;
  scimVersion: number;
  scimCreatedAt: number;
  scimUpdatedAt: number;
}

function toScimUser(row: UserRecord & JoinedRow): ScimUser {
  const { scimUserName, scimExternalId, scimAttributes, scimVersion, scimCreatedAt, scimUpdatedAt, ...user } =
    row;
  return {
    user,
    scim: {
      tenant: user.tenant,
      userId: user.id,
      userName: scimUserName,
      externalId: scimExternalId,
      attributes: JSON.parse(scimAttributes) as Record<string, unknown>,
      version: Number(scimVersion),
      createdAt: scimCreatedAt,
      updatedAt: scimUpdatedAt,
    },
  };
}

/** LIMIT and OFFSET from SCIM's 1-based startIndex (below 1 counts as 1) and count (below 0 counts as 0). */
function paging(query: { startIndex?: number; count?: number }): { limit: number; offset: number } {
  return {
    limit: Math.max(0, Math.floor(query.count ?? DEFAULT_COUNT)),
    offset: Math.max(1, Math.floor(query.startIndex ?? 1)) - 1,
  };
}

const scimUserParams = (s: ScimUserRecord): SqlValue[] => [
  s.userName,
  s.userName.toLowerCase(),
  s.externalId,
  json(s.attributes),
  s.version,
  s.createdAt,
  s.updatedAt,
  s.tenant,
  s.userId,
];

export class SqlScim {
  readonly #db: SqlDriver;
  readonly #records: SqlRecords;

  constructor(db: SqlDriver, records: SqlRecords) {
    this.#db = db;
    this.#records = records;
  }

  async createScimUser(user: UserRecord, scim: ScimUserRecord, identities: IdentityRecord[]): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await insertUser(tx, user);
      await this.#insertScimUser(tx, scim);
      for (const identity of identities) await insertIdentity(tx, identity);
    });
  }

  async adoptScimUser(scim: ScimUserRecord, identities: IdentityRecord[]): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await this.#insertScimUser(tx, scim);
      for (const identity of identities) await insertIdentity(tx, identity);
    });
  }

  async #insertScimUser(tx: SqlExecutor, scim: ScimUserRecord): Promise<void> {
    // Only for a user of the same tenant; a user that has a SCIM side already is a primary-key violation.
    const { changes } = await tx.run(
      `INSERT INTO scim_users (user_name, user_name_lower, external_id, attributes, version, created_at, updated_at,
         tenant, user_id)
       SELECT ?, ?, ?, ?, ?, ?, ?, tenant, id FROM users WHERE tenant = ? AND id = ?`,
      scimUserParams(scim),
    );
    if (changes !== 1) throw new Error('SCIM user: no such user in the tenant');
  }

  async getScimUser(tenant: string, userId: string): Promise<ScimUser | undefined> {
    const row = await this.#records.one<UserRecord & JoinedRow>(
      `${SCIM_USER_SELECT} WHERE s.tenant = ? AND s.user_id = ?`,
      [tenant, userId],
    );
    return row && toScimUser(row);
  }

  async listScimUsers(tenant: string, query: ScimUserQuery): Promise<ScimPage<ScimUser>> {
    let where = 's.tenant = ?';
    const params: SqlValue[] = [tenant];
    if (query.userName !== undefined) {
      where += ' AND s.user_name_lower = ?';
      params.push(query.userName.toLowerCase());
    }
    if (query.externalId !== undefined) {
      where += ' AND s.external_id = ?';
      params.push(query.externalId);
    }
    if (query.email !== undefined) {
      // As findUsersByEmail compares (and the index users_tenant_lower_email is written).
      where += ' AND lower(u.email) = lower(?)';
      params.push(query.email);
    }
    const { limit, offset } = paging(query);
    const [counted] = await this.#records.all(
      `SELECT COUNT(*) AS total FROM scim_users s JOIN users u ON u.id = s.user_id AND u.tenant = s.tenant
       WHERE ${where}`,
      params,
    );
    const total = Number(counted?.total ?? 0);
    if (limit === 0 || offset >= total) return { total, items: [] };
    const rows = await this.#records.many<UserRecord & JoinedRow>(
      `${SCIM_USER_SELECT} WHERE ${where} ORDER BY u.created_at, u.id LIMIT ? OFFSET ?`,
      [...params, limit, offset],
    );
    return { total, items: rows.map(toScimUser) };
  }

  updateScimUser(
    user: UserRecord,
    scim: ScimUserRecord,
    expectedVersion: number,
    identities: { issuers: string[]; replacement: IdentityRecord[] },
  ): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      // The version guard makes the row lock decide: of concurrent updates from one version only one matches.
      const { changes } = await tx.run(
        `UPDATE scim_users SET user_name = ?, user_name_lower = ?, external_id = ?, attributes = ?, version = ?,
           created_at = ?, updated_at = ?
         WHERE tenant = ? AND user_id = ? AND version = ?`,
        [...scimUserParams(scim), expectedVersion],
      );
      if (changes !== 1) return false;
      await tx.run(
        'UPDATE users SET email = ?, name = ?, roles = ?, disabled_at = ?, updated_at = ? WHERE tenant = ? AND id = ?',
        [user.email, user.name, json(user.roles), user.disabledAt, user.updatedAt, user.tenant, user.id],
      );
      if (identities.issuers.length > 0) {
        await tx.run(
          `DELETE FROM identities WHERE tenant = ? AND user_id = ?
           AND issuer IN (${identities.issuers.map(() => '?').join(', ')})`,
          [scim.tenant, scim.userId, ...identities.issuers],
        );
      }
      for (const identity of identities.replacement) await insertIdentity(tx, identity);
      return true;
    });
  }

  deleteScimUser(tenant: string, userId: string, now: number): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      // The sessions stay, revoked, so the session can say why it ended (sessions.user_id has no foreign key
      // since migration 17); the audit log names users by id and is not touched.
      await tx.run(
        `UPDATE sessions SET revoked_at = ?, revoke_reason = 'deprovisioned'
         WHERE tenant = ? AND user_id = ? AND revoked_at IS NULL`,
        [now, tenant, userId],
      );
      await tx.run('DELETE FROM scim_group_members WHERE tenant = ? AND user_id = ?', [tenant, userId]);
      // Grants waiting for one of its identities would otherwise go to whoever signs in with it next.
      await tx.run(
        `DELETE FROM pending_grants WHERE tenant = ? AND kind = 'subject' AND EXISTS (
           SELECT 1 FROM identities i WHERE i.tenant = pending_grants.tenant AND i.user_id = ?
           AND i.issuer = pending_grants.issuer AND i.subject = pending_grants.value)`,
        [tenant, userId],
      );
      await tx.run('DELETE FROM identities WHERE tenant = ? AND user_id = ?', [tenant, userId]);
      await tx.run('DELETE FROM scim_users WHERE tenant = ? AND user_id = ?', [tenant, userId]);
      const { changes } = await tx.run('DELETE FROM users WHERE tenant = ? AND id = ?', [tenant, userId]);
      return changes === 1;
    });
  }

  async createScimGroup(group: ScimGroupRecord, memberIds: string[]): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO scim_groups (tenant, id, display_name, display_name_lower, external_id, role, version,
           created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          group.tenant,
          group.id,
          group.displayName,
          group.displayName.toLowerCase(),
          group.externalId,
          group.role,
          group.version,
          group.createdAt,
          group.updatedAt,
        ],
      );
      await this.#addMembers(tx, group.tenant, group.id, memberIds);
    });
  }

  getScimGroup(tenant: string, id: string): Promise<ScimGroupRecord | undefined> {
    return this.#records.one<ScimGroupRecord>(
      `SELECT ${GROUP_COLUMNS} FROM scim_groups g WHERE g.tenant = ? AND g.id = ?`,
      [tenant, id],
    );
  }

  async listScimGroups(tenant: string, query: ScimGroupQuery): Promise<ScimPage<ScimGroupRecord>> {
    let where = 'g.tenant = ?';
    const params: SqlValue[] = [tenant];
    if (query.displayName !== undefined) {
      where += ' AND g.display_name_lower = ?';
      params.push(query.displayName.toLowerCase());
    }
    if (query.externalId !== undefined) {
      where += ' AND g.external_id = ?';
      params.push(query.externalId);
    }
    if (query.memberId !== undefined) {
      where += ` AND EXISTS (SELECT 1 FROM scim_group_members m
        WHERE m.tenant = g.tenant AND m.group_id = g.id AND m.user_id = ?)`;
      params.push(query.memberId);
    }
    const { limit, offset } = paging(query);
    const [counted] = await this.#records.all(
      `SELECT COUNT(*) AS total FROM scim_groups g WHERE ${where}`,
      params,
    );
    const total = Number(counted?.total ?? 0);
    if (limit === 0 || offset >= total) return { total, items: [] };
    const items = await this.#records.many<ScimGroupRecord>(
      `SELECT ${GROUP_COLUMNS} FROM scim_groups g WHERE ${where} ORDER BY g.created_at, g.id LIMIT ? OFFSET ?`,
      [...params, limit, offset],
    );
    return { total, items };
  }

  async updateScimGroup(group: ScimGroupRecord, expectedVersion: number): Promise<boolean> {
    const { changes } = await this.#db.run(
      `UPDATE scim_groups SET display_name = ?, display_name_lower = ?, external_id = ?, role = ?, version = ?,
         updated_at = ?
       WHERE tenant = ? AND id = ? AND version = ?`,
      [
        group.displayName,
        group.displayName.toLowerCase(),
        group.externalId,
        group.role,
        group.version,
        group.updatedAt,
        group.tenant,
        group.id,
        expectedVersion,
      ],
    );
    return changes === 1;
  }

  deleteScimGroup(tenant: string, id: string): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      await tx.run('DELETE FROM scim_group_members WHERE tenant = ? AND group_id = ?', [tenant, id]);
      const { changes } = await tx.run('DELETE FROM scim_groups WHERE tenant = ? AND id = ?', [tenant, id]);
      return changes === 1;
    });
  }

  async listScimGroupMembers(tenant: string, groupId: string): Promise<string[]> {
    const rows = await this.#records.all(
      'SELECT user_id FROM scim_group_members WHERE tenant = ? AND group_id = ? ORDER BY added_at, user_id',
      [tenant, groupId],
    );
    return rows.map((row) => row.user_id as string);
  }

  async changeScimGroupMembers(
    tenant: string,
    groupId: string,
    add: string[],
    remove: string[],
  ): Promise<void> {
    if (add.length === 0 && remove.length === 0) return;
    await this.#db.transaction(async (tx) => {
      await this.#addMembers(tx, tenant, groupId, add);
      if (remove.length > 0) {
        await tx.run(
          `DELETE FROM scim_group_members WHERE tenant = ? AND group_id = ?
           AND user_id IN (${remove.map(() => '?').join(', ')})`,
          [tenant, groupId, ...remove],
        );
      }
    });
  }

  async #addMembers(tx: SqlExecutor, tenant: string, groupId: string, userIds: string[]): Promise<void> {
    if (userIds.length === 0) return;
    // added_at orders the members (listScimGroupMembers): the time, moved past the group's latest so that
    // members added in one call, or in one millisecond, keep the order they were given in.
    const [latest] = await tx.all(
      'SELECT MAX(added_at) AS latest FROM scim_group_members WHERE tenant = ? AND group_id = ?',
      [tenant, groupId],
    );
    let addedAt = Math.max(Date.now(), latest?.latest == null ? 0 : Number(latest.latest) + 1);
    for (const userId of userIds) {
      // Only users of the tenant, into a group of the tenant; a present member is left as it is.
      const { changes } = await tx.run(
        `INSERT INTO scim_group_members (tenant, group_id, user_id, added_at)
         SELECT u.tenant, g.id, u.id, ? FROM users u JOIN scim_groups g ON g.tenant = u.tenant
         WHERE u.tenant = ? AND u.id = ? AND g.id = ?
         ON CONFLICT (tenant, group_id, user_id) DO NOTHING`,
        [addedAt, tenant, userId, groupId],
      );
      if (changes === 1) addedAt++;
    }
  }

  async listScimGroupsOfUser(tenant: string, userId: string): Promise<ScimGroupRecord[]> {
    return this.#records.many<ScimGroupRecord>(
      `SELECT ${GROUP_COLUMNS} FROM scim_groups g JOIN scim_group_members m ON m.tenant = g.tenant AND m.group_id = g.id
       WHERE g.tenant = ? AND m.user_id = ? ORDER BY g.created_at, g.id`,
      [tenant, userId],
    );
  }
}
