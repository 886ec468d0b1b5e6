// SCIM Users (docs/provisioning.md): a provisioned user is an ordinary deskgate user whose externalId is the
// platform user id that platform JWTs and API-key sign-ins resolve to; `active: false` is the roles issue's
// disable; DELETE deprovisions, keeping the audit trail. A user that platform sign-ins created on demand is
// adopted, not duplicated. The SCIM documents themselves (parsing, PATCH, filters) are pure, in core.
import {
  applyScimUserPatch,
  type IdentityRecord,
  parseScimUser,
  type ScimUserInput,
  type ScimUserQuery,
  type ScimUserRecord,
  type Store,
  StoreConflictError,
  scimUserResource,
  type TenantConfig,
  type UserRecord,
} from '@deskgate/core';
import { DEFAULT_ROLE } from '@deskgate/protocol';
import { conflict, notFound, preconditionFailed, scimAudit } from './scim-common.ts';

/** The identity issuers a platform user id lives under: both platform-JWT profiles and API-key sign-ins. */
export const PLATFORM_ID_ISSUERS = ['platform:session', 'platform:one-time', 'platform:api-key'] as const;

export type Provisioned = { user: UserRecord; scim: ScimUserRecord };

export class ScimUserService {
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
    await scimAudit(
      this.#store,
      tenant,
      actor,
      existing ? 'scim_user_adopted' : 'scim_user_created',
      created.user.id,
      {
        active: created.user.disabledAt === null,
      },
      this.#now(),
    );
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
    await scimAudit(this.#store, tenant, actor, 'scim_user_deleted', id, {}, this.#now());
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
    await scimAudit(this.#store, tenant, actor, type, user.id, details, this.#now());
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
}
