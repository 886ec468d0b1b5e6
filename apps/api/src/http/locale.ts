// The language of a hosted page: what was asked, else the attempt's, else the browser's. Remembered on the
// request, so an error page of the same request speaks it too, whatever the IdP sent back.
import type { Context } from 'hono';
import type { AppEnv } from '../deps.ts';
import { type Locale, pickLocale } from '../pages/messages.ts';

export function pageLocale(c: Context<AppEnv>, attemptLocale?: string | null): Locale {
  const locale = pickLocale([c.req.query('locale'), attemptLocale], c.req.header('accept-language'));
  c.set('locale', locale);
  return locale;
}
