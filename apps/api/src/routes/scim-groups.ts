// SCIM Groups routes (docs/provisioning.md): groups whose members hold the role the tenant maps them to. Mounted
// by routes/scim.ts behind its token check and error shape.
import {
  parseScimGroupFilter,
  parseScimPaging,
  type ScimGroupRecord,
  scimListResponse,
} from '@deskgate/core';
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { AppEnv } from '../deps.ts';
import { limitBody } from '../http/body-limit.ts';
import { params } from '../http/validation.ts';
import { TenantPath } from '../schemas/common.ts';
import { ScimGroupService } from '../services/scim-groups.ts';
import type { Services } from './context.ts';
import { etag, ifMatch, ResourcePath, SCIM_BODY_LIMIT, scimBody, scimDoc, scimJson } from './scim-http.ts';

export function scimGroupRoutes({ deps }: Services, base: (c: Context<AppEnv>) => string) {
  const app = new Hono<AppEnv>();
  const groups = new ScimGroupService(deps.store, deps.now);
  const actor = (c: Context<AppEnv>) => c.get('scimToken')!;

  const groupOut = async (c: Context<AppEnv>, group: ScimGroupRecord) => {
    const resource = (await groups.groupResource(group, base(c))) as Record<string, unknown>;
    // Entra ID reads groups with excludedAttributes=members; members can be thousands.
    if (
      (c.req.query('excludedAttributes') ?? '').split(',').some((a) => a.trim().toLowerCase() === 'members')
    )
      delete resource.members;
    return resource;
  };
  app.get(
    '/Groups',
    scimDoc('scimListGroups', 'Groups, filtered (displayName, externalId, id, members eq) and paged', {
      200: 'ListResponse',
    }),
    params(TenantPath),
    async (c) => {
      const { id, ...filter } = parseScimGroupFilter(c.req.query('filter'));
      const paging = parseScimPaging(c.req.query('startIndex'), c.req.query('count'));
      const tenant = c.get('tenant');
      let page = await groups.listGroups(tenant, id === undefined ? { ...filter, ...paging } : { ...filter });
      if (id !== undefined) {
        const items = page.items.filter((g) => g.id === id);
        page = {
          total: items.length,
          items: items.slice(paging.startIndex - 1, paging.startIndex - 1 + paging.count),
        };
      }
      const resources = await Promise.all(page.items.map((g) => groupOut(c, g)));
      return scimJson(c, scimListResponse(page.total, paging.startIndex, resources));
    },
  );
  app.post(
    '/Groups',
    scimDoc('scimCreateGroup', 'Create a group; its members hold the role the tenant maps it to', {
      201: 'The group',
      409: 'uniqueness',
      415: 'Not SCIM JSON',
    }),
    params(TenantPath),
    limitBody(SCIM_BODY_LIMIT),
    async (c) => {
      const group = await groups.createGroup(c.get('tenant'), await scimBody(c), actor(c));
      etag(c, group.version);
      c.header('Location', `${base(c)}/Groups/${group.id}`);
      return scimJson(c, await groupOut(c, group), 201);
    },
  );
  app.get(
    '/Groups/:id',
    scimDoc('scimGetGroup', 'One group with its members', { 200: 'The group' }),
    params(ResourcePath),
    async (c) => {
      const group = await groups.getGroup(c.get('tenant'), c.req.param('id'));
      etag(c, group.version);
      return scimJson(c, await groupOut(c, group));
    },
  );
  // PUT replaces the group and its members, PATCH applies PatchOp operations: the same answer either way.
  for (const [method, operationId, summary, write] of [
    ['PUT', 'scimReplaceGroup', 'Replace a group and its members', groups.replaceGroup.bind(groups)],
    [
      'PATCH',
      'scimPatchGroup',
      'Change a group: displayName, members added, removed or replaced',
      groups.patchGroup.bind(groups),
    ],
  ] as const) {
    app.on(
      method,
      '/Groups/:id',
      scimDoc(operationId, summary, {
        200: 'The group',
        409: 'uniqueness',
        412: 'If-Match does not match',
        415: 'Not SCIM JSON',
      }),
      params(ResourcePath),
      limitBody(SCIM_BODY_LIMIT),
      async (c) => {
        const group = await write(
          c.get('tenant'),
          c.req.param('id'),
          await scimBody(c),
          actor(c),
          ifMatch(c),
        );
        etag(c, group.version);
        return scimJson(c, await groupOut(c, group));
      },
    );
  }
  app.delete(
    '/Groups/:id',
    scimDoc('scimDeleteGroup', 'Delete a group; its members lose its role', {
      204: 'Deleted',
      412: 'If-Match does not match',
    }),
    params(ResourcePath),
    limitBody(0),
    async (c) => {
      await groups.deleteGroup(c.get('tenant'), c.req.param('id'), actor(c), ifMatch(c));
      return c.body(null, 204);
    },
  );

  return app;
}
