// SCIM 2.0 provisioning (docs/provisioning.md): Users and Groups of a tenant, written by its identity provider
// (Entra ID, Okta) or platform with a SCIM token. A provisioned user is an ordinary deskgate user whose
// externalId is the platform user id that platform JWTs and API-key sign-ins resolve to; `active: false` is the
// roles issue's disable; a group's members hold the role the tenant maps it to. Every change is audited with
// the token's id as actor. The SCIM documents themselves (parsing, PATCH, filters) are pure, in core's scim.ts.
import {
  type AuditEventInput,
  applyScimGroupPatch,
  applyScimUserPatch,
  type IdentityRecord,
  parseScimGroup,
  parseScimUser,
  ScimError,
  type ScimGroupInput,
  type ScimGroupQuery,
  type ScimGroupRecord,
  type ScimUserInput,
  type ScimUserQuery,
  type ScimUserRecord,
  type Store,
  StoreConflictError,
  scimGroupResource,
  scimUserResource,
  type TenantConfig,
  type UserRecord,
} from '@deskgate/core';
import { DEFAULT_ROLE, ROLES } from '@deskgate/protocol';
import { recordAudit } from './audit.ts';

/** The identity issuers a platform user id lives under: both platform-JWT profiles and API-key sign-ins. */
export const PLATFORM_ID_ISSUERS = ['platform:session', 'platform:one-time', 'platform:api-key'] as const;

type Provisioned = { user: UserRecord; scim: ScimUserRecord };

function notFound(what: 'User' | 'Group', id: string): never {
  throw new ScimError(404, undefined, `${what} ${id.slice(0, 100)} not found`);
}

function conflict(detail: string): never {
  throw new ScimError(409, 'uniqueness', detail);
}

/** A failed If-Match: the resource changed since the client read it (RFC 7644 §3.14). */
function preconditionFailed(): never {
  throw new ScimError(412, undefined, 'The resource changed since it was read (If-Match does not match)');
}

export class ScimService {
  readonly #store: Store;
  readonly #now: () => number;

  constructor(store: Store, now: () => number) {
    this.#store = store;
    this.#now = now;
  }

  // ---- Users ----------------------------------------------------------------------------------------------

  userResource(p: Provisioned, base: string): object {
    return scimUserResource(
      {
        id: p.user.id,
        userName: p.scim.userName,
        externalId: p.scim.externalId,
        active: p.user.disabledAt === null,
        attributes: p.scim.attributes,
        created: p.scim.createdAt,
        lastModified: p.scim.updatedAt,
        version: p.scim.version,
      },
      `${base}/Users/${p.user.id}`,
    );
  }

  async getUser(tenant: TenantConfig, id: string): Promise<Provisioned> {
    return (await this.#store.getScimUser(tenant.code, id)) ?? notFound('User', id);
  }

  listUsers(tenant: TenantConfig, query: ScimUserQuery) {
    return this.#store.listScimUsers(tenant.code, query);
  }

  /**
   * POST /Users. A user that platform sign-ins created on demand (an identity with this externalId) is adopted
   * rather than duplicated; a taken userName or externalId is 409 uniqueness.
   */
  async createUser(tenant: TenantConfig, body: unknown, actor: string): Promise<Provisioned> {
    const input = parseScimUser(body);
    const now = this.#now();
    const taken = await this.#store.listScimUsers(tenant.code, { userName: input.userName, count: 1 });
    if (taken.total) conflict('A user with this userName exists');
    const existing =
      input.externalId === null ? undefined : await this.#onDemandUser(tenant, input.externalId);
    const scim: ScimUserRecord = {
      tenant: tenant.code,
      userId: existing?.id ?? crypto.randomUUID(),
      userName: input.userName,
      externalId: input.externalId,
      attributes: input.attributes,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    try {
      if (existing) {
        // The identities it lacks: platform sign-ins by this id under the other issuers.
        const owned = await Promise.all(
          PLATFORM_ID_ISSUERS.map((issuer) =>
            this.#store.findUserByIdentity(tenant.code, issuer, input.externalId!),
          ),
        );
        const missing = this.#identities(tenant, existing.id, input, now).filter((_, i) => !owned[i]);
        await this.#store.adoptScimUser(scim, missing);
        await this.#store.updateScimUser(this.#user(existing, input, now), { ...scim, version: 2 }, 1, {
          issuers: [],
          replacement: [],
        });
        scim.version = 2;
      } else {
        const user: UserRecord = {
          ...this.#user(
            {
              id: scim.userId,
              tenant: tenant.code,
              email: null,
              name: null,
              roles: [DEFAULT_ROLE],
              // Provisioned by the tenant's own directory: it vouches for the user.
              confirmed: true,
              createdAt: now,
              updatedAt: now,
              disabledAt: null,
            },
            input,
            now,
          ),
        };
        await this.#store.createScimUser(user, scim, this.#identities(tenant, user.id, input, now));
      }
    } catch (error) {
      if (error instanceof StoreConflictError) conflict('A user with this userName or externalId exists');
      throw error;
    }
    const created = await this.getUser(tenant, scim.userId);
    await this.#audit(tenant, actor, existing ? 'scim_user_adopted' : 'scim_user_created', created.user.id, {
      active: created.user.disabledAt === null,
    });
    return created;
  }

  /** PUT /Users/{id}: the whole resource replaced (what it leaves out is cleared). */
  async replaceUser(
    tenant: TenantConfig,
    id: string,
    body: unknown,
    actor: string,
    ifMatch?: number,
  ): Promise<Provisioned> {
    const current = await this.getUser(tenant, id);
    return this.#writeUser(tenant, current, parseScimUser(body), actor, ifMatch, 'scim_user_replaced');
  }

  /** PATCH /Users/{id}: the operations applied to the resource as stored, atomically. */
  async patchUser(
    tenant: TenantConfig,
    id: string,
    body: unknown,
    actor: string,
    ifMatch?: number,
  ): Promise<Provisioned> {
    const current = await this.getUser(tenant, id);
    const patched = applyScimUserPatch(this.userResource(current, ''), body);
    return this.#writeUser(tenant, current, parseScimUser(patched), actor, ifMatch, 'scim_user_patched');
  }

  /** DELETE /Users/{id}: deprovisioned; its sessions are revoked; the audit log keeps its history. */
  async deleteUser(tenant: TenantConfig, id: string, actor: string, ifMatch?: number): Promise<void> {
    const current = await this.getUser(tenant, id);
    if (ifMatch !== undefined && ifMatch !== current.scim.version) preconditionFailed();
    if (!(await this.#store.deleteScimUser(tenant.code, id, this.#now()))) notFound('User', id);
    await this.#audit(tenant, actor, 'scim_user_deleted', id, {});
  }

  async #writeUser(
    tenant: TenantConfig,
    current: Provisioned,
    input: ScimUserInput,
    actor: string,
    ifMatch: number | undefined,
    type: 'scim_user_replaced' | 'scim_user_patched',
  ): Promise<Provisioned> {
    if (ifMatch !== undefined && ifMatch !== current.scim.version) preconditionFailed();
    const now = this.#now();
    const clash = await this.#store.listScimUsers(tenant.code, { userName: input.userName, count: 1 });
    if (clash.items.some((other) => other.user.id !== current.user.id))
      conflict('A user with this userName exists');
    const user = this.#user(current.user, input, now);
    const scim: ScimUserRecord = {
      ...current.scim,
      userName: input.userName,
      externalId: input.externalId,
      attributes: input.attributes,
      version: current.scim.version + 1,
      updatedAt: now,
    };
    const externalIdChanged = input.externalId !== current.scim.externalId;
    try {
      const written = await this.#store.updateScimUser(user, scim, current.scim.version, {
        issuers: externalIdChanged ? [...PLATFORM_ID_ISSUERS] : [],
        replacement: externalIdChanged ? this.#identities(tenant, user.id, input, now) : [],
      });
      // Another write won the race since we read it: the client retries with what is stored now.
      if (!written) preconditionFailed();
    } catch (error) {
      if (error instanceof StoreConflictError) conflict('A user with this externalId exists');
      throw error;
    }
    const wasActive = current.user.disabledAt === null;
    const details: Record<string, string | boolean> = { active: input.active };
    if (wasActive !== input.active) details.activeChanged = true;
    await this.#audit(tenant, actor, type, user.id, details);
    return { user, scim };
  }

  /** The user with the SCIM input's email, name and active applied (roles and confirmation stay). */
  #user(base: UserRecord, input: ScimUserInput, now: number): UserRecord {
    const name = input.displayName ?? ([input.givenName, input.familyName].filter(Boolean).join(' ') || null);
    return {
      ...base,
      email: input.email,
      name,
      // Deactivated: every sign-in method refuses them and their sessions end (the disable of the roles issue).
      disabledAt: input.active ? null : (base.disabledAt ?? now),
      updatedAt: now,
    };
  }

  /** The identities a provisioned user signs in by: their externalId under each platform issuer. */
  #identities(tenant: TenantConfig, userId: string, input: ScimUserInput, now: number): IdentityRecord[] {
    if (input.externalId === null) return [];
    return PLATFORM_ID_ISSUERS.map((issuer) => ({
      tenant: tenant.code,
      issuer,
      subject: input.externalId!,
      userId,
      createdAt: now,
    }));
  }

  /** A user created on demand by a platform sign-in with this id and not provisioned yet. */
  async #onDemandUser(tenant: TenantConfig, externalId: string): Promise<UserRecord | undefined> {
    for (const issuer of PLATFORM_ID_ISSUERS) {
      const user = await this.#store.findUserByIdentity(tenant.code, issuer, externalId);
      if (user) {
        if (await this.#store.getScimUser(tenant.code, user.id))
          conflict('A user with this externalId exists');
        return user;
      }
    }
    return undefined;
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
    await this.#audit(tenant, actor, 'scim_group_created', group.id, {
      role: group.role ?? 'none',
      members: input.memberIds.length,
    });
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
    await this.#audit(tenant, actor, 'scim_group_deleted', id, { members: members.length });
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
    await this.#audit(tenant, actor, 'scim_group_changed', group.id, {
      role: group.role ?? 'none',
      added: add.length,
      removed: remove.length,
    });
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
      const held = new Set<string>([DEFAULT_ROLE, ...groups.flatMap((g) => (g.role ? [g.role] : []))]);
      const roles = ROLES.filter((role) => held.has(role));
      if (roles.join(' ') === user.roles.join(' ')) continue;
      await this.#store.updateUser({ ...user, roles, updatedAt: now });
      await this.#audit(tenant, null, 'roles_synced', userId, {
        from: user.roles.join(' '),
        to: roles.join(' '),
      });
    }
  }

  #audit(
    tenant: TenantConfig,
    actor: string | null,
    type: AuditEventInput['type'],
    subject: string,
    details: Record<string, string | number | boolean>,
  ) {
    return recordAudit(
      this.#store,
      tenant.code,
      {
        type,
        actor: actor === null ? { kind: 'system', id: null } : { kind: 'scim', id: actor },
        method: null,
        outcome: 'ok',
        code: null,
        subject,
        details,
      },
      this.#now(),
    );
  }
}

/** The role a group's members hold: the tenant's mapping by displayName, or a group named after a role. */
export function roleOfGroup(tenant: TenantConfig, displayName: string): string | null {
  const mapped = tenant.scim.groupRoles[displayName];
  if (mapped) return mapped;
  return (ROLES as readonly string[]).includes(displayName) ? displayName : null;
}
