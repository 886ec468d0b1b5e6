// /t/{tenant}/scim/v2: SCIM 2.0 (RFC 7643, RFC 7644) for upfront provisioning by the tenant's identity provider
// (Entra ID, Okta) or platform: discovery, Users and Groups (docs/provisioning.md). A SCIM token in the
// Authorization header is the only credential: no cookie is read and no CORS header is sent, since no browser
// has any business here. Every answer, errors included, is `application/scim+json`.
import {
  DeskgateError,
  parseScimGroupFilter,
  parseScimPaging,
  parseScimUserFilter,
  SCIM_CONTENT_TYPE,
  ScimError,
  scimErrorBody,
  scimListResponse,
} from '@deskgate/core';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { describeRoute } from 'hono-openapi';
import * as v from 'valibot';
import type { AppEnv } from '../deps.ts';
import { bearerKey } from '../http/bearer.ts';
import { limitBody } from '../http/body-limit.ts';
import { loadTenant } from '../http/tenant.ts';
import { params } from '../http/validation.ts';
import { TenantPath } from '../schemas/common.ts';
import { SCIM_RESOURCE_TYPES, SCIM_SCHEMAS, serviceProviderConfig } from '../schemas/scim.ts';
import { ScimService } from '../services/scim.ts';
import type { Services } from './context.ts';

/** A resource's path: the tenant and its id (any other shape is simply not found). */
const ResourcePath = v.object({
  ...TenantPath.entries,
  id: v.pipe(
    v.string(),
    v.maxLength(200),
    v.description('The resource’s id (a User’s is its deskgate user id)'),
  ),
});
const NamePath = v.object({ ...TenantPath.entries, name: v.pipe(v.string(), v.maxLength(200)) });

/** A SCIM write's body: a user with its attributes, or a group with up to some thousand members. */
export const SCIM_BODY_LIMIT = 256 * 1024;

/** Refusals of the SCIM token; they count towards scim.failures.ip. */
export const SCIM_TOKEN_FAILURES = ['api_key_invalid', 'api_key_revoked', 'api_key_expired'] as const;

const AUTH_REALM = 'Bearer realm="deskgate SCIM"';

/** Answers the SCIM sub-app's errors in SCIM's shape (RFC 7644 §3.12), whatever threw them. */
function scimErrors(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const error = c.error;
    if (!error) return;
    const headers: Record<string, string> = {};
    let scim: ScimError;
    if (error instanceof ScimError) scim = error;
    else if (error instanceof DeskgateError) {
      scim =
        error.code === 'validation_failed'
          ? new ScimError(400, 'invalidValue', error.message)
          : new ScimError(error.status, undefined, error.message);
      Object.assign(headers, error.headers ?? {});
      if (error.status === 401) headers['WWW-Authenticate'] = AUTH_REALM;
    } else return; // a bug: the app's onError answers 500 (logged), with no detail
    c.get('log').info({ status: scim.status, scimType: scim.scimType }, 'scim: refused');
    c.error = undefined;
    c.res = undefined;
    c.res = scimResponse(scimErrorBody(scim), scim.status, headers);
  };
}

function scimResponse(body: object, status: number, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      'Content-Type': `${SCIM_CONTENT_TYPE}; charset=utf-8`,
      'Cache-Control': 'no-store',
      ...headers,
    },
  });
}

function scimJson(c: Context<AppEnv>, body: object, status = 200): Response {
  c.header('Content-Type', `${SCIM_CONTENT_TYPE}; charset=utf-8`);
  c.header('Cache-Control', 'no-store');
  return c.body(JSON.stringify(body), status as 200);
}

/** The request's JSON, in SCIM's or plain JSON's media type; anything else 415, unparsable 400 invalidSyntax. */
async function scimBody(c: Context<AppEnv>): Promise<unknown> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== SCIM_CONTENT_TYPE && type !== 'application/json')
    throw new ScimError(415, undefined, `Send ${SCIM_CONTENT_TYPE} (or application/json)`);
  try {
    return JSON.parse(await c.req.text());
  } catch {
    throw new ScimError(400, 'invalidSyntax', 'The body is not JSON');
  }
}

/** `If-Match: W/"3"` → 3; absent or `*` → undefined (any version); anything else can match no version. */
function ifMatch(c: Context<AppEnv>): number | undefined {
  const header = c.req.header('if-match')?.trim();
  if (header === undefined || header === '*') return undefined;
  const version = /^(?:W\/)?"(\d{1,15})"$/.exec(header)?.[1];
  return version === undefined ? -1 : Number(version);
}

function etag(c: Context<AppEnv>, version: number) {
  c.header('ETag', `W/"${version}"`);
}

export function scimRoutes({ deps, tenants, scimTokens, limits }: Services) {
  const app = new Hono<AppEnv>();
  const scim = new ScimService(deps.store, deps.now);
  const base = (c: Context<AppEnv>) => `${deps.publicUrl}/t/${c.get('tenant').code}/scim/v2`;

  app.use('*', scimErrors(), loadTenant(tenants));
  // The token: in the Authorization header only; a token in the URL is refused before it is even looked at.
  app.use('*', async (c, next) => {
    const query = new URL(c.req.url).searchParams;
    if (['access_token', 'token', 'key'].some((name) => query.has(name)))
      throw new DeskgateError(
        'token_in_query',
        'Send the SCIM token in the Authorization header, never in the URL',
      );
    await next();
  });
  app.use('*', limits.failures('scim.failures.ip', 'ip', SCIM_TOKEN_FAILURES));
  app.use('*', async (c, next) => {
    const token = await scimTokens.authenticate(
      c.get('tenant').code,
      bearerKey(c.req.header('authorization')),
      undefined,
      deps.now(),
    );
    c.set('scimToken', token.kid);
    await next();
  });
  app.use('*', limits.requests('scim.requests.token', 'scimToken'));

  const actor = (c: Context<AppEnv>) => c.get('scimToken')!;
  const doc = (operationId: string, summary: string, responses: Record<number, string>) =>
    describeRoute({
      operationId,
      tags: ['scim'],
      summary,
      security: [{ scimToken: [] }],
      responses: Object.fromEntries(
        Object.entries({
          ...responses,
          400: 'SCIM error: invalidValue, invalidSyntax, invalidFilter, invalidPath, noTarget, mutability, tooMany',
          401: 'No, a bad, a revoked or an expired SCIM token (WWW-Authenticate: Bearer)',
          404: 'No such tenant or resource',
          429: 'rate_limited (Retry-After)',
        }).map(([status, description]) => [
          status,
          { description, content: { [SCIM_CONTENT_TYPE]: { schema: { type: 'object' } } } },
        ]),
      ),
    });

  // ---- Discovery (RFC 7644 §4) ----
  app.get(
    '/ServiceProviderConfig',
    doc('scimServiceProviderConfig', 'What this SCIM service supports', { 200: 'The configuration' }),
    params(TenantPath),
    (c) => scimJson(c, serviceProviderConfig(base(c))),
  );
  app.get(
    '/ResourceTypes',
    doc('scimResourceTypes', 'The resource types: User and Group', { 200: 'ListResponse' }),
    params(TenantPath),
    (c) =>
      scimJson(
        c,
        scimListResponse(
          SCIM_RESOURCE_TYPES.length,
          1,
          SCIM_RESOURCE_TYPES.map((r) => r(base(c))),
        ),
      ),
  );
  app.get(
    '/ResourceTypes/:name',
    doc('scimResourceType', 'One resource type', { 200: 'The resource type' }),
    params(NamePath),
    (c) => {
      const found = SCIM_RESOURCE_TYPES.map((r) => r(base(c))).find((r) => r.id === c.req.param('name'));
      if (!found) throw new ScimError(404, undefined, 'No such resource type');
      return scimJson(c, found);
    },
  );
  app.get(
    '/Schemas',
    doc('scimSchemas', 'The schemas of User and Group', { 200: 'ListResponse' }),
    params(TenantPath),
    (c) =>
      scimJson(
        c,
        scimListResponse(
          SCIM_SCHEMAS.length,
          1,
          SCIM_SCHEMAS.map((s) => s(base(c))),
        ),
      ),
  );
  app.get(
    '/Schemas/:id',
    doc('scimSchema', 'One schema', { 200: 'The schema' }),
    params(ResourcePath),
    (c) => {
      const found = SCIM_SCHEMAS.map((s) => s(base(c))).find((s) => s.id === c.req.param('id'));
      if (!found) throw new ScimError(404, undefined, 'No such schema');
      return scimJson(c, found);
    },
  );

  // ---- Users ----
  app.get(
    '/Users',
    doc('scimListUsers', 'Provisioned users, filtered (userName, externalId, emails.value eq) and paged', {
      200: 'ListResponse',
    }),
    params(TenantPath),
    async (c) => {
      const filter = parseScimUserFilter(c.req.query('filter'));
      const paging = parseScimPaging(c.req.query('startIndex'), c.req.query('count'));
      const page = await scim.listUsers(c.get('tenant'), { ...filter, ...paging });
      return scimJson(
        c,
        scimListResponse(
          page.total,
          paging.startIndex,
          page.items.map((p) => scim.userResource(p, base(c))),
        ),
      );
    },
  );
  app.post(
    '/Users',
    doc(
      'scimCreateUser',
      'Provision a user (or adopt the one platform sign-ins created with this externalId)',
      { 201: 'The user', 409: 'uniqueness: userName or externalId taken', 415: 'Not SCIM JSON' },
    ),
    params(TenantPath),
    limitBody(SCIM_BODY_LIMIT),
    async (c) => {
      const created = await scim.createUser(c.get('tenant'), await scimBody(c), actor(c));
      const resource = scim.userResource(created, base(c));
      etag(c, created.scim.version);
      c.header('Location', `${base(c)}/Users/${created.user.id}`);
      return scimJson(c, resource, 201);
    },
  );
  app.get(
    '/Users/:id',
    doc('scimGetUser', 'One provisioned user', { 200: 'The user' }),
    params(ResourcePath),
    async (c) => {
      const found = await scim.getUser(c.get('tenant'), c.req.param('id'));
      etag(c, found.scim.version);
      return scimJson(c, scim.userResource(found, base(c)));
    },
  );
  app.put(
    '/Users/:id',
    doc('scimReplaceUser', 'Replace a user; active false disables them and ends their sessions', {
      200: 'The user',
      409: 'uniqueness',
      412: 'If-Match does not match',
      415: 'Not SCIM JSON',
    }),
    params(ResourcePath),
    limitBody(SCIM_BODY_LIMIT),
    async (c) => {
      const written = await scim.replaceUser(
        c.get('tenant'),
        c.req.param('id'),
        await scimBody(c),
        actor(c),
        ifMatch(c),
      );
      etag(c, written.scim.version);
      return scimJson(c, scim.userResource(written, base(c)));
    },
  );
  app.patch(
    '/Users/:id',
    doc('scimPatchUser', 'Change a user with PatchOp operations (Entra ID’s shapes too)', {
      200: 'The user',
      409: 'uniqueness',
      412: 'If-Match does not match',
      415: 'Not SCIM JSON',
    }),
    params(ResourcePath),
    limitBody(SCIM_BODY_LIMIT),
    async (c) => {
      const written = await scim.patchUser(
        c.get('tenant'),
        c.req.param('id'),
        await scimBody(c),
        actor(c),
        ifMatch(c),
      );
      etag(c, written.scim.version);
      return scimJson(c, scim.userResource(written, base(c)));
    },
  );
  app.delete(
    '/Users/:id',
    doc('scimDeleteUser', 'Deprovision a user: deleted, sessions ended; the audit log keeps their history', {
      204: 'Deleted',
      412: 'If-Match does not match',
    }),
    params(ResourcePath),
    limitBody(0),
    async (c) => {
      await scim.deleteUser(c.get('tenant'), c.req.param('id'), actor(c), ifMatch(c));
      return c.body(null, 204);
    },
  );

  // ---- Groups ----
  const groupOut = async (c: Context<AppEnv>, group: Parameters<ScimService['groupResource']>[0]) => {
    const resource = (await scim.groupResource(group, base(c))) as Record<string, unknown>;
    // Entra ID reads groups with excludedAttributes=members; members can be thousands.
    if (
      (c.req.query('excludedAttributes') ?? '').split(',').some((a) => a.trim().toLowerCase() === 'members')
    )
      delete resource.members;
    return resource;
  };
  app.get(
    '/Groups',
    doc('scimListGroups', 'Groups, filtered (displayName, externalId, id, members eq) and paged', {
      200: 'ListResponse',
    }),
    params(TenantPath),
    async (c) => {
      const { id, ...filter } = parseScimGroupFilter(c.req.query('filter'));
      const paging = parseScimPaging(c.req.query('startIndex'), c.req.query('count'));
      const tenant = c.get('tenant');
      let page = await scim.listGroups(tenant, id === undefined ? { ...filter, ...paging } : { ...filter });
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
    doc('scimCreateGroup', 'Create a group; its members hold the role the tenant maps it to', {
      201: 'The group',
      409: 'uniqueness',
      415: 'Not SCIM JSON',
    }),
    params(TenantPath),
    limitBody(SCIM_BODY_LIMIT),
    async (c) => {
      const group = await scim.createGroup(c.get('tenant'), await scimBody(c), actor(c));
      etag(c, group.version);
      c.header('Location', `${base(c)}/Groups/${group.id}`);
      return scimJson(c, await groupOut(c, group), 201);
    },
  );
  app.get(
    '/Groups/:id',
    doc('scimGetGroup', 'One group with its members', { 200: 'The group' }),
    params(ResourcePath),
    async (c) => {
      const group = await scim.getGroup(c.get('tenant'), c.req.param('id'));
      etag(c, group.version);
      return scimJson(c, await groupOut(c, group));
    },
  );
  app.put(
    '/Groups/:id',
    doc('scimReplaceGroup', 'Replace a group and its members', {
      200: 'The group',
      409: 'uniqueness',
      412: 'If-Match does not match',
      415: 'Not SCIM JSON',
    }),
    params(ResourcePath),
    limitBody(SCIM_BODY_LIMIT),
    async (c) => {
      const group = await scim.replaceGroup(
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
  app.patch(
    '/Groups/:id',
    doc('scimPatchGroup', 'Change a group: displayName, members added, removed or replaced', {
      200: 'The group',
      409: 'uniqueness',
      412: 'If-Match does not match',
      415: 'Not SCIM JSON',
    }),
    params(ResourcePath),
    limitBody(SCIM_BODY_LIMIT),
    async (c) => {
      const group = await scim.patchGroup(
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
  app.delete(
    '/Groups/:id',
    doc('scimDeleteGroup', 'Delete a group; its members lose its role', {
      204: 'Deleted',
      412: 'If-Match does not match',
    }),
    params(ResourcePath),
    limitBody(0),
    async (c) => {
      await scim.deleteGroup(c.get('tenant'), c.req.param('id'), actor(c), ifMatch(c));
      return c.body(null, 204);
    },
  );

  // Anything else under /scim/v2 is a SCIM 404, not the app's.
  app.all('*', () => {
    throw new ScimError(404, undefined, 'No such SCIM endpoint');
  });

  return app;
}
