// /t/{tenant}/admin/api: the JSON API of the admin console (docs/admin-console.md), first-party on the API site
// and signed in with the access cookie of the tenant's own sign-in. Every route declares its permission on the
// one middleware (http/permission.ts), so the permission matrix covers it; every write is a same-origin JSON
// request (CSRF: a cross-site form or fetch cannot pass) and is audited with the signed-in user as actor.
import { type AuditEventInput, DeskgateError, permissionsOf, type TenantConfig } from '@deskgate/core';
import { ROLES } from '@deskgate/protocol';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { describeRoute } from 'hono-openapi';
import * as v from 'valibot';
import type { AppEnv } from '../deps.ts';
import { isSameOriginRequest } from '../http/navigation.ts';
import { requirePermission, requireSignedIn } from '../http/permission.ts';
import { loadTenant } from '../http/tenant.ts';
import { jsonBody, params, query } from '../http/validation.ts';
import { errorResponses, TenantPath } from '../schemas/common.ts';
import { recordAudit } from '../services/audit.ts';
import { GrantService } from '../services/grants.ts';
import type { Services } from './context.ts';

const UserPath = v.object({ ...TenantPath.entries, id: v.pipe(v.string(), v.maxLength(200)) });
const RequestPath = v.object({ ...TenantPath.entries, id: v.pipe(v.string(), v.maxLength(200)) });
const KeyPath = v.object({ ...TenantPath.entries, kid: v.pipe(v.string(), v.maxLength(64)) });
const UsersQuery = v.object({
  q: v.optional(v.pipe(v.string(), v.maxLength(200), v.description('Part of an id, email or name'))),
});
const RoleChange = v.object({
  action: v.picklist(['grant', 'revoke'], 'must be grant or revoke'),
  role: v.picklist(ROLES, `must be one of ${ROLES.join(', ')}`),
});
const Decision = v.object({ decision: v.picklist(['approve', 'reject'], 'must be approve or reject') });
const RequestsQuery = v.object({
  status: v.optional(v.picklist(['unconfirmed', 'pending', 'approved', 'rejected'])),
});
const AuditQuery = v.object({
  since: v.optional(v.pipe(v.string(), v.isoTimestamp('must be an ISO 8601 time'))),
  actor: v.optional(v.pipe(v.string(), v.maxLength(200))),
  type: v.optional(v.pipe(v.string(), v.maxLength(64))),
  limit: v.optional(v.pipe(v.string(), v.regex(/^\d{1,4}$/, 'must be a number'))),
});
const NewApiKey = v.object({
  expiresAt: v.optional(v.nullable(v.pipe(v.string(), v.isoTimestamp('must be an ISO 8601 time')))),
  allowedOrigins: v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(300))), v.maxLength(50))),
});

/**
 * A write of the console: from a page of this site (Origin, or Fetch Metadata under no-referrer) and JSON, which
 * a cross-site form cannot send and a cross-site fetch cannot send without a preflight nobody answers.
 */
function requireConsoleWrite(origin: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!isSameOriginRequest(c, origin))
      throw new DeskgateError('origin_not_allowed', 'Use the admin console of this site');
    const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json')
      throw new DeskgateError('csrf_header_required', 'The admin console sends JSON');
    await next();
  };
}

const WRITE_ERRORS = [
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
const READ_ERRORS = WRITE_ERRORS.filter(
  (code) => code !== 'csrf_header_required' && code !== 'body_too_large',
);

export function adminApiRoutes({ deps, tenants, sessions, accessRequests, apiKeys, limits }: Services) {
  const app = new Hono<AppEnv>();
  const origin = new URL(deps.publicUrl).origin;
  const grants = new GrantService(deps.store);
  const can = <A extends Parameters<typeof requirePermission>[2]>(
    area: A,
    action: Parameters<typeof requirePermission<A>>[3],
  ) => requirePermission(sessions, deps.now, area, action);
  const write = requireConsoleWrite(origin);
  const doc = (operationId: string, summary: string, codes: readonly string[] = READ_ERRORS) =>
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
  const actorOf = (c: Context<AppEnv>): AuditEventInput['actor'] => ({
    kind: 'user',
    id: c.get('principal')!.user.id,
  });
  const audit = (c: Context<AppEnv>, event: Omit<AuditEventInput, 'actor' | 'method' | 'outcome' | 'code'>) =>
    recordAudit(
      deps.store,
      c.get('tenant').code,
      { ...event, actor: actorOf(c), method: null, outcome: 'ok', code: null },
      deps.now(),
    );

  app.use('*', loadTenant(tenants), limits.requests('pages.ip', 'ip'));
  app.use('*', async (c, next) => {
    c.header('Cache-Control', 'no-store');
    await next();
  });

  app.get(
    '/me',
    doc('adminMe', 'Who is signed in to the console, and what their roles allow'),
    params(TenantPath),
    requireSignedIn(sessions, deps.now),
    (c) => {
      const { user, info } = c.get('principal')!;
      return c.json({
        tenant: { code: c.get('tenant').code, displayName: c.get('tenant').displayName },
        user: { id: user.id, email: user.email, name: user.name, roles: user.roles },
        identity: info.user.identity,
        permissions: permissionsOf(user.roles),
        staff: false,
      });
    },
  );

  app.get(
    '/users',
    doc(
      'adminListUsers',
      'The tenant’s users (search by part of an id, email or name), with their sign-in methods',
    ),
    params(TenantPath),
    can('users', 'read'),
    query(UsersQuery),
    async (c) => {
      const tenant = c.get('tenant');
      const q = c.req.valid('query').q?.trim().toLowerCase();
      const users = (await deps.store.listUsers(tenant.code)).filter(
        (u) => !q || [u.id, u.email ?? '', u.name ?? ''].some((field) => field.toLowerCase().includes(q)),
      );
      const shown = users.slice(0, 200);
      const identities = await Promise.all(shown.map((u) => deps.store.listIdentities(tenant.code, u.id)));
      return c.json({
        total: users.length,
        rolesManagedBy: rolesManagedBy(tenant),
        users: shown.map((u, i) => ({
          id: u.id,
          email: u.email,
          name: u.name,
          roles: u.roles,
          confirmed: u.confirmed,
          createdAt: new Date(u.createdAt).toISOString(),
          disabledAt: u.disabledAt === null ? null : new Date(u.disabledAt).toISOString(),
          identities: identities[i]!.map((id) => ({ issuer: id.issuer, subject: id.subject })),
        })),
      });
    },
  );

  app.post(
    '/users/:id/roles',
    doc('adminChangeRole', 'Grant or revoke a role (only while role-based IAM is off)', [
      ...WRITE_ERRORS,
      'not_found',
      'roles_managed_by_idp',
    ]),
    params(UserPath),
    write,
    can('users', 'write'),
    jsonBody(RoleChange),
    async (c) => {
      const tenant = c.get('tenant');
      const managedBy = rolesManagedBy(tenant);
      if (managedBy.length)
        throw new DeskgateError(
          'roles_managed_by_idp',
          `Roles come from the identity provider (role-based IAM is on for ${managedBy.join(', ')})`,
        );
      const { action, role } = c.req.valid('json');
      const outcome = await grants.change(
        tenant,
        { kind: 'user', id: c.req.valid('param').id },
        role,
        action === 'revoke',
        actorOf(c),
        deps.now(),
      );
      if (outcome.applied !== 'user') throw new Error('unreachable: a user id names a user or throws');
      return c.json({ id: outcome.user.id, roles: outcome.user.roles, changed: outcome.changed });
    },
  );

  for (const [verb, disable] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    app.post(
      `/users/:id/${verb}`,
      doc(
        disable ? 'adminDisableUser' : 'adminEnableUser',
        disable
          ? 'Disable a user: no sign-in by any method; their sessions end at their next request'
          : 'Let a disabled user sign in again',
        [...WRITE_ERRORS, 'not_found'],
      ),
      params(UserPath),
      write,
      can('users', 'write'),
      jsonBody(v.object({})),
      async (c) => {
        const tenant = c.get('tenant');
        const id = c.req.valid('param').id;
        if (!(await deps.store.getUser(tenant.code, id)))
          throw new DeskgateError('not_found', 'There is no such user');
        if (disable && id === c.get('principal')!.user.id)
          throw new DeskgateError('validation_failed', 'You cannot disable yourself');
        const changed = await deps.store.setUserDisabled(tenant.code, id, disable ? deps.now() : null);
        if (changed)
          await audit(c, { type: disable ? 'user_disabled' : 'user_enabled', subject: id, details: {} });
        return c.json({ id, disabled: disable, changed });
      },
    );
  }

  app.get(
    '/access-requests',
    doc('adminListAccessRequests', 'The tenant’s requests for access, newest first'),
    params(TenantPath),
    can('access_requests', 'read'),
    query(RequestsQuery),
    async (c) => {
      const list = await deps.store.listAccessRequests(c.get('tenant').code, c.req.valid('query').status);
      return c.json({
        requests: list.map((r) => ({
          id: r.id,
          email: r.email,
          status: r.status,
          createdAt: new Date(r.createdAt).toISOString(),
          expiresAt: new Date(r.expiresAt).toISOString(),
          decidedAt: r.decidedAt === null ? null : new Date(r.decidedAt).toISOString(),
          decidedBy: r.decidedBy,
        })),
      });
    },
  );

  app.post(
    '/access-requests/:id',
    doc('adminDecideAccessRequest', 'Approve or reject a pending request, once', [
      ...WRITE_ERRORS,
      'access_request_not_found',
      'access_request_decided',
      'access_request_expired',
      'identity_conflict',
    ]),
    params(RequestPath),
    write,
    can('access_requests', 'decide'),
    jsonBody(Decision),
    async (c) => {
      const tenant = c.get('tenant');
      const approver = await accessRequests.approver(tenant, c.get('principal')!);
      const decided = await accessRequests.decide(
        tenant,
        c.req.valid('param').id,
        c.req.valid('json').decision,
        approver.user,
        deps.now(),
      );
      return c.json({ id: decided.id, status: decided.status });
    },
  );

  app.get(
    '/audit',
    doc('adminAudit', 'The tenant’s audit log, newest first, with filters'),
    params(TenantPath),
    can('audit', 'read'),
    query(AuditQuery),
    async (c) => {
      const { since, actor, type, limit } = c.req.valid('query');
      const events = await deps.store.listAudit(c.get('tenant').code, {
        ...(since && { since: Date.parse(since) }),
        ...(actor && { actor }),
        ...(type && { type }),
        limit: Math.min(Math.max(Number(limit ?? 100), 1), 1000),
      });
      return c.json({ events: events.map((e) => ({ ...e, at: new Date(e.at).toISOString() })) });
    },
  );

  app.get(
    '/api-keys',
    doc('adminListApiKeys', 'The tenant’s API keys (never the keys)'),
    params(TenantPath),
    can('settings', 'read'),
    async (c) => c.json({ keys: (await apiKeys.list(c.get('tenant').code)).map(keyView) }),
  );

  app.post(
    '/api-keys',
    doc('adminCreateApiKey', 'Make an API key: the key is in this answer and nowhere else, ever'),
    params(TenantPath),
    write,
    can('settings', 'write'),
    jsonBody(NewApiKey),
    async (c) => {
      const tenant = c.get('tenant');
      const body = c.req.valid('json');
      const expiresAt = body.expiresAt ? Date.parse(body.expiresAt) : null;
      if (expiresAt !== null && expiresAt <= deps.now())
        throw new DeskgateError('validation_failed', 'expiresAt: must be in the future');
      const origins = body.allowedOrigins ?? [];
      for (const o of origins)
        if (!tenant.allowedOrigins.includes(o))
          throw new DeskgateError('validation_failed', 'allowedOrigins: must be origins the tenant allows');
      const created = await apiKeys.create(tenant.code, { expiresAt, allowedOrigins: origins });
      await audit(c, {
        type: 'api_key_created',
        subject: created.kid,
        details: {
          origins: origins.length,
          ...(expiresAt && { expiresAt: new Date(expiresAt).toISOString() }),
        },
      });
      c.header('Cache-Control', 'no-store');
      return c.json({ ...keyView(created), key: created.key });
    },
  );

  app.delete(
    '/api-keys/:kid',
    doc('adminRevokeApiKey', 'Stop accepting an API key', [...WRITE_ERRORS, 'not_found']),
    params(KeyPath),
    write,
    can('settings', 'write'),
    jsonBody(v.object({})),
    async (c) => {
      const kid = c.req.valid('param').kid;
      if (!(await apiKeys.revoke(c.get('tenant').code, kid)))
        throw new DeskgateError('not_found', 'There is no active API key with this id');
      await audit(c, { type: 'api_key_revoked', subject: kid, details: {} });
      return c.json({ kid, revoked: true });
    },
  );

  return app;
}

/** The providers whose sign-ins set the roles (role-based IAM): while there is one, roles are not granted here. */
function rolesManagedBy(tenant: TenantConfig): string[] {
  return tenant.oidc.filter((p) => p.roleIam).map((p) => p.id);
}

/** An API key as the console shows it: never the key or its digest. */
function keyView(key: {
  kid: string;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  allowedOrigins: string[];
}) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    kid: key.kid,
    createdAt: iso(key.createdAt),
    expiresAt: iso(key.expiresAt),
    revokedAt: iso(key.revokedAt),
    allowedOrigins: key.allowedOrigins,
  };
}
