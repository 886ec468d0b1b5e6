// SCIM Groups (docs/provisioning.md): a group's members hold the role the tenant maps the group to
// (`scim.groupRoles`, or a group named after a role); a user's roles are the default role plus their groups',
// recomputed whenever a membership or a group's role changes.
import {
  applyScimGroupPatch,
  parseScimGroup,
  type ScimGroupInput,
  type ScimGroupQuery,
  type ScimGroupRecord,
  type Store,
  StoreConflictError,
  scimGroupResource,
  type TenantConfig,
} from '@deskgate/core';
import { DEFAULT_ROLE, ROLES } from '@deskgate/protocol';
import { conflict, notFound, preconditionFailed, scimAudit } from './scim-common.ts';

export class ScimGroupService {
  readonly #store: Store;
  readonly #now: () => number;

  constructor(store: Store, now: () => number) {
    this.#store = store;
    this.#now = now;
  }

  // ---- Groups ---------------------------------------------------------------------------------------------

  async groupResource(group: ScimGroupRecord, base: string): Promise<object> {
    const members = await this.#store.listScimGroupMembers(group.tenant, group.id);
    return scimGroupResource(
      {
        id: group.id,
        displayName: group.displayName,
        externalId: group.externalId,
        memberIds: members,
        created: group.createdAt,
        lastModified: group.updatedAt,
        version: group.version,
      },
      `${base}/Groups/${group.id}`,
      (id) => `${base}/Users/${id}`,
    );
  }

  async getGroup(tenant: TenantConfig, id: string): Promise<ScimGroupRecord> {
    return (await this.#store.getScimGroup(tenant.code, id)) ?? notFound('Group', id);
  }

  listGroups(tenant: TenantConfig, query: ScimGroupQuery) {
    return this.#store.listScimGroups(tenant.code, query);
  }

  async createGroup(tenant: TenantConfig, body: unknown, actor: string): Promise<ScimGroupRecord> {
    const input = parseScimGroup(body);
    const now = this.#now();
    const group: ScimGroupRecord = {
      tenant: tenant.code,
      id: crypto.randomUUID(),
      displayName: input.displayName,
      externalId: input.externalId,
      role: roleOfGroup(tenant, input.displayName),
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.#store.createScimGroup(group, input.memberIds);
    } catch (error) {
      if (error instanceof StoreConflictError) conflict('A group with this displayName or externalId exists');
      throw error;
    }
    await this.#syncRoles(tenant, input.memberIds, now);
    await scimAudit(
      this.#store,
      tenant,
      actor,
      'scim_group_created',
      group.id,
      {
        role: group.role ?? 'none',
        members: input.memberIds.length,
      },
      this.#now(),
    );
    return group;
  }

  async replaceGroup(
    tenant: TenantConfig,
    id: string,
    body: unknown,
    actor: string,
    ifMatch?: number,
  ): Promise<ScimGroupRecord> {
    const current = await this.getGroup(tenant, id);
    const input = parseScimGroup(body);
    return this.#writeGroup(tenant, current, input, { replaceMembers: input.memberIds }, actor, ifMatch);
  }

  async patchGroup(
    tenant: TenantConfig,
    id: string,
    body: unknown,
    actor: string,
    ifMatch?: number,
  ): Promise<ScimGroupRecord> {
    const current = await this.getGroup(tenant, id);
    const change = applyScimGroupPatch(await this.groupResource(current, ''), body);
    return this.#writeGroup(
      tenant,
      current,
      { displayName: change.displayName, externalId: change.externalId },
      change,
      actor,
      ifMatch,
    );
  }

  async deleteGroup(tenant: TenantConfig, id: string, actor: string, ifMatch?: number): Promise<void> {
    const current = await this.getGroup(tenant, id);
    if (ifMatch !== undefined && ifMatch !== current.version) preconditionFailed();
    const members = await this.#store.listScimGroupMembers(tenant.code, id);
    if (!(await this.#store.deleteScimGroup(tenant.code, id))) notFound('Group', id);
    await this.#syncRoles(tenant, members, this.#now());
    await scimAudit(
      this.#store,
      tenant,
      actor,
      'scim_group_deleted',
      id,
      { members: members.length },
      this.#now(),
    );
  }

  async #writeGroup(
    tenant: TenantConfig,
    current: ScimGroupRecord,
    input: Pick<ScimGroupInput, 'displayName' | 'externalId'>,
    members: { add?: string[]; remove?: string[]; replaceMembers: string[] | null },
    actor: string,
    ifMatch: number | undefined,
  ): Promise<ScimGroupRecord> {
    if (ifMatch !== undefined && ifMatch !== current.version) preconditionFailed();
    const now = this.#now();
    const group: ScimGroupRecord = {
      ...current,
      displayName: input.displayName,
      externalId: input.externalId,
      role: roleOfGroup(tenant, input.displayName),
      version: current.version + 1,
      updatedAt: now,
    };
    try {
      if (!(await this.#store.updateScimGroup(group, current.version))) preconditionFailed();
    } catch (error) {
      if (error instanceof StoreConflictError) conflict('A group with this displayName or externalId exists');
      throw error;
    }
    const before = await this.#store.listScimGroupMembers(tenant.code, group.id);
    let add = members.add ?? [];
    let remove = members.remove ?? [];
    if (members.replaceMembers !== null) {
      add = members.replaceMembers.filter((id) => !before.includes(id));
      remove = before.filter((id) => !members.replaceMembers!.includes(id));
    }
    if (add.length || remove.length)
      await this.#store.changeScimGroupMembers(tenant.code, group.id, add, remove);
    // Everyone whose groups may have changed, and every member when the group's role changed.
    const affected = new Set([...add, ...remove, ...(group.role !== current.role ? before : [])]);
    await this.#syncRoles(tenant, [...affected], now);
    await scimAudit(
      this.#store,
      tenant,
      actor,
      'scim_group_changed',
      group.id,
      {
        role: group.role ?? 'none',
        added: add.length,
        removed: remove.length,
      },
      this.#now(),
    );
    return group;
  }

  /**
   * Sets each user's roles from their groups: the default role plus every role a group of theirs maps to.
   * Unknown ids (another tenant's, deleted ones) are skipped.
   */
  async #syncRoles(tenant: TenantConfig, userIds: readonly string[], now: number): Promise<void> {
    for (const userId of new Set(userIds)) {
      const user = await this.#store.getUser(tenant.code, userId);
      if (!user) continue;
      const groups = await this.#store.listScimGroupsOfUser(tenant.code, userId);
      // Judged by the tenant's mapping now, so a change to scim.groupRoles counts at the next sync.
      const held = new Set<string>([
        DEFAULT_ROLE,
        ...groups.flatMap((g) => {
          const role = roleOfGroup(tenant, g.displayName);
          return role ? [role] : [];
        }),
      ]);
      const roles = ROLES.filter((role) => held.has(role));
      if (roles.join(' ') === user.roles.join(' ')) continue;
      await this.#store.updateUser({ ...user, roles, updatedAt: now });
      await scimAudit(
        this.#store,
        tenant,
        null,
        'roles_synced',
        userId,
        {
          from: user.roles.join(' '),
          to: roles.join(' '),
        },
        this.#now(),
      );
    }
  }
}

/** The role a group's members hold: the tenant's mapping by displayName, or a group named after a role. */
export function roleOfGroup(tenant: TenantConfig, displayName: string): string | null {
  const mapped = tenant.scim.groupRoles[displayName];
  if (mapped) return mapped;
  return (ROLES as readonly string[]).includes(displayName) ? displayName : null;
}
