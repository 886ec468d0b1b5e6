// GET /t/{tenant}/collection: the agent's personal collection, a first-party page on the API site (F8: what the
// demo's outbound link opens). It reads the session from the access cookie, whose path /t/{tenant} covers it;
// without a live session it says so with a 401 page and sets no cookie (the refresh cookie never reaches it).
import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import * as v from 'valibot';
import type { AppEnv } from '../deps.ts';
import { pageLocale } from '../http/locale.ts';
import { requirePermission } from '../http/permission.ts';
import { loadTenant } from '../http/tenant.ts';
import { params, query } from '../http/validation.ts';
import { collectionPage, notSignedInPage } from '../pages/collection.ts';
import { pageHeaders } from '../pages/headers.ts';
import { errorResponses, htmlPage, PageLocale, TenantPath } from '../schemas/common.ts';
import type { Services } from './context.ts';

const CollectionQuery = v.object({ locale: PageLocale });

/** Mounted at /t/:tenant; loads the tenant itself, so it needs no middleware from app.ts. */
export function collectionRoutes({ deps, tenants, sessions, limits, productName }: Services) {
  const app = new Hono<AppEnv>();

  app.get(
    '/collection',
    describeRoute({
      operationId: 'personalCollection',
      tags: ['hosted pages'],
      summary:
        "The agent's personal collection (saved replies): a first-party page, read with the access cookie",
      description:
        "What an outbound link opens (`deskgate.openOutbound('/t/{tenant}/collection')`). Signed in, it shows the agent's name, email, roles and saved replies; without a live session (no cookie, a bad or expired token, an ended session) it answers 401 with a page that says so. Sets no cookie.",
      security: [{ accessCookie: [] }],
      responses: {
        200: htmlPage('The personal collection'),
        401: htmlPage(
          'Not signed in: a page that says so, its alert carrying data-error-code (session_missing, session_invalid, session_expired, session_revoked, signed_user_info_required)',
        ),
        ...errorResponses(['tenant_not_found', 'rate_limited', 'permission_denied'], { html: true }),
      },
    }),
    pageHeaders(),
    loadTenant(tenants),
    params(TenantPath),
    limits.requests('pages.ip', 'ip'),
    query(CollectionQuery),
    requirePermission(sessions, deps.now, 'collection', 'read', {
      unauthenticated: (c, error) => {
        c.get('log').info(
          { tenant: c.get('tenant').code, code: error.code },
          'personal collection: not signed in',
        );
        return c.html(notSignedInPage(pageLocale(c), productName, error.code), 401);
      },
    }),
    async (c) => {
      const tenant = c.get('tenant');
      const { info } = c.get('principal')!;
      c.get('log').info({ tenant: tenant.code, userId: info.user.id }, 'personal collection');
      return c.html(collectionPage(pageLocale(c), productName, info));
    },
  );

  return app;
}
