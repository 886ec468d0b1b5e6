// The popup, first-party on our site: the chooser, then SSO start and the OIDC callback.
import {
  ATTEMPT_TTL_SECONDS,
  BINDING_COOKIE,
  bindingCookie,
  DeskgateError,
  randomToken,
  resolveReturnTarget,
  sha256,
  type TenantConfig,
} from '@deskgate/core';
import { paths } from '@deskgate/protocol';
import { type Context, Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import * as v from 'valibot';
import type { AppEnv } from '../deps.ts';
import { liveAttempt as loadLiveAttempt } from '../http/attempt.ts';
import { requireBinding } from '../http/binding.ts';
import { readCookie, setCookies, setSessionCookies } from '../http/cookies.ts';
import { pageLocale } from '../http/locale.ts';
import { requireChooserNavigation } from '../http/navigation.ts';
import { query } from '../http/validation.ts';
import { pageHeaders } from '../pages/headers.ts';
import { type Locale, messages } from '../pages/messages.ts';
import { escapeHtml, fill, layout } from '../pages/render.ts';
import {
  ATTEMPT_PAGE_ERRORS,
  attemptQuery,
  errorResponses,
  htmlPage,
  PageLocale,
  queryText,
  TENANT_ERRORS,
} from '../schemas/common.ts';
import type { Services } from './context.ts';

const SSO_TRANSACTION_TTL_MS = 10 * 60 * 1000;

const SignInQuery = v.object({ attempt: attemptQuery, locale: PageLocale });
const SsoStartQuery = v.object({
  attempt: attemptQuery,
  return: queryText('First-party sign-in (no attempt): the path on this site to go on to, signed in'),
  provider: queryText('A provider id offered by the chooser'),
  locale: PageLocale,
});
/** What the IdP sends back (RFC 6749, RFC 9207); oauth4webapi checks the response as a whole. */
const SsoCallbackQuery = v.object({
  state: queryText('Names the sign-in in progress; burnt on first use'),
  code: queryText('Authorization code'),
  iss: queryText('The issuer (RFC 9207), compared with the provider'),
  error: queryText('Set when the IdP did not sign the agent in'),
  error_description: queryText('Human text from the IdP'),
});

/**
 * The chooser's methods, for the popup's attempt or for a first-party sign-in on this site (`return`): the
 * tenant's SSO providers, its remote login, and the magic-link form.
 */
export function chooserBody(
  publicUrl: string,
  tenant: TenantConfig,
  locale: Locale,
  productName: string,
  target: { attempt: string } | { return: string },
): string {
  const m = messages(locale);
  const product = { product: productName };
  const withTarget = (url: URL) => {
    if ('attempt' in target) url.searchParams.set('attempt', target.attempt);
    else url.searchParams.set('return', target.return);
    url.searchParams.set('locale', locale);
    return url;
  };
  const links = tenant.oidc.map((provider) => {
    const start = new URL(publicUrl + paths.ssoStart(tenant.code));
    start.searchParams.set('provider', provider.id);
    withTarget(start);
    return `<a class="button" data-guard href="${escapeHtml(start.pathname + start.search)}">${fill(m.continueWith, { provider: provider.displayName })}</a>`;
  });
  if (tenant.platformJwt.remoteLogin) {
    // The platform's own login page (remote login, F6), named after the tenant.
    const start = withTarget(new URL(publicUrl + paths.remoteLogin(tenant.code)));
    links.push(
      `<a class="button" data-guard href="${escapeHtml(start.pathname + start.search)}">${fill(m.continueWith, { provider: tenant.displayName })}</a>`,
    );
  }
  if (tenant.magicLink.enabled) {
    // A form, not a link: the email goes in the body of a same-origin POST, never in a URL.
    const action = `${paths.magicLink(tenant.code)}?locale=${locale}`;
    const [name, value] = 'attempt' in target ? ['attempt', target.attempt] : ['return', target.return];
    links.push(`<form class="magic-link" method="post" action="${escapeHtml(action)}">
${links.length ? `<p class="muted">${fill(m.magicLinkOr, {})}</p>\n` : ''}<input type="hidden" name="${name}" value="${escapeHtml(value)}">
<label for="email">${fill(m.magicLinkLabel, {})}</label>
<input id="email" name="email" type="email" class="text-input" required maxlength="254" autocomplete="email" spellcheck="false">
<button type="submit" class="button" data-guard>${fill(m.magicLinkButton, {})}</button>
</form>`);
  }
  const lead = 'attempt' in target ? m.signInLead : m.signInLeadFirstParty;
  return `<p>${fill(lead, product)}</p>\n${links.length ? links.join('\n') : `<p role="alert">${fill(m.noMethods, product)}</p>`}`;
}

export function signInRoutes({ deps, oidc, identities, sessions, limits, productName, audit }: Services) {
  const app = new Hono<AppEnv>();
  const origin = new URL(deps.publicUrl).origin;
  const page = pageHeaders();
  const product = { product: productName };

  const liveAttempt = (c: Context<AppEnv>, tenant: TenantConfig, id: string | undefined) =>
    loadLiveAttempt(c, deps, tenant, id);

  app.get(
    '/signin',
    describeRoute({
      operationId: 'signInPage',
      tags: ['hosted pages'],
      summary: 'Hosted page in the popup: choose a sign-in method; binds the attempt to this browser',
      responses: { 200: htmlPage('Chooser page'), ...errorResponses(ATTEMPT_PAGE_ERRORS, { html: true }) },
    }),
    page,
    limits.requests('pages.ip', 'ip'),
    query(SignInQuery),
    async (c) => {
      const tenant = c.get('tenant');
      const asked = c.req.valid('query');
      const { attempt, locale } = await liveAttempt(c, tenant, asked.attempt);
      if (attempt.completedAt !== null)
        throw new DeskgateError('attempt_already_completed', 'This sign-in was already completed');
      if (attempt.bindingDigest === null) {
        // One binding per browser, kept while its sign-ins last, so parallel sign-ins do not collide.
        const binding = readCookie(c, BINDING_COOKIE) ?? randomToken(32);
        if (!(await deps.store.bindAttempt(attempt.id, await sha256(binding)))) {
          throw new DeskgateError('sso_browser_mismatch', 'This sign-in was started in another browser');
        }
        setCookies(c, [bindingCookie(binding, ATTEMPT_TTL_SECONDS)]);
      } else {
        await requireBinding(c, attempt.bindingDigest);
      }
      const m = messages(locale);
      const body = chooserBody(deps.publicUrl, tenant, locale, productName, { attempt: attempt.id });
      return c.html(layout(locale, fill(m.signInTitle, product), body));
    },
  );

  app.get(
    '/sso/start',
    describeRoute({
      operationId: 'startSso',
      tags: ['hosted pages'],
      summary: 'Redirect to the IdP with code + PKCE S256 + state + nonce',
      description:
        'Starts only from a click on the chooser: a same-origin, user-activated navigation (Sec-Fetch-Site: same-origin, Sec-Fetch-User: ?1, Sec-Fetch-Mode: navigate), else 403 signin_chooser_required.',
      responses: {
        302: { description: 'To the IdP' },
        ...errorResponses(
          [...ATTEMPT_PAGE_ERRORS, 'signin_chooser_required', 'sso_not_configured', 'sso_idp_unreachable'],
          { html: true },
        ),
      },
    }),
    page,
    requireChooserNavigation(),
    limits.requests('methods.start.ip', 'ip'),
    limits.requests('methods.start.attempt', 'attempt'),
    query(SsoStartQuery),
    async (c) => {
      const tenant = c.get('tenant');
      const asked = c.req.valid('query');
      const now = deps.now();
      // For the popup's attempt, or (with `return` and no attempt) a first-party sign-in on this site.
      let target: {
        attemptId: string | null;
        returnTo: string | null;
        bindingDigest: string;
        expiresAt: number;
      };
      if (asked.attempt === undefined && asked.return !== undefined) {
        const returnTo = resolveReturnTarget(asked.return, { origin, allowed: [] });
        const binding = readCookie(c, BINDING_COOKIE);
        if (!binding)
          throw new DeskgateError('sso_browser_mismatch', 'Start signing in from the sign-in page');
        target = {
          attemptId: null,
          returnTo,
          bindingDigest: await sha256(binding),
          expiresAt: now + SSO_TRANSACTION_TTL_MS,
        };
      } else {
        const { attempt } = await liveAttempt(c, tenant, asked.attempt);
        if (attempt.completedAt !== null)
          throw new DeskgateError('attempt_already_completed', 'This sign-in was already completed');
        await requireBinding(c, attempt.bindingDigest);
        target = {
          attemptId: attempt.id,
          returnTo: null,
          bindingDigest: attempt.bindingDigest!,
          expiresAt: Math.min(now + SSO_TRANSACTION_TTL_MS, attempt.expiresAt),
        };
      }
      const provider = tenant.oidc.find((p) => p.id === asked.provider);
      if (!provider)
        throw new DeskgateError('sso_not_configured', 'No such single sign-on provider for this tenant');
      const redirectUri = deps.publicUrl + paths.ssoCallback(tenant.code);
      const request = await oidc.authorizationRequest(provider, redirectUri);
      await deps.store.createSsoTransaction({
        stateDigest: await sha256(request.state),
        tenant: tenant.code,
        attemptId: target.attemptId,
        returnTo: target.returnTo,
        providerId: provider.id,
        nonce: request.nonce,
        codeVerifier: request.codeVerifier,
        bindingDigest: target.bindingDigest,
        createdAt: now,
        expiresAt: target.expiresAt,
      });
      return c.redirect(request.url, 302);
    },
  );

  app.get(
    '/sso/callback',
    describeRoute({
      operationId: 'ssoCallback',
      tags: ['hosted pages'],
      summary: 'OIDC redirect URI: validates the response and ID token, completes the attempt',
      responses: {
        303: { description: 'To the completion page' },
        ...errorResponses(
          [
            ...TENANT_ERRORS,
            'validation_failed',
            'sso_state_mismatch',
            'sso_browser_mismatch',
            'attempt_expired',
            'attempt_already_completed',
            'sso_not_configured',
            'sso_idp_error',
            'sso_response_invalid',
            'sso_nonce_mismatch',
            'sso_id_token_invalid',
            'sso_idp_unreachable',
            'rate_limited',
            'user_disabled',
            'roles_required',
            'role_lookup_failed',
            'trial_not_invited',
            'trial_seats_full',
          ],
          { html: true },
        ),
      },
    }),
    page,
    limits.requests('pages.ip', 'ip'),
    query(SsoCallbackQuery),
    async (c) => {
      const tenant = c.get('tenant');
      const { state } = c.req.valid('query');
      // Any retrieval burns the transaction: a replayed callback finds nothing.
      const tx = state ? await deps.store.takeSsoTransaction(await sha256(state)) : undefined;
      if (!tx || tx.tenant !== tenant.code) {
        throw new DeskgateError(
          'sso_state_mismatch',
          'This sign-in response does not belong to a sign-in in progress',
        );
      }
      // The attempt's language from here on, also for the error page if the IdP did not sign the agent in.
      const attempt =
        tx.attemptId === null ? undefined : await deps.store.getAttempt(tenant.code, tx.attemptId);
      const locale = pageLocale(c, attempt?.locale);
      await requireBinding(c, tx.bindingDigest);
      const now = deps.now();
      if (now >= tx.expiresAt)
        throw new DeskgateError('attempt_expired', 'This sign-in took too long; start again');
      const provider = tenant.oidc.find((p) => p.id === tx.providerId);
      if (!provider) throw new DeskgateError('sso_not_configured', 'The single sign-on provider was removed');
      const profile = await oidc.callback(tenant, provider, {
        currentUrl: new URL(c.req.url),
        redirectUri: deps.publicUrl + paths.ssoCallback(tenant.code),
        state: state!,
        nonce: tx.nonce,
        codeVerifier: tx.codeVerifier,
        onLookupFailed: async (error) => {
          c.get('log').warn(
            { tenant: tenant.code, provider: provider.id, code: error.code, reason: error.message },
            'sso: the platform role lookup failed; no role is granted from it',
          );
          await audit.record(tenant.code, {
            type: 'role_lookup_failed',
            actor: { kind: 'system', id: null },
            method: 'sso',
            outcome: 'refused',
            code: error.code,
            subject: null,
            details: { provider: provider.id },
          });
        },
      });
      const decision = await identities.resolve(tenant, profile, now);
      if (tx.attemptId === null) {
        // First-party: signed in on this site, then on to the return path (checked again: it was stored).
        const returnTo = resolveReturnTarget(tx.returnTo, { origin, allowed: [] });
        const issued = await sessions.start(tenant, decision.user, 'sso', now, null, decision.identity);
        setSessionCookies(c, tenant.code, issued.cookies);
        c.get('log').info(
          { tenant: tenant.code, userId: decision.user.id, action: decision.action },
          'sso sign-in (first-party)',
        );
        return c.redirect(returnTo, 303);
      }
      if (
        !(await deps.store.completeAttempt(tx.attemptId, decision.user.id, 'sso', now, decision.identity))
      ) {
        throw new DeskgateError('attempt_already_completed', 'This sign-in was already completed');
      }
      c.get('log').info(
        { tenant: tenant.code, userId: decision.user.id, action: decision.action },
        'sso sign-in',
      );
      const complete = new URL(deps.publicUrl + paths.complete(tenant.code));
      complete.searchParams.set('attempt', tx.attemptId);
      complete.searchParams.set('locale', locale);
      return c.redirect(complete.pathname + complete.search, 303);
    },
  );

  return app;
}
