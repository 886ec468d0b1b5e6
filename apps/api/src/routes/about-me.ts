// GET /t/{tenant}/me: the signed-in user's own page on the API site (F10, as Auvious shows the `sub`): who they
// are, the identity this session signed in with, every identity linked to them, their roles and permissions.
// Without a session it goes to the first-party sign-in, which comes back here. Sets no cookie.
import { paths } from '@deskgate/protocol';
import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import * as v from 'valibot';
import type { AppEnv } from '../deps.ts';
import { pageLocale } from '../http/locale.ts';
import { toFirstPartySignIn } from '../http/navigation.ts';
import { requireSignedIn } from '../http/permission.ts';
import { loadTenant } from '../http/tenant.ts';
import { params, query } from '../http/validation.ts';
import { aboutMePage } from '../pages/about-me.ts';
import { pageHeaders } from '../pages/headers.ts';
import { errorResponses, htmlPage, PageLocale, TenantPath } from '../schemas/common.ts';
import type { Services } from './context.ts';

const AboutQuery = v.object({ locale: PageLocale });

/** Mounted at /t/:tenant; loads the tenant itself. */
export function aboutMeRoutes({ deps, tenants, sessions, limits, productName }: Services) {
  const app = new Hono<AppEnv>();

  app.get(
    '/me',
    describeRoute({
      operationId: 'aboutMePage',
      tags: ['hosted pages'],
      summary: 'About me: the signed-in user’s identity, subject, roles and permissions (a first-party page)',
      description:
        'Shows the name, email and user id; the issuer and subject (`sub`) this session signed in with, which a manager grants roles by (`pnpm deskgate user grant --sub`); every identity linked to the user; the roles as the server judges them now and the permissions they give. Without a live session it redirects (303) to the first-party sign-in `/t/{tenant}/signin?return=…`, which comes back here. Sets no cookie.',
      security: [{ accessCookie: [] }],
      responses: {
        200: htmlPage('About me'),
        303: { description: 'Not signed in: to the first-party sign-in, coming back here' },
        ...errorResponses(['tenant_not_found', 'rate_limited'], { html: true }),
      },
    }),
    pageHeaders(),
    loadTenant(tenants),
    params(TenantPath),
    limits.requests('pages.ip', 'ip'),
    query(AboutQuery),
    requireSignedIn(sessions, deps.now, {
      unauthenticated: (c, error) => {
        const tenant = c.get('tenant');
        c.get('log').info({ tenant: tenant.code, code: error.code }, 'about me: not signed in');
        return toFirstPartySignIn(c, paths.aboutMe(tenant.code));
      },
    }),
    async (c) => {
      const tenant = c.get('tenant');
      const { info, user } = c.get('principal')!;
      const identities = await deps.store.listIdentities(tenant.code, user.id);
      c.get('log').info({ tenant: tenant.code, userId: user.id }, 'about me');
      return c.html(
        aboutMePage(
          pageLocale(c),
          { product: productName, tenant: tenant.displayName },
          info,
          user,
          identities,
        ),
      );
    },
  );

  return app;
}
