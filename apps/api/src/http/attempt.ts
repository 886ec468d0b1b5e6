// The attempt a popup page works on: it must exist, be live and not yet used. Every sign-in method's pages
// load it this way.
import { type AttemptRecord, DeskgateError, type TenantConfig } from '@deskgate/core';
import type { Context } from 'hono';
import type { AppEnv, Deps } from '../deps.ts';
import type { Locale } from '../pages/messages.ts';
import { pageLocale } from './locale.ts';

export async function liveAttempt(
  c: Context<AppEnv>,
  deps: Pick<Deps, 'store' | 'now'>,
  tenant: TenantConfig,
  id: string | undefined,
): Promise<{ attempt: AttemptRecord; locale: Locale }> {
  const attempt = id ? await deps.store.getAttempt(tenant.code, id) : undefined;
  if (!attempt) throw new DeskgateError('attempt_not_found', 'No such sign-in attempt');
  // Known from here on, so the error pages below speak the attempt's language too.
  const locale = pageLocale(c, attempt.locale);
  if (deps.now() >= attempt.expiresAt)
    throw new DeskgateError('attempt_expired', 'This sign-in attempt has expired');
  if (attempt.redeemedAt !== null)
    throw new DeskgateError('attempt_already_redeemed', 'This sign-in was already used');
  return { attempt, locale };
}
