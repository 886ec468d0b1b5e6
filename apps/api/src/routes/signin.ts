// The popup, first-party on our site: chooser, SSO start and callback, completion and confirmation pages.
import {
  type AttemptRecord,
  attemptProof,
  BINDING_COOKIE,
  bindingCookie,
  DeskgateError,
  randomToken,
  resolveIdentity,
  sha256,
  type TenantConfig,
  timingSafeEqual,
} from '@deskgate/core';
import { MESSAGE_ATTEMPT_COMPLETE, PROTOCOL_VERSION, paths } from '@deskgate/protocol';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import type { AppEnv } from '../deps.ts';
import { readCookie, setCookies } from '../http/cookies.ts';
import { isSameOriginRequest } from '../http/tenant.ts';
import { messages, pickLocale } from '../pages/messages.ts';
import { escapeHtml, fill, layout, PAGE_CSP } from '../pages/render.ts';
import type { Services } from './context.ts';

const SSO_TRANSACTION_TTL_MS = 10 * 60 * 1000;

/** Headers for every hosted page: strict CSP, no referrer, and no COOP so the opener link survives. */
export function setPageHeaders(c: Context): void {
  c.header('Content-Security-Policy', PAGE_CSP);
  c.header('Referrer-Policy', 'no-referrer');
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Cache-Control', 'no-store');
  c.header('Cross-Origin-Opener-Policy', 'unsafe-none');
}

export function pageHeaders(): MiddlewareHandler<AppEnv> {
  return async function pageHeaders(c, next) {
    await next();
    setPageHeaders(c);
  };
}

function localeOf(c: Context) {
  return pickLocale(c.req.query('locale'), c.req.header('accept-language'));
}

export function signInRoutes({ deps, oidc, productName }: Services) {
  const app = new Hono<AppEnv>();
  const page = pageHeaders();
  const product = { product: productName };

  async function liveAttempt(tenant: TenantConfig, id: string | undefined): Promise<AttemptRecord> {
    const attempt = id ? await deps.store.getAttempt(tenant.code, id) : undefined;
    if (!attempt) throw new DeskgateError('attempt_not_found', 'No such sign-in attempt');
    if (deps.now() >= attempt.expiresAt)
      throw new DeskgateError('attempt_expired', 'This sign-in attempt has expired');
    if (attempt.redeemedAt !== null)
      throw new DeskgateError('attempt_already_redeemed', 'This sign-in was already used');
    return attempt;
  }

  /** The attempt must belong to this browser: the one holding the binding cookie set on the sign-in page. */
  async function requireBinding(c: Context, expected: string | null) {
    const cookie = readCookie(c, BINDING_COOKIE);
    if (!cookie || !expected || !timingSafeEqual(await sha256(cookie), expected)) {
      throw new DeskgateError('sso_browser_mismatch', 'This sign-in was started in another browser');
    }
  }

  app.get('/signin', page, async (c) => {
    const tenant = c.get('tenant');
    const locale = localeOf(c);
    const attempt = await liveAttempt(tenant, c.req.query('attempt'));
    if (attempt.completedAt !== null)
      throw new DeskgateError('attempt_already_completed', 'This sign-in was already completed');
    if (attempt.bindingDigest === null) {
      const binding = randomToken(32);
      if (await deps.store.bindAttempt(attempt.id, await sha256(binding))) {
        setCookies(c, [
          bindingCookie(tenant.code, binding, Math.ceil((attempt.expiresAt - deps.now()) / 1000)),
        ]);
      } else {
        throw new DeskgateError('sso_browser_mismatch', 'This sign-in was started in another browser');
      }
    } else {
      await requireBinding(c, attempt.bindingDigest);
    }
    const m = messages(locale);
    const links = tenant.oidc.map((provider) => {
      const start = new URL(deps.publicUrl + paths.ssoStart(tenant.code));
      start.searchParams.set('attempt', attempt.id);
      start.searchParams.set('provider', provider.id);
      start.searchParams.set('locale', locale);
      return `<a class="button" href="${escapeHtml(start.pathname + start.search)}">${fill(m.continueWith, { provider: provider.displayName })}</a>`;
    });
    const body = `<p>${fill(m.signInLead, product)}</p>\n${links.length ? links.join('\n') : `<p role="alert">${fill(m.noMethods, product)}</p>`}`;
    return c.html(layout(locale, fill(m.signInTitle, product), body));
  });

  app.get('/sso/start', page, async (c) => {
    const tenant = c.get('tenant');
    const attempt = await liveAttempt(tenant, c.req.query('attempt'));
    if (attempt.completedAt !== null)
      throw new DeskgateError('attempt_already_completed', 'This sign-in was already completed');
    await requireBinding(c, attempt.bindingDigest);
    const provider = tenant.oidc.find((p) => p.id === c.req.query('provider'));
    if (!provider)
      throw new DeskgateError('sso_not_configured', 'No such single sign-on provider for this tenant');
    const redirectUri = deps.publicUrl + paths.ssoCallback(tenant.code);
    const request = await oidc.authorizationRequest(provider, redirectUri);
    const now = deps.now();
    await deps.store.createSsoTransaction({
      stateDigest: await sha256(request.state),
      tenant: tenant.code,
      attemptId: attempt.id,
      providerId: provider.id,
      nonce: request.nonce,
      codeVerifier: request.codeVerifier,
      bindingDigest: attempt.bindingDigest!,
      createdAt: now,
      expiresAt: Math.min(now + SSO_TRANSACTION_TTL_MS, attempt.expiresAt),
    });
    return c.redirect(request.url, 302);
  });

  app.get('/sso/callback', page, async (c) => {
    const tenant = c.get('tenant');
    const state = c.req.query('state');
    // Any retrieval burns the transaction: a replayed callback finds nothing.
    const tx = state ? await deps.store.takeSsoTransaction(await sha256(state)) : undefined;
    if (!tx || tx.tenant !== tenant.code) {
      throw new DeskgateError(
        'sso_state_mismatch',
        'This sign-in response does not belong to a sign-in in progress',
      );
    }
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
    });
    const existing = await deps.store.findUserByIdentity(tenant.code, profile.issuer, profile.subject);
    const decision = resolveIdentity(tenant.code, existing, profile, now, () => crypto.randomUUID());
    if (decision.action === 'create') {
      await deps.store.createUserWithIdentity(decision.user, {
        tenant: tenant.code,
        issuer: profile.issuer,
        subject: profile.subject,
        userId: decision.user.id,
        createdAt: now,
      });
    } else if (decision.action === 'update') {
      await deps.store.updateUser(decision.user);
    }
    if (!(await deps.store.completeAttempt(tx.attemptId, decision.user.id, 'sso', now))) {
      throw new DeskgateError('attempt_already_completed', 'This sign-in was already completed');
    }
    c.get('log').info(
      { tenant: tenant.code, userId: decision.user.id, action: decision.action },
      'sso sign-in',
    );
    const complete = new URL(deps.publicUrl + paths.complete(tenant.code));
    complete.searchParams.set('attempt', tx.attemptId);
    return c.redirect(complete.pathname + complete.search, 303);
  });

  app.get('/complete', page, async (c) => {
    const tenant = c.get('tenant');
    const locale = localeOf(c);
    const m = messages(locale);
    const id = c.req.query('attempt');
    const attempt = id ? await deps.store.getAttempt(tenant.code, id) : undefined;
    if (!attempt || attempt.completedAt === null)
      throw new DeskgateError('attempt_not_found', 'No completed sign-in here');
    await requireBinding(c, attempt.bindingDigest);
    const done = `<p>${fill(m.completeDone, product)}</p>`;
    if (attempt.redeemedAt !== null || attempt.confirmedAt !== null) {
      return c.html(layout(locale, m.completeTitle, done));
    }
    if (deps.now() >= attempt.expiresAt)
      throw new DeskgateError('attempt_expired', 'This sign-in attempt has expired');
    const data = {
      type: MESSAGE_ATTEMPT_COMPLETE,
      v: PROTOCOL_VERSION,
      attemptId: attempt.id,
      proof: await attemptProof(deps.keys.attemptProof, attempt.id),
      origin: attempt.origin,
    };
    // JSON in a non-executable script element; `<` is escaped so the data can never close the element.
    const json = JSON.stringify(data).replace(/</g, '\\u003c');
    const action = `${paths.attemptConfirm(tenant.code, attempt.id)}?locale=${locale}`;
    const body = `<script type="application/json" id="deskgate-data">${json}</script>
<div id="done" hidden>${done}</div>
<form id="confirm" method="post" action="${escapeHtml(action)}">
<p>${fill(m.confirmLead, product)}</p>
<p class="code" data-confirmation-code>${escapeHtml(attempt.confirmationCode)}</p>
<button class="button" type="submit">${escapeHtml(m.confirmButton)}</button>
<p class="muted">${fill(m.confirmWarning, product)}</p>
</form>`;
    return c.html(layout(locale, m.completeTitle, body, { script: true }));
  });

  app.post('/attempts/:id/confirm', page, async (c) => {
    const tenant = c.get('tenant');
    const locale = localeOf(c);
    // A same-origin form post from our completion page; anything else is a cross-site request.
    if (!isSameOriginRequest(c, new URL(deps.publicUrl).origin)) {
      throw new DeskgateError('origin_not_allowed', 'Confirm from the sign-in window');
    }
    const attempt = await deps.store.getAttempt(tenant.code, c.req.param('id'));
    if (!attempt || attempt.completedAt === null)
      throw new DeskgateError('attempt_not_found', 'No completed sign-in here');
    await requireBinding(c, attempt.bindingDigest);
    if (deps.now() >= attempt.expiresAt)
      throw new DeskgateError('attempt_expired', 'This sign-in attempt has expired');
    await deps.store.confirmAttempt(attempt.id, deps.now());
    const m = messages(locale);
    return c.html(layout(locale, m.confirmedTitle, `<p>${fill(m.completeDone, product)}</p>`));
  });

  return app;
}
