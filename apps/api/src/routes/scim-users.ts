// SCIM Users routes (docs/provisioning.md): list with filters and paging, create, read, replace, PATCH, delete.
// Mounted by routes/scim.ts behind its token check and error shape.
import { parseScimPaging, parseScimUserFilter, scimListResponse } from '@deskgate/core';
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { AppEnv } from '../deps.ts';
import { limitBody } from '../http/body-limit.ts';
import { params } from '../http/validation.ts';
import { TenantPath } from '../schemas/common.ts';
import { ScimUserService } from '../services/scim-users.ts';
import type { Services } from './context.ts';
import { etag, ifMatch, ResourcePath, SCIM_BODY_LIMIT, scimBody, scimDoc, scimJson } from './scim-http.ts';

export function scimUserRoutes({ deps }: Services, base: (c: Context<AppEnv>) => string) {
  const app = new Hono<AppEnv>();
  const users = new ScimUserService(deps.store, deps.now);
  const actor = (c: Context<AppEnv>) => c.get('scimToken')!;

  app.get(
    '/Users',
    scimDoc(
      'scimListUsers',
      'Provisioned users, filtered (userName, externalId, emails.value eq) and paged',
      {
        200: 'ListResponse',
      },
    ),
    params(TenantPath),
    async (c) => {
      const filter = parseScimUserFilter(c.req.query('filter'));
      const paging = parseScimPaging(c.req.query('startIndex'), c.req.query('count'));
      const page = await users.listUsers(c.get('tenant'), { ...filter, ...paging });
      return scimJson(
        c,
        scimListResponse(
          page.total,
          paging.startIndex,
          page.items.map((p) => users.userResource(p, base(c))),
        ),
      );
    },
  );
  app.post(
    '/Users',
    scimDoc(
      'scimCreateUser',
      'Provision a user (or adopt the one platform sign-ins created with this externalId)',
      { 201: 'The user', 409: 'uniqueness: userName or externalId taken', 415: 'Not SCIM JSON' },
    ),
    params(TenantPath),
    limitBody(SCIM_BODY_LIMIT),
    async (c) => {
      const created = await users.createUser(c.get('tenant'), await scimBody(c), actor(c));
      const resource = users.userResource(created, base(c));
      etag(c, created.scim.version);
      c.header('Location', `${base(c)}/Users/${created.user.id}`);
      return scimJson(c, resource, 201);
    },
  );
  app.get(
    '/Users/:id',
    scimDoc('scimGetUser', 'One provisioned user', { 200: 'The user' }),
    params(ResourcePath),
    async (c) => {
      const found = await users.getUser(c.get('tenant'), c.req.param('id'));
      etag(c, found.scim.version);
      return scimJson(c, users.userResource(found, base(c)));
    },
  );
  // PUT replaces the whole user, PATCH applies PatchOp operations: the same answer either way.
  for (const [method, operationId, summary, write] of [
    [
      'PUT',
      'scimReplaceUser',
      'Replace a user; active false disables them and ends their sessions',
      users.replaceUser.bind(users),
    ],
    [
      'PATCH',
      'scimPatchUser',
      'Change a user with PatchOp operations (Entra ID’s shapes too)',
      users.patchUser.bind(users),
    ],
  ] as const) {
    app.on(
      method,
      '/Users/:id',
      scimDoc(operationId, summary, {
        200: 'The user',
        409: 'uniqueness',
        412: 'If-Match does not match',
        415: 'Not SCIM JSON',
      }),
      params(ResourcePath),
      limitBody(SCIM_BODY_LIMIT),
      async (c) => {
        const written = await write(
          c.get('tenant'),
          c.req.param('id'),
          await scimBody(c),
          actor(c),
          ifMatch(c),
        );
        etag(c, written.scim.version);
        return scimJson(c, users.userResource(written, base(c)));
      },
    );
  }
  app.delete(
    '/Users/:id',
    scimDoc(
      'scimDeleteUser',
      'Deprovision a user: deleted, sessions ended; the audit log keeps their history',
      {
        204: 'Deleted',
        412: 'If-Match does not match',
      },
    ),
    params(ResourcePath),
    limitBody(0),
    async (c) => {
      await users.deleteUser(c.get('tenant'), c.req.param('id'), actor(c), ifMatch(c));
      return c.body(null, 204);
    },
  );

  return app;
}
