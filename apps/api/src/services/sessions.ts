// Sessions: start one for a user, read it from the access cookie, rotate the refresh token, end it.
import {
  type AccessClaims,
  accessCookie,
  type CookieDescriptor,
  clearedSessionCookies,
  createRefreshToken,
  type DerivedKeys,
  DeskgateError,
  decideRefresh,
  grantingMethod,
  isRefreshTokenFormat,
  randomToken,
  refreshCookie,
  type SessionRecord,
  type Store,
  StoreUnavailableError,
  sessionGrants,
  sessionInfo,
  sha256,
  signAccessToken,
  successorRefreshToken,
  type TenantConfig,
  type UserRecord,
  verifyAccessToken,
} from '@deskgate/core';
import type { SessionInfo } from '@deskgate/protocol';
import type { AuditService } from './audit.ts';
import type { KeyRing } from './keyring.ts';
import type { Metrics } from './metrics.ts';

export interface Issued {
  session: SessionInfo;
  cookies: CookieDescriptor[];
}

/**
 * A tenant that requires signed user info takes only sessions a platform JWT started: one from another method
 * (begun before the setting was turned on) is not read or refreshed.
 */
function requirePlatformSession(tenant: TenantConfig, session: SessionRecord): void {
  if (tenant.platformJwt.requireSignedUserInfo && grantingMethod(session) !== 'jwt')
    throw new DeskgateError(
      'signed_user_info_required',
      'This tenant takes only sessions started with a platform-signed token (signedUserInfo)',
    );
}

/**
 * A disabled user's session (`user disable`) is refused at its next refresh or read and ended for good, with
 * user_disabled and 401 so the SDK treats it as signed out. An access token already handed out stays valid
 * for other backends until it expires (accessTtlSeconds): that is the latest the user is out everywhere.
 */
function disabledSession(): DeskgateError {
  return new DeskgateError('user_disabled', 'The user was disabled; the session was ended', { status: 401 });
}

export class SessionService {
  readonly #store: Store;
  readonly #keys: DerivedKeys;
  readonly #keyring: KeyRing;
  readonly #issuer: string;
  readonly #audit: AuditService | undefined;
  readonly #metrics: Metrics | undefined;

  constructor(deps: {
    store: Store;
    keys: DerivedKeys;
    keyring: KeyRing;
    issuer: string;
    audit?: AuditService;
    metrics?: Metrics;
  }) {
    this.#store = deps.store;
    this.#metrics = deps.metrics;
    this.#audit = deps.audit;
    this.#keys = deps.keys;
    this.#keyring = deps.keyring;
    this.#issuer = deps.issuer;
  }

  /**
   * Starts a session for `user`: a session row, its first refresh token and both cookies. An exchange
   * session (an outbound link) names the method it came from (`via`) and ends no later than its source.
   * `identity` is what the user signed in as (issuer, subject): the session shows it (F10).
   */
  async start(
    tenant: TenantConfig,
    user: UserRecord,
    method: string,
    now: number,
    exchanged?: { via: string; notAfter: number } | null,
    identity?: { issuer: string; subject: string } | null,
  ): Promise<Issued> {
    // Every sign-in method comes here (IdentityService.resolve refuses disabled users earlier for most).
    if (user.disabledAt !== null)
      throw new DeskgateError('user_disabled', 'This user is disabled; ask an administrator');
    const session: SessionRecord = {
      id: randomToken(16),
      tenant: tenant.code,
      userId: user.id,
      method,
      createdAt: now,
      expiresAt: Math.min(now + tenant.sessions.sessionTtlSeconds * 1000, exchanged?.notAfter ?? Infinity),
      revokedAt: null,
      revokeReason: null,
      via: exchanged?.via ?? null,
      identityIssuer: identity?.issuer ?? null,
      identitySubject: identity?.subject ?? null,
    };
    const refresh = createRefreshToken();
    // Every sign-in method starts its session here: the one place a successful sign-in is audited, in the
    // session's own transaction (one commit instead of two, and no session without its event).
    const details: Record<string, string> = { session: session.id, ...(exchanged && { via: exchanged.via }) };
    const audit = this.#audit?.signIn(tenant.code, user.id, method, details, now);
    await this.#store.createSession(
      session,
      {
        digest: await sha256(refresh),
        sessionId: session.id,
        createdAt: now,
        expiresAt: session.expiresAt,
        usedAt: null,
      },
      audit,
    );
    this.#audit?.signedIn(method);
    return this.#issue(tenant, user, session, refresh, now);
  }

  async #issue(
    tenant: TenantConfig,
    stored: UserRecord,
    session: SessionRecord,
    refresh: string,
    now: number,
  ) {
    // What this session's method may claim (an API-key session: agent, unconfirmed), at start and at refresh.
    const user = { ...stored, ...sessionGrants(grantingMethod(session), stored) };
    const { token, expiresAt } = await signAccessToken({
      issuer: this.#issuer,
      user,
      session,
      now,
      ttlSeconds: tenant.sessions.accessTtlSeconds,
      key: await this.#keyring.signingKey(now),
    });
    const seconds = (until: number) => Math.max(0, Math.ceil((until - now) / 1000));
    return {
      session: sessionInfo(
        {
          sub: user.id,
          sid: session.id,
          tenant: tenant.code,
          email: user.email,
          name: user.name,
          roles: user.roles,
          confirmed: user.confirmed,
          exp: expiresAt / 1000,
          ...(session.identityIssuer &&
            session.identitySubject && {
              idp: { iss: session.identityIssuer, sub: session.identitySubject },
            }),
        },
        session.expiresAt,
      ),
      cookies: [
        // The cookie lives as long as the session while the JWT inside expires after accessTtlSeconds: an
        // expired but authentic token still tells logout which session to revoke, and the SDK which to refresh.
        accessCookie(tenant.code, token, seconds(session.expiresAt)),
        refreshCookie(tenant.code, refresh, seconds(session.expiresAt)),
      ],
    };
  }

  /** Verifies the access cookie and that its session is still live in the store. */
  async read(tenant: TenantConfig, token: string | undefined, now: number): Promise<SessionInfo> {
    return (await this.readRecord(tenant, token, now)).info;
  }

  /** As read(), with the session's stored record. */
  async readRecord(
    tenant: TenantConfig,
    token: string | undefined,
    now: number,
  ): Promise<{ info: SessionInfo; session: SessionRecord; user: UserRecord }> {
    if (!token) throw new DeskgateError('session_missing', 'No session cookie was sent');
    const claims: AccessClaims = await verifyAccessToken(token, {
      issuer: this.#issuer,
      tenant: tenant.code,
      now,
      getKey: (kid) => this.#keyring.verificationKey(kid, now),
    });
    const session = await this.#store.getSession(claims.sid);
    if (!session || session.tenant !== tenant.code)
      throw new DeskgateError('session_invalid', 'Unknown session');
    if (session.revokedAt !== null)
      throw session.revokeReason === 'user_disabled'
        ? disabledSession()
        : new DeskgateError('session_revoked', 'The session was ended');
    requirePlatformSession(tenant, session);
    // One primary-key read more than the session row: a disabled user's session ends now, not at refresh.
    const user = await this.#store.getUser(tenant.code, session.userId);
    if (!user) throw new DeskgateError('session_invalid', 'Unknown session');
    if (user.disabledAt !== null) {
      await this.#store.revokeSession(session.id, 'user_disabled', now);
      throw disabledSession();
    }
    return { info: sessionInfo(claims, session.expiresAt), session, user };
  }

  /**
   * Rotates the refresh token. A replay within the grace window gets the same successor (parallel tabs);
   * a later replay means the token leaked, so the whole session is revoked.
   */
  async refresh(tenant: TenantConfig, token: string | undefined, now: number): Promise<Issued> {
    try {
      const { issued, outcome } = await this.#refresh(tenant, token, now);
      this.#metrics?.refresh(outcome);
      return issued;
    } catch (error) {
      this.#metrics?.refresh(
        error instanceof DeskgateError
          ? error.code
          : error instanceof StoreUnavailableError
            ? 'store_unavailable'
            : 'internal_error',
      );
      throw error;
    }
  }

  async #refresh(
    tenant: TenantConfig,
    token: string | undefined,
    now: number,
  ): Promise<{ issued: Issued; outcome: 'rotated' | 'grace' }> {
    if (!token) throw new DeskgateError('refresh_missing', 'No refresh cookie was sent');
    if (!isRefreshTokenFormat(token))
      throw new DeskgateError('refresh_invalid', 'The refresh cookie is not valid');
    const digest = await sha256(token);
    const record = await this.#store.getRefreshToken(digest);
    const session = record && (await this.#store.getSession(record.sessionId));
    if (session && session.tenant === tenant.code) requirePlatformSession(tenant, session);
    let decision = decideRefresh(tenant.code, record, session, now);
    const successor = await successorRefreshToken(this.#keys.refreshSuccessor, token);
    const next = session && {
      digest: await sha256(successor),
      sessionId: session.id,
      createdAt: now,
      expiresAt: session.expiresAt,
      usedAt: null,
    };
    if (decision.outcome === 'rotate' && next) {
      const result = await this.#store.rotateRefreshToken(digest, next, now);
      if (result === 'already_used') {
        // Lost a race with a parallel refresh: judge the replay by when the winner used the token.
        decision = decideRefresh(tenant.code, await this.#store.getRefreshToken(digest), session, now);
      }
    }
    if (decision.outcome === 'grace' && next) await this.#store.ensureRefreshToken(next);
    if (decision.outcome === 'reuse' && session) {
      await this.#store.revokeSession(session.id, 'refresh_reused', now);
      throw new DeskgateError(
        'refresh_reused',
        'This refresh token was already used; the session has been ended',
      );
    }
    if (decision.outcome === 'reject') {
      if (decision.code === 'session_revoked' && session?.revokeReason === 'user_disabled')
        throw disabledSession();
      const messages = {
        refresh_invalid: 'The refresh cookie is not valid',
        refresh_expired: 'The session has expired; sign in again',
        session_revoked: 'The session was ended; sign in again',
      } as const;
      throw new DeskgateError(decision.code, messages[decision.code]);
    }
    const user = session && (await this.#store.getUser(tenant.code, session.userId));
    if (!session || !user) throw new DeskgateError('refresh_invalid', 'The refresh cookie is not valid');
    if (user.disabledAt !== null) {
      await this.#store.revokeSession(session.id, 'user_disabled', now);
      throw disabledSession();
    }
    return {
      issued: await this.#issue(tenant, user, session, successor, now),
      outcome: decision.outcome === 'grace' ? 'grace' : 'rotated',
    };
  }

  /**
   * Ends the session named by either cookie, and says whether it found one to end (an already ended
   * session counts: logging out twice is fine). Clearing cookies happens whatever was sent.
   */
  async logout(
    tenant: TenantConfig,
    cookies: { access?: string; refresh?: string },
    now: number,
  ): Promise<boolean> {
    let sessionId: string | undefined;
    if (cookies.refresh && isRefreshTokenFormat(cookies.refresh)) {
      sessionId = (await this.#store.getRefreshToken(await sha256(cookies.refresh)))?.sessionId;
    }
    if (!sessionId && cookies.access) {
      sessionId = await this.#sessionIdFromAccess(tenant, cookies.access, now);
    }
    const session = sessionId ? await this.#store.getSession(sessionId) : undefined;
    if (!session || session.tenant !== tenant.code) return false;
    await this.#store.revokeSession(session.id, 'logout', now);
    return true;
  }

  /**
   * The live session (not ended, not expired) the access cookie names, or undefined. An expired access token
   * still names it: the landing page of an outbound link asks who is signed in without refreshing.
   */
  async current(
    tenant: TenantConfig,
    access: string | undefined,
    now: number,
  ): Promise<SessionRecord | undefined> {
    const id = access ? await this.#sessionIdFromAccess(tenant, access, now) : undefined;
    const session = id ? await this.#store.getSession(id) : undefined;
    if (!session || session.tenant !== tenant.code || session.revokedAt !== null || session.expiresAt <= now)
      return undefined;
    return session;
  }

  async #sessionIdFromAccess(tenant: TenantConfig, token: string, now: number): Promise<string | undefined> {
    try {
      const claims = await verifyAccessToken(token, {
        issuer: this.#issuer,
        tenant: tenant.code,
        now,
        getKey: (kid) => this.#keyring.verificationKey(kid, now),
        acceptExpired: true,
      });
      return claims.sid;
    } catch {
      return undefined;
    }
  }

  cleared(tenant: TenantConfig): CookieDescriptor[] {
    return clearedSessionCookies(tenant.code);
  }
}
