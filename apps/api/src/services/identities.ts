// The one place a verified identity becomes a stored user, for every sign-in method: core decides (create,
// link, update), this stores the decision.
import {
  assertTrialAllows,
  DeskgateError,
  type IdentityDecision,
  type ResolveOptions,
  resolveIdentity,
  type Store,
  StoreConflictError,
  type TenantConfig,
  type VerifiedProfile,
} from '@deskgate/core';
import { recordAudit } from './audit.ts';
import { GrantService } from './grants.ts';

export interface ResolveRequest {
  /** Find the user by the profile's email too (platform JWT: id or email identifies, F7). @default false */
  linkByEmail?: boolean;
  /** @default true */
  allowCreate?: boolean;
  /**
   * Whether a new user would be created automatically (SSO, platform JWT, API key), so trial mode applies.
   * An approved access request is a manager's decision. @default true
   */
  automatic?: boolean;
}

/** A stored decision, with the identity it was made for (the session started from it shows it, F10). */
export type Resolved = IdentityDecision & { identity: { issuer: string; subject: string } };

/** What happens when trial mode turns a sign-in away: the access request for the managers (app.ts). */
export type TrialRefused = (tenant: TenantConfig, email: string, now: number) => Promise<void>;

export class IdentityService {
  readonly #store: Store;
  readonly #grants: GrantService;
  readonly #trialRefused: TrialRefused | undefined;

  constructor(store: Store, options: { trialRefused?: TrialRefused } = {}) {
    this.#store = store;
    this.#grants = new GrantService(store);
    this.#trialRefused = options.trialRefused;
  }

  /**
   * Resolves and stores. A concurrent first sign-in of the same identity (two tabs, two instances) loses the
   * race on the identity's key: it then resolves again and finds the user the other one created.
   */
  async resolve(
    tenant: TenantConfig,
    profile: VerifiedProfile,
    now: number,
    request: ResolveRequest = {},
  ): Promise<Resolved> {
    const identity = { issuer: profile.issuer, subject: profile.subject };
    try {
      return { ...(await this.#resolveOnce(tenant, profile, now, request)), identity };
    } catch (error) {
      if (!(error instanceof StoreConflictError)) throw error;
      return { ...(await this.#resolveOnce(tenant, profile, now, request)), identity };
    }
  }

  /** What resolve() would do, storing nothing (`jwt check`). */
  async preview(
    tenant: TenantConfig,
    profile: VerifiedProfile,
    now: number,
    request: ResolveRequest = {},
  ): Promise<IdentityDecision> {
    const store = this.#store;
    const existing = await store.findUserByIdentity(tenant.code, profile.issuer, profile.subject);
    const options: ResolveOptions = { allowCreate: request.allowCreate ?? true };
    if (request.linkByEmail && profile.email)
      options.byEmail = await store.findUsersByEmail(tenant.code, profile.email);
    return resolveIdentity(tenant.code, existing, profile, now, () => crypto.randomUUID(), options);
  }

  async #resolveOnce(
    tenant: TenantConfig,
    profile: VerifiedProfile,
    now: number,
    request: ResolveRequest,
  ): Promise<IdentityDecision> {
    const store = this.#store;
    const decision = await this.preview(tenant, profile, now, request);
    // A disabled user (`user disable`) signs in by no method; nothing of the profile is stored either.
    // SessionService.start refuses them too, for the paths that do not come through here.
    if (decision.user.disabledAt !== null)
      throw new DeskgateError('user_disabled', 'This user is disabled; ask an administrator');
    if (decision.action === 'create' && request.automatic !== false) await this.#trial(tenant, profile, now);
    const identity = {
      tenant: tenant.code,
      issuer: profile.issuer,
      subject: profile.subject,
      userId: decision.user.id,
      createdAt: now,
    };
    if (decision.action === 'create') await store.createUserWithIdentity(decision.user, identity);
    else if (decision.action === 'link') {
      await store.createIdentity(identity);
      await store.updateUser(decision.user);
    } else if (decision.action === 'update') await store.updateUser(decision.user);
    if (decision.action === 'update' && profile.roles !== null)
      await this.#rolesSynced(tenant, decision, now);
    // A new identity takes the grants waiting for it (F10), while roles come from grants.
    if ((decision.action === 'create' || decision.action === 'link') && profile.roles === null)
      return { ...decision, user: await this.#grants.applyPending(tenant, profile, decision.user, now) };
    return decision;
  }

  /** Trial mode (D1): a new user only for an invited email, while a seat is free; else the managers are asked. */
  async #trial(tenant: TenantConfig, profile: VerifiedProfile, now: number): Promise<void> {
    if (!tenant.trial.enabled) return;
    const users = await this.#store.listUsers(tenant.code);
    const approved = await this.#store.listAccessRequests(tenant.code, 'approved');
    try {
      assertTrialAllows(tenant.trial, {
        email: profile.email,
        activeUsers: users.filter((user) => user.disabledAt === null).length,
        approvedEmails: approved.map((request) => request.email),
      });
    } catch (error) {
      // Only an email the source vouches for is mailed (an API-key sign-in's is merely claimed).
      if (profile.email && profile.confirmed) await this.#trialRefused?.(tenant, profile.email, now);
      throw error;
    }
  }

  /** Role-based IAM changed a known user's roles: audited, so a manager can see who lost or gained what. */
  async #rolesSynced(tenant: TenantConfig, decision: IdentityDecision, now: number): Promise<void> {
    if (decision.action !== 'update') return;
    const from = decision.previousRoles.join(' ');
    const to = decision.user.roles.join(' ');
    if (from === to) return;
    await recordAudit(
      this.#store,
      tenant.code,
      {
        type: 'roles_synced',
        actor: { kind: 'system', id: null },
        method: null,
        outcome: 'ok',
        code: null,
        subject: decision.user.id,
        details: { from, to },
      },
      now,
    );
  }
}
