// The popup's browser binding: an attempt belongs to the browser holding the cookie set on its sign-in page.
import { BINDING_COOKIE, DeskgateError, sha256, timingSafeEqual } from '@deskgate/core';
import type { Context } from 'hono';
import { readCookie } from './cookies.ts';

export async function requireBinding(c: Context, expected: string | null): Promise<void> {
  const cookie = readCookie(c, BINDING_COOKIE);
  if (!cookie || !expected || !timingSafeEqual(await sha256(cookie), expected)) {
    throw new DeskgateError('sso_browser_mismatch', 'This sign-in was started in another browser');
  }
}
