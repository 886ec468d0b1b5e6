// GET /t/{tenant}/admin: the admin console's page (first-party on the API site, signed in with the tenant's own
// access cookie; without one, to the first-party sign-in and back), and GET /admin/assets/{file}: its built,
// content-hashed script and stylesheet. What a manager may do is judged by /t/{tenant}/admin/api.
import { DeskgateError } from '@deskgate/core';
import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import * as v from 'valibot';
import type { AppEnv } from '../deps.ts';
import { pageLocale } from '../http/locale.ts';
import { toFirstPartySignIn } from '../http/navigation.ts';
import { requireSignedIn } from '../http/permission.ts';
import { loadTenant } from '../http/tenant.ts';
import { params, query } from '../http/validation.ts';
import { ADMIN_ASSETS_PATH, ADMIN_CONSOLE_CSP, adminConsolePage } from '../pages/admin-console.ts';
import { pageHeaders } from '../pages/headers.ts';
import { errorResponses, htmlPage, PageLocale, TenantPath } from '../schemas/common.ts';
import type { Services } from './context.ts';

/** The files are content-hashed: a new build has new names. */
export const ADMIN_ASSET_CACHE = 'public, max-age=31536000, immutable';

const ConsoleQuery = v.object({ locale: PageLocale });
const AssetPath = v.object({
  file: v.pipe(
    v.string('must be a file name'),
    v.maxLength(100),
    v.description('A content-hashed file of the built admin console (its script or stylesheet)'),
  ),
});

/** Mounted at /; the console's page loads the tenant itself. */
export function adminConsoleRoutes({ deps, tenants, sessions, limits, productName, staff }: Services) {
  const app = new Hono<AppEnv>();

  app.get(
    '/t/:tenant/admin',
    describeRoute({
      operationId: 'adminConsolePage',
      tags: ['admin console', 'hosted pages'],
      summary: 'The admin console (a first-party page; the app calls /t/{tenant}/admin/api)',
      description:
        'The HTML shell of the admin console, under its own strict CSP (`connect-src \'self\'` for its JSON API, no inline script or style). Without a live session it redirects (303) to the first-party sign-in `/t/{tenant}/signin?return=…`, which comes back here. A user without manager permissions sees a "no access" page. Answers 404 when the console was not built. Sets no cookie.',
      security: [{ accessCookie: [] }],
      responses: {
        200: htmlPage('The admin console'),
        303: { description: 'Not signed in: to the first-party sign-in, coming back here' },
        ...errorResponses(['tenant_not_found', 'not_found', 'rate_limited'], { html: true }),
      },
    }),
    pageHeaders(ADMIN_CONSOLE_CSP),
    loadTenant(tenants),
    params(TenantPath),
    limits.requests('pages.ip', 'ip'),
    query(ConsoleQuery),
    async (c, next) => {
      pageLocale(c);
      if (!deps.admin)
        throw new DeskgateError(
          'not_found',
          'The admin console is not built on this server (run `pnpm build`, then restart the API)',
        );
      await next();
    },
    requireSignedIn(sessions, deps.now, {
      staff,
      unauthenticated: (c, error) => {
        const tenant = c.get('tenant');
        c.get('log').info({ tenant: tenant.code, code: error.code }, 'admin console: not signed in');
        return toFirstPartySignIn(c, `/t/${tenant.code}/admin`);
      },
    }),
    (c) => {
      const tenant = c.get('tenant');
      const admin = deps.admin!;
      return c.html(
        adminConsolePage({
          locale: pageLocale(c),
          title: `${tenant.displayName} · ${productName}`,
          tenant: tenant.code,
          product: productName,
          script: admin.script,
          style: admin.style,
        }),
      );
    },
  );

  app.get(
    `${ADMIN_ASSETS_PATH}/:file`,
    describeRoute({
      operationId: 'adminConsoleFile',
      tags: ['assets'],
      summary: "The admin console's content-hashed script and stylesheet (immutable)",
      responses: {
        200: {
          description: 'The file',
          content: {
            'text/javascript': { schema: { type: 'string' } },
            'text/css': { schema: { type: 'string' } },
          },
        },
        304: { description: 'Not modified (If-None-Match)' },
        ...errorResponses(['not_found']),
      },
    }),
    params(AssetPath),
    (c) => {
      const asset = deps.admin?.files.get(c.req.valid('param').file);
      if (!asset) return c.notFound();
      c.header('X-Content-Type-Options', 'nosniff');
      c.header('ETag', asset.etag);
      c.header('Cache-Control', ADMIN_ASSET_CACHE);
      if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304);
      return c.body(asset.body, 200, { 'Content-Type': asset.contentType });
    },
  );

  return app;
}
