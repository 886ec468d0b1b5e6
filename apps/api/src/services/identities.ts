// The one place a verified identity becomes a stored user, for every sign-in method: core decides (create,
// link, update), this stores the decision.
import {
  DeskgateError,
  type IdentityDecision,
  type ResolveOptions,
  resolveIdentity,
  type Store,
  StoreConflictError,
  type TenantConfig,
  type VerifiedProfile,
} from '@deskgate/core';

export interface ResolveRequest {
  /** Find the user by the profile's email too (platform JWT: id or email identifies, F7). @default false */
  linkByEmail?: boolean;
  /** @default true */
  allowCreate?: boolean;
}

export class IdentityService {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
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
  ): Promise<IdentityDecision> {
    try {
      return await this.#resolveOnce(tenant, profile, now, request);
    } catch (error) {
      if (!(error instanceof StoreConflictError)) throw error;
      return this.#resolveOnce(tenant, profile, now, request);
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
    return decision;
  }
}
