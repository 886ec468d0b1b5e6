// Platform-JWT sign-in, once for every entry point (POST /session/jwt, remote login, `jwt check`): verify with
// the tenant's keys (core), burn a one-time token's jti (store), resolve the user (IdentityService).
import {
  type CheckStep,
  DeskgateError,
  type IdentityDecision,
  type JwtProfileName,
  MAX_TOKEN_BYTES,
  rolesFromGroups,
  type Store,
  type TenantConfig,
  type UserRecord,
  type VerifiedPlatformJwt,
  type VerifiedProfile,
  verifyPlatformJwt,
} from '@deskgate/core';
import { DEFAULT_ROLE } from '@deskgate/protocol';
import type { IdentityService } from './identities.ts';
import type { JwtKeyService } from './jwt-keys.ts';
import type { Issued, SessionService } from './sessions.ts';

/** The identity issuer of platform users: one namespace of platform user ids per tenant and profile (D3). */
export const platformIssuer = (profile: JwtProfileName) => `platform:${profile}`;
/** Platform tokens that carry an email but no user id are keyed by the email. */
export const PLATFORM_EMAIL_ISSUER = 'platform:email';

export interface PlatformSignIn {
  user: UserRecord;
  action: IdentityDecision['action'];
  kid: string | null;
  profile: JwtProfileName;
  /** The identity the token named (the session shows it). */
  identity: { issuer: string; subject: string };
  issued: Issued;
}

export class PlatformJwtService {
  readonly #store: Store;
  readonly #keys: JwtKeyService;
  readonly #identities: IdentityService;
  readonly #sessions: SessionService;

  constructor(deps: {
    store: Store;
    keys: JwtKeyService;
    identities: IdentityService;
    sessions: SessionService;
  }) {
    this.#store = deps.store;
    this.#keys = deps.keys;
    this.#identities = deps.identities;
    this.#sessions = deps.sessions;
  }

  /** Every check of the endpoint, without side effects (no jti burnt): `jwt check` reports each step. */
  async verify(
    tenant: TenantConfig,
    token: string,
    defaultProfile: JwtProfileName,
    now: number,
    onStep?: (step: CheckStep) => void,
  ): Promise<VerifiedPlatformJwt> {
    const bytes = new TextEncoder().encode(token).length;
    if (bytes > MAX_TOKEN_BYTES) {
      onStep?.({ check: 'size', passed: false, detail: `${bytes} bytes, more than ${MAX_TOKEN_BYTES}` });
      throw new DeskgateError('body_too_large', `The token is larger than ${MAX_TOKEN_BYTES} bytes`);
    }
    return verifyPlatformJwt(token, {
      tenant: tenant.code,
      defaultProfile,
      config: tenant.platformJwt,
      keys: await this.#keys.verificationKeys(tenant.code, tenant.platformJwt, token),
      now,
      onStep,
    });
  }

  /** The profile deskgate stores for the token's user. */
  profileOf(tenant: TenantConfig, verified: VerifiedPlatformJwt): VerifiedProfile {
    const { id, email, name, groups } = verified.identity;
    const mapping = tenant.platformJwt.groupRoles;
    return {
      issuer: id ? platformIssuer(verified.profile) : PLATFORM_EMAIL_ISSUER,
      subject: id ?? email!,
      email,
      name,
      // Without a group mapping the token says nothing about roles: a known user keeps theirs.
      roles: Object.keys(mapping).length ? rolesFromGroups(groups, mapping, [DEFAULT_ROLE]) : null,
      confirmed: true,
    };
  }

  /** Whom a verified token would sign in, storing nothing (`jwt check`). */
  preview(tenant: TenantConfig, verified: VerifiedPlatformJwt, now: number): Promise<IdentityDecision> {
    return this.#identities.preview(tenant, this.profileOf(tenant, verified), now, {
      linkByEmail: true,
      allowCreate: tenant.platformJwt.allowUserCreation,
    });
  }

  /**
   * Verifies, burns a one-time token's jti and resolves (stores) the user: everything but the session, which
   * the caller starts (POST /session/jwt) or hands to a sign-in attempt (remote login). `only` refuses tokens
   * of the other profile (remote login takes one-time tokens only).
   */
  async authenticate(
    tenant: TenantConfig,
    token: string,
    defaultProfile: JwtProfileName,
    now: number,
    only?: JwtProfileName,
  ): Promise<Omit<PlatformSignIn, 'issued'>> {
    const verified = await this.verify(tenant, token, defaultProfile, now);
    if (only && verified.profile !== only)
      throw new DeskgateError(
        'jwt_key_unknown',
        `This endpoint takes ${only} tokens; the key is for ${verified.profile} tokens`,
      );
    if (
      verified.jti !== null &&
      !(await this.#store.useTokenId(tenant.code, `jwt:${verified.jti}`, verified.expiresAt, now))
    )
      throw new DeskgateError('jwt_replayed', 'This one-time token was used already');
    const decision = await this.#identities.resolve(tenant, this.profileOf(tenant, verified), now, {
      linkByEmail: true,
      allowCreate: tenant.platformJwt.allowUserCreation,
    });
    return {
      user: decision.user,
      action: decision.action,
      kid: verified.kid,
      profile: verified.profile,
      identity: decision.identity,
    };
  }

  /** authenticate(), then a session (method `jwt`). */
  async signIn(
    tenant: TenantConfig,
    token: string,
    defaultProfile: JwtProfileName,
    now: number,
  ): Promise<PlatformSignIn> {
    const signedIn = await this.authenticate(tenant, token, defaultProfile, now);
    return {
      ...signedIn,
      issued: await this.#sessions.start(tenant, signedIn.user, 'jwt', now, null, signedIn.identity),
    };
  }
}
