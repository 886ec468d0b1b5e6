// What the admin console's API routes share (routes/admin*.ts): the CSRF rule for writes, the route
// documentation, the audit record with the signed-in user as actor, and the error lists.
import { type AuditEventInput, DeskgateError, type TenantConfig } from '@deskgate/core';
import type { Context } from 'hono';
import { describeRoute } from 'hono-openapi';
import type { AppEnv, Deps } from '../deps.ts';
import { originGuard } from '../http/csrf.ts';
import { isSameOriginRequest } from '../http/navigation.ts';
import { errorResponses } from '../schemas/common.ts';
import { recordAudit } from '../services/audit.ts';

/**
 * A write of the console: from a page of this site (Origin, or Fetch Metadata under no-referrer) and JSON, which
 * a cross-site form cannot send and a cross-site fetch cannot send without a preflight nobody answers.
 */
export function requireConsoleWrite(origin: string) {
  return originGuard('console', async function requireConsoleWrite(c, next) {
    if (!isSameOriginRequest(c, origin))
      throw new DeskgateError('origin_not_allowed', 'Use the admin console of this site');
    const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json')
      throw new DeskgateError('csrf_header_required', 'The admin console sends JSON');
    await next();
  });
}

export const WRITE_ERRORS = [
  'tenant_not_found',
  'origin_not_allowed',
  'csrf_header_required',
  'validation_failed',
  'body_too_large',
  'session_missing',
  'session_invalid',
  'session_expired',
  'session_revoked',
  'permission_denied',
  'rate_limited',
] as const;
export const READ_ERRORS = WRITE_ERRORS.filter(
  (code) => code !== 'csrf_header_required' && code !== 'body_too_large',
);

export const consoleDoc = (operationId: string, summary: string, codes: readonly string[] = READ_ERRORS) =>
  describeRoute({
    operationId,
    tags: ['admin console'],
    summary,
    security: [{ accessCookie: [] }],
    responses: {
      200: { description: 'JSON' },
      ...errorResponses(codes as Parameters<typeof errorResponses>[0], { status: { user_disabled: 401 } }),
    },
  });

/** Who did it: the signed-in user, or a staff member by their email (staff SSO). */
export function consoleActor(c: Context<AppEnv>): AuditEventInput['actor'] {
  const principal = c.get('principal')!;
  return principal.staff
    ? { kind: 'staff', id: principal.staff.email }
    : { kind: 'user', id: principal.user.id };
}

/** Records what the signed-in user did. */
export function consoleAudit(
  deps: Deps,
  c: Context<AppEnv>,
  event: Omit<AuditEventInput, 'actor' | 'method' | 'outcome' | 'code'>,
) {
  return recordAudit(
    deps.store,
    c.get('tenant').code,
    { ...event, actor: consoleActor(c), method: null, outcome: 'ok', code: null },
    deps.now(),
  );
}

/** The providers whose sign-ins set the roles (role-based IAM): while there is one, roles are not granted here. */
export function rolesManagedBy(tenant: TenantConfig): string[] {
  return tenant.oidc.filter((p) => p.roleIam).map((p) => p.id);
}

export const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
