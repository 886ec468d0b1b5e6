// The one permission check (F9) every protected route declares: the session from the access cookie, the roles
// its method grants the stored user (a role taken away counts at once; an API-key session is agent only), then
// `can(roles, area, action)` from core. The declaration rides on the middleware (PERMISSION), so a test can
// list every protected route from the app's route table and try each role against it.
import {
  can,
  DeskgateError,
  grantingMethod,
  type PermissionAction,
  type PermissionArea,
  type SessionRecord,
  sessionGrants,
  staffCan,
  type TenantConfig,
  type UserRecord,
} from '@deskgate/core';
import type { SessionInfo } from '@deskgate/protocol';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../deps.ts';
import type { SessionService } from '../services/sessions.ts';
import { STAFF_COOKIE, type StaffService, type StaffSession } from '../services/staff.ts';
import { readCookie, readSessionCookies } from './cookies.ts';

export const PERMISSION = Symbol('deskgate.permission');

/** The signed-in user of a protected route, as their session's method grants them. */
export interface Principal {
  info: SessionInfo;
  session: SessionRecord;
  /** The stored user with the roles and confirmation this session may claim. */
  user: UserRecord;
  /**
   * A staff member of the vendor (staff SSO, docs/staff-sso.md), not a user of the tenant: `user` then stands
   * for them (id `staff:<subject>`, no roles) and the staff permissions decide.
   */
  staff?: StaffSession;
}

export interface PermissionOptions {
  /** The answer without a live session (a page, a redirect); default: the session error (401). */
  unauthenticated?: (c: Context<AppEnv>, error: DeskgateError) => Response | Promise<Response>;
  /** The answer to a signed-in user without the permission; default: 403 permission_denied. */
  forbidden?: (
    c: Context<AppEnv>,
    error: DeskgateError,
    principal: Principal,
  ) => Response | Promise<Response>;
  /** Besides the roles: who else may (the approver emails of a tenant with no manager yet, D2). */
  alsoAllowed?: (tenant: TenantConfig, user: UserRecord) => Promise<boolean>;
  /** The admin console's routes: a staff session (staff SSO) is let in, with the staff permissions. */
  staff?: StaffService;
}

export type PermissionMiddleware = MiddlewareHandler<AppEnv> & {
  [PERMISSION]: { area: PermissionArea; action: string };
};

export function requirePermission<A extends PermissionArea>(
  sessions: SessionService,
  now: () => number,
  area: A,
  action: PermissionAction<A>,
  options: PermissionOptions = {},
): PermissionMiddleware {
  const check = principal(sessions, now, { area, action: action as string }, options);
  return Object.assign(check, { [PERMISSION]: { area, action: action as string } });
}

/**
 * Any signed-in user of the tenant, whatever their roles (the "about me" page): the same session reading as
 * requirePermission, with no permission to check, so the matrix leaves it out.
 */
export function requireSignedIn(
  sessions: SessionService,
  now: () => number,
  options: Pick<PermissionOptions, 'unauthenticated' | 'staff'> = {},
): MiddlewareHandler<AppEnv> {
  return principal(sessions, now, null, options);
}

function principal(
  sessions: SessionService,
  now: () => number,
  permission: { area: PermissionArea; action: string } | null,
  options: PermissionOptions,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const tenant = c.get('tenant');
    let signedIn: Principal;
    try {
      const read = await sessions.readRecord(tenant, readSessionCookies(c).access, now());
      signedIn = {
        ...read,
        user: { ...read.user, ...sessionGrants(grantingMethod(read.session), read.user) },
      };
    } catch (error) {
      if (!(error instanceof DeskgateError)) throw error;
      // No session of the tenant: a staff member's session opens the console routes that let staff in.
      const staff = await options.staff?.verify(readCookie(c, STAFF_COOKIE), now());
      if (staff) signedIn = staffPrincipal(tenant, staff, now());
      else if (!options.unauthenticated) throw error;
      else return options.unauthenticated(c, error);
    }
    if (permission) {
      const { area, action } = permission;
      const allowed = signedIn.staff
        ? staffCan(signedIn.staff.permissions, area, action as never)
        : can(signedIn.user.roles, area, action as never) ||
          ((await options.alsoAllowed?.(tenant, signedIn.user)) ?? false);
      if (!allowed) {
        const error = new DeskgateError(
          'permission_denied',
          `Your roles do not allow this (${area}: ${action}); ask a manager of ${tenant.displayName}`,
        );
        c.get('log').info(
          { tenant: tenant.code, userId: signedIn.user.id, area, action },
          'permission denied',
        );
        if (options.forbidden) return options.forbidden(c, error, signedIn);
        throw error;
      }
    }
    c.set('principal', signedIn);
    await next();
  };
}

/** A staff member as a console route sees them: no user of the tenant is made or looked up. */
function staffPrincipal(tenant: TenantConfig, staff: StaffSession, now: number): Principal {
  const id = `staff:${staff.subject}`;
  const identity = { issuer: 'staff', subject: staff.subject };
  return {
    staff,
    user: {
      id,
      tenant: tenant.code,
      email: staff.email,
      name: staff.name,
      roles: [],
      confirmed: true,
      createdAt: now,
      updatedAt: now,
      disabledAt: null,
    },
    session: {
      id: 'staff',
      tenant: tenant.code,
      userId: id,
      method: 'staff_sso',
      createdAt: now,
      expiresAt: staff.expiresAt,
      revokedAt: null,
      revokeReason: null,
      via: null,
      identityIssuer: identity.issuer,
      identitySubject: identity.subject,
    },
    info: {
      tenant: tenant.code,
      user: { id, email: staff.email, name: staff.name, roles: [], confirmed: true, identity },
      accessExpiresAt: new Date(staff.expiresAt).toISOString(),
      sessionExpiresAt: new Date(staff.expiresAt).toISOString(),
    },
  };
}
