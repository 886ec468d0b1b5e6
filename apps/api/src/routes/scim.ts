// /t/{tenant}/scim/v2: SCIM 2.0 (RFC 7643, RFC 7644) for upfront provisioning by the tenant's identity provider
// (Entra ID, Okta) or platform: discovery, Users and Groups (docs/provisioning.md). A SCIM token in the
// Authorization header is the only credential: no cookie is read and no CORS header is sent, since no browser
// has any business here. Every answer, errors included, is `application/scim+json`.
import { DeskgateError, ScimError, scimListResponse } from '@deskgate/core';
import { type Context, Hono } from 'hono';
import type { AppEnv } from '../deps.ts';
import { bearerKey } from '../http/bearer.ts';
import { originGuard } from '../http/csrf.ts';
import { loadTenant } from '../http/tenant.ts';
import { params } from '../http/validation.ts';
import { TenantPath } from '../schemas/common.ts';
import { SCIM_RESOURCE_TYPES, SCIM_SCHEMAS, serviceProviderConfig } from '../schemas/scim.ts';
import type { Services } from './context.ts';
import { scimGroupRoutes } from './scim-groups.ts';
import { NamePath, ResourcePath, SCIM_TOKEN_FAILURES, scimDoc, scimErrors, scimJson } from './scim-http.ts';
import { scimUserRoutes } from './scim-users.ts';

export function scimRoutes(services: Services) {
  const { deps, tenants, scimTokens, limits } = services;
  const app = new Hono<AppEnv>();
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
  // The only credential, so no origin rule is needed (the CSRF matrix knows it by this declaration).
  app.use(
    '*',
    originGuard('bearer-only', async (c, next) => {
      const token = await scimTokens.authenticate(
        c.get('tenant').code,
        bearerKey(c.req.header('authorization')),
        undefined,
        deps.now(),
      );
      c.set('scimToken', token.kid);
      await next();
    }),
  );
  app.use('*', limits.requests('scim.requests.token', 'scimToken'));

  // ---- Discovery (RFC 7644 §4) ----
  app.get(
    '/ServiceProviderConfig',
    scimDoc('scimServiceProviderConfig', 'What this SCIM service supports', { 200: 'The configuration' }),
    params(TenantPath),
    (c) => scimJson(c, serviceProviderConfig(base(c))),
  );
  app.get(
    '/ResourceTypes',
    scimDoc('scimResourceTypes', 'The resource types: User and Group', { 200: 'ListResponse' }),
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
    scimDoc('scimResourceType', 'One resource type', { 200: 'The resource type' }),
    params(NamePath),
    (c) => {
      const found = SCIM_RESOURCE_TYPES.map((r) => r(base(c))).find((r) => r.id === c.req.param('name'));
      if (!found) throw new ScimError(404, undefined, 'No such resource type');
      return scimJson(c, found);
    },
  );
  app.get(
    '/Schemas',
    scimDoc('scimSchemas', 'The schemas of User and Group', { 200: 'ListResponse' }),
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
    scimDoc('scimSchema', 'One schema', { 200: 'The schema' }),
    params(ResourcePath),
    (c) => {
      const found = SCIM_SCHEMAS.map((s) => s(base(c))).find((s) => s.id === c.req.param('id'));
      if (!found) throw new ScimError(404, undefined, 'No such schema');
      return scimJson(c, found);
    },
  );

  // Users and Groups, behind the same token check and error shape.
  app.route('/', scimUserRoutes(services, base));
  app.route('/', scimGroupRoutes(services, base));

  // Anything else under /scim/v2 is a SCIM 404, not the app's.
  app.all('*', () => {
    throw new ScimError(404, undefined, 'No such SCIM endpoint');
  });

  return app;
}
