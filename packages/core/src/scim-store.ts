// What SCIM provisioning (docs/provisioning.md) keeps in the store: the SCIM side of a user (userName,
// externalId, the attributes as last written), groups that map to roles, and their members. The deskgate user
// itself (email, name, roles, disabled) stays in `users`; Store extends this interface.
import type { IdentityRecord, UserRecord } from './store.ts';

/** The SCIM side of a provisioned user: one per user at most. */
export interface ScimUserRecord {
  tenant: string;
  userId: string;
  /** As the client gave it; unique in the tenant ignoring case. */
  userName: string;
  /** The client's id for the user: the platform user id platform JWTs and API keys resolve to; unique. */
  externalId: string | null;
  /** The other attributes as last written (name, displayName, emails, ...), for reading back. */
  attributes: Record<string, unknown>;
  /** Starts at 1, +1 at every change: the ETag (`W/"<version>"`). */
  version: number;
  createdAt: number;
  updatedAt: number;
}

/** A SCIM group: its members hold `role` (none for a group the tenant maps to no role). */
export interface ScimGroupRecord {
  tenant: string;
  id: string;
  /** Unique in the tenant ignoring case. */
  displayName: string;
  externalId: string | null;
  role: string | null;
  version: number;
  createdAt: number;
  updatedAt: number;
}

/** Exact-match filters (compared ignoring case for userName, displayName and email), ANDed; 1-based paging. */
export interface ScimUserQuery {
  userName?: string;
  externalId?: string;
  email?: string;
  /** 1-based. @default 1 */
  startIndex?: number;
  /** @default 100 */
  count?: number;
}

export interface ScimGroupQuery {
  displayName?: string;
  externalId?: string;
  /** Groups that have this user as a member. */
  memberId?: string;
  startIndex?: number;
  count?: number;
}

export interface ScimPage<T> {
  /** All matches, regardless of paging. */
  total: number;
  items: T[];
}

export interface ScimStore {
  /**
   * Inserts the user, its SCIM side and its identities in one transaction. StoreConflictError (nothing stored)
   * when the userName or externalId is taken in the tenant, or an identity exists.
   */
  createScimUser(user: UserRecord, scim: ScimUserRecord, identities: IdentityRecord[]): Promise<void>;
  /**
   * Adds a SCIM side (and identities) to an existing user: an on-demand user adopted by provisioning. Same
   * conflicts as createScimUser.
   */
  adoptScimUser(scim: ScimUserRecord, identities: IdentityRecord[]): Promise<void>;
  getScimUser(
    tenant: string,
    userId: string,
  ): Promise<{ user: UserRecord; scim: ScimUserRecord } | undefined>;
  /** Provisioned users (those with a SCIM side) matching every given filter, oldest first (then by id). */
  listScimUsers(
    tenant: string,
    query: ScimUserQuery,
  ): Promise<ScimPage<{ user: UserRecord; scim: ScimUserRecord }>>;
  /**
   * Replaces the user's email, name, roles, disabledAt, updatedAt and SCIM side, and swaps its identities of
   * the issuers in `identityIssuers` for `identities`, in one transaction, only if the stored SCIM version is
   * `expectedVersion` (returns false, nothing changed, when it is not). StoreConflictError on a taken userName,
   * externalId or identity.
   */
  updateScimUser(
    user: UserRecord,
    scim: ScimUserRecord,
    expectedVersion: number,
    identities: { issuers: string[]; replacement: IdentityRecord[] },
  ): Promise<boolean>;
  /**
   * Deprovisions: deletes the user, its identities, SCIM side, group memberships and pending grants by its
   * identities, and revokes its sessions (reason `deprovisioned`), in one transaction. The audit log keeps
   * every event naming it. Returns whether the user existed.
   */
  deleteScimUser(tenant: string, userId: string, now: number): Promise<boolean>;

  /** StoreConflictError when the displayName (ignoring case) or externalId is taken in the tenant. */
  createScimGroup(group: ScimGroupRecord, memberIds: string[]): Promise<void>;
  getScimGroup(tenant: string, id: string): Promise<ScimGroupRecord | undefined>;
  listScimGroups(tenant: string, query: ScimGroupQuery): Promise<ScimPage<ScimGroupRecord>>;
  /** Replaces displayName, externalId, role, version, updatedAt if the stored version is `expectedVersion`. */
  updateScimGroup(group: ScimGroupRecord, expectedVersion: number): Promise<boolean>;
  /** Deletes the group and its memberships; returns whether it existed. */
  deleteScimGroup(tenant: string, id: string): Promise<boolean>;
  /** The member user ids of a group, in the order they were added. */
  listScimGroupMembers(tenant: string, groupId: string): Promise<string[]>;
  /** Adds (ignoring present ones) and removes members; unknown user ids of the tenant are ignored. */
  changeScimGroupMembers(tenant: string, groupId: string, add: string[], remove: string[]): Promise<void>;
  /** The groups a user is a member of. */
  listScimGroupsOfUser(tenant: string, userId: string): Promise<ScimGroupRecord[]>;
}
