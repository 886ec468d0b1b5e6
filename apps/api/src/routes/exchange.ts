// Outbound links (F8): POST /exchange-token mints a single-use link for the signed-in agent; its landing page
// (/exchange) reads the token from the URL fragment, posts it same-origin, and the browser that opened the
// link is signed in first-party on this site and sent on to the target. docs/outbound-links.md
import { MAX_RETURN_TARGET_LENGTH, type TenantConfig } from '@deskgate/core';
import { paths } from '@deskgate/protocol';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import * as v from 'valibot';
import type { AppEnv } from '../deps.ts';
import { readSessionCookies, setSessionCookies } from '../http/cookies.ts';
import { pageLocale } from '../http/locale.ts';
import { requireSameOrigin } from '../http/navigation.ts';
import { requirePermission } from '../http/permission.ts';
import { requireSdkWrite } from '../http/tenant.ts';
import { formBody, jsonBody, query } from '../http/validation.ts';
import { pageHeaders } from '../pages/headers.ts';
import { type Locale, messages } from '../pages/messages.ts';
import { escapeHtml, fill, layout } from '../pages/render.ts';
import { errorResponses, htmlPage, PageLocale, SDK_WRITE_ERRORS, TENANT_ERRORS } from '../schemas/common.ts';
import type { Exchange } from '../services/exchange.ts';
import type { Services } from './context.ts';

const ExchangeTokenBody = v.object({
  redirect: v.pipe(
    v.string(),
    v.maxLength(MAX_RETURN_TARGET_LENGTH),
    v.description(
      "Where the new window goes once signed in: a path on the API's site (the personal collection, or one of the tenant's `outboundLinks.targets`) or such a URL",
    ),
  ),
});

const ExchangeLinkSchema = v.object({
  url: v.pipe(v.string(), v.description('The landing page, with the single-use token in the fragment')),
  expiresAt: v.pipe(v.number(), v.description('When the token expires, epoch milliseconds')),
});

const ExchangeForm = v.object({
  token: v.pipe(v.string(), v.maxLength(4096), v.description('The token from the link’s fragment')),
  choice: v.optional(
    v.pipe(
      v.picklist(['switch', 'stay']),
      v.description('When another user is signed in here: switch to the link’s user, or stay'),
    ),
  ),
});

const LandingQuery = v.object({ locale: PageLocale });

/** The landing page cuts the window's tie to the page that opened it (COOP), so neither can reach the other. */
const isolated: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  c.header('Cross-Origin-Opener-Policy', 'same-origin');
};

export function exchangeRoutes({ deps, sessions, exchange, limits, productName }: Services) {
  const app = new Hono<AppEnv>();
  const page = pageHeaders();
  const product = { product: productName };
  const origin = new URL(deps.publicUrl).origin;

  app.post(
    '/exchange-token',
    describeRoute({
      operationId: 'createExchangeToken',
      tags: ['outbound links'],
      summary: 'Mint a single-use link that opens a target on this site signed in as the current agent',
      description:
        'The token travels in the URL fragment (`#token=`), so it reaches no server log and no Referer. It lives `outboundLinks.ttlSeconds` (default 300 s, at most 1 h, never past the session) and can be used once. The SDK calls this in `deskgate.openOutbound()`.',
      security: [{ accessCookie: [], originAllowed: [] }],
      responses: {
        200: {
          description: 'The link to open',
          content: { 'application/json': { schema: resolver(ExchangeLinkSchema) } },
        },
        ...errorResponses(
          [
            ...SDK_WRITE_ERRORS,
            'validation_failed',
            'body_too_large',
            'rate_limited',
            'session_missing',
            'session_invalid',
            'session_expired',
            'session_revoked',
            'user_disabled',
            'permission_denied',
            'return_target_invalid',
          ],
          { status: { user_disabled: 401 } },
        ),
      },
    }),
    requireSdkWrite(),
    limits.requests('exchange.mint.ip', 'ip'),
    limits.failures('session.failures.ip', 'ip', ['session_invalid']),
    requirePermission(sessions, deps.now, 'assist', 'use'),
    jsonBody(ExchangeTokenBody),
    async (c) => {
      c.header('Cache-Control', 'no-store');
      const tenant = c.get('tenant');
      const now = deps.now();
      const { session } = c.get('principal')!;
      const link = await exchange.mint(tenant, session, c.req.valid('json').redirect, now);
      c.get('log').info({ tenant: tenant.code, userId: session.userId }, 'exchange token minted');
      return c.json(link);
    },
  );

  app.get(
    '/exchange',
    describeRoute({
      operationId: 'exchangeLandingPage',
      tags: ['outbound links', 'hosted pages'],
      summary: 'Landing page of an outbound link: its script posts the token from the fragment to this path',
      responses: {
        200: htmlPage('Signing in…'),
        ...errorResponses([...TENANT_ERRORS, 'rate_limited'], { html: true }),
      },
    }),
    isolated,
    page,
    limits.requests('pages.ip', 'ip'),
    query(LandingQuery),
    (c) => {
      const tenant = c.get('tenant');
      const locale = pageLocale(c);
      const m = messages(locale);
      // pages.js fills in the token from the fragment, removes the fragment, and submits.
      const body = `<p id="exchange-lead">${fill(m.exchangeLead, {})}</p>
<p id="exchange-missing" role="alert" class="alert" hidden>${fill(m.exchangeMissing, {})}</p>
<noscript><p class="alert">${fill(m.exchangeNoScript, {})}</p></noscript>
<form id="exchange" method="post" action="${escapeHtml(action(tenant, locale))}"><input type="hidden" name="token" value=""></form>`;
      return c.html(layout(locale, fill(m.exchangeTitle, product), body));
    },
  );

  app.post(
    '/exchange',
    describeRoute({
      operationId: 'redeemExchangeToken',
      tags: ['outbound links', 'hosted pages'],
      summary:
        'Use an exchange token once (same-origin form only): sign this browser in, then go to the target',
      description:
        'Starts a new session of the same user (method `exchange`), with the limits of the session that minted the token and ending no later than it. If another user is signed in in this browser, it first answers a page asking whether to switch (`choice`).',
      responses: {
        303: { description: 'Signed in (cookies set); to the target' },
        200: htmlPage('Another user is signed in here: switch or stay?'),
        ...errorResponses(
          [
            ...TENANT_ERRORS,
            'validation_failed',
            'body_too_large',
            'rate_limited',
            'exchange_token_invalid',
            'user_disabled',
          ],
          { html: true },
        ),
      },
    }),
    isolated,
    page,
    // Only our landing page's form: a cross-site post could otherwise sign a victim's browser in as the
    // attacker (login CSRF) with a token the attacker minted.
    requireSameOrigin(origin, 'Open the link from your agent desktop'),
    limits.requests('pages.ip', 'ip'),
    limits.failures('exchange.failures.ip', 'ip', ['exchange_token_invalid']),
    query(LandingQuery),
    formBody(ExchangeForm),
    async (c) => {
      const tenant = c.get('tenant');
      const locale = pageLocale(c);
      const now = deps.now();
      const { token, choice } = c.req.valid('form');
      const cookies = readSessionCookies(c);
      const signedIn = await sessions.current(tenant, cookies.access, now);
      const peeked = await exchange.peek(tenant, token, now);
      if (signedIn && signedIn.userId !== peeked.source.userId && !choice)
        return c.html(await switchPage(c, tenant, locale, token, signedIn.userId, peeked));
      const taken = await exchange.take(tenant, token, now);
      const log = { tenant: tenant.code, userId: taken.source.userId, target: taken.token.target };
      // The same user already, or another who chose to stay: nothing to sign in.
      if (signedIn && (signedIn.userId === taken.source.userId || choice === 'stay')) {
        c.get('log').info({ ...log, kept: signedIn.userId }, 'exchange token used, session kept');
        return c.redirect(taken.token.target, 303);
      }
      const issued = await exchange.start(tenant, taken, now);
      // Switching users: the session this browser held ends, rather than lingering without its cookies.
      if (signedIn) await deps.store.revokeSession(signedIn.id, 'switched', now);
      setSessionCookies(c, tenant.code, issued.cookies);
      c.get('log').info({ ...log, via: taken.source.method }, 'exchange sign-in');
      return c.redirect(taken.token.target, 303);
    },
  );

  const action = (tenant: TenantConfig, locale: Locale) => `${paths.exchange(tenant.code)}?locale=${locale}`;

  async function switchPage(
    c: Context<AppEnv>,
    tenant: TenantConfig,
    locale: Locale,
    token: string,
    currentUserId: string,
    peeked: Exchange,
  ) {
    const m = messages(locale);
    const nameOf = async (id: string) => {
      const user = await deps.store.getUser(tenant.code, id);
      return user?.name || user?.email || id;
    };
    const names = { current: await nameOf(currentUserId), next: await nameOf(peeked.source.userId) };
    c.get('log').info({ tenant: tenant.code }, 'exchange: another user is signed in, asked before switching');
    // The token goes back in a hidden field of our own same-origin form: it is still unused.
    const body = `<p>${fill(m.switchLead, { ...product, ...names })}</p>
<form method="post" action="${escapeHtml(action(tenant, locale))}">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<button type="submit" class="button" name="choice" value="switch" data-guard>${fill(m.switchButton, names)}</button>
<button type="submit" class="button" name="choice" value="stay" data-guard>${fill(m.stayButton, names)}</button>
</form>`;
    return layout(locale, fill(m.switchTitle, {}), body);
  }

  return app;
}

/** The paths of this module the SDK calls cross-origin: app.ts gives them CORS (sdkCors) before the tenant. */
export const EXCHANGE_SDK_PATHS = ['/exchange-token'];
