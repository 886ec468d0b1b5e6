// Magic links (F3): the chooser's "Email me a sign-in link" asks for one (always the same 202, whatever the
// email); the emailed link lands on a page whose button uses it and completes the attempt. A GET changes
// nothing, so mail scanners that open links (even running the page's script) use nothing up.
import { DeskgateError, normalizeEmail, resolveReturnTarget, sha256 } from '@deskgate/core';
import { paths } from '@deskgate/protocol';
import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import * as v from 'valibot';
import type { AppEnv } from '../deps.ts';
import { liveAttempt } from '../http/attempt.ts';
import { requireBinding } from '../http/binding.ts';
import { setSessionCookies } from '../http/cookies.ts';
import { pageLocale } from '../http/locale.ts';
import { requireSameOrigin } from '../http/navigation.ts';
import { formBody, formOrJsonBody, isJsonRequest, query, readFormOrJson } from '../http/validation.ts';
import { pageHeaders } from '../pages/headers.ts';
import { type Locale, messages } from '../pages/messages.ts';
import { escapeHtml, fill, fragmentTokenForm, layout } from '../pages/render.ts';
import {
  ATTEMPT_PAGE_ERRORS,
  errorResponses,
  htmlPage,
  PageLocale,
  TENANT_ERRORS,
} from '../schemas/common.ts';
import { EMAIL_ISSUER } from '../services/access-requests.ts';
import type { LinkTarget } from '../services/magic-links.ts';
import type { Services } from './context.ts';

const RequestInput = v.object({
  email: v.pipe(v.string('must be an email address'), v.maxLength(1024), v.description('The agent’s email')),
  attempt: v.optional(
    v.pipe(
      v.string('must be the attempt id'),
      v.maxLength(200),
      v.description('The popup’s sign-in attempt'),
    ),
  ),
  return: v.optional(
    v.pipe(
      v.string('must be a path on this site'),
      v.maxLength(2048),
      v.description('First-party sign-in (no attempt): the path on this site to go on to'),
    ),
  ),
});
const OpenForm = v.object({
  token: v.pipe(v.string(), v.maxLength(4096), v.description('The token from the link’s fragment')),
});
const LocaleQuery = v.object({ locale: PageLocale });

/** The one answer to every accepted request, whatever the email. */
const ACCEPTED = { status: 'accepted' } as const;

export function magicLinkRoutes({ deps, magicLinks, sessions, limits, productName }: Services) {
  const app = new Hono<AppEnv>();
  const page = pageHeaders();
  const product = { product: productName };
  const origin = new URL(deps.publicUrl).origin;

  app.post(
    '/magic-link',
    describeRoute({
      operationId: 'requestMagicLink',
      tags: ['magic links', 'hosted pages'],
      summary: 'Ask for a sign-in link by email (the chooser’s form): always 202, whatever the email',
      description:
        'Takes `{ email, attempt }` (the popup) or `{ email, return }` (first-party sign-in on this site) as the chooser’s form (`application/x-www-form-urlencoded`, answered with a page) or as JSON (answered `{"status":"accepted"}`). Whether the email is known is decided after the answer, so neither the body nor the timing tells. Same-origin only; the attempt must be live and this browser’s.',
      responses: {
        202: htmlPage('Check your email (or, for JSON, `{"status":"accepted"}`)'),
        ...errorResponses(
          [
            ...ATTEMPT_PAGE_ERRORS,
            'attempt_already_completed',
            'sso_browser_mismatch',
            'email_invalid',
            'magic_link_disabled',
            'body_too_large',
          ],
          { html: true },
        ),
      },
    }),
    page,
    requireSameOrigin(origin, 'Ask for a sign-in link from the sign-in window'),
    limits.requests('magic.request.ip', 'ip'),
    limits.requests('magic.request.tenant', 'tenant'),
    query(LocaleQuery),
    formOrJsonBody(RequestInput),
    async (c) => {
      const tenant = c.get('tenant');
      if (!tenant.magicLink.enabled)
        throw new DeskgateError('magic_link_disabled', 'This organisation does not sign in by email link');
      const input = readFormOrJson<v.InferOutput<typeof RequestInput>>(c);
      // For the popup's attempt (this browser's, still open), or a first-party sign-in going on to `return`.
      let target: LinkTarget;
      let locale: Locale;
      if (input.attempt === undefined && input.return !== undefined) {
        target = { returnTo: resolveReturnTarget(input.return, { origin, allowed: [] }) };
        locale = pageLocale(c);
      } else {
        const live = await liveAttempt(c, deps, tenant, input.attempt);
        if (live.attempt.completedAt !== null)
          throw new DeskgateError('attempt_already_completed', 'This sign-in was already completed');
        await requireBinding(c, live.attempt.bindingDigest);
        target = { attempt: live.attempt };
        locale = live.locale;
      }
      const email = normalizeEmail(input.email);
      if (!email) throw new DeskgateError('email_invalid', 'That is not an email address');
      // Counted for every email, known or not, so a 429 tells nothing either.
      await limits.consume('magic.request.email', `email:${tenant.code}:${await sha256(email)}`);
      magicLinks.request(tenant, target, email, locale, deps.now());
      c.header('Cache-Control', 'no-store');
      if (isJsonRequest(c)) return c.json(ACCEPTED, 202);
      const m = messages(locale);
      const minutes = String(Math.max(1, Math.round(tenant.magicLink.ttlSeconds / 60)));
      let body = `<p role="status">${fill(m.checkEmailLead, { email: input.email.trim(), tenant: tenant.displayName, minutes })}</p>`;
      if ('attempt' in target) {
        const complete = `${paths.complete(tenant.code)}?attempt=${encodeURIComponent(target.attempt.id)}&locale=${locale}`;
        // The wait element: pages.js moves this window on to the completion page (and so to the opener)
        // when the link completes this attempt in another tab of this browser.
        body += `
<p class="muted">${fill(m.checkEmailOther, product)}</p>
<div id="magic-wait" hidden data-attempt="${escapeHtml(target.attempt.id)}" data-complete="${escapeHtml(complete)}"></div>`;
      }
      return c.html(layout(locale, fill(m.checkEmailTitle, {}), body), 202);
    },
  );

  app.get(
    '/magic-link/open',
    describeRoute({
      operationId: 'magicLinkPage',
      tags: ['magic links', 'hosted pages'],
      summary: 'Where an emailed link lands: a page with one button; the token stays in the fragment',
      description:
        'Changes nothing and sets no cookie: a mail scanner that fetches the link (HEAD, GET, even running the page’s script) uses nothing up. The page’s script copies the token from the fragment into the form; the button posts it.',
      responses: {
        200: htmlPage('The sign-in button'),
        ...errorResponses([...TENANT_ERRORS, 'rate_limited'], { html: true }),
      },
    }),
    page,
    limits.requests('pages.ip', 'ip'),
    query(LocaleQuery),
    (c) => {
      const tenant = c.get('tenant');
      const locale = pageLocale(c);
      const m = messages(locale);
      const action = `${paths.magicLinkOpen(tenant.code)}?locale=${locale}`;
      const body = `<p>${fill(m.magicOpenLead, product)}</p>
${fragmentTokenForm({ id: 'magic-link', action, missing: m.magicOpenMissing, button: m.magicOpenButton })}`;
      return c.html(layout(locale, fill(m.magicOpenTitle, product), body));
    },
  );

  app.post(
    '/magic-link/open',
    describeRoute({
      operationId: 'useMagicLink',
      tags: ['magic links', 'hosted pages'],
      summary: 'The link page’s button (same-origin form only): uses the link once and completes the attempt',
      description:
        'Then on to the completion page: in the browser that started the sign-in it finishes through the opener (or the popup waiting there); in another browser or device the agent types the code their overlay shows.',
      responses: {
        303: { description: 'To the completion page' },
        ...errorResponses(
          [
            ...TENANT_ERRORS,
            'validation_failed',
            'body_too_large',
            'rate_limited',
            'magic_link_invalid',
            'attempt_not_found',
            'attempt_expired',
            'attempt_already_completed',
            'attempt_already_redeemed',
            'user_disabled',
          ],
          { html: true },
        ),
      },
    }),
    page,
    requireSameOrigin(origin, 'Use the link from the page it opens'),
    limits.requests('pages.ip', 'ip'),
    limits.failures('magic.redeem.failures.ip', 'ip', ['magic_link_invalid']),
    query(LocaleQuery),
    formBody(OpenForm),
    async (c) => {
      const tenant = c.get('tenant');
      const now = deps.now();
      const link = await magicLinks.take(tenant, c.req.valid('form').token, now);
      if (link.attemptId === null) {
        // First-party: this browser is signed in on this site and goes on (the path is checked again).
        const returnTo = resolveReturnTarget(link.returnTo, { origin, allowed: [] });
        const user = await deps.store.getUser(tenant.code, link.userId);
        if (!user) throw new DeskgateError('magic_link_invalid', 'This sign-in link is no longer valid');
        const issued = await sessions.start(tenant, user, 'magic_link', now, null, {
          issuer: EMAIL_ISSUER,
          subject: link.email,
        });
        setSessionCookies(c, tenant.code, issued.cookies);
        c.get('log').info({ tenant: tenant.code, userId: link.userId }, 'magic link sign-in (first-party)');
        return c.redirect(returnTo, 303);
      }
      const { attempt, locale } = await liveAttempt(c, deps, tenant, link.attemptId);
      const identity = { issuer: EMAIL_ISSUER, subject: link.email };
      if (!(await deps.store.completeAttempt(attempt.id, link.userId, 'magic_link', now, identity)))
        throw new DeskgateError('attempt_already_completed', 'This sign-in was already completed');
      c.get('log').info({ tenant: tenant.code, userId: link.userId }, 'magic link sign-in');
      const complete = new URL(deps.publicUrl + paths.complete(tenant.code));
      complete.searchParams.set('attempt', attempt.id);
      complete.searchParams.set('locale', locale);
      return c.redirect(complete.pathname + complete.search, 303);
    },
  );

  return app;
}
