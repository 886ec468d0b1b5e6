// /t/{tenant}/admin/api: the JSON API of the admin console (docs/admin-console.md), first-party on the API site
// and signed in with the access cookie of the tenant's own sign-in. Every route declares its permission on the
// one middleware (http/permission.ts), so the permission matrix covers it; every write is a same-origin JSON
// request (admin-http.ts) and is audited with the signed-in user as actor. The areas: people (admin-people.ts),
// keys (admin-keys.ts), settings and the JWT tester (admin-settings.ts).
import { permissionsOf, staffPermissionList } from '@deskgate/core';
import { Hono } from 'hono';
import type { AppEnv } from '../deps.ts';
import { requireSignedIn } from '../http/permission.ts';
import { loadTenant } from '../http/tenant.ts';
import { params } from '../http/validation.ts';
import { TenantPath } from '../schemas/common.ts';
import { consoleDoc } from './admin-http.ts';
import { adminKeyRoutes } from './admin-keys.ts';
import { adminPeopleRoutes } from './admin-people.ts';
import { adminSettingsRoutes } from './admin-settings.ts';
import type { Services } from './context.ts';

export function adminApiRoutes(services: Services) {
  const { deps, tenants, sessions, limits, staff } = services;
  const app = new Hono<AppEnv>();

  app.use('*', loadTenant(tenants), limits.requests('pages.ip', 'ip'));
  app.use('*', async (c, next) => {
    c.header('Cache-Control', 'no-store');
    await next();
  });

  app.get(
    '/me',
    consoleDoc('adminMe', 'Who is signed in to the console, and what their roles allow'),
    params(TenantPath),
    requireSignedIn(sessions, deps.now, { staff }),
    (c) => {
      const { user, info, staff: member } = c.get('principal')!;
      const tenant = c.get('tenant');
      return c.json({
        tenant: { code: tenant.code, displayName: tenant.displayName },
        user: { id: user.id, email: user.email, name: user.name, roles: user.roles },
        identity: info.user.identity,
        // Staff: their own, narrower permissions (DESKGATE_STAFF_PERMISSIONS); the console shows a banner.
        permissions: member ? staffPermissionList(member.permissions) : permissionsOf(user.roles),
        staff: member !== undefined,
      });
    },
  );

  app.route('/', adminPeopleRoutes(services));
  app.route('/', adminKeyRoutes(services));
  app.route('/', adminSettingsRoutes(services));
  return app;
}
