import { paths } from '@deskgate/protocol';
import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import * as v from 'valibot';
import type { AppEnv } from '../deps.ts';
import { EMPTY_BODY_LIMIT, limitBody } from '../http/body-limit.ts';
import { readSessionCookies, setSessionCookies } from '../http/cookies.ts';
import { pageLocale } from '../http/locale.ts';
import { requireSameOrigin } from '../http/navigation.ts';
import { query } from '../http/validation.ts';
import { pageHeaders } from '../pages/headers.ts';
import { messages } from '../pages/messages.ts';
import { escapeHtml, fill, layout } from '../pages/render.ts';
import { errorResponses, htmlPage, PageLocale, TENANT_ERRORS } from '../schemas/common.ts';
import type { Services } from './context.ts';

const SignOutQuery = v.object({ locale: PageLocale });

export function signOutRoutes({ deps, sessions, limits, productName }: Services) {
  const app = new Hono<AppEnv>();
  const page = pageHeaders();
  const product = { product: productName };

  app.get(
    '/refresh/signout',
    describeRoute({
      operationId: 'signOutPage',
      tags: ['hosted pages'],
      summary: 'Hosted sign-out page: one button, which posts to the same path',
      responses: {
        200: htmlPage('Sign-out page'),
        ...errorResponses([...TENANT_ERRORS, 'rate_limited'], { html: true }),
      },
    }),
    page,
    limits.requests('pages.ip', 'ip'),
    query(SignOutQuery),
    async (c) => {
      const tenant = c.get('tenant');
      const locale = pageLocale(c);
      const m = messages(locale);
      const action = `${paths.signOut(tenant.code)}?locale=${locale}`;
      const body = `<p>${fill(m.signOutLead, product)}</p>
<form method="post" action="${escapeHtml(action)}"><button type="submit" class="button" data-guard>${fill(m.signOutButton, {})}</button></form>`;
      return c.html(layout(locale, fill(m.signOutTitle, product), body));
    },
  );

  app.post(
    '/refresh/signout',
    describeRoute({
      operationId: 'signOut',
      tags: ['hosted pages'],
      summary: "End this browser's session (same-origin form only), then the tenant's logout redirect URL",
      responses: {
        303: { description: 'To the tenant’s logout redirect URL' },
        200: htmlPage('Signed out (the tenant has no logout redirect URL)'),
        ...errorResponses([...TENANT_ERRORS, 'body_too_large', 'rate_limited'], { html: true }),
      },
    }),
    page,
    // Only our own page's form: a cross-site form post could sign the agent out at will.
    requireSameOrigin(new URL(deps.publicUrl).origin, 'Sign out from the sign-out page'),
    limits.requests('pages.ip', 'ip'),
    limitBody(EMPTY_BODY_LIMIT),
    query(SignOutQuery),
    async (c) => {
      const tenant = c.get('tenant');
      const locale = pageLocale(c);
      const revoked = await sessions.logout(tenant, readSessionCookies(c), deps.now());
      setSessionCookies(c, tenant.code, sessions.cleared(tenant));
      c.get('log').info({ tenant: tenant.code, revoked }, 'hosted sign-out');
      const next = tenant.platformJwt.remoteLogin?.logoutRedirectUrl;
      if (next) return c.redirect(next, 303);
      const m = messages(locale);
      return c.html(layout(locale, m.signedOutTitle, `<p>${fill(m.signedOutDone, product)}</p>`));
    },
  );

  return app;
}
