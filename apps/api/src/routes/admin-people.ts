// The console's people areas: users (search, roles while role-based IAM is off, disable and enable), access
// requests (list, decide) and the audit log.
import { DeskgateError } from '@deskgate/core';
import { ROLES } from '@deskgate/protocol';
import { Hono } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../deps.ts';
import { requirePermission } from '../http/permission.ts';
import { jsonBody, params, query } from '../http/validation.ts';
import { TenantPath } from '../schemas/common.ts';
import { GrantService } from '../services/grants.ts';
import {
  consoleActor,
  consoleAudit,
  consoleDoc,
  requireConsoleWrite,
  rolesManagedBy,
  WRITE_ERRORS,
} from './admin-http.ts';
import type { Services } from './context.ts';

const UserPath = v.object({ ...TenantPath.entries, id: v.pipe(v.string(), v.maxLength(200)) });
const RequestPath = v.object({ ...TenantPath.entries, id: v.pipe(v.string(), v.maxLength(200)) });
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

export function adminPeopleRoutes({ deps, staff, sessions, accessRequests }: Services) {
  const app = new Hono<AppEnv>();
  const grants = new GrantService(deps.store);
  const write = requireConsoleWrite(new URL(deps.publicUrl).origin);
  const can = <A extends Parameters<typeof requirePermission>[2]>(
    area: A,
    action: Parameters<typeof requirePermission<A>>[3],
  ) => requirePermission(sessions, deps.now, area, action, { staff });

  app.get(
    '/users',
    consoleDoc(
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
    consoleDoc('adminChangeRole', 'Grant or revoke a role (only while role-based IAM is off)', [
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
        consoleActor(c),
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
      consoleDoc(
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
          await consoleAudit(deps, c, {
            type: disable ? 'user_disabled' : 'user_enabled',
            subject: id,
            details: {},
          });
        return c.json({ id, disabled: disable, changed });
      },
    );
  }

  app.get(
    '/access-requests',
    consoleDoc('adminListAccessRequests', 'The tenant’s requests for access, newest first'),
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
    consoleDoc('adminDecideAccessRequest', 'Approve or reject a pending request, once', [
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
      const principal = c.get('principal')!;
      // Staff decide with their staff permission; a user of the tenant as an approver (D2).
      const approver = principal.staff ? principal : await accessRequests.approver(tenant, principal);
      const decided = await accessRequests.decide(
        tenant,
        c.req.valid('param').id,
        c.req.valid('json').decision,
        approver.user,
        deps.now(),
        consoleActor(c),
      );
      return c.json({ id: decided.id, status: decided.status });
    },
  );

  app.get(
    '/audit',
    consoleDoc('adminAudit', 'The tenant’s audit log, newest first, with filters'),
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

  return app;
}
