// First-party sign-in on the API site (no SDK): /t/{tenant}/signin?return=… offers the tenant's methods and
// ends in session cookies of this site and a redirect to `return`, a path on this site. Pages of this site
// that need a signed-in person (the access-request approval page, later the admin console) send them here.
import {
  ATTEMPT_TTL_SECONDS,
  BINDING_COOKIE,
  bindingCookie,
  randomToken,
  resolveReturnTarget,
} from '@deskgate/core';
import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import * as v from 'valibot';
import type { AppEnv } from '../deps.ts';
import { readCookie, readSessionCookies, setCookies } from '../http/cookies.ts';
import { pageLocale } from '../http/locale.ts';
import { loadTenant } from '../http/tenant.ts';
import { params, query } from '../http/validation.ts';
import { pageHeaders } from '../pages/headers.ts';
import { messages } from '../pages/messages.ts';
import { fill, layout } from '../pages/render.ts';
import { errorResponses, htmlPage, PageLocale, queryText, TenantPath } from '../schemas/common.ts';
import type { Services } from './context.ts';
import { chooserBody } from './signin.ts';

const FirstPartyQuery = v.object({
  return: queryText('A path on this site to go on to once signed in'),
  locale: PageLocale,
});

/** Mounted at /t/:tenant; loads the tenant itself. */
export function firstPartyRoutes({ deps, tenants, sessions, limits, productName }: Services) {
  const app = new Hono<AppEnv>();
  const origin = new URL(deps.publicUrl).origin;

  app.get(
    '/signin',
    describeRoute({
      operationId: 'firstPartySignInPage',
      tags: ['hosted pages'],
      summary: 'First-party sign-in on this site: the chooser, then on to `return` with this site’s cookies',
      description:
        'For pages of the API site that need a signed-in person (the access-request approval page). Already signed in: straight on to `return`. `return` must be a path on this site. The tenant’s single sign-on, remote login and (when enabled) email link are offered.',
      responses: {
        200: htmlPage('Chooser page'),
        303: { description: 'Already signed in: on to `return`' },
        ...errorResponses(['tenant_not_found', 'rate_limited', 'return_target_invalid'], { html: true }),
      },
    }),
    pageHeaders(),
    loadTenant(tenants),
    params(TenantPath),
    limits.requests('pages.ip', 'ip'),
    query(FirstPartyQuery),
    async (c) => {
      const tenant = c.get('tenant');
      const locale = pageLocale(c);
      const returnTo = resolveReturnTarget(c.req.valid('query').return, { origin, allowed: [] });
      const signedIn = await sessions
        .read(tenant, readSessionCookies(c).access, deps.now())
        .catch(() => null);
      if (signedIn) return c.redirect(returnTo, 303);
      // The SSO transaction is bound to this browser, as the popup's attempts are.
      setCookies(c, [bindingCookie(readCookie(c, BINDING_COOKIE) ?? randomToken(32), ATTEMPT_TTL_SECONDS)]);
      const m = messages(locale);
      const body = chooserBody(deps.publicUrl, tenant, locale, productName, { return: returnTo });
      return c.html(layout(locale, fill(m.signInTitle, { product: productName }), body));
    },
  );

  return app;
}
