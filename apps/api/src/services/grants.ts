// Roles granted by hand (F10, docs/roles.md "Grants"): to a user by id, email or provider subject. A grant for
// someone who has not signed in yet waits (pending_grants) and is taken at that identity's first sign-in,
// which is how the first manager is set before anybody signed in. Every change is audited.
import {
  type AuditEventInput,
  DeskgateError,
  normalizeEmail,
  type PendingGrantRecord,
  type Store,
  type TenantConfig,
  type UserRecord,
  withoutRole,
  withRole,
} from '@deskgate/core';
import { recordAudit } from './audit.ts';

/** Whom a grant names. */
export type GrantTarget =
  | { kind: 'user'; id: string }
  | { kind: 'email'; email: string }
  | { kind: 'subject'; issuer: string; subject: string };

export type GrantOutcome =
  /** The user exists: their roles changed (or already were so: `changed` false). */
  | { applied: 'user'; user: UserRecord; changed: boolean }
  /** Nobody signed in as that identity yet: the grant waits (or its removal deleted a waiting one). */
  | { applied: 'pending'; changed: boolean };

export type GrantActor = AuditEventInput['actor'];

export class GrantService {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  /** The user a target names now, if any; identity_conflict when an email names several. */
  async find(tenant: TenantConfig, target: GrantTarget): Promise<UserRecord | undefined> {
    if (target.kind === 'user') {
      const user = await this.#store.getUser(tenant.code, target.id);
      if (!user) throw new DeskgateError('not_found', `Tenant ${tenant.code} has no user ${target.id}`);
      return user;
    }
    if (target.kind === 'subject')
      return this.#store.findUserByIdentity(tenant.code, target.issuer, target.subject);
    const users = await this.#store.findUsersByEmail(tenant.code, target.email);
    if (users.length > 1)
      throw new DeskgateError(
        'identity_conflict',
        `Tenant ${tenant.code} has ${users.length} users with this email; name one by id: ${users.map((u) => u.id).join(', ')}`,
      );
    return users[0];
  }

  /** Grants (`revoke` false) or revokes `role`: on the user at once, else as a waiting grant. Audited when it changed. */
  async change(
    tenant: TenantConfig,
    target: GrantTarget,
    role: string,
    revoke: boolean,
    actor: GrantActor,
    now: number,
  ): Promise<GrantOutcome> {
    const normalized = normalizeTarget(target);
    const user = await this.find(tenant, normalized);
    const type = revoke ? 'role_revoked' : 'role_granted';
    if (user) {
      const roles = revoke ? withoutRole(user.roles, role) : withRole(user.roles, role);
      const changed = roles.join(' ') !== user.roles.join(' ');
      if (changed) {
        await this.#store.updateUser({ ...user, roles, updatedAt: now });
        await this.#audit(tenant, type, actor, user.id, { role, roles: roles.join(' ') }, now);
      }
      return { applied: 'user', user: { ...user, roles }, changed };
    }
    if (normalized.kind === 'user') throw new Error('unreachable: find() throws for an unknown user id');
    withRole([], role); // refuses an unknown role before anything is stored
    const grant = pendingGrant(tenant.code, normalized, role, now);
    const changed = revoke
      ? await this.#store.removePendingGrant(grant)
      : await this.#store.addPendingGrant(grant);
    if (changed) await this.#audit(tenant, type, actor, null, { role, ...describe(normalized) }, now);
    return { applied: 'pending', changed };
  }

  /**
   * At a new identity's first sign-in (IdentityService): takes the grants waiting for its subject, and for
   * its email when the source vouches for the email (an API-key sign-in's email is only claimed), and returns
   * the user with them added. Only while roles come from grants (role-based IAM off), else they keep waiting.
   */
  async applyPending(
    tenant: TenantConfig,
    identity: { issuer: string; subject: string; email: string | null; confirmed: boolean },
    user: UserRecord,
    now: number,
  ): Promise<UserRecord> {
    const taken = await this.#store.takePendingGrants(tenant.code, {
      issuer: identity.issuer,
      subject: identity.subject,
      email: identity.confirmed ? identity.email : null,
    });
    if (!taken.length) return user;
    const roles = taken.reduce((acc, grant) => withRole(acc, grant.role), user.roles);
    const next = { ...user, roles, updatedAt: now };
    await this.#store.updateUser(next);
    await this.#audit(
      tenant,
      'grant_applied',
      { kind: 'system', id: null },
      user.id,
      { roles: roles.join(' '), grants: String(taken.length) },
      now,
    );
    return next;
  }

  list(tenant: TenantConfig): Promise<PendingGrantRecord[]> {
    return this.#store.listPendingGrants(tenant.code);
  }

  #audit(
    tenant: TenantConfig,
    type: AuditEventInput['type'],
    actor: GrantActor,
    subject: string | null,
    details: Record<string, string>,
    now: number,
  ) {
    return recordAudit(
      this.#store,
      tenant.code,
      { type, actor, method: null, outcome: 'ok', code: null, subject, details },
      now,
    );
  }
}

function normalizeTarget(target: GrantTarget): GrantTarget {
  if (target.kind !== 'email') return target;
  const email = normalizeEmail(target.email);
  if (!email) throw new DeskgateError('email_invalid', 'That is not an email address');
  return { kind: 'email', email };
}

function pendingGrant(
  tenant: string,
  target: Exclude<GrantTarget, { kind: 'user' }>,
  role: string,
  now: number,
): PendingGrantRecord {
  return target.kind === 'email'
    ? { tenant, kind: 'email', issuer: '', value: target.email, role, createdAt: now }
    : { tenant, kind: 'subject', issuer: target.issuer, value: target.subject, role, createdAt: now };
}

/**
 * What kind of identity a waiting grant names, for the audit log: not the subject (an IdP's may be a long
 * opaque string the secret guard refuses) nor the email (logs and audit carry ids).
 */
function describe(target: Exclude<GrantTarget, { kind: 'user' }>): Record<string, string> {
  return target.kind === 'email' ? { pending: 'email' } : { pending: 'subject', issuer: target.issuer };
}
