// Deskpro-style remote login (F6): the browser goes to the platform's own login page, which signs the agent in
// its way and comes back with a one-time JWT. From the sign-in chooser it completes the attempt (the popup);
// otherwise it signs in first-party on the API site and goes on to a validated return target.
import {
  DeskgateError,
  encryptSecret,
  firstPartyCookie,
  openSecret,
  randomToken,
  resolveReturnTarget,
  type TenantConfig,
  timingSafeEqual,
} from '@deskgate/core';
import { paths } from '@deskgate/protocol';
import { type Context, Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import * as v from 'valibot';
import type { AppEnv } from '../deps.ts';
import { liveAttempt } from '../http/attempt.ts';
import { requireBinding } from '../http/binding.ts';
import { readCookie, setCookies, setSessionCookies } from '../http/cookies.ts';
import { originGuard } from '../http/csrf.ts';
import { requireChooserNavigation } from '../http/navigation.ts';
import { params, query } from '../http/validation.ts';
import { pageHeaders } from '../pages/headers.ts';
import {
  ATTEMPT_PAGE_ERRORS,
  attemptQuery,
  errorResponses,
  PageLocale,
  queryText,
  TenantPath,
} from '../schemas/common.ts';
import type { Services } from './context.ts';
import { JWT_FAILURES } from './platform-jwt.ts';

/** The browser has this long to come back from the platform's login page. */
const CONTEXT_TTL_SECONDS = 600;
/**
 * What the browser is signing in for, kept in the browser itself across the platform's login page: the
 * platform redirects to our callback with only `jwt`, so the attempt (or the return target) cannot travel in
 * the URL. Sealed with the master key (AES-GCM), so it can be neither read nor forged. SameSite=Lax: the
 * platform's redirect back is a cross-site top-level GET.
 */
export const REMOTE_LOGIN_COOKIE = '__Host-deskgate_remote_login';

interface RemoteContext {
  attempt?: string;
  return?: string;
  /**
   * Also in the callback URL the platform is given. Without it, a page could start a first-party remote login
   * in the agent's browser (any navigation sets the context cookie) and then send that browser to the callback
   * with the attacker's own one-time token: login CSRF, the agent signed in as the attacker.
   */
  state: string;
  exp: number;
}

const StartQuery = v.object({
  attempt: v.optional(attemptQuery),
  return: queryText('First-party sign-in: a path on this site, or a URL the tenant allows, to go on to'),
  locale: PageLocale,
});
const CallbackQuery = v.object({ jwt: queryText('The one-time JWT the platform signed (Deskpro: `jwt`)') });
// Any other shape is simply not this browser's sign-in (sso_state_mismatch), not a validation error.
const CallbackPath = v.object({
  ...TenantPath.entries,
  state: v.pipe(
    v.string(),
    v.description('The state the start put in the callback URL it gave the platform'),
  ),
});

const sealContext = (tenant: string) => `tenant:${tenant}:remote-login`;

const contextCookie = (value: string, maxAgeSeconds: number) =>
  firstPartyCookie(REMOTE_LOGIN_COOKIE, value, maxAgeSeconds);

function remoteLoginOf(tenant: TenantConfig) {
  const remote = tenant.platformJwt.remoteLogin;
  if (!remote)
    throw new DeskgateError('remote_login_not_configured', 'Remote login is not set up for this tenant');
  return remote;
}

export function remoteLoginRoutes({ deps, platformJwt, sessions, limits }: Services) {
  const app = new Hono<AppEnv>();
  const page = pageHeaders();
  const origin = new URL(deps.publicUrl).origin;

  app.get(
    '/remote-login',
    describeRoute({
      operationId: 'startRemoteLogin',
      tags: ['hosted pages'],
      summary: "Redirect to the platform's remote login page, which comes back with a one-time JWT",
      description:
        'With `attempt` (the chooser, in the SDK popup) it completes that sign-in attempt and starts only from a click on the chooser; with `return` it signs in first-party on this site and goes on to `return`: a path on this site or a URL the tenant lists exactly.',
      responses: {
        302: { description: "To the platform's remote login URL, with `return` set to our callback" },
        ...errorResponses(
          [
            ...ATTEMPT_PAGE_ERRORS,
            'signin_chooser_required',
            'remote_login_not_configured',
            'return_target_invalid',
          ],
          { html: true },
        ),
      },
    }),
    page,
    limits.requests('methods.start.ip', 'ip'),
    query(StartQuery),
    // From the chooser only, as every method's start (the attempt check lives in the handler).
    originGuard('chooser', async (c, next) => {
      if (c.req.query('attempt') !== undefined) return requireChooserNavigation()(c, next);
      await next();
    }),
    async (c) => {
      const tenant = c.get('tenant');
      const remote = remoteLoginOf(tenant);
      const asked = c.req.valid('query');
      const now = deps.now();
      const context: RemoteContext = { state: randomToken(16), exp: now + CONTEXT_TTL_SECONDS * 1000 };
      if (asked.attempt !== undefined) {
        const { attempt } = await liveAttempt(c, deps, tenant, asked.attempt);
        if (attempt.completedAt !== null)
          throw new DeskgateError('attempt_already_completed', 'This sign-in was already completed');
        await requireBinding(c, attempt.bindingDigest);
        context.attempt = attempt.id;
        context.exp = Math.min(context.exp, attempt.expiresAt);
      } else {
        context.return = resolveReturnTarget(asked.return, { origin, allowed: remote.returnUrls });
      }
      const sealed = await encryptSecret(
        deps.keys.secrets,
        JSON.stringify(context),
        sealContext(tenant.code),
      );
      setCookies(c, [contextCookie(sealed, CONTEXT_TTL_SECONDS)]);
      const target = new URL(remote.url);
      target.searchParams.set(
        'return',
        deps.publicUrl + paths.remoteLoginCallback(tenant.code, context.state),
      );
      return c.redirect(target.href, 302);
    },
  );

  /**
   * The context this browser started, burnt on first read; sso_state_mismatch without a live one, or when the
   * callback's state is not the one this browser's start gave the platform.
   */
  async function takeContext(
    c: Context<AppEnv>,
    tenant: TenantConfig,
    state: string,
    now: number,
  ): Promise<RemoteContext> {
    const sealed = readCookie(c, REMOTE_LOGIN_COOKIE);
    setCookies(c, [contextCookie('', 0)]);
    let context: RemoteContext | undefined;
    try {
      context = sealed
        ? (JSON.parse(await openSecret(deps.keys, sealed, sealContext(tenant.code))) as RemoteContext)
        : undefined;
    } catch {}
    if (
      !context ||
      now >= context.exp ||
      typeof context.state !== 'string' ||
      !timingSafeEqual(context.state, state)
    )
      throw new DeskgateError(
        'sso_state_mismatch',
        'This sign-in response does not belong to a sign-in in progress in this browser',
      );
    return context;
  }

  app.get(
    '/remote-login/callback/:state',
    describeRoute({
      operationId: 'remoteLoginCallback',
      tags: ['hosted pages'],
      summary: 'Where the platform sends the browser back with `?jwt=`: verifies it (one-time profile)',
      description:
        'The one place a token arrives in a URL, because that is how remote login works (Deskpro): it is single use (jti), lives at most 5 minutes, and the request path is logged without its query. The browser must hold the context cookie /remote-login set; the token is checked only then.',
      responses: {
        303: { description: 'To the completion page (attempt) or to the return target (first-party)' },
        ...errorResponses(
          [
            ...ATTEMPT_PAGE_ERRORS,
            'sso_state_mismatch',
            'remote_login_not_configured',
            'return_target_invalid',
            ...JWT_FAILURES,
            'jwt_not_configured',
            'identity_conflict',
            'user_not_provisioned',
            'user_disabled',
            'trial_not_invited',
            'trial_seats_full',
          ],
          { html: true },
        ),
      },
    }),
    page,
    limits.requests('pages.ip', 'ip'),
    limits.failures('jwt.failures.ip', 'ip', JWT_FAILURES),
    limits.failures('jwt.failures.tenant', 'tenant', JWT_FAILURES),
    params(CallbackPath),
    query(CallbackQuery),
    async (c) => {
      const tenant = c.get('tenant');
      const remote = remoteLoginOf(tenant);
      const now = deps.now();
      const context = await takeContext(c, tenant, c.req.valid('param').state, now);
      const token = c.req.valid('query').jwt;
      if (!token) throw new DeskgateError('jwt_malformed', 'The platform sent no token (`jwt`)');
      if (context.attempt !== undefined) {
        // The attempt's checks first, so a token is not used up for a sign-in that cannot complete.
        const { attempt, locale } = await liveAttempt(c, deps, tenant, context.attempt);
        if (attempt.completedAt !== null)
          throw new DeskgateError('attempt_already_completed', 'This sign-in was already completed');
        await requireBinding(c, attempt.bindingDigest);
        const signedIn = await platformJwt.authenticate(tenant, token, 'one-time', now, 'one-time');
        if (!(await deps.store.completeAttempt(attempt.id, signedIn.user.id, 'jwt', now, signedIn.identity)))
          throw new DeskgateError('attempt_already_completed', 'This sign-in was already completed');
        c.get('log').info(
          { tenant: tenant.code, userId: signedIn.user.id, action: signedIn.action, kid: signedIn.kid },
          'remote login',
        );
        const complete = new URL(deps.publicUrl + paths.complete(tenant.code));
        complete.searchParams.set('attempt', attempt.id);
        complete.searchParams.set('locale', locale);
        return c.redirect(complete.pathname + complete.search, 303);
      }
      // Checked again: the tenant's list may have changed while the agent was at the platform.
      const target = resolveReturnTarget(context.return, { origin, allowed: remote.returnUrls });
      const signedIn = await platformJwt.authenticate(tenant, token, 'one-time', now, 'one-time');
      const issued = await sessions.start(tenant, signedIn.user, 'jwt', now, null, signedIn.identity);
      setSessionCookies(c, tenant.code, issued.cookies);
      c.get('log').info(
        { tenant: tenant.code, userId: signedIn.user.id, action: signedIn.action, kid: signedIn.kid },
        'remote login (first-party)',
      );
      return c.redirect(target, 303);
    },
  );

  return app;
}
