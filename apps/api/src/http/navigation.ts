// Requests from our own hosted pages, told apart by Fetch Metadata (which pages cannot forge): the confirm
// form's same-origin post, and a click on the chooser that starts a sign-in method.
import { DeskgateError } from '@deskgate/core';
import { paths } from '@deskgate/protocol';
import type { Context } from 'hono';
import type { AppEnv } from '../deps.ts';
import { LOCALES } from '../pages/messages.ts';
import { originGuard } from './csrf.ts';

/**
 * A request from our own hosted pages. Under `Referrer-Policy: no-referrer` browsers send `Origin: null`
 * on same-origin form posts, so `Sec-Fetch-Site` (which pages cannot forge) is accepted as well.
 */
export function isSameOriginRequest(c: Context, selfOrigin: string): boolean {
  const origin = c.req.header('origin');
  if (origin === selfOrigin) return true;
  return (origin === undefined || origin === 'null') && c.req.header('sec-fetch-site') === 'same-origin';
}

/**
 * A sign-in method starts only from a click on our own chooser: a same-origin, user-activated top-level
 * navigation, as Fetch Metadata (which pages cannot forge) reports it. So a foreign page cannot drive the
 * agent's tab past the chooser, and a request without Fetch Metadata (not a current browser) is refused.
 */
export function requireChooserNavigation() {
  return originGuard('chooser', async function requireChooserNavigation(c, next) {
    const fromChooser =
      c.req.header('sec-fetch-site') === 'same-origin' &&
      c.req.header('sec-fetch-user') === '?1' &&
      c.req.header('sec-fetch-mode') === 'navigate';
    if (!fromChooser) {
      throw new DeskgateError('signin_chooser_required', 'Start signing in from the sign-in window');
    }
    await next();
  });
}

/**
 * Only a form of our own hosted pages may post here (confirm, sign out, an exchange token, a magic link, an
 * access request): a cross-site form post would otherwise act for whoever's browser sends it. `message`
 * says where to do it instead.
 */
export function requireSameOrigin(selfOrigin: string, message: string) {
  return originGuard('same-origin', async function requireSameOrigin(c, next) {
    if (!isSameOriginRequest(c, selfOrigin)) throw new DeskgateError('origin_not_allowed', message);
    await next();
  });
}

/**
 * A first-party page's answer without a live session: a 303 to the tenant's first-party sign-in, which comes
 * back to `back` (a path on this site) with the page's `?locale=` kept.
 */
export function toFirstPartySignIn(c: Context<AppEnv>, back: string): Response {
  const tenant = c.get('tenant');
  const asked = c.req.query('locale');
  const locale = (LOCALES as readonly unknown[]).includes(asked) ? `?locale=${asked}` : '';
  const target = encodeURIComponent(`${back}${locale}`);
  return c.redirect(`${paths.signInFirstParty(tenant.code)}?return=${target}`, 303);
}
